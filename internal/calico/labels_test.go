package calico

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

func TestEndpointLabels(t *testing.T) {
	profiles := map[string]*model.Profile{
		"kns.ns1":     {Name: "kns.ns1", LabelsToApply: map[string]string{"pcns.projectcalico.org/name": "ns1", "pcns.team": "a"}},
		"ksa.ns1.sa1": {Name: "ksa.ns1.sa1", LabelsToApply: map[string]string{"pcsa.projectcalico.org/name": "sa1", "pcsa.role": "frontend"}},
		"p1":          {Name: "p1", LabelsToApply: map[string]string{"app": "from-profile", "shared": "p1", "only1": "x"}},
		"p2":          {Name: "p2", LabelsToApply: map[string]string{"shared": "p2", "only2": "y"}},
	}
	cases := []struct {
		name string
		ep   model.Endpoint
		want selector.Map
	}{
		{
			name: "pod with namespace and service account",
			ep: model.Endpoint{Name: "a", Namespace: "ns1", Orchestrator: "k8s", ServiceAccount: "sa1",
				Labels: map[string]string{"app": "web"}, Profiles: []string{"kns.ns1", "ksa.ns1.sa1"}},
			want: selector.Map{
				"app":                              "web",
				"projectcalico.org/namespace":      "ns1",
				"projectcalico.org/orchestrator":   "k8s",
				"projectcalico.org/serviceaccount": "sa1",
				"pcns.projectcalico.org/name":      "ns1",
				"pcns.team":                        "a",
				"pcsa.projectcalico.org/name":      "sa1",
				"pcsa.role":                        "frontend",
			},
		},
		{
			name: "own pcns. and pcsa. labels are dropped",
			ep: model.Endpoint{Name: "a", Namespace: "ns1",
				Labels: map[string]string{"pcns.team": "spoofed", "pcsa.role": "admin", "pcnsx": "kept"}, Profiles: []string{"kns.ns1"}},
			want: selector.Map{
				"pcnsx":                       "kept",
				"projectcalico.org/namespace": "ns1",
				"pcns.projectcalico.org/name": "ns1",
				"pcns.team":                   "a",
			},
		},
		{
			name: "inherited labels come only through the profiles listed",
			ep:   model.Endpoint{Name: "a", Namespace: "ns1", Labels: map[string]string{"app": "web"}},
			want: selector.Map{"app": "web", "projectcalico.org/namespace": "ns1"},
		},
		{
			name: "own label wins, then the first profile",
			ep:   model.Endpoint{Name: "a", Labels: map[string]string{"app": "web"}, Profiles: []string{"p1", "p2"}},
			want: selector.Map{"app": "web", "shared": "p1", "only1": "x", "only2": "y"},
		},
		{
			name: "profile order decides",
			ep:   model.Endpoint{Name: "a", Profiles: []string{"p2", "p1"}},
			want: selector.Map{"app": "from-profile", "shared": "p2", "only1": "x", "only2": "y"},
		},
		{
			name: "a missing profile is skipped",
			ep:   model.Endpoint{Name: "a", Profiles: []string{"nosuch", "p2"}},
			want: selector.Map{"shared": "p2", "only2": "y"},
		},
		{
			name: "the namespace label Calico adds overrides the pod's own",
			ep:   model.Endpoint{Name: "a", Namespace: "ns1", Labels: map[string]string{"projectcalico.org/namespace": "other"}},
			want: selector.Map{"projectcalico.org/namespace": "ns1"},
		},
		{
			name: "Docker container: no namespace, no orchestrator",
			ep:   model.Endpoint{Name: "c1", Labels: map[string]string{"app": "web"}},
			want: selector.Map{"app": "web"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, selector.Map(EndpointLabels(&c.ep, labelsOf(profiles)))); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNetworkSetLabels(t *testing.T) {
	profiles := map[string]*model.Profile{
		"kns.ns1": {Name: "kns.ns1", LabelsToApply: map[string]string{"pcns.team": "a", "kind": "from-namespace"}},
	}
	cases := []struct {
		name string
		set  model.NetworkSet
		want selector.Map
	}{
		{
			name: "global set keeps only its own labels",
			set:  model.NetworkSet{Name: "g", Labels: map[string]string{"kind": "ext"}},
			want: selector.Map{"kind": "ext"},
		},
		{
			name: "namespaced set gets its namespace and inherits from kns.",
			set:  model.NetworkSet{Name: "n", Namespace: "ns1", Labels: map[string]string{"kind": "int"}},
			want: selector.Map{"kind": "int", "projectcalico.org/namespace": "ns1", "pcns.team": "a"},
		},
		{
			name: "namespace without a profile",
			set:  model.NetworkSet{Name: "n", Namespace: "ns9"},
			want: selector.Map{"projectcalico.org/namespace": "ns9"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, selector.Map(NetworkSetLabels(&c.set, labelsOf(profiles)))); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEffectiveLabels checks the precedence of own, added and inherited
// labels, and that a missing profile gives nothing.
func TestEffectiveLabels(t *testing.T) {
	profiles := map[string]map[string]string{
		"kns.prod": {"pcns.team": "x", "shared": "from-ns", "app": "shadowed"},
		"custom":   {"shared": "from-custom", "extra": "1"},
	}
	ep := &model.Endpoint{
		Namespace: "prod", Orchestrator: "k8s", ServiceAccount: "sa",
		Labels:   map[string]string{"app": "web", "pcns.team": "spoof", "pcsa.x": "spoof", model.LabelNamespace: "other"},
		Profiles: []string{"kns.prod", "missing", "custom"},
	}
	got := EndpointLabels(ep, func(n string) map[string]string { return profiles[n] })
	want := map[string]string{
		"app": "web", model.LabelNamespace: "prod", model.LabelOrchestrator: "k8s", model.LabelServiceAccount: "sa",
		"pcns.team": "x", "shared": "from-ns", "extra": "1",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	ns := &model.NetworkSet{Namespace: "prod", Labels: map[string]string{"role": "ext", model.LabelNamespace: "x"}}
	nl := NetworkSetLabels(ns, func(n string) map[string]string { return profiles[n] })
	if nl[model.LabelNamespace] != "prod" || nl["pcns.team"] != "x" || nl["role"] != "ext" {
		t.Errorf("network set labels %v", nl)
	}
	global := NetworkSetLabels(&model.NetworkSet{Labels: map[string]string{"a": "b"}}, func(string) map[string]string { return profiles["kns.prod"] })
	if len(global) != 1 {
		t.Errorf("a global network set inherited labels: %v", global)
	}
}

// labelsOf looks profiles up by name, as the evaluators do.
func labelsOf(profiles map[string]*model.Profile) func(string) map[string]string {
	return func(name string) map[string]string {
		if p := profiles[name]; p != nil {
			return p.LabelsToApply
		}
		return nil
	}
}
