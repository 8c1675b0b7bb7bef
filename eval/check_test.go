package eval_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// checkBase is a small valid set that the cases below break one way each.
func checkBase() model.Set {
	deny := []model.Rule{{Action: model.Deny}}
	return model.Set{
		Tiers: []model.Tier{{Name: "security", DefaultAction: model.Pass}},
		Policies: []model.Policy{
			{Kind: model.KindGlobalNetworkPolicy, Name: "deny-db", Tier: "security", Selector: sel("app == 'db'"), Ingress: deny},
			{Kind: model.KindNetworkPolicy, Namespace: "shop", Name: "web", Selector: sel("app == 'web'"), Ingress: []model.Rule{{Action: model.Allow}}},
		},
		Profiles:    []model.Profile{nsProfile("shop", nil)},
		Namespaces:  []model.Namespace{{Name: "shop"}},
		Endpoints:   []model.Endpoint{pod("web", "shop", "10.0.0.1", map[string]string{"app": "web"}), pod("db", "shop", "10.0.0.2", map[string]string{"app": "db"})},
		NetworkSets: []model.NetworkSet{{Namespace: "shop", Name: "partners", Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}},
		Services:    []model.Service{{Namespace: "shop", Name: "db"}},
	}
}

// badSets are sets both evaluators must refuse, each with the codes of
// its problems.
var badSets = []struct {
	name  string
	edit  func(s *model.Set)
	codes []model.Code
}{
	{"a policy of a bogus kind", func(s *model.Set) { s.Policies[0].Kind = "Bogus" }, []model.Code{model.CodeKind}},
	{"a policy without a name", func(s *model.Set) { s.Policies[1].Name = "" }, []model.Code{model.CodeName}},
	{"a namespace on a global policy", func(s *model.Set) { s.Policies[0].Namespace = "shop" }, []model.Code{model.CodeNamespace}},
	{"a namespaced policy without one", func(s *model.Set) { s.Policies[1].Namespace = "" }, []model.Code{model.CodeNamespace}},
	{"a rule without an action", func(s *model.Set) { s.Policies[1].Ingress = []model.Rule{{}} }, []model.Code{model.CodeAction}},
	{"a profile rule without an action", func(s *model.Set) { s.Profiles[0].Egress = []model.Rule{{Action: model.Log}, {}} }, []model.Code{model.CodeAction}},
	{"a policy in a tier that does not exist", func(s *model.Set) { s.Tiers = nil }, []model.Code{model.CodeTier}},
	{"two endpoints of one key", func(s *model.Set) { s.Endpoints = append(s.Endpoints, s.Endpoints[0]) }, []model.Code{model.CodeDuplicate}},
	{"two network sets of one key", func(s *model.Set) { s.NetworkSets = append(s.NetworkSets, s.NetworkSets[0]) }, []model.Code{model.CodeDuplicate}},
	{"two policies of one key", func(s *model.Set) { s.Policies = append(s.Policies, s.Policies[0]) }, []model.Code{model.CodeDuplicate}},
	{"two services of one key", func(s *model.Set) { s.Services = append(s.Services, s.Services[0]) }, []model.Code{model.CodeDuplicate}},
	{"two namespaces of one name", func(s *model.Set) { s.Namespaces = append(s.Namespaces, s.Namespaces[0]) }, []model.Code{model.CodeDuplicate}},
	{"an endpoint of a bogus kind", func(s *model.Set) { s.Endpoints[0].Kind = "Pod" }, []model.Code{model.CodeKind}},
	{"a zoned endpoint address", func(s *model.Set) { s.Endpoints[0].Addresses = []netip.Addr{addr("fe80::1%eth0")} }, []model.Code{model.CodeValue}},
	{"a port number without a protocol", func(s *model.Set) {
		s.Policies[0].Ingress = []model.Rule{{Action: model.Deny, Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}}}}
	}, []model.Code{model.CodeValue}},
}

// TestBothEvaluatorsRefuseBadSets builds the engine and the reference from
// the same bad sets: both refuse each with Set.Check's problems.
func TestBothEvaluatorsRefuseBadSets(t *testing.T) {
	if _, err := eval.New(checkBase()); err != nil {
		t.Fatalf("the base set is refused: %v", err)
	}
	for _, tt := range badSets {
		t.Run(tt.name, func(t *testing.T) {
			set := checkBase()
			tt.edit(&set)
			want := problemsOf(t, set.Check())
			if got := codes(want); !cmp.Equal(got, tt.codes) {
				t.Fatalf("Check found %v, want %v:\n%v", got, tt.codes, want)
			}
			_, engErr := eval.New(set)
			if diff := cmp.Diff(want, problemsOf(t, engErr)); diff != "" {
				t.Errorf("eval.New (-Check +engine):\n%s", diff)
			}
			_, refErr := reference.New(set)
			if diff := cmp.Diff(want, problemsOf(t, refErr)); diff != "" {
				t.Errorf("reference.New (-Check +reference):\n%s", diff)
			}
		})
	}
}

// TestApplyRefusesAsSetApply applies changes to an engine and to the set
// it was built from: both accept or both refuse, with the same problems,
// and a refused change leaves the engine answering as before.
func TestApplyRefusesAsSetApply(t *testing.T) {
	webToDB := model.Flow{Src: addr("10.0.0.1"), Dst: addr("10.0.0.2"), Protocol: model.ProtoTCP, DstPort: 5432}
	tests := []struct {
		name   string
		change model.Change
		codes  []model.Code // nil when the change is valid
	}{
		{"a relabel", model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{pod("db", "shop", "10.0.0.2", map[string]string{"app": "cache"})}}}, nil},
		{"a tier with its policy", model.Change{Deletes: []model.Key{{Kind: model.KindTier, Name: "security"}, {Kind: model.KindGlobalNetworkPolicy, Name: "deny-db"}}}, nil},
		{"a bogus kind", model.Change{Upserts: model.Set{Policies: []model.Policy{{Kind: "Bogus", Name: "x"}}}}, []model.Code{model.CodeKind}},
		{"an empty name", model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{pod("", "shop", "10.0.0.9", nil)}}}, []model.Code{model.CodeName}},
		{"a namespace on a global policy", model.Change{Upserts: model.Set{Policies: []model.Policy{
			{Kind: model.KindGlobalNetworkPolicy, Namespace: "shop", Name: "g"}}}}, []model.Code{model.CodeNamespace}},
		{"a rule without an action", model.Change{Upserts: model.Set{Policies: []model.Policy{
			{Kind: model.KindNetworkPolicy, Namespace: "shop", Name: "open", Ingress: []model.Rule{{}}}}}}, []model.Code{model.CodeAction}},
		{"a policy in a tier that does not exist", model.Change{Upserts: model.Set{Policies: []model.Policy{
			{Kind: model.KindGlobalNetworkPolicy, Name: "g", Tier: "nowhere"}}}}, []model.Code{model.CodeTier}},
		{"a tier deleted under its policy", model.Change{Deletes: []model.Key{{Kind: model.KindTier, Name: "security"}}}, []model.Code{model.CodeTier}},
		{"an endpoint upserted twice", model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{
			pod("x", "shop", "10.0.0.8", nil), pod("x", "shop", "10.0.0.9", nil)}}}, []model.Code{model.CodeDuplicate}},
		{"a network set upserted twice", model.Change{Upserts: model.Set{NetworkSets: []model.NetworkSet{{Name: "n"}, {Name: "n"}}}}, []model.Code{model.CodeDuplicate}},
		{"a delete of a bogus kind", model.Change{Deletes: []model.Key{{Kind: "Pod", Namespace: "shop", Name: "web"}}}, []model.Code{model.CodeKind}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := checkBase()
			e := mustNew(t, base)
			before := e.Evaluate(webToDB)
			next, setErr := base.Apply(tt.change)
			engErr := e.Apply(tt.change)
			if tt.codes == nil {
				if setErr != nil || engErr != nil {
					t.Fatalf("Set.Apply: %v; Engine.Apply: %v", setErr, engErr)
				}
				if diff := cmp.Diff(mustReference(t, next).Evaluate(webToDB), e.Evaluate(webToDB)); diff != "" {
					t.Errorf("after the change (-reference +engine):\n%s", diff)
				}
				return
			}
			want := problemsOf(t, setErr)
			if got := codes(want); !cmp.Equal(got, tt.codes) {
				t.Fatalf("Set.Apply found %v, want %v:\n%v", got, tt.codes, want)
			}
			if diff := cmp.Diff(want, problemsOf(t, engErr)); diff != "" {
				t.Errorf("Engine.Apply (-Set.Apply +engine):\n%s", diff)
			}
			if diff := cmp.Diff(before, e.Evaluate(webToDB)); diff != "" {
				t.Errorf("a refused change changed an answer:\n%s", diff)
			}
		})
	}
}

func problemsOf(t *testing.T, err error) []model.Problem {
	t.Helper()
	var ce *model.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *model.CheckError, got %v", err)
	}
	return ce.Problems
}

func codes(ps []model.Problem) []model.Code {
	var out []model.Code
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}
