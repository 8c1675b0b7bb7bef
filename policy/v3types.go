package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// The projectcalico.org/v3 resources, field for field as Calico's API
// defines them, so that strict decoding names every field Calico does not
// know. Selectors, nets, actions and protocols stay text here: they are
// checked and converted with their field paths in v3convert.go and rule.go.
// The same types write resources back out (encode.go), hence omitempty.

// calicoAPIVersion is the apiVersion of every Calico v3 resource.
const calicoAPIVersion = "projectcalico.org/v3"

// v3Tier is a Tier.
type v3Tier struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   resource.ObjectMeta `json:"metadata"`
	Spec       v3TierSpec          `json:"spec,omitzero"`
}

type v3TierSpec struct {
	Order         *float64 `json:"order,omitempty"`
	DefaultAction string   `json:"defaultAction,omitempty"`
}

// v3PolicyCommon holds the spec fields every Calico policy kind shares.
type v3PolicyCommon struct {
	Tier                   string   `json:"tier,omitempty"`
	Order                  *float64 `json:"order,omitempty"`
	Selector               string   `json:"selector,omitempty"`
	ServiceAccountSelector string   `json:"serviceAccountSelector,omitempty"`
	Types                  []string `json:"types,omitempty"`
	Ingress                []v3Rule `json:"ingress,omitempty"`
	Egress                 []v3Rule `json:"egress,omitempty"`
	PerformanceHints       []string `json:"performanceHints,omitempty"`
}

// v3GlobalPolicySpec is the spec of GlobalNetworkPolicy and, with
// stagedAction, of StagedGlobalNetworkPolicy.
type v3GlobalPolicySpec struct {
	v3PolicyCommon    `json:",inline"`
	NamespaceSelector string `json:"namespaceSelector,omitempty"`
	DoNotTrack        bool   `json:"doNotTrack,omitempty"`
	PreDNAT           bool   `json:"preDNAT,omitempty"`
	ApplyOnForward    bool   `json:"applyOnForward,omitempty"`
	StagedAction      string `json:"stagedAction,omitempty"`
}

// v3NamespacedPolicySpec is the spec of NetworkPolicy and, with
// stagedAction, of StagedNetworkPolicy.
type v3NamespacedPolicySpec struct {
	v3PolicyCommon `json:",inline"`
	StagedAction   string `json:"stagedAction,omitempty"`
}

type v3GlobalPolicy struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   resource.ObjectMeta `json:"metadata"`
	Spec       v3GlobalPolicySpec  `json:"spec,omitzero"`
}

type v3NamespacedPolicy struct {
	APIVersion string                 `json:"apiVersion"`
	Kind       string                 `json:"kind"`
	Metadata   resource.ObjectMeta    `json:"metadata"`
	Spec       v3NamespacedPolicySpec `json:"spec,omitzero"`
}

type v3Profile struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   resource.ObjectMeta `json:"metadata"`
	Spec       v3ProfileSpec       `json:"spec,omitzero"`
}

type v3ProfileSpec struct {
	Ingress       []v3Rule          `json:"ingress,omitempty"`
	Egress        []v3Rule          `json:"egress,omitempty"`
	LabelsToApply map[string]string `json:"labelsToApply,omitempty"`
}

// v3NetworkSet is a NetworkSet or a GlobalNetworkSet; the two specs are
// the same.
type v3NetworkSet struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   resource.ObjectMeta `json:"metadata"`
	Spec       v3NetworkSetSpec    `json:"spec,omitzero"`
}

type v3NetworkSetSpec struct {
	Nets []string `json:"nets,omitempty"`
}

type v3HostEndpoint struct {
	APIVersion string              `json:"apiVersion"`
	Kind       string              `json:"kind"`
	Metadata   resource.ObjectMeta `json:"metadata"`
	Spec       v3HostEndpointSpec  `json:"spec,omitzero"`
}

type v3HostEndpointSpec struct {
	Node          string           `json:"node,omitempty"`
	InterfaceName string           `json:"interfaceName,omitempty"`
	ExpectedIPs   []string         `json:"expectedIPs,omitempty"`
	Profiles      []string         `json:"profiles,omitempty"`
	Ports         []v3EndpointPort `json:"ports,omitempty"`
}

// v3EndpointPort is a named port of a host endpoint.
type v3EndpointPort struct {
	Name     string      `json:"name"`
	Protocol *v3Protocol `json:"protocol,omitempty"`
	Port     uint16      `json:"port"`
}

// v3WorkloadEndpointPort is a port of a workload endpoint: a named port,
// or one that only maps a host port. Verdict does not use the host side.
type v3WorkloadEndpointPort struct {
	v3EndpointPort `json:",inline"`
	HostPort       uint16 `json:"hostPort,omitempty"`
	HostIP         string `json:"hostIP,omitempty"`
}

// workloadPorts gives host endpoint ports the shape of a workload's, with
// no host ports, so that both kinds are checked and written alike.
func workloadPorts(ports []v3EndpointPort) []v3WorkloadEndpointPort {
	if len(ports) == 0 {
		return nil
	}
	out := make([]v3WorkloadEndpointPort, len(ports))
	for i, p := range ports {
		out[i].v3EndpointPort = p
	}
	return out
}

type v3WorkloadEndpoint struct {
	APIVersion string                 `json:"apiVersion"`
	Kind       string                 `json:"kind"`
	Metadata   resource.ObjectMeta    `json:"metadata"`
	Spec       v3WorkloadEndpointSpec `json:"spec,omitzero"`
}

type v3WorkloadEndpointSpec struct {
	Orchestrator               string                   `json:"orchestrator,omitempty"`
	Workload                   string                   `json:"workload,omitempty"`
	Node                       string                   `json:"node,omitempty"`
	ContainerID                string                   `json:"containerID,omitempty"`
	Pod                        string                   `json:"pod,omitempty"`
	Endpoint                   string                   `json:"endpoint,omitempty"`
	ServiceAccountName         string                   `json:"serviceAccountName,omitempty"`
	IPNetworks                 []string                 `json:"ipNetworks,omitempty"`
	IPNATs                     []v3IPNAT                `json:"ipNATs,omitempty"`
	IPv4Gateway                string                   `json:"ipv4Gateway,omitempty"`
	IPv6Gateway                string                   `json:"ipv6Gateway,omitempty"`
	Profiles                   []string                 `json:"profiles,omitempty"`
	InterfaceName              string                   `json:"interfaceName,omitempty"`
	MAC                        string                   `json:"mac,omitempty"`
	Ports                      []v3WorkloadEndpointPort `json:"ports,omitempty"`
	AllowSpoofedSourcePrefixes []string                 `json:"allowSpoofedSourcePrefixes,omitempty"`
	QoSControls                *v3QoSControls           `json:"qosControls,omitempty"`
}

type v3IPNAT struct {
	InternalIP string `json:"internalIP"`
	ExternalIP string `json:"externalIP"`
}

// v3QoSControls is accepted so that exported endpoints decode; bandwidth
// limits never change a verdict.
type v3QoSControls struct {
	IngressBandwidth      int64 `json:"ingressBandwidth,omitempty"`
	IngressBurst          int64 `json:"ingressBurst,omitempty"`
	IngressPeakrate       int64 `json:"ingressPeakrate,omitempty"`
	IngressMinburst       int64 `json:"ingressMinburst,omitempty"`
	EgressBandwidth       int64 `json:"egressBandwidth,omitempty"`
	EgressBurst           int64 `json:"egressBurst,omitempty"`
	EgressPeakrate        int64 `json:"egressPeakrate,omitempty"`
	EgressMinburst        int64 `json:"egressMinburst,omitempty"`
	IngressPacketRate     int64 `json:"ingressPacketRate,omitempty"`
	IngressPacketBurst    int64 `json:"ingressPacketBurst,omitempty"`
	EgressPacketRate      int64 `json:"egressPacketRate,omitempty"`
	EgressPacketBurst     int64 `json:"egressPacketBurst,omitempty"`
	IngressMaxConnections int64 `json:"ingressMaxConnections,omitempty"`
	EgressMaxConnections  int64 `json:"egressMaxConnections,omitempty"`
	DSCP                  any   `json:"dscp,omitempty"`
}

// v3Rule is one rule of a policy or profile.
type v3Rule struct {
	Action      string          `json:"action"`
	IPVersion   *int            `json:"ipVersion,omitempty"`
	Protocol    *v3Protocol     `json:"protocol,omitempty"`
	ICMP        *v3ICMP         `json:"icmp,omitempty"`
	NotProtocol *v3Protocol     `json:"notProtocol,omitempty"`
	NotICMP     *v3ICMP         `json:"notICMP,omitempty"`
	Source      v3EntityRule    `json:"source,omitzero"`
	Destination v3EntityRule    `json:"destination,omitzero"`
	HTTP        *v3HTTPMatch    `json:"http,omitempty"`
	Metadata    *v3RuleMetadata `json:"metadata,omitempty"`
}

type v3ICMP struct {
	Type *int `json:"type,omitempty"`
	Code *int `json:"code,omitempty"`
}

type v3EntityRule struct {
	Nets              []string               `json:"nets,omitempty"`
	Selector          string                 `json:"selector,omitempty"`
	NamespaceSelector string                 `json:"namespaceSelector,omitempty"`
	Services          *v3ServiceMatch        `json:"services,omitempty"`
	Ports             []v3Port               `json:"ports,omitempty"`
	NotNets           []string               `json:"notNets,omitempty"`
	NotSelector       string                 `json:"notSelector,omitempty"`
	NotPorts          []v3Port               `json:"notPorts,omitempty"`
	ServiceAccounts   *v3ServiceAccountMatch `json:"serviceAccounts,omitempty"`
}

type v3ServiceMatch struct {
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

type v3ServiceAccountMatch struct {
	Names    []string `json:"names,omitempty"`
	Selector string   `json:"selector,omitempty"`
}

type v3HTTPMatch struct {
	Methods []string     `json:"methods,omitempty"`
	Paths   []v3HTTPPath `json:"paths,omitempty"`
}

type v3HTTPPath struct {
	Exact  string `json:"exact,omitempty"`
	Prefix string `json:"prefix,omitempty"`
}

type v3RuleMetadata struct {
	Annotations map[string]string `json:"annotations,omitempty"`
}

// numOrString is a JSON value that is an integer or a string, kept in the
// form it was written: Calico reads the string "80" as the number 80, but
// a message should quote what the user wrote. Range and meaning are
// checked by whoever uses the value, where the field path is known.
type numOrString struct {
	IsNum bool
	Num   int64
	Str   string
}

// String gives the value as written.
func (v numOrString) String() string {
	if v.IsNum {
		return strconv.FormatInt(v.Num, 10)
	}
	return v.Str
}

// MarshalJSON writes the value in the form it holds.
func (v numOrString) MarshalJSON() ([]byte, error) {
	if v.IsNum {
		return strconv.AppendInt(nil, v.Num, 10), nil
	}
	return json.Marshal(v.Str)
}

var errNumOrString = errors.New("expected an integer or a string")

// UnmarshalJSON reads an integer or a string.
func (v *numOrString) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		*v = numOrString{}
		return json.Unmarshal(data, &v.Str)
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return errNumOrString
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		if f, ferr := n.Float64(); ferr == nil && f == float64(int64(f)) {
			i = int64(f)
		} else {
			return errors.New("expected an integer or a string, got " + string(n))
		}
	}
	*v = numOrString{IsNum: true, Num: i}
	return nil
}

// v3Protocol is a rule's protocol or notProtocol, or an endpoint port's
// protocol: a name or a number.
type v3Protocol struct{ numOrString }

// v3Port is one entry of ports or notPorts: a number, "lo:hi", or a name.
type v3Port struct{ numOrString }
