package calico

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

func TestPolicySelector(t *testing.T) {
	// Effective labels of the endpoints the cases select from.
	pod1 := selector.Map{"app": "web", "projectcalico.org/namespace": "ns1", "pcns.team": "a",
		"projectcalico.org/serviceaccount": "sa1", "pcsa.role": "frontend"}
	pod2 := selector.Map{"app": "web", "projectcalico.org/namespace": "ns2", "pcns.team": "b"}
	host := selector.Map{"app": "web"}

	cases := []struct {
		name   string
		policy model.Policy
		want   map[string]bool // by endpoint
	}{
		{
			name:   "NetworkPolicy selects only its namespace",
			policy: model.Policy{Kind: model.KindNetworkPolicy, Namespace: "ns1", Selector: sel("app == 'web'")},
			want:   map[string]bool{"pod1": true, "pod2": false, "host": false},
		},
		{
			name:   "NetworkPolicy without a selector selects its whole namespace",
			policy: model.Policy{Kind: model.KindNetworkPolicy, Namespace: "ns2"},
			want:   map[string]bool{"pod1": false, "pod2": true, "host": false},
		},
		{
			name:   "staged and Kubernetes kinds are namespaced too",
			policy: model.Policy{Kind: model.KindStagedKubernetesNetworkPolicy, Namespace: "ns2", Selector: sel("all()")},
			want:   map[string]bool{"pod1": false, "pod2": true, "host": false},
		},
		{
			name:   "GlobalNetworkPolicy selects everywhere",
			policy: model.Policy{Kind: model.KindGlobalNetworkPolicy, Selector: sel("app == 'web'")},
			want:   map[string]bool{"pod1": true, "pod2": true, "host": true},
		},
		{
			name:   "namespaceSelector over namespace labels",
			policy: model.Policy{Kind: model.KindGlobalNetworkPolicy, NamespaceSelector: sel("team == 'b'")},
			want:   map[string]bool{"pod1": false, "pod2": true, "host": false},
		},
		{
			name:   "namespaceSelector all() selects namespaced endpoints only",
			policy: model.Policy{Kind: model.KindGlobalNetworkPolicy, Selector: sel("all()"), NamespaceSelector: sel("all()")},
			want:   map[string]bool{"pod1": true, "pod2": true, "host": false},
		},
		{
			name:   "the all() replacement reaches the policy's own selector",
			policy: model.Policy{Kind: model.KindGlobalNetworkPolicy, Selector: sel("all()"), NamespaceSelector: sel("!has(team)")},
			want:   map[string]bool{"pod1": false, "pod2": false, "host": false},
		},
		{
			name:   "serviceAccountSelector over account labels",
			policy: model.Policy{Kind: model.KindGlobalNetworkPolicy, ServiceAccountSelector: sel("role == 'frontend'")},
			want:   map[string]bool{"pod1": true, "pod2": false, "host": false},
		},
		{
			name:   "serviceAccountSelector all() needs a service account",
			policy: model.Policy{Kind: model.KindNetworkPolicy, Namespace: "ns2", ServiceAccountSelector: sel("all()")},
			want:   map[string]bool{"pod1": false, "pod2": false, "host": false},
		},
	}
	labels := map[string]selector.Map{"pod1": pod1, "pod2": pod2, "host": host}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := PolicySelector(&c.policy)
			if err != nil {
				t.Fatal(err)
			}
			for ep, want := range c.want {
				if got := s.Matches(labels[ep]); got != want {
					t.Errorf("%s: selector %s matches = %v, want %v", ep, s, got, want)
				}
			}
		})
	}
}

// TestPeerSelectorText checks the effective peer selectors against the
// backend selectors Calico's own tests expect (calico-semantics 4.12), up
// to Calico's textual nesting, which does not change a match.
func TestPeerSelectorText(t *testing.T) {
	cases := []struct {
		name         string
		ns           string
		er           model.EntityRule
		wantPositive string // "" for none
		wantNegative string
	}{
		{
			name:         "namespaced selector and notSelector",
			ns:           "namespace2",
			er:           model.EntityRule{Selector: sel("mylabel == 'value1'"), NotSelector: sel("has(label1)")},
			wantPositive: `(projectcalico.org/namespace == "namespace2" && mylabel == "value1")`,
			wantNegative: "has(label1)",
		},
		{
			name:         "namespaced notSelector alone gets the namespace clause",
			ns:           "namespace2",
			er:           model.EntityRule{NotSelector: sel("has(label2)")},
			wantPositive: `projectcalico.org/namespace == "namespace2"`,
			wantNegative: "has(label2)",
		},
		{
			name:         "namespaceSelector is prefixed",
			er:           model.EntityRule{NamespaceSelector: sel("namespacelabel1 == 'value1'"), NotSelector: sel("has(label2)")},
			wantPositive: `pcns.namespacelabel1 == "value1"`,
			wantNegative: "has(label2)",
		},
		{
			name:         "profile selector passes through",
			er:           model.EntityRule{Selector: sel("has(foo)")},
			wantPositive: "has(foo)",
		},
		{
			name: "ports only: no selector",
			ns:   "namespace",
			er:   model.EntityRule{Ports: []model.Port{{Min: 80, Max: 80}}},
		},
		{
			name:         "service accounts with names and selector",
			ns:           "namespace",
			er:           model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"sa1", "sa2"}, Selector: sel("key == 'value1'")}},
			wantPositive: `(projectcalico.org/namespace == "namespace" && (pcsa.key == "value1" && projectcalico.org/serviceaccount in {"sa1", "sa2"}))`,
		},
		{
			name:         "namespace selector all() and global()",
			er:           model.EntityRule{NamespaceSelector: sel("all() || global()")},
			wantPositive: "(has(projectcalico.org/namespace) || !has(projectcalico.org/namespace))",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pos, neg, err := PeerSelectors(&c.er, c.ns, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := str(pos); got != c.wantPositive {
				t.Errorf("positive = %q, want %q", got, c.wantPositive)
			}
			if got := str(neg); got != c.wantNegative {
				t.Errorf("negative = %q, want %q", got, c.wantNegative)
			}
		})
	}
}

func str(s *selector.Selector) string {
	if s == nil {
		return ""
	}
	return s.String()
}

// Names that no selector text can hold are refused with an error, and any
// other name, quotes included, is matched as it is.
func TestClauseValues(t *testing.T) {
	bad := &model.Policy{Kind: model.KindNetworkPolicy, Namespace: `a"b'c`, Name: "p"}
	if _, err := PolicySelector(bad); err == nil {
		t.Error("a namespace with both quote characters was accepted")
	}
	er := &model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"ok", `x"y'z`}}}
	if _, _, err := PeerSelectors(er, "", nil); err == nil {
		t.Error("a service-account name with both quote characters was accepted")
	}
	p := &model.Policy{Kind: model.KindNetworkPolicy, Namespace: `it's`, Name: "p"}
	s, err := PolicySelector(p)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Matches(selector.Map{model.LabelNamespace: "it's"}) {
		t.Errorf("%s does not match its own namespace", s)
	}
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
		pos, neg, err := PeerSelectors(&tt.er, tt.ns, &NamespaceClauses{})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if orNone(pos) != tt.pos || orNone(neg) != tt.neg {
			t.Errorf("%s:\n got  %s / %s\n want %s / %s", tt.name, orNone(pos), orNone(neg), tt.pos, tt.neg)
		}
	}
}

// TestPolicySelectorText checks the effective policy selectors in
// canonical form.
func TestPolicySelectorText(t *testing.T) {
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
		got, err := PolicySelector(&tt.p)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
	bad := model.Policy{Kind: model.KindNetworkPolicy, Namespace: `a"b'c`}
	if _, err := PolicySelector(&bad); err == nil {
		t.Error("a namespace with both quote characters was accepted")
	}
}

func sel(s string) *selector.Selector { return selector.MustParse(s) }

// orNone prints a selector, "<none>" for nil.
func orNone(s *selector.Selector) string {
	if s == nil {
		return "<none>"
	}
	return s.String()
}
