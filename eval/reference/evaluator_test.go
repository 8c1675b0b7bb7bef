package reference

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// twoPods: web (10.0.1.1) may talk to db (10.0.2.1) on 5432; web's egress
// is limited to that.
func twoPods() model.Set {
	return model.Set{
		Profiles: []model.Profile{nsProfile("ns1", nil)},
		Policies: []model.Policy{
			np("db-in", "ns1", 1, "app == 'db'", ingressOnly, []model.Rule{{
				Action:      model.Allow,
				Protocol:    model.ProtocolNamed(model.ProtoTCP),
				Source:      model.EntityRule{Selector: sel("app == 'web'")},
				Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}},
			}}, nil),
			np("web-out", "ns1", 1, "app == 'web'", egressOnly, nil, []model.Rule{{
				Action:      model.Allow,
				Destination: model.EntityRule{Selector: sel("app == 'db'")},
			}}),
		},
		Endpoints: []model.Endpoint{
			pod("web", "ns1", "10.0.1.1", map[string]string{"app": "web"}),
			pod("db", "ns1", "10.0.2.1", map[string]string{"app": "db"}),
			{Kind: model.KindHostEndpoint, Name: "host1", Addresses: []netip.Addr{addr("172.16.0.1")}},
		},
	}
}

func TestFlowNeedsBothDirections(t *testing.T) {
	e := mustNew(t, twoPods())
	cases := []struct {
		name                string
		flow                model.Flow
		egressEnforced      bool
		ingressEnforced     bool
		egressOK, ingressOK bool
		allowed             bool
	}{
		{"both sides allow", tcp("10.0.1.1", "10.0.2.1", 5432), true, true, true, true, true},
		{"ingress denies", tcp("10.0.1.1", "10.0.2.1", 80), true, true, true, false, false},
		{"egress denies", tcp("10.0.1.1", "8.8.8.8", 5432), true, false, false, false, false},
		{"outside source: only ingress is enforced", tcp("8.8.8.8", "10.0.1.1", 80), false, true, false, true, true},
		{"host endpoint source is a peer only", tcp("172.16.0.1", "10.0.2.1", 5432), false, true, false, false, false},
		{"no endpoint at all: nothing is enforced", tcp("8.8.8.8", "8.8.4.4", 80), false, false, false, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := e.Evaluate(c.flow)
			if v.Egress.Enforced != c.egressEnforced || v.Ingress.Enforced != c.ingressEnforced {
				t.Fatalf("enforced egress %v ingress %v, want %v %v", v.Egress.Enforced, v.Ingress.Enforced, c.egressEnforced, c.ingressEnforced)
			}
			if c.egressEnforced && v.Egress.Decision.Allowed != c.egressOK {
				t.Errorf("egress allowed = %v, want %v", v.Egress.Decision.Allowed, c.egressOK)
			}
			if c.ingressEnforced && v.Ingress.Decision.Allowed != c.ingressOK {
				t.Errorf("ingress allowed = %v, want %v", v.Ingress.Decision.Allowed, c.ingressOK)
			}
			if v.Allowed() != c.allowed || v.PendingAllowed() != c.allowed {
				t.Errorf("Allowed() = %v, PendingAllowed() = %v, want %v", v.Allowed(), v.PendingAllowed(), c.allowed)
			}
			x := e.Explain(c.flow)
			if x.Verdict != v {
				t.Errorf("Explain's verdict %+v differs from Evaluate's %+v", x.Verdict, v)
			}
		})
	}
}

func TestJudgedEndpointKey(t *testing.T) {
	e := mustNew(t, twoPods())
	v := e.Evaluate(tcp("10.0.1.1", "10.0.2.1", 5432))
	if want := (model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "ns1", Name: "web"}); v.Egress.Endpoint != want {
		t.Errorf("egress endpoint %v, want %v", v.Egress.Endpoint, want)
	}
	if want := (model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "ns1", Name: "db"}); v.Ingress.Endpoint != want {
		t.Errorf("ingress endpoint %v, want %v", v.Ingress.Endpoint, want)
	}
}

func TestEvaluateEndpointsInline(t *testing.T) {
	e := mustNew(t, twoPods())
	// AccountEndpoints finds the same endpoints and so decides the same.
	explain := func(f model.Flow, src, dst *model.Endpoint) model.Explanation {
		t.Helper()
		x := e.ExplainEndpoints(f, src, dst)
		if diff := cmp.Diff(x.Verdict, e.AccountEndpoints(f, src, dst).Verdict); diff != "" {
			t.Errorf("AccountEndpoints and ExplainEndpoints differ (-explain +account):\n%s", diff)
		}
		return x
	}
	// A web pod the evaluator has never seen, at an address nobody owns.
	newWeb := pod("web-new", "ns1", "10.0.1.9", map[string]string{"app": "web"})
	f := tcp("10.0.1.9", "10.0.2.1", 5432)

	if v := e.Evaluate(f); v.Egress.Enforced || v.Ingress.Decision.Allowed {
		t.Fatalf("unregistered source: %+v, want egress not enforced and ingress denied", v)
	}
	x := explain(f, &newWeb, nil)
	if !x.Verdict.Egress.Enforced || x.Verdict.Egress.Endpoint.Name != "web-new" {
		t.Errorf("inline source not judged: %+v", x.Verdict.Egress)
	}
	if !x.Verdict.Allowed() {
		t.Errorf("inline web pod to db: %+v, want allowed (db's rule sees the inline pod as its peer)", x.Verdict)
	}

	// An inline endpoint stands in for a registered one of the same key.
	relabelled := pod("web", "ns1", "10.0.1.1", map[string]string{"app": "intruder"})
	f = tcp("10.0.1.1", "10.0.2.1", 5432)
	if !e.Evaluate(f).Allowed() {
		t.Fatal("registered web pod to db denied")
	}
	x = explain(f, &relabelled, nil)
	if x.Verdict.Allowed() {
		t.Errorf("relabelled web pod to db allowed: %+v", x.Verdict)
	}

	// Both sides inline, the destination not even owning its address.
	db := pod("db2", "ns1", "10.0.7.7", map[string]string{"app": "db"})
	x = explain(tcp("10.0.1.9", "10.0.2.99", 5432), &newWeb, &db)
	if !x.Verdict.Allowed() || x.Verdict.Ingress.Endpoint.Name != "db2" {
		t.Errorf("both inline: %+v, want allowed with db2 judged", x.Verdict)
	}
}

func TestEvaluateDirection(t *testing.T) {
	e := mustNew(t, twoPods())
	f := tcp("10.0.1.1", "10.0.2.1", 80)
	dv, tr := e.ExplainDirection(nil, model.Ingress, f)
	if !dv.Enforced || dv.Endpoint.Name != "db" || dv.Decision.Allowed {
		t.Errorf("ingress at db: %+v, want enforced deny", dv)
	}
	if want := npHit("db-in", "ns1", -1, model.HitDeny); len(tr.Hits) != 1 || tr.Hits[0] != want {
		t.Errorf("trace %+v, want [%+v]", tr.Hits, want)
	}
	dv, _ = e.ExplainDirection(nil, model.Egress, f)
	if !dv.Enforced || dv.Endpoint.Name != "web" || !dv.Decision.Allowed {
		t.Errorf("egress at web: %+v, want enforced allow", dv)
	}
	dv, tr = e.ExplainDirection(nil, model.Egress, tcp("8.8.8.8", "10.0.2.1", 80))
	if dv.Enforced || len(tr.Hits) != 0 {
		t.Errorf("egress at an outside address: %+v %+v, want not enforced", dv, tr)
	}
	web := pod("web", "ns1", "10.0.1.1", map[string]string{"app": "web"})
	dv, _ = e.ExplainDirection(&web, model.Ingress, f)
	if !dv.Enforced || dv.Endpoint.Name != "web" {
		t.Errorf("inline endpoint on the ingress side: %+v", dv)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		set  model.Set
		want []string // substrings of the error
	}{
		{
			name: "duplicate tier",
			set:  model.Set{Tiers: []model.Tier{{Name: "t"}, {Name: "t"}}},
			want: []string{"Tier t", "twice"},
		},
		{
			name: "duplicate profile",
			set:  model.Set{Profiles: []model.Profile{{Name: "p"}, {Name: "p"}}},
			want: []string{"Profile p", "twice"},
		},
		{
			name: "duplicate policy",
			set:  model.Set{Policies: []model.Policy{gnp("p", 1, "", nil, nil, nil), gnp("p", 2, "", nil, nil, nil)}},
			want: []string{"GlobalNetworkPolicy p", "twice"},
		},
		{
			name: "duplicate service",
			set:  model.Set{Services: []model.Service{{Name: "s", Namespace: "n"}, {Name: "s", Namespace: "n"}}},
			want: []string{"Service n/s", "twice"},
		},
		{
			name: "namespace that cannot be written in a selector",
			set:  model.Set{Policies: []model.Policy{np("p", `a'b"c`, 1, "", nil, nil, nil)}},
			want: []string{"NetworkPolicy", "quote"},
		},
		{
			name: "service account name that cannot be written in a selector",
			set: model.Set{Profiles: []model.Profile{{Name: "p", Ingress: []model.Rule{{Action: model.Allow,
				Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{`a'b"c`}}},
			}}}}},
			want: []string{"Profile p", "ingress[0].source.serviceAccounts.names", "quote"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.set)
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestConcurrentUse runs every entry point from many goroutines at once;
// under -race it shows the evaluator shares nothing mutable.
func TestConcurrentUse(t *testing.T) {
	e := mustNew(t, twoPods())
	want := e.Explain(tcp("10.0.1.1", "10.0.2.1", 5432))
	inline := pod("web-new", "ns1", "10.0.1.9", map[string]string{"app": "web"})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				f := tcp("10.0.1.1", "10.0.2.1", 5432)
				if got := e.Explain(f); got.Verdict != want.Verdict || len(got.Ingress.Hits) != len(want.Ingress.Hits) {
					errs <- fmt.Errorf("Explain gave %+v, want %+v", got.Verdict, want.Verdict)
					return
				}
				if !e.Evaluate(f).Allowed() {
					errs <- fmt.Errorf("Evaluate denied %v", f)
					return
				}
				if !e.EvaluateEndpoints(tcp("10.0.1.9", "10.0.2.1", 5432), &inline, nil).Allowed() {
					errs <- fmt.Errorf("EvaluateEndpoints denied the inline pod")
					return
				}
				if dv := e.EvaluateDirection(nil, model.Ingress, f); !dv.Decision.Allowed {
					errs <- fmt.Errorf("EvaluateDirection denied %v", f)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestNewKeepsItsOwnCopy shows that changing the set's slices after New
// does not change the evaluator.
func TestNewKeepsItsOwnCopy(t *testing.T) {
	set := twoPods()
	e := mustNew(t, set)
	f := tcp("10.0.1.1", "10.0.2.1", 5432)
	set.Endpoints[1].Labels = map[string]string{"app": "changed"}
	set.Policies[0] = gnp("deny-all", 0, "all()", nil, []model.Rule{{Action: model.Deny}}, []model.Rule{{Action: model.Deny}})
	set.Tiers = nil
	if !e.Evaluate(f).Allowed() {
		t.Error("changing the set after New changed the verdict")
	}
}
