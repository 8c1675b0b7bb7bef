package eval_test

import (
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

func mustNew(t testing.TB, set model.Set) *eval.Engine {
	t.Helper()
	e, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustReference(t testing.TB, set model.Set) *reference.Evaluator {
	t.Helper()
	r, err := reference.New(set)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// mustApply applies a change the workload generator made, which must be
// valid.
func mustApply(t testing.TB, s model.Set, c model.Change) model.Set {
	t.Helper()
	next, err := s.Apply(c)
	if err != nil {
		t.Fatalf("Apply refused a generated change: %v", err)
	}
	return next
}

// sameAsReference checks every question of the Evaluator interface on one
// flow: the engine and a snapshot of it must answer as the reference, and
// in each the Evaluate form must give the Explain form's verdict.
func sameAsReference(t *testing.T, e *eval.Engine, r *reference.Evaluator, f model.Flow, inline []*model.Endpoint) {
	t.Helper()
	for _, got := range []struct {
		name string
		ev   eval.Evaluator
	}{{"engine", e}, {"snapshot", e.Snapshot()}} {
		sameAnswers(t, got.name, r, got.ev, f, inline)
	}
	sameAnswers(t, "reference against itself", r, r, f, inline)
}

func sameAnswers(t *testing.T, name string, want, got eval.Evaluator, f model.Flow, inline []*model.Endpoint) {
	t.Helper()
	check := func(what string, want, got any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: %s(%v -> %v:%d) (-reference +%s):\n%s", name, what, f.Src, f.Dst, f.DstPort, name, diff)
		}
	}
	x := want.Explain(f)
	check("Explain", x, got.Explain(f))
	check("Evaluate", x.Verdict, got.Evaluate(f))
	for _, src := range inline {
		for _, dst := range inline {
			x := want.ExplainEndpoints(f, src, dst)
			check("ExplainEndpoints", x, got.ExplainEndpoints(f, src, dst))
			check("EvaluateEndpoints", x.Verdict, got.EvaluateEndpoints(f, src, dst))
		}
		for _, d := range []model.Direction{model.Ingress, model.Egress} {
			dv, tr := want.ExplainDirection(src, d, f)
			gotDV, gotTr := got.ExplainDirection(src, d, f)
			check("ExplainDirection verdict "+string(d), dv, gotDV)
			check("ExplainDirection trace "+string(d), tr, gotTr)
			check("EvaluateDirection "+string(d), dv, got.EvaluateDirection(src, d, f))
		}
	}
}

func TestEngineMatchesReference(t *testing.T) {
	set := shop()
	e, r := mustNew(t, set), mustReference(t, set)
	relabelled := set.Endpoints[0]
	relabelled.Labels = map[string]string{"app": "web", "list": "block"}
	stranger := pod("stranger", "dev", "10.0.9.9", map[string]string{"never": "seen"})
	inline := []*model.Endpoint{nil, &set.Endpoints[0], &relabelled, &stranger}
	for _, f := range shopFlows() {
		sameAsReference(t, e, r, f, inline)
	}
}

// TestEngineDecisions pins a few answers of shop, so that a change in
// both evaluators at once does not go unnoticed.
func TestEngineDecisions(t *testing.T) {
	e := mustNew(t, shop())
	tests := []struct {
		name    string
		flow    model.Flow
		allowed bool
		pending bool
		hit     model.Hit
		ingress bool
	}{
		// Pending: the staged lockdown makes the default tier apply to
		// web's egress, whose end denies.
		{"named port", tcp("10.0.0.1", "10.0.0.2", 5432), true, false,
			model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "shop", Name: "db", Index: 0, Action: model.HitAllow}, true},
		{"end of the default tier", tcp("10.0.0.1", "10.0.0.2", 80), false, false,
			model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "shop", Name: "db", Index: -1, Action: model.HitDeny}, true},
		{"blocklist", tcp("203.0.113.9", "10.0.0.2", 5432), false, false,
			model.Hit{Kind: model.KindGlobalNetworkPolicy, Tier: "platform", Name: "block", Index: 0, Action: model.HitDeny}, true},
		{"partner network set", tcp("198.51.100.3", "10.0.0.2", 80), true, true,
			model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "shop", Name: "db", Index: 1, Action: model.HitAllow}, true},
		{"profile after a pass", tcp("192.0.2.1", "10.0.0.1", 80), true, true,
			model.Hit{Kind: model.KindProfile, Tier: model.TierProfile, Name: "kns.shop", Index: 0, Action: model.HitAllow}, true},
	}
	for _, tt := range tests {
		v := e.Evaluate(tt.flow)
		side := v.Egress
		if tt.ingress {
			side = v.Ingress
		}
		if v.Allowed() != tt.allowed || v.PendingAllowed() != tt.pending || side.Decision.Hit != tt.hit {
			t.Errorf("%s: allowed %v pending %v hit %+v; want %v %v %+v", tt.name, v.Allowed(), v.PendingAllowed(), side.Decision.Hit, tt.allowed, tt.pending, tt.hit)
		}
	}
	// The staged lockdown denies web's UDP only in the pending walk.
	udp := tcp("10.0.0.1", "10.0.0.2", 53)
	udp.Protocol = model.ProtoUDP
	v := e.Evaluate(udp)
	if !v.Egress.Decision.Allowed || v.Egress.Pending.Allowed {
		t.Errorf("staged policy: egress %+v", v.Egress)
	}
	if x := e.Explain(tcp("10.0.0.1", "203.0.113.9", 443)); len(x.Egress.Logs) != 1 || x.Egress.Logs[0].Action != model.HitLog {
		t.Errorf("the Log rule is not listed beside the trace: %+v", x.Egress)
	}
	if v := e.Evaluate(tcp("10.0.0.1", "192.0.2.1", 80)); v.Ingress.Enforced {
		t.Error("an address no endpoint owns was enforced")
	}
}

// TestApplyAtomicKeepsAnswers: a change that fails changes no answer.
func TestApplyAtomicKeepsAnswers(t *testing.T) {
	e := mustNew(t, shop())
	var before []model.Explanation
	for _, f := range shopFlows() {
		before = append(before, e.Explain(f))
	}
	snap := e.Snapshot()
	err := e.Apply(model.Change{
		Upserts: model.Set{
			Endpoints: []model.Endpoint{pod("web-1", "shop", "10.0.0.1", map[string]string{"app": "db"})},
			Policies: []model.Policy{{Kind: model.KindGlobalNetworkPolicy, Name: "orphan", Tier: "missing",
				Ingress: []model.Rule{{Action: model.Deny}}}},
		},
		Deletes: []model.Key{{Kind: model.KindProfile, Name: "kns.shop"}},
	})
	if err == nil || !strings.Contains(err.Error(), "GlobalNetworkPolicy orphan") {
		t.Fatalf("Apply error %v, want one naming GlobalNetworkPolicy orphan", err)
	}
	if e.Snapshot() != snap {
		t.Error("a failed Apply published a new snapshot")
	}
	for i, f := range shopFlows() {
		if diff := cmp.Diff(before[i], e.Explain(f)); diff != "" {
			t.Errorf("flow %d changed after a failed Apply:\n%s", i, diff)
		}
	}
}

// TestReadersDuringApply evaluates from several goroutines while one
// applies a stream of changes. Every answer must be the reference's
// answer for one of the snapshots current during the call. Run it with
// -race.
func TestReadersDuringApply(t *testing.T) {
	p := workload.DefaultClusterParams(80)
	p.Flows = 200
	c := workload.NewCluster(p)
	changes := workload.Changes(c.Set, 7, 12, 3)
	sets := []model.Set{c.Set}
	for _, ch := range changes {
		sets = append(sets, mustApply(t, sets[len(sets)-1], ch))
	}
	refs := make([]*reference.Evaluator, len(sets))
	for i, s := range sets {
		refs[i] = mustReference(t, s)
	}
	e := mustNew(t, c.Set)

	var version atomic.Int64 // changes applied so far
	var reads atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; !stop.Load(); i++ {
				f := c.Flows[i%len(c.Flows)]
				lo := version.Load()
				got := e.Evaluate(f)
				reads.Add(1)
				hi := min(version.Load()+1, int64(len(refs)-1)) // a snapshot is published just before its count
				ok := false
				for k := lo; k <= hi && !ok; k++ {
					ok = cmp.Equal(got, refs[k].Evaluate(f))
				}
				if !ok {
					select {
					case errs <- f.Src.String() + " -> " + f.Dst.String():
					default:
					}
					return
				}
			}
		}()
	}
	for _, ch := range changes {
		// Let the readers work on this snapshot before the next one.
		for start := reads.Load(); reads.Load() < start+50; {
			runtime.Gosched()
		}
		if err := e.Apply(ch); err != nil {
			t.Fatal(err)
		}
		version.Add(1)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Errorf("a reader's verdict for %s matches no snapshot current during the call", msg)
	}
	// After the stream the engine answers as a fresh compile of the last set.
	last := refs[len(refs)-1]
	for _, f := range c.Flows {
		if diff := cmp.Diff(last.Explain(f), e.Explain(f)); diff != "" {
			t.Fatalf("after every change, %v -> %v differs (-reference +engine):\n%s", f.Src, f.Dst, diff)
		}
	}
}

// TestEvaluateAllocatesNothing: flows between registered endpoints cost
// no allocation, on a generated cluster (network sets, IPv6, staged
// policies, named ports) and on shop.
func TestEvaluateAllocatesNothing(t *testing.T) {
	p := workload.DefaultClusterParams(300)
	p.Flows = 600
	c := workload.NewCluster(p)
	for _, tc := range []struct {
		set   model.Set
		flows []model.Flow
	}{{c.Set, c.Flows}, {shop(), shopFlows()}} {
		e := mustNew(t, tc.set)
		for _, f := range tc.flows {
			if f.HTTP != nil {
				continue // normalising an unusual request path may allocate
			}
			if n := testing.AllocsPerRun(5, func() { e.Evaluate(f) }); n != 0 {
				t.Fatalf("Evaluate(%v -> %v) allocates %v times", f.Src, f.Dst, n)
			}
		}
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		set  model.Set
		want string
	}{
		{"policy in a missing tier", model.Set{Policies: []model.Policy{{Kind: model.KindNetworkPolicy, Namespace: "a", Name: "p", Tier: "nowhere"}}},
			`NetworkPolicy a/p: tier: tier "nowhere" does not exist`},
		{"duplicate endpoint", model.Set{Endpoints: []model.Endpoint{pod("x", "a", "10.0.0.1", nil), pod("x", "a", "10.0.0.2", nil)}},
			"WorkloadEndpoint a/x: is defined twice"},
	}
	for _, tt := range tests {
		_, err := eval.New(tt.set)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestSnapshotIsStable(t *testing.T) {
	e := mustNew(t, shop())
	old := e.Snapshot()
	f := tcp("10.0.0.1", "10.0.0.2", 5432)
	if err := e.Apply(model.Change{Deletes: []model.Key{{Kind: model.KindNetworkPolicy, Namespace: "shop", Name: "db"}}}); err != nil {
		t.Fatal(err)
	}
	if old.Evaluate(f).Ingress.Decision.Hit.Name != "db" {
		t.Error("the old snapshot saw the delete")
	}
	if e.Evaluate(f).Ingress.Decision.Hit.Name == "db" {
		t.Error("the engine did not see the delete")
	}
	if got := e.Snapshot().Owners(netip.MustParseAddr("198.51.100.1")); len(got) != 1 || got[0].Name != "partners" {
		t.Errorf("owners %v", got)
	}
}
