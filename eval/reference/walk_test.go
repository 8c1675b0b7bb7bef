package reference

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/verdictlabs/verdict/model"
)

func TestWalk(t *testing.T) {
	allow := []model.Rule{{Action: model.Allow}}
	deny := []model.Rule{{Action: model.Deny}}
	pass := []model.Rule{{Action: model.Pass}}
	udpOnly := []model.Rule{{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoUDP)}}
	inTier := func(p model.Policy, tier string) model.Policy { p.Tier = tier; return p }
	staged := func(p model.Policy) model.Policy {
		p.Kind = model.KindStagedGlobalNetworkPolicy
		p.StagedAction = model.StagedSet
		return p
	}
	tierHit := func(h model.Hit, tier string) model.Hit { h.Tier = tier; return h }
	stagedHit := func(h model.Hit) model.Hit { h.Kind = model.KindStagedGlobalNetworkPolicy; return h }
	security := model.Tier{Name: "security", Order: order(10), DefaultAction: model.Deny}
	passTier := model.Tier{Name: "security", Order: order(10), DefaultAction: model.Pass}
	kns := profileHit("kns.ns1", 0, model.HitAllow)

	type result struct {
		decision model.Decision
		hits     []model.Hit
		logs     []model.Hit
	}
	cases := []struct {
		name     string
		set      model.Set
		profiles []string // of the judged pod; nil keeps kns.ns1
		want     result
		pending  *result // nil: the same as want
	}{
		{
			name: "no policy: the namespace profile allows",
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{kns}, nil},
		},
		{
			name: "a tier with no applicable policy is skipped",
			set: model.Set{Tiers: []model.Tier{security}, Policies: []model.Policy{
				inTier(gnp("other", 1, "app == 'other'", ingressOnly, deny, nil), "security"),
			}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{kns}, nil},
		},
		{
			name: "an egress-only policy does not apply to ingress",
			set:  model.Set{Policies: []model.Policy{gnp("eg", 1, "all()", egressOnly, nil, deny)}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{kns}, nil},
		},
		{
			name: "a policy without types governs both directions",
			set:  model.Set{Policies: []model.Policy{gnp("both", 1, "all()", nil, nil, nil)}},
			want: result{model.Decision{Hit: gnpHit("both", -1, model.HitDeny)}, []model.Hit{gnpHit("both", -1, model.HitDeny)}, nil},
		},
		{
			name: "end-of-tier deny goes to the first applicable policy",
			set: model.Set{Policies: []model.Policy{
				gnp("second", 2, "all()", ingressOnly, udpOnly, nil),
				gnp("first", 1, "all()", ingressOnly, udpOnly, nil),
				gnp("zeroth", 0, "app == 'other'", ingressOnly, udpOnly, nil),
			}},
			want: result{model.Decision{Hit: gnpHit("first", -1, model.HitDeny)}, []model.Hit{gnpHit("first", -1, model.HitDeny)}, nil},
		},
		{
			name: "a Deny rule decides",
			set:  model.Set{Policies: []model.Policy{gnp("d", 1, "all()", ingressOnly, append(udpOnly, deny...), nil)}},
			want: result{model.Decision{Hit: gnpHit("d", 1, model.HitDeny)}, []model.Hit{gnpHit("d", 1, model.HitDeny)}, nil},
		},
		{
			name: "the first matching rule of the first policy decides",
			set: model.Set{Policies: []model.Policy{
				gnp("b", 1, "all()", ingressOnly, deny, nil),
				gnp("a", 2, "all()", ingressOnly, allow, nil),
			}},
			want: result{model.Decision{Hit: gnpHit("b", 0, model.HitDeny)}, []model.Hit{gnpHit("b", 0, model.HitDeny)}, nil},
		},
		{
			name: "Pass goes on to the next tier",
			set: model.Set{Tiers: []model.Tier{security}, Policies: []model.Policy{
				inTier(gnp("sec", 1, "all()", ingressOnly, append(pass, deny...), nil), "security"),
				gnp("ok", 1, "all()", ingressOnly, allow, nil),
			}},
			want: result{
				model.Decision{Allowed: true, Hit: gnpHit("ok", 0, model.HitAllow)},
				[]model.Hit{tierHit(gnpHit("sec", 0, model.HitPass), "security"), gnpHit("ok", 0, model.HitAllow)}, nil,
			},
		},
		{
			name: "Pass skips the rest of its tier",
			set: model.Set{Tiers: []model.Tier{security}, Policies: []model.Policy{
				inTier(gnp("sec1", 1, "all()", ingressOnly, pass, nil), "security"),
				inTier(gnp("sec2", 2, "all()", ingressOnly, deny, nil), "security"),
			}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{tierHit(gnpHit("sec1", 0, model.HitPass), "security"), kns}, nil},
		},
		{
			name: "a Pass tier default goes on",
			set: model.Set{Tiers: []model.Tier{passTier}, Policies: []model.Policy{
				inTier(gnp("sec", 1, "all()", ingressOnly, udpOnly, nil), "security"),
			}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{tierHit(gnpHit("sec", -1, model.HitPass), "security"), kns}, nil},
		},
		{
			name: "Log rules are listed apart, not as hits",
			set: model.Set{Policies: []model.Policy{
				gnp("l", 1, "all()", ingressOnly, []model.Rule{{Action: model.Log}, {Action: model.Allow}}, nil),
			}},
			want: result{
				model.Decision{Allowed: true, Hit: gnpHit("l", 1, model.HitAllow)},
				[]model.Hit{gnpHit("l", 1, model.HitAllow)},
				[]model.Hit{gnpHit("l", 0, model.HitLog)},
			},
		},
		{
			name:     "no profiles: the end of the profiles denies without a hit",
			profiles: []string{},
			want:     result{model.Decision{EndOfProfiles: true}, []model.Hit{}, nil},
		},
		{
			name: "a trace can end in pass",
			set: model.Set{Tiers: []model.Tier{passTier}, Policies: []model.Policy{
				inTier(gnp("sec", 1, "all()", ingressOnly, pass, nil), "security"),
			}},
			profiles: []string{"nosuch"},
			want:     result{model.Decision{EndOfProfiles: true}, []model.Hit{tierHit(gnpHit("sec", 0, model.HitPass), "security")}, nil},
		},
		{
			name: "profiles in order; one matching nothing is passed over",
			set: model.Set{Profiles: []model.Profile{
				{Name: "udp", Ingress: udpOnly},
				{Name: "deny", Ingress: []model.Rule{{Action: model.Log}, {Action: model.Deny}}},
			}},
			profiles: []string{"udp", "nosuch", "deny", "kns.ns1"},
			want: result{
				model.Decision{Hit: profileHit("deny", 1, model.HitDeny)},
				[]model.Hit{profileHit("deny", 1, model.HitDeny)},
				[]model.Hit{profileHit("deny", 0, model.HitLog)},
			},
		},
		{
			name: "doNotTrack and preDNAT policies take no part",
			set: model.Set{Policies: []model.Policy{
				func() model.Policy {
					p := gnp("untracked", 1, "all()", ingressOnly, deny, nil)
					p.DoNotTrack, p.ApplyOnForward = true, true
					return p
				}(),
				func() model.Policy {
					p := gnp("prednat", 1, "all()", ingressOnly, deny, nil)
					p.PreDNAT, p.ApplyOnForward = true, true
					return p
				}(),
			}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{kns}, nil},
		},
		{
			name: "staged policies decide only the pending verdict",
			set: model.Set{Policies: []model.Policy{
				staged(gnp("would-deny", 1, "all()", ingressOnly, deny, nil)),
				gnp("allows", 2, "all()", ingressOnly, allow, nil),
			}},
			want:    result{model.Decision{Allowed: true, Hit: gnpHit("allows", 0, model.HitAllow)}, []model.Hit{gnpHit("allows", 0, model.HitAllow)}, nil},
			pending: &result{model.Decision{Hit: stagedHit(gnpHit("would-deny", 0, model.HitDeny))}, []model.Hit{stagedHit(gnpHit("would-deny", 0, model.HitDeny))}, nil},
		},
		{
			name: "a tier of staged policies only is skipped by the enforced walk",
			set: model.Set{Tiers: []model.Tier{security}, Policies: []model.Policy{
				inTier(staged(gnp("st", 1, "all()", ingressOnly, udpOnly, nil)), "security"),
			}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{kns}, nil},
			pending: &result{
				model.Decision{Hit: tierHit(stagedHit(gnpHit("st", -1, model.HitDeny)), "security")},
				[]model.Hit{tierHit(stagedHit(gnpHit("st", -1, model.HitDeny)), "security")}, nil,
			},
		},
		{
			name: "the enforced tier default goes to the first non-staged policy",
			set: model.Set{Policies: []model.Policy{
				staged(gnp("st", 1, "all()", ingressOnly, udpOnly, nil)),
				gnp("en", 2, "all()", ingressOnly, udpOnly, nil),
			}},
			want:    result{model.Decision{Hit: gnpHit("en", -1, model.HitDeny)}, []model.Hit{gnpHit("en", -1, model.HitDeny)}, nil},
			pending: &result{model.Decision{Hit: stagedHit(gnpHit("st", -1, model.HitDeny))}, []model.Hit{stagedHit(gnpHit("st", -1, model.HitDeny))}, nil},
		},
		{
			name: "a staged Delete takes part in neither walk",
			set: model.Set{Policies: []model.Policy{
				func() model.Policy {
					p := staged(gnp("del", 1, "all()", ingressOnly, deny, nil))
					p.StagedAction = model.StagedDelete
					return p
				}(),
			}},
			want: result{model.Decision{Allowed: true, Hit: kns}, []model.Hit{kns}, nil},
		},
		{
			name: "a policy with no tier is in default",
			set: model.Set{Policies: []model.Policy{
				func() model.Policy { p := gnp("untiered", 1, "all()", ingressOnly, deny, nil); p.Tier = ""; return p }(),
			}},
			want: result{model.Decision{Hit: gnpHit("untiered", 0, model.HitDeny)}, []model.Hit{gnpHit("untiered", 0, model.HitDeny)}, nil},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := c.set
			set.Profiles = append(set.Profiles, nsProfile("ns1", nil))
			dst := pod("dst", "ns1", "10.0.2.1", map[string]string{"app": "db"})
			if c.profiles != nil {
				dst.Profiles = c.profiles
			}
			set.Endpoints = []model.Endpoint{dst}
			e := mustNew(t, set)
			f := from("8.8.8.8")
			x := e.Explain(f)
			pending := c.want
			if c.pending != nil {
				pending = *c.pending
			}
			got := result{x.Verdict.Ingress.Decision, x.Ingress.Hits, x.Ingress.Logs}
			gotPending := result{x.Verdict.Ingress.Pending, x.Ingress.PendingHits, x.Ingress.PendingLogs}
			opts := []cmp.Option{cmp.AllowUnexported(result{}), cmpopts.EquateEmpty()}
			if diff := cmp.Diff(c.want, got, opts...); diff != "" {
				t.Errorf("enforced (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(pending, gotPending, opts...); diff != "" {
				t.Errorf("pending (-want +got):\n%s", diff)
			}
			// Evaluate gives the same decisions without a trace.
			v := e.Evaluate(f)
			if v.Ingress != x.Verdict.Ingress {
				t.Errorf("Evaluate %+v, Explain %+v", v.Ingress, x.Verdict.Ingress)
			}
		})
	}
}

// TestActionReading pins how a rule's action is read: a rule without one,
// or with one Calico does not have, is refused (reading none as Allow
// would open what Calico keeps closed); the four actions are read as
// Calico spells them.
func TestActionReading(t *testing.T) {
	cases := []struct {
		action model.Action
		want   model.HitAction // "" when New refuses the set
	}{
		{"", ""},
		{"allow", ""},
		{"Reject", ""},
		{model.Allow, model.HitAllow},
		{model.Deny, model.HitDeny},
	}
	for _, c := range cases {
		set := model.Set{
			Policies:  []model.Policy{gnp("p", 1, "all()", ingressOnly, []model.Rule{{Action: c.action}}, nil)},
			Endpoints: []model.Endpoint{pod("dst", "ns1", "10.0.2.1", nil)},
		}
		if c.want == "" {
			var ce *model.CheckError
			if _, err := New(set); !errors.As(err, &ce) || ce.Problems[0].Code != model.CodeAction {
				t.Errorf("action %q: New gave %v; want a CheckError with an Action problem", c.action, err)
			}
			continue
		}
		d, hits := ingressAt(t, mustNew(t, set), from("8.8.8.8"))
		if d.Hit.Action != c.want || d.Allowed != (c.want == model.HitAllow) || len(hits) != 1 || hits[0].Index != 0 {
			t.Errorf("action %q: decision %+v, trace %+v; want rule 0 to %s", c.action, d, hits, c.want)
		}
	}
}
