package kube

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// kubeConformanceCase is a conformance case reduced to what this package
// can check on its own: the Kubernetes objects, the flow, and the hits on
// converted policies (testdata/kube_conformance_cases.jsonl, taken
// unchanged from every case of the conformance vectors that holds such
// objects).
type kubeConformanceCase struct {
	ID   string `json:"id"`
	Flow struct {
		Direction string `json:"direction"`
		Protocol  int    `json:"protocol"`
		DstPort   int    `json:"dst_port"`
	} `json:"flow"`
	NetworkPolicies        []json.RawMessage `json:"k8s_network_policies"`
	ClusterNetworkPolicies []json.RawMessage `json:"cluster_network_policies"`
	StagedNetworkPolicies  []json.RawMessage `json:"staged_k8s_network_policies"`
	Hits                   []model.Hit       `json:"hits"`
}

func kubeConformanceCases(t *testing.T) []kubeConformanceCase {
	t.Helper()
	f, err := os.Open("testdata/kube_conformance_cases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []kubeConformanceCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c kubeConformanceCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", len(cases)+1, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// kubeConformancePolicies decodes (strictly, as the loader does) and
// converts every Kubernetes policy of a case, failing on any error.
func kubeConformancePolicies(t *testing.T, c *kubeConformanceCase) map[model.Key]model.Policy {
	t.Helper()
	out := make(map[model.Key]model.Policy)
	check := func(what string, problems Problems) {
		if errs := problems.Errors(); len(errs) > 0 {
			t.Errorf("%s: %s: valid object reported invalid:\n%s", c.ID, what, kubeProblemList(errs))
		}
	}
	for _, raw := range c.NetworkPolicies {
		var np NetworkPolicy
		kubeDecode(t, string(raw), &np)
		pol, problems := ConvertNetworkPolicy(&np)
		check(np.Metadata.Name, problems)
		out[pol.Key()] = pol
	}
	for _, raw := range c.ClusterNetworkPolicies {
		var cnp ClusterNetworkPolicy
		kubeDecode(t, string(raw), &cnp)
		pol, ok, problems := ConvertClusterNetworkPolicy(&cnp)
		check(cnp.Metadata.Name, problems)
		if !ok {
			t.Errorf("%s: cluster network policy %s dropped", c.ID, cnp.Metadata.Name)
		}
		out[pol.Key()] = pol
	}
	for _, raw := range c.StagedNetworkPolicies {
		var s StagedKubernetesNetworkPolicy
		kubeDecode(t, string(raw), &s)
		pol, ok, problems := ConvertStagedKubernetesNetworkPolicy(&s)
		check(s.Metadata.Name, problems)
		if ok != (s.Spec.StagedAction != "Delete") {
			t.Errorf("%s: staged policy %s: staged = %v with action %q", c.ID, s.Metadata.Name, ok, s.Spec.StagedAction)
		}
		if ok {
			out[pol.Key()] = pol
		}
	}
	return out
}

func TestKubeConformanceObjects(t *testing.T) {
	// Every Kubernetes object of the conformance vectors is valid and
	// converts without errors; every hit Calico reported on a converted
	// policy names a rule that exists, has the hit's action, and can match
	// the flow's protocol and destination port. That pins the order of
	// converted rules: protocol groups outside, peers inside.
	cases := kubeConformanceCases(t)
	if len(cases) < 700 {
		t.Fatalf("only %d cases in testdata", len(cases))
	}
	ruleHits := 0
	for i := range cases {
		c := &cases[i]
		policies := kubeConformancePolicies(t, c)
		dir := model.Ingress
		if c.Flow.Direction == "egress" {
			dir = model.Egress
		}
		for _, h := range c.Hits {
			pol, ok := policies[model.Key{Kind: h.Kind, Namespace: h.Namespace, Name: h.Name}]
			if !ok {
				t.Errorf("%s: hit %+v names no converted policy", c.ID, h)
				continue
			}
			if pol.Tier != h.Tier {
				t.Errorf("%s: hit %+v: policy is in tier %s", c.ID, h, pol.Tier)
			}
			if h.Index < 0 {
				continue
			}
			ruleHits++
			rules := pol.Rules(dir)
			if h.Index >= len(rules) {
				t.Errorf("%s: hit %+v: the policy has %d %s rules", c.ID, h, len(rules), dir)
				continue
			}
			r := rules[h.Index]
			if strings.ToLower(string(r.Action)) != string(h.Action) {
				t.Errorf("%s: hit %+v: rule %d is %s", c.ID, h, h.Index, r.Action)
			}
			if r.Protocol.IsSet() && int(r.Protocol.Number) != c.Flow.Protocol {
				t.Errorf("%s: hit %+v: rule %d is for protocol %s, the flow is %d", c.ID, h, h.Index, r.Protocol, c.Flow.Protocol)
			}
			if !kubePortsMayMatch(r.Destination.Ports, c.Flow.DstPort) {
				t.Errorf("%s: hit %+v: rule %d ports %v miss destination port %d", c.ID, h, h.Index, r.Destination.Ports, c.Flow.DstPort)
			}
		}
	}
	if ruleHits < 200 {
		t.Errorf("only %d rule hits checked", ruleHits)
	}
}

// kubePortsMayMatch reports whether a port list can match port: it is
// empty, holds a named port (which depends on the endpoint), or has a
// range containing port.
func kubePortsMayMatch(ports []model.Port, port int) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Name != "" || (int(p.Min) <= port && port <= int(p.Max)) {
			return true
		}
	}
	return false
}
