package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/verdictlabs/verdict/model"
)

// Case is one conformance case: a scenario, one flow, and Calico's answer
// for one direction at one endpoint. Its fields follow the JSON schema of
// conformance/README.md.
type Case struct {
	ID       string    `json:"id"`
	Tiers    []Tier    `json:"tiers"`
	Policies []Policy  `json:"policies"`
	Profiles []Profile `json:"profiles"`

	Namespaces      []Namespace      `json:"namespaces"`
	ServiceAccounts []ServiceAccount `json:"service_accounts"`

	Src Endpoint `json:"src"`
	Dst Endpoint `json:"dst"`

	GlobalNetworkSets []NetworkSet   `json:"global_network_sets,omitempty"`
	NetworkSets       []NetworkSet   `json:"network_sets,omitempty"`
	HostEndpoints     []HostEndpoint `json:"host_endpoints,omitempty"`

	// Services and EndpointSlices, kept as written: they go through the
	// policy/kube package's BuildServices when the case is built.
	Services       []json.RawMessage `json:"services,omitempty"`
	EndpointSlices []json.RawMessage `json:"endpoint_slices,omitempty"`

	// Kubernetes objects, kept as written: they go through the policy
	// package's conversions when the case is built.
	KubernetesNetworkPolicies       []json.RawMessage `json:"k8s_network_policies,omitempty"`
	ClusterNetworkPolicies          []json.RawMessage `json:"cluster_network_policies,omitempty"`
	StagedKubernetesNetworkPolicies []json.RawMessage `json:"staged_k8s_network_policies,omitempty"`

	Flow   Flow   `json:"flow"`
	Result Result `json:"result"`

	// File and Line locate the case: the file ReadFile read it from (empty
	// for ReadCases) and its line there, counting from 1.
	File string `json:"-"`
	Line int    `json:"-"`
}

// Tier is a tier of a case. A null order stays nil.
type Tier struct {
	Name          string   `json:"name"`
	Order         *float64 `json:"order"`
	DefaultAction string   `json:"default_action"`
}

// Policy is a Calico policy of a case: a GlobalNetworkPolicy when
// Namespace is empty, else a NetworkPolicy; Staged makes it the staged kind
// of the same scope. Selector "" means all(); an absent selector field is
// nil.
type Policy struct {
	Name                   string            `json:"name"`
	Namespace              string            `json:"namespace,omitempty"`
	Staged                 bool              `json:"staged,omitempty"`
	Tier                   string            `json:"tier,omitempty"`
	Order                  *float64          `json:"order,omitempty"`
	Selector               *string           `json:"selector,omitempty"`
	NamespaceSelector      *string           `json:"namespace_selector,omitempty"`
	ServiceAccountSelector *string           `json:"service_account_selector,omitempty"`
	Types                  []string          `json:"types,omitempty"`
	Ingress                []json.RawMessage `json:"ingress,omitempty"`
	Egress                 []json.RawMessage `json:"egress,omitempty"`
}

// Profile is a profile of a case; Labels are its labelsToApply.
type Profile struct {
	Name    string            `json:"name"`
	Labels  map[string]string `json:"labels,omitempty"`
	Ingress []json.RawMessage `json:"ingress,omitempty"`
	Egress  []json.RawMessage `json:"egress,omitempty"`
}

// Namespace is a Kubernetes namespace of a case, with exactly the labels
// listed.
type Namespace struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

// ServiceAccount is a Kubernetes service account of a case.
type ServiceAccount struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
}

// Endpoint is the source or destination of a case: a workload endpoint
// when Name is set, else only an address. Profiles nil means the default
// kns.<namespace> (and ksa.<namespace>.<account> with a service account);
// a listed (even empty) Profiles is exactly the endpoint's profiles.
type Endpoint struct {
	Name           string            `json:"name,omitempty"`
	Namespace      string            `json:"namespace,omitempty"`
	Labels         map[string]string `json:"labels,omitempty"`
	ServiceAccount string            `json:"service_account,omitempty"`
	IP             string            `json:"ip"`
	Profiles       *[]string         `json:"profiles,omitempty"`
	Ports          []EndpointPort    `json:"ports,omitempty"`
}

// EndpointPort is a named port a workload endpoint declares, as in a
// WorkloadEndpoint's spec.ports. Protocol is a name (TCP, UDP, SCTP) or a
// number.
type EndpointPort struct {
	Name     string          `json:"name"`
	Protocol json.RawMessage `json:"protocol"`
	Port     uint16          `json:"port"`
}

// NetworkSet is a global network set (no Namespace) or a namespaced one.
type NetworkSet struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels"`
	Nets      []string          `json:"nets"`
}

// HostEndpoint is a host endpoint of a case: a peer by its expected IPs.
type HostEndpoint struct {
	Name        string            `json:"name"`
	Labels      map[string]string `json:"labels"`
	ExpectedIPs []string          `json:"expected_ips"`
}

// Flow is a case's flow and the direction judged: "ingress" at the
// destination endpoint, "egress" at the source endpoint.
type Flow struct {
	Direction string       `json:"direction"`
	Protocol  uint8        `json:"protocol"`
	SrcPort   uint16       `json:"src_port"`
	DstPort   uint16       `json:"dst_port"`
	HTTP      *HTTPRequest `json:"http,omitempty"`
}

// HTTPRequest is the application-layer request of a flow; either field
// may be absent.
type HTTPRequest struct {
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
}

// Result is Calico's answer: "allow" or "deny", enforced and pending, with
// the trace of each.
type Result struct {
	Verdict        string      `json:"verdict"`
	Trace          []model.Hit `json:"trace"`
	PendingVerdict string      `json:"pending_verdict"`
	PendingTrace   []model.Hit `json:"pending_trace"`
}

// ReadCases reads cases, one JSON object per line; blank lines are
// skipped. Fields outside the schema are errors, so a change of schema is
// noticed rather than silently ignored. Errors name the line and the case.
func ReadCases(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	// Lines are whole scenarios; the largest vectors are tens of
	// kilobytes, so leave plenty of room.
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	seen := make(map[string]int)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		c, err := decodeCase(text)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if first, dup := seen[c.ID]; dup {
			return nil, fmt.Errorf("line %d: case %q: the id is already used on line %d", line, c.ID, first)
		}
		seen[c.ID] = line
		c.Line = line
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("after line %d: %w", len(seen), err)
	}
	return cases, nil
}

// ReadFile reads the cases of a file; errors start with its name.
func ReadFile(path string) ([]Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cases, err := ReadCases(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i := range cases {
		cases[i].File = path
	}
	return cases, nil
}

func decodeCase(text []byte) (Case, error) {
	var c Case
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		// Name the case when its id can still be read.
		var id struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(text, &id) == nil && id.ID != "" {
			return Case{}, fmt.Errorf("case %q: %w", id.ID, err)
		}
		return Case{}, err
	}
	if dec.More() {
		return Case{}, fmt.Errorf("case %q: more than one JSON value on the line", c.ID)
	}
	if c.ID == "" {
		return Case{}, fmt.Errorf("a case without an id")
	}
	return c, nil
}
