package kube

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// kubeFuzzSeeds adds the policies of the first conformance cases, and a
// few hand-written oddities, to a fuzz corpus.
func kubeFuzzSeeds(f *testing.F, field string) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"metadata": {"name": "a"}, "spec": {"stagedAction": "Delete"}}`))
	f.Add([]byte(`{"spec": {"ingress": [{"ports": [{"port": "x", "endPort": 1}], "from": [{}]}]}}`))
	f.Add([]byte(`{"spec": {"egress": [{"to": [{"ipBlock": {"cidr": "::/0", "except": ["::1/128"]}}], "ports": [{"port": 65535, "endPort": 1}]}]}}`))
	f.Add([]byte(`{"spec": {"tier": "Admin", "subject": {"pods": {}}, "ingress": [{"action": "Pass", "from": [{"pods": {"podSelector": {"matchExpressions": [{"key": "a'b", "operator": "In", "values": ["'"]}]}}}], "protocols": [{}]}]}}`))
	file, err := os.Open("testdata/kube_conformance_cases.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Buffer(nil, 1<<20)
	for n := 0; n < 40 && sc.Scan(); n++ {
		var c map[string][]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			continue
		}
		for _, raw := range c[field] {
			f.Add([]byte(raw))
		}
	}
}

// kubeFuzzCheck checks what must hold of any converted policy without
// errors: a selector, and only the actions a conversion can produce.
func kubeFuzzCheck(t *testing.T, pol model.Policy, problems Problems) {
	for _, p := range problems {
		if p.Msg == "" {
			t.Errorf("problem without a message: %+v", p)
		}
	}
	if len(problems.Errors()) > 0 {
		return
	}
	if pol.Selector == nil {
		t.Error("valid policy converted without a selector")
	}
	for _, r := range append(append([]model.Rule(nil), pol.Ingress...), pol.Egress...) {
		switch r.Action {
		case model.Allow, model.Deny, model.Pass:
		default:
			t.Errorf("converted rule with action %q", r.Action)
		}
		for _, p := range append(append([]model.Port(nil), r.Source.Ports...), r.Destination.Ports...) {
			if p.Name == "" && (p.Min == 0 || p.Min > p.Max) {
				t.Errorf("converted rule with port %+v", p)
			}
		}
	}
}

func FuzzConvertNetworkPolicy(f *testing.F) {
	kubeFuzzSeeds(f, "k8s_network_policies")
	f.Fuzz(func(t *testing.T, data []byte) {
		var np NetworkPolicy
		if json.Unmarshal(data, &np) != nil {
			return
		}
		pol, problems := ConvertNetworkPolicy(&np)
		kubeFuzzCheck(t, pol, problems)

		var s StagedKubernetesNetworkPolicy
		if json.Unmarshal(data, &s) != nil {
			return
		}
		pol, ok, problems := ConvertStagedKubernetesNetworkPolicy(&s)
		if ok {
			kubeFuzzCheck(t, pol, problems)
		}
	})
}

func FuzzConvertClusterNetworkPolicy(f *testing.F) {
	kubeFuzzSeeds(f, "cluster_network_policies")
	f.Fuzz(func(t *testing.T, data []byte) {
		var c ClusterNetworkPolicy
		if json.Unmarshal(data, &c) != nil {
			return
		}
		pol, ok, problems := ConvertClusterNetworkPolicy(&c)
		if !ok {
			if len(problems.Errors()) == 0 {
				t.Error("policy dropped without an error")
			}
			return
		}
		kubeFuzzCheck(t, pol, problems)
	})
}
