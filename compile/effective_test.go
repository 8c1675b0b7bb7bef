package compile

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

func sel(s string) *selector.Selector { return selector.MustParse(s) }

// str prints a selector, "<none>" for nil.
func str(s *selector.Selector) string {
	if s == nil {
		return "<none>"
	}
	return s.String()
}

// TestPeerSelectors checks the effective peer selectors against the
// examples Calico's own tests give (calico-semantics 4.12), in canonical
// form.
func TestPeerSelectors(t *testing.T) {
	tests := []struct {
		name     string
		ns       string
		er       model.EntityRule
		pos, neg string
	}{
		{"namespaced selector and notSelector", "namespace2",
			model.EntityRule{Selector: sel(`mylabel == "value1"`), NotSelector: sel(`has(label1)`)},
			`(projectcalico.org/namespace == "namespace2" && mylabel == "value1")`, `has(label1)`},
		{"namespaced notSelector alone is scoped", "namespace2",
			model.EntityRule{NotSelector: sel(`has(label2)`)},
			`projectcalico.org/namespace == "namespace2"`, `has(label2)`},
		{"global notSelector alone is not", "",
			model.EntityRule{NotSelector: sel(`has(label2)`)},
			`<none>`, `has(label2)`},
		{"namespaceSelector over pcns labels", "any",
			model.EntityRule{NamespaceSelector: sel(`namespacelabel1 == 'value1'`), NotSelector: sel(`has(label2)`)},
			`pcns.namespacelabel1 == "value1"`, `has(label2)`},
		{"profile selector", "",
			model.EntityRule{Selector: sel(`has(foo)`)},
			`has(foo)`, `<none>`},
		{"ports only", "ns",
			model.EntityRule{Ports: []model.Port{{Min: 80, Max: 80}}},
			`<none>`, `<none>`},
		{"namespaceSelector and selector", "namespace",
			model.EntityRule{Selector: sel(`projectcalico.org/orchestrator == 'k8s'`), NamespaceSelector: sel(`key == 'value'`)},
			`(pcns.key == "value" && projectcalico.org/orchestrator == "k8s")`, `<none>`},
		{"service accounts", "namespace",
			model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa1", "sa2"}, Selector: sel(`key == 'value1'`)}},
			`(projectcalico.org/namespace == "namespace" && (pcsa.key == "value1" && projectcalico.org/serviceaccount in {"sa1", "sa2"}))`, `<none>`},
		{"namespaceSelector all()", "ns",
			model.EntityRule{NamespaceSelector: sel(`all()`)},
			`has(projectcalico.org/namespace)`, `<none>`},
		{"namespaceSelector global()", "",
			model.EntityRule{NamespaceSelector: sel(`global()`), Selector: sel(`role == "db"`)},
			`(!has(projectcalico.org/namespace) && role == "db")`, `<none>`},
	}
	for _, tt := range tests {
		pos, neg, err := peerSelectors(&tt.er, tt.ns, &clauseCache{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if str(pos) != tt.pos || str(neg) != tt.neg {
			t.Errorf("%s:\n got  %s / %s\n want %s / %s", tt.name, str(pos), str(neg), tt.pos, tt.neg)
		}
	}
}

func TestPolicySelector(t *testing.T) {
	tests := []struct {
		name string
		p    model.Policy
		want string
	}{
		{"namespaced", model.Policy{Kind: model.KindNetworkPolicy, Namespace: "prod", Selector: sel(`app == "db"`)},
			`(app == "db" && projectcalico.org/namespace == "prod")`},
		{"namespaced without selector", model.Policy{Kind: model.KindKubernetesNetworkPolicy, Namespace: "prod"},
			`projectcalico.org/namespace == "prod"`},
		{"global without selector", model.Policy{Kind: model.KindGlobalNetworkPolicy}, `all()`},
		{"global namespaceSelector narrows all()", model.Policy{Kind: model.KindGlobalNetworkPolicy, Selector: sel(`all()`), NamespaceSelector: sel(`team == "x"`)},
			`(has(projectcalico.org/namespace) && pcns.team == "x")`},
		{"service account selector all()", model.Policy{Kind: model.KindGlobalNetworkPolicy, ServiceAccountSelector: sel(`all()`)},
			`has(projectcalico.org/serviceaccount)`},
		{"staged namespaced", model.Policy{Kind: model.KindStagedNetworkPolicy, Namespace: "dev", Selector: sel(`has(x)`), ServiceAccountSelector: sel(`role == "a"`)},
			`((has(x) && projectcalico.org/namespace == "dev") && pcsa.role == "a")`},
	}
	for _, tt := range tests {
		got, err := policySelector(&tt.p)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	bad := model.Policy{Kind: model.KindNetworkPolicy, Namespace: `a"b'c`}
	if _, err := policySelector(&bad); err == nil {
		t.Error("a namespace with both quote characters was accepted")
	}
}

func TestEndpointLabels(t *testing.T) {
	profiles := map[string]map[string]string{
		"kns.prod": {"pcns.team": "x", "shared": "from-ns", "app": "shadowed"},
		"custom":   {"shared": "from-custom", "extra": "1"},
	}
	ep := &model.Endpoint{
		Namespace: "prod", Orchestrator: "k8s", ServiceAccount: "sa",
		Labels:   map[string]string{"app": "web", "pcns.team": "spoof", "pcsa.x": "spoof", labelNamespace: "other"},
		Profiles: []string{"kns.prod", "missing", "custom"},
	}
	got := endpointLabels(ep, func(n string) map[string]string { return profiles[n] })
	want := map[string]string{
		"app": "web", labelNamespace: "prod", labelOrchestrator: "k8s", labelServiceAccount: "sa",
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
	ns := &model.NetworkSet{Namespace: "prod", Labels: map[string]string{"role": "ext", labelNamespace: "x"}}
	nl := networkSetLabels(ns, func(n string) map[string]string { return profiles[n] })
	if nl[labelNamespace] != "prod" || nl["pcns.team"] != "x" || nl["role"] != "ext" {
		t.Errorf("network set labels %v", nl)
	}
	global := networkSetLabels(&model.NetworkSet{Labels: map[string]string{"a": "b"}}, func(string) map[string]string { return profiles["kns.prod"] })
	if len(global) != 1 {
		t.Errorf("a global network set inherited labels: %v", global)
	}
}
