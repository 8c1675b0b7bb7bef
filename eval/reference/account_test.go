package reference

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// TestAccountWalk checks the shape of a walk: tiers without an applicable
// policy are left out, a Pass names the tier the walk enters next, an end
// hit is attributed to the tier's first applicable policy, staged
// policies appear only in the pending walk, and a Pass default leads to
// the profiles.
func TestAccountWalk(t *testing.T) {
	security := gnp("pass-all", 1, "all()", nil, []model.Rule{{Action: model.Pass}}, []model.Rule{{Action: model.Pass}})
	security.Tier = "security"
	platform := gnp("web-only", 1, "app == 'web'", ingressOnly, []model.Rule{{Action: model.Allow}}, nil)
	platform.Tier = "platform"
	db := np("db", "vote", 10, "app == 'db'", ingressOnly, []model.Rule{
		{Action: model.Log},
		{Action: model.Allow, Source: model.EntityRule{Selector: sel("app == 'worker'")}},
	}, nil)
	staged := np("deny-all", "vote", 1, "all()", ingressOnly, []model.Rule{{Action: model.Deny}}, nil)
	staged.Kind, staged.StagedAction = model.KindStagedNetworkPolicy, model.StagedSet
	set := model.Set{
		Tiers:     []model.Tier{{Name: "security", Order: order(100), DefaultAction: model.Deny}, {Name: "platform", Order: order(200), DefaultAction: model.Deny}},
		Policies:  []model.Policy{security, platform, db, staged},
		Profiles:  []model.Profile{nsProfile("vote", nil)},
		Endpoints: []model.Endpoint{pod("vote-1", "vote", "10.1.0.10", map[string]string{"app": "vote"}), pod("db-0", "vote", "10.1.0.20", map[string]string{"app": "db"})},
	}
	a := mustNew(t, set).Account(tcp("10.1.0.10", "10.1.0.20", 5432))
	if !a.Ingress.Enforced || a.Ingress.Endpoint.Name != "db-0" {
		t.Fatalf("ingress side %+v", a.Ingress)
	}
	end := npHit("db", "vote", -1, model.HitDeny)
	want := model.WalkAccount{
		Tiers: []model.TierAccount{
			{Name: "security", PassTo: model.TierDefault, Policies: []model.PolicyAccount{
				{Kind: model.KindGlobalNetworkPolicy, Name: "pass-all", Rules: []model.RuleAccount{{Index: 0, Action: model.Pass, Matched: true}}},
			}},
			{Name: model.TierDefault, End: &end, Policies: []model.PolicyAccount{
				{Kind: model.KindNetworkPolicy, Namespace: "vote", Name: "db", Rules: []model.RuleAccount{
					{Index: 0, Action: model.Log, Matched: true},
					{Index: 1, Action: model.Allow, Failed: &model.Criterion{Field: "source.selector", Want: "app == 'worker'", Got: "10.1.0.10 (app=vote)"}},
				}},
			}},
		},
		Decision: model.Decision{Hit: end},
	}
	if diff := cmp.Diff(want, a.Ingress.Walk); diff != "" {
		t.Errorf("enforced walk (-want +got):\n%s", diff)
	}
	pendingTier := a.Ingress.Pending.Tiers[1]
	if len(pendingTier.Policies) != 1 || pendingTier.Policies[0].Name != "deny-all" || pendingTier.End != nil {
		t.Errorf("pending default tier: the staged deny-all decides first: %+v", pendingTier)
	}
	if len(a.Egress.Walk.Tiers) != 1 || a.Egress.Walk.Tiers[0].PassTo != model.TierProfile || len(a.Egress.Walk.Profiles) != 1 {
		t.Errorf("egress: security passes to the profiles, which allow: %+v", a.Egress.Walk)
	}
	if !a.Egress.Walk.Decision.Allowed || a.Egress.Walk.Decision.Hit.Kind != model.KindProfile {
		t.Errorf("egress decision %+v, want the profile's allow", a.Egress.Walk.Decision)
	}

	// An outside destination is not enforced: both walks are empty.
	out := mustNew(t, set).Account(tcp("10.1.0.10", "203.0.113.1", 443))
	if out.Ingress.Enforced || len(out.Ingress.Walk.Tiers) != 0 || out.Verdict.Ingress.Enforced {
		t.Errorf("outside destination: %+v", out.Ingress)
	}
}

func ExampleEvaluator_Account() {
	db := model.Policy{
		Kind: model.KindNetworkPolicy, Namespace: "vote", Name: "db", Tier: model.TierDefault,
		Selector: sel("app == 'db'"), Types: []model.Direction{model.Ingress},
		Ingress: []model.Rule{{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
			Source: model.EntityRule{Selector: sel("app == 'worker'")}, Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}}}},
	}
	e, err := New(model.Set{
		Policies:  []model.Policy{db},
		Endpoints: []model.Endpoint{pod("vote-1", "vote", "10.1.0.10", map[string]string{"app": "vote"}), pod("db-0", "vote", "10.1.0.20", map[string]string{"app": "db"})},
	})
	if err != nil {
		panic(err)
	}
	a := e.Account(tcp("10.1.0.10", "10.1.0.20", 5432))
	for _, f := range a.Ingress.Walk.Failures() {
		fmt.Printf("%s %s/%s rule %d: %s\n", f.Kind, f.Namespace, f.Name, f.Index, f.Failed)
	}
	fmt.Println("decided by:", a.Ingress.Walk.Decision.Hit.Name, a.Ingress.Walk.Decision.Hit.Index, a.Ingress.Walk.Decision.Hit.Action)
	// Output:
	// NetworkPolicy vote/db rule 0: source.selector app == 'worker' does not match 10.1.0.10 (app=vote)
	// decided by: db -1 deny
}
