package eval_test

import (
	"bytes"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// Sizes of the differential test. The defaults keep the whole test under
// two minutes with -race on two cores; -short makes every size that is
// not given on the command line smaller still. A failure prints the seed
// of its cluster, which -diff.seed with -diff.clusters=1 reproduces.
var (
	diffClusters  = flag.Int("diff.clusters", 3, "differential test: number of generated clusters")
	diffSeed      = flag.Uint64("diff.seed", 20260417, "differential test: seed of the first cluster (the next ones count up)")
	diffEndpoints = flag.Int("diff.endpoints", 200, "differential test: pods per cluster")
	diffFlows     = flag.Int("diff.flows", 2000, "differential test: flows per cluster, each asked of engine and reference")
	diffChanges   = flag.Int("diff.changes", 200, "differential test: updates applied per cluster, in batches of three, checked after each batch")
)

// Sizes that -short uses for the flags not given.
const (
	shortClusters  = 2
	shortEndpoints = 60
	shortFlows     = 300
	shortChanges   = 30
)

const (
	// updatesPerBatch is how many updates one change batch holds.
	updatesPerBatch = 3
	// sampleFlows is how many flows are asked again after every batch.
	sampleFlows = 48
	// probeEvery spaces out the flows also asked through
	// EvaluateEndpoints and EvaluateDirection.
	probeEvery = 7
)

// diffSizes returns the sizes to run with.
func diffSizes() (clusters, endpoints, flows, changes int) {
	clusters, endpoints, flows, changes = *diffClusters, *diffEndpoints, *diffFlows, *diffChanges
	if !testing.Short() {
		return clusters, endpoints, flows, changes
	}
	given := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if !given["diff.clusters"] {
		clusters = shortClusters
	}
	if !given["diff.endpoints"] {
		endpoints = shortEndpoints
	}
	if !given["diff.flows"] {
		flows = shortFlows
	}
	if !given["diff.changes"] {
		changes = shortChanges
	}
	return clusters, endpoints, flows, changes
}

// sameAnswer compares answers of the evaluators: nil and empty trace
// lists mean the same.
var sameAnswer = []cmp.Option{cmpopts.EquateEmpty()}

// TestDifferential holds the compiled engine to the reference evaluator,
// the executable specification, on generated clusters: every flow through
// Explain and Evaluate, a sample of them through EvaluateEndpoints and
// EvaluateDirection with registered, relabelled and unregistered
// endpoints; then, batch after batch of generated changes, the engine
// that applied them against the reference and a fresh engine built from
// the set as it now is. A disagreement is shrunk to a small set and
// printed with the flow that shows it.
func TestDifferential(t *testing.T) {
	clusters, endpoints, flows, changes := diffSizes()
	for i := range clusters {
		seed := *diffSeed + uint64(i)
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			defer func() {
				if t.Failed() {
					t.Logf("reproduce with: go test ./eval -run 'TestDifferential' -diff.seed=%d -diff.clusters=1 -diff.endpoints=%d -diff.flows=%d -diff.changes=%d",
						seed, endpoints, flows, changes)
				}
			}()
			p := workload.DefaultClusterParams(endpoints)
			p.Seed = seed
			p.Flows = flows
			c := workload.NewCluster(p)
			t.Logf("cluster seed %d: %d endpoints, %d policies, %d network sets, %d flows",
				seed, len(c.Set.Endpoints), len(c.Set.Policies), len(c.Set.NetworkSets), len(c.Flows))
			eng := differentialInitial(t, c, seed)
			if eng == nil {
				return
			}
			differentialChanges(t, eng, c, seed, changes)
		})
	}
}

// differentialInitial compares engine and reference on every flow of the
// cluster; it returns the engine, or nil after reporting a disagreement.
func differentialInitial(t *testing.T, c workload.Cluster, seed uint64) *eval.Engine {
	ref, err := reference.New(c.Set)
	if err != nil {
		t.Fatalf("reference.New on generated cluster %d: %v", seed, err)
	}
	eng, err := eval.New(c.Set)
	if err != nil {
		t.Fatalf("eval.New on generated cluster %d refused a set the reference accepts: %v", seed, err)
	}
	if err := eval.CheckInvariants(eng); err != nil {
		t.Fatalf("cluster seed %d: the compiled program breaks its invariants:\n%v", seed, err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	for i, f := range c.Flows {
		probes := []probe{{kind: probeExplain, flow: f}}
		if i%probeEvery == 0 {
			probes = append(probes, endpointsProbe(r, c.Set, f), directionProbe(r, c.Set, f))
		}
		for _, pr := range probes {
			if diff := pr.compare(ref, eng); diff != "" {
				t.Errorf("cluster seed %d, flow %d: %s differs (-reference +engine):\n%s", seed, i, pr, diff)
				reportMinimal(t, c.Set, pr, func(s model.Set) bool { return disagreeFresh(s, pr) })
				return nil
			}
		}
	}
	return eng
}

// differentialChanges applies change batches to the engine and, after
// each, compares it with the reference and with a fresh engine on a
// fixed sample of the flows.
func differentialChanges(t *testing.T, eng *eval.Engine, c workload.Cluster, seed uint64, changes int) {
	sample := sampleOf(c.Flows, sampleFlows)
	batches := workload.Changes(c.Set, seed, (changes+updatesPerBatch-1)/updatesPerBatch, updatesPerBatch)
	cur := c.Set
	for b, change := range batches {
		prev := cur
		cur = mustApply(t, cur, change)
		if err := eng.Apply(change); err != nil {
			t.Errorf("cluster seed %d, batch %d: Apply refused a valid change: %v", seed, b, err)
			reportChange(t, prev, change, nil)
			return
		}
		if err := eval.CheckInvariants(eng); err != nil {
			t.Fatalf("cluster seed %d, batch %d: the program after Apply breaks its invariants:\n%v", seed, b, err)
		}
		ref, err := reference.New(cur)
		if err != nil {
			t.Fatalf("cluster seed %d, batch %d: reference.New on the changed set: %v", seed, b, err)
		}
		fresh, err := eval.New(cur)
		if err != nil {
			t.Errorf("cluster seed %d, batch %d: eval.New refused the changed set that Apply took: %v", seed, b, err)
			reportChange(t, prev, change, nil)
			return
		}
		r := rand.New(rand.NewPCG(seed, uint64(b)))
		for i, f := range sample {
			probes := []probe{{kind: probeExplain, flow: f}}
			if i%probeEvery == 0 {
				probes = append(probes, endpointsProbe(r, cur, f), directionProbe(r, cur, f))
			}
			for _, pr := range probes {
				if !agreeAfterBatch(t, seed, b, i, pr, ref, fresh, eng, prev, cur, change) {
					return
				}
			}
		}
	}
}

// agreeAfterBatch compares the reference, a fresh engine and the engine
// that applied the batches on one probe, reporting a disagreement with
// its reproducer.
func agreeAfterBatch(t *testing.T, seed uint64, b, i int, pr probe, ref *reference.Evaluator, fresh, eng *eval.Engine, prev, cur model.Set, change model.Change) bool {
	t.Helper()
	if diff := pr.compare(ref, fresh); diff != "" {
		t.Errorf("cluster seed %d, after batch %d, sample flow %d: a fresh engine's %s differs (-reference +fresh engine):\n%s", seed, b, i, pr, diff)
		reportMinimal(t, cur, pr, func(s model.Set) bool { return disagreeFresh(s, pr) })
		return false
	}
	if diff := pr.compare(ref, eng); diff != "" {
		t.Errorf("cluster seed %d, after batch %d, sample flow %d: the changed engine's %s differs from the reference and from a fresh engine (-reference +changed engine):\n%s", seed, b, i, pr, diff)
		reportChange(t, prev, change, &pr)
		return false
	}
	return true
}

// sampleOf returns n flows spread over the list.
func sampleOf(flows []model.Flow, n int) []model.Flow {
	if len(flows) <= n {
		return flows
	}
	out := make([]model.Flow, 0, n)
	for i := range n {
		out = append(out, flows[i*len(flows)/n])
	}
	return out
}

// probe is one question asked of both evaluators.
type probe struct {
	kind     probeKind
	flow     model.Flow
	src, dst *model.Endpoint // inline endpoints of EvaluateEndpoints; nil: found by address
	ep       *model.Endpoint // the endpoint of EvaluateDirection; nil: found by address
	dir      model.Direction
}

type probeKind int

const (
	probeExplain probeKind = iota
	probeEndpoints
	probeDirection
)

func (p probe) String() string {
	name := func(ep *model.Endpoint) string {
		if ep == nil {
			return "nil"
		}
		return fmt.Sprintf("inline %s %v", ep.Key(), ep.Labels)
	}
	switch p.kind {
	case probeEndpoints:
		return fmt.Sprintf("EvaluateEndpoints(%s, src %s, dst %s)", flowString(p.flow), name(p.src), name(p.dst))
	case probeDirection:
		return fmt.Sprintf("EvaluateDirection(%s, %s, %s)", name(p.ep), p.dir, flowString(p.flow))
	}
	return fmt.Sprintf("Explain(%s)", flowString(p.flow))
}

// compare asks the probe of both and returns the difference, "" when they
// agree. Both forms of the question are asked of each: the Explain form is
// compared between them, and in each the Evaluate form must give the
// Explain form's verdict.
func (p probe) compare(ref, eng eval.Evaluator) string {
	var diffs []string
	add := func(what string, want, got any) {
		// DeepEqual is the fast path; cmp decides when it says no, since
		// nil and empty trace lists are the same answer.
		if reflect.DeepEqual(want, got) {
			return
		}
		if d := cmp.Diff(want, got, sameAnswer...); d != "" {
			diffs = append(diffs, what+":\n"+d)
		}
	}
	switch p.kind {
	case probeExplain:
		want := ref.Explain(p.flow)
		add("Explain", want, eng.Explain(p.flow))
		add("Evaluate", want.Verdict, eng.Evaluate(p.flow))
		add("Evaluate against Explain of the reference", want.Verdict, ref.Evaluate(p.flow))
	case probeEndpoints:
		want := ref.ExplainEndpoints(p.flow, p.src, p.dst)
		add("ExplainEndpoints", want, eng.ExplainEndpoints(p.flow, p.src, p.dst))
		add("EvaluateEndpoints", want.Verdict, eng.EvaluateEndpoints(p.flow, p.src, p.dst))
		add("EvaluateEndpoints against ExplainEndpoints of the reference", want.Verdict, ref.EvaluateEndpoints(p.flow, p.src, p.dst))
	case probeDirection:
		wantDV, wantTr := ref.ExplainDirection(p.ep, p.dir, p.flow)
		gotDV, gotTr := eng.ExplainDirection(p.ep, p.dir, p.flow)
		add("ExplainDirection verdict", wantDV, gotDV)
		add("ExplainDirection trace", wantTr, gotTr)
		add("EvaluateDirection", wantDV, eng.EvaluateDirection(p.ep, p.dir, p.flow))
		add("EvaluateDirection against ExplainDirection of the reference", wantDV, ref.EvaluateDirection(p.ep, p.dir, p.flow))
	}
	return strings.Join(diffs, "\n")
}

// endpointsProbe asks EvaluateEndpoints with inline endpoints drawn from
// the set: found by address, registered as they are, relabelled copies of
// registered ones, or new ones with no registered twin.
func endpointsProbe(r *rand.Rand, set model.Set, f model.Flow) probe {
	return probe{kind: probeEndpoints, flow: f, src: inlineEndpoint(r, set), dst: inlineEndpoint(r, set)}
}

// directionProbe asks EvaluateDirection in a random direction.
func directionProbe(r *rand.Rand, set model.Set, f model.Flow) probe {
	d := model.Ingress
	if r.IntN(2) == 0 {
		d = model.Egress
	}
	return probe{kind: probeDirection, flow: f, ep: inlineEndpoint(r, set), dir: d}
}

func inlineEndpoint(r *rand.Rand, set model.Set) *model.Endpoint {
	// Indexes only: copying every endpoint for each probe would cost more
	// than the probe.
	var pods []int
	for i := range set.Endpoints {
		if set.Endpoints[i].Kind == model.KindWorkloadEndpoint {
			pods = append(pods, i)
		}
	}
	if len(pods) == 0 || r.IntN(4) == 0 {
		return nil
	}
	ep := set.Endpoints[pods[r.IntN(len(pods))]]
	switch r.IntN(3) {
	case 1:
		// Relabelled: it stands in for the registered one.
		ep.Labels = maps.Clone(ep.Labels)
		ep.Labels["version"] = "inline"
		delete(ep.Labels, "app")
	case 2:
		// Unregistered: a new name, no address of its own.
		ep.Name += "-inline"
		ep.Addresses = nil
		ep.Labels = maps.Clone(ep.Labels)
		ep.Labels["canary"] = "true"
	}
	return &ep
}

// disagreeFresh reports whether a fresh engine and the reference built
// from set disagree on the probe. A set either refuses is no reproducer.
func disagreeFresh(set model.Set, pr probe) bool {
	ref, err := reference.New(set)
	if err != nil {
		return false
	}
	eng, err := eval.New(set)
	if err != nil {
		return false
	}
	return pr.compare(ref, eng) != ""
}

// disagreeAfter reports whether an engine built from prev that applies
// the change disagrees with the reference on the set the change leaves.
func disagreeAfter(prev model.Set, change model.Change, pr probe) bool {
	next, err := prev.Apply(change)
	if err != nil {
		return false
	}
	ref, err := reference.New(next)
	if err != nil {
		return false
	}
	eng, err := eval.New(prev)
	if err != nil {
		return false
	}
	if err := eng.Apply(change); err != nil {
		return false
	}
	return pr.compare(ref, eng) != ""
}

// reportMinimal shrinks the set while the disagreement persists and
// prints the smallest set, the probe and the difference.
func reportMinimal(t *testing.T, set model.Set, pr probe, fails func(model.Set) bool) {
	t.Helper()
	if !fails(set) {
		t.Errorf("the disagreement does not reproduce on engines built afresh from the set; rerun the cluster with -diff.seed and -diff.clusters=1")
		return
	}
	small := shrink(set, fails)
	ref, _ := reference.New(small)
	eng, _ := eval.New(small)
	var diff string
	if ref != nil && eng != nil {
		diff = pr.compare(ref, eng)
	}
	t.Errorf("minimal reproducer (%s, shrunk from %s):\nprobe: %s\nflow: %+v\n--- set ---\n%s--- difference (-reference +engine) ---\n%s",
		sizeOf(small), sizeOf(set), pr, pr.flow, setText(small), diff)
}

// reportChange shrinks the set before a change that the engine applies
// wrongly (or refuses), keeping the change, and prints both.
func reportChange(t *testing.T, prev model.Set, change model.Change, pr *probe) {
	t.Helper()
	fails := func(s model.Set) bool {
		eng, err := eval.New(s)
		if err != nil {
			return false
		}
		next, err := s.Apply(change)
		if err != nil {
			return false
		}
		if _, err := reference.New(next); err != nil {
			return false
		}
		if pr == nil {
			return eng.Apply(change) != nil
		}
		return disagreeAfter(s, change, *pr)
	}
	if !fails(prev) {
		t.Errorf("the disagreement does not reproduce by applying the last batch to an engine built afresh: it depends on the batches before; rerun the cluster with -diff.seed and -diff.clusters=1")
		return
	}
	small := shrink(prev, fails)
	what := "Apply refuses the change"
	if pr != nil {
		what = pr.String()
	}
	t.Errorf("minimal reproducer (%s before the change, shrunk from %s):\n%s\n--- set before the change ---\n%s--- change: upserts ---\n%s--- change: deletes ---\n%v\n",
		sizeOf(small), sizeOf(prev), what, setText(small), setText(change.Upserts), change.Deletes)
}

// shrink removes resources, and rules of policies, while fails still
// holds, trying large chunks first and then one at a time.
func shrink(set model.Set, fails func(model.Set) bool) model.Set {
	if !fails(set) {
		return set
	}
	for progress := true; progress; {
		progress = false
		progress = shrinkSlice(&set, &set.Policies, fails) || progress
		progress = shrinkSlice(&set, &set.Endpoints, fails) || progress
		progress = shrinkSlice(&set, &set.NetworkSets, fails) || progress
		progress = shrinkSlice(&set, &set.Services, fails) || progress
		progress = shrinkRules(&set, fails) || progress
		progress = shrinkSlice(&set, &set.Profiles, fails) || progress
		progress = shrinkSlice(&set, &set.ServiceAccounts, fails) || progress
		progress = shrinkSlice(&set, &set.Namespaces, fails) || progress
		progress = shrinkSlice(&set, &set.Tiers, fails) || progress
	}
	return set
}

// shrinkSlice drops elements of one list of the set (which *list points
// into) while the failure persists; it reports whether any went.
func shrinkSlice[T any](set *model.Set, list *[]T, fails func(model.Set) bool) bool {
	dropped := false
	for chunk := max(len(*list)/2, 1); chunk >= 1; chunk /= 2 {
		for start := 0; start < len(*list); {
			end := min(start+chunk, len(*list))
			old := *list
			*list = slices.Concat(old[:start], old[end:])
			if fails(*set) {
				dropped = true
				continue // the same start now holds the next elements
			}
			*list = old
			start = end
		}
	}
	return dropped
}

// shrinkRules drops rules of policies one at a time while the failure
// persists.
func shrinkRules(set *model.Set, fails func(model.Set) bool) bool {
	dropped := false
	for i := range set.Policies {
		for _, dir := range []model.Direction{model.Ingress, model.Egress} {
			for j := 0; j < len(set.Policies[i].Rules(dir)); {
				old := set.Policies
				pols := slices.Clone(old)
				p := &pols[i]
				if dir == model.Egress {
					p.Egress = slices.Delete(slices.Clone(p.Egress), j, j+1)
				} else {
					p.Ingress = slices.Delete(slices.Clone(p.Ingress), j, j+1)
				}
				set.Policies = pols
				if fails(*set) {
					dropped = true
					continue
				}
				set.Policies = old
				j++
			}
		}
	}
	return dropped
}

func sizeOf(s model.Set) string {
	return fmt.Sprintf("%d tiers, %d policies, %d profiles, %d endpoints, %d network sets, %d namespaces, %d services",
		len(s.Tiers), len(s.Policies), len(s.Profiles), len(s.Endpoints), len(s.NetworkSets), len(s.Namespaces), len(s.Services))
}

// setText writes a set as YAML resources, adding what YAML leaves
// implied or cannot say: tiers without an order (the loader would give
// them one) and the kns./ksa. profiles it would derive.
func setText(s model.Set) string {
	var b bytes.Buffer
	if err := policy.Encode(&b, s, "yaml"); err != nil {
		return fmt.Sprintf("(cannot encode as YAML: %v)\n%+v\n", err, s)
	}
	for _, t := range s.Tiers {
		if t.Order == nil {
			fmt.Fprintf(&b, "# tier %s has no order: it sorts after every ordered tier\n", t.Name)
		}
	}
	return b.String()
}

func flowString(f model.Flow) string {
	s := fmt.Sprintf("%s:%d -> %s:%d proto %d", f.Src, f.SrcPort, f.Dst, f.DstPort, f.Protocol)
	if f.ICMP != nil {
		s += fmt.Sprintf(" icmp %d/%d", f.ICMP.Type, f.ICMP.Code)
	}
	if f.HTTP != nil {
		s += fmt.Sprintf(" http %s %q", f.HTTP.Method, f.HTTP.Path)
	}
	return s
}

// TestConcurrentReadersDuringApply evaluates from several goroutines while
// one applies change batches. Every answer must be the answer of one
// whole state the engine went through (never a mixture), and a snapshot
// must keep answering the same whatever is applied meanwhile.
func TestConcurrentReadersDuringApply(t *testing.T) {
	p := workload.DefaultClusterParams(80)
	p.Seed = *diffSeed
	p.Flows = 400
	c := workload.NewCluster(p)
	batches := workload.Changes(c.Set, p.Seed, 30, updatesPerBatch)
	flows := sampleOf(c.Flows, 24)

	// want[k][i] is the answer to flow i after k batches.
	want := make([][]model.Explanation, len(batches)+1)
	cur := c.Set
	for k := range want {
		if k > 0 {
			cur = mustApply(t, cur, batches[k-1])
		}
		ref, err := reference.New(cur)
		if err != nil {
			t.Fatalf("reference.New after %d batches: %v", k, err)
		}
		want[k] = make([]model.Explanation, len(flows))
		for i, f := range flows {
			want[k][i] = ref.Explain(f)
		}
	}

	eng, err := eval.New(c.Set)
	if err != nil {
		t.Fatalf("eval.New: %v", err)
	}
	var applied atomic.Int64 // batches applied and published
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	report := func(format string, args ...any) {
		select {
		case errs <- fmt.Sprintf(format, args...):
		default:
		}
	}
	for reader := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !done.Load() || n < len(flows); n++ {
				i := (n + reader*7) % len(flows)
				f := flows[i]
				before := int(applied.Load())
				got := eng.Explain(f)
				// The writer publishes a batch before counting it, so
				// the answer may come from one batch past the count.
				after := min(int(applied.Load())+1, len(batches))
				if !anyState(want, i, before, after, got) {
					report("reader %d: Explain(%s) with %d to %d batches applied matches no state in between:\n%+v", reader, flowString(f), before, after, got)
					return
				}
				snap := eng.Snapshot()
				first := snap.Explain(f)
				second := snap.Explain(f)
				if diff := cmp.Diff(first, second, sameAnswer...); diff != "" {
					report("reader %d: a snapshot answered Explain(%s) differently twice:\n%s", reader, flowString(f), diff)
					return
				}
				if v := snap.Evaluate(f); !cmp.Equal(v, first.Verdict, sameAnswer...) {
					report("reader %d: a snapshot's Evaluate(%s) differs from its Explain", reader, flowString(f))
					return
				}
			}
		}()
	}
	for k, b := range batches {
		if err := eng.Apply(b); err != nil {
			t.Errorf("Apply of batch %d: %v", k, err)
			break
		}
		applied.Store(int64(k + 1))
	}
	done.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for i, f := range flows {
		if diff := cmp.Diff(want[len(batches)][i], eng.Explain(f), sameAnswer...); diff != "" {
			t.Errorf("after every batch, Explain(%s) differs (-reference +engine):\n%s", flowString(f), diff)
		}
	}
}

// anyState reports whether got is the answer to flow i in one of the
// states lo to hi.
func anyState(want [][]model.Explanation, i, lo, hi int, got model.Explanation) bool {
	for k := lo; k <= hi && k < len(want); k++ {
		if cmp.Equal(want[k][i], got, sameAnswer...) {
			return true
		}
	}
	return false
}

// The shrinker keeps exactly what a failure needs: here, one rule of one
// policy and one endpoint, out of a whole generated cluster.
func TestShrinkKeepsTheCause(t *testing.T) {
	set := workload.NewCluster(workload.ClusterParams{Seed: 5, Endpoints: 30}).Set
	var target model.Policy
	for _, p := range set.Policies {
		if len(p.Ingress) >= 2 {
			target = p
			break
		}
	}
	if target.Name == "" {
		t.Fatal("the generated cluster has no policy with two ingress rules")
	}
	cause := target.Ingress[1]
	endpoint := set.Endpoints[len(set.Endpoints)-1].Key()
	fails := func(s model.Set) bool {
		hasEndpoint := slices.ContainsFunc(s.Endpoints, func(e model.Endpoint) bool { return e.Key() == endpoint })
		hasRule := slices.ContainsFunc(s.Policies, func(p model.Policy) bool {
			return p.Key() == target.Key() && slices.ContainsFunc(p.Ingress, func(r model.Rule) bool {
				return reflect.DeepEqual(r, cause)
			})
		})
		return hasEndpoint && hasRule
	}
	small := shrink(set, fails)
	if !fails(small) {
		t.Fatal("the shrunk set no longer fails")
	}
	if len(small.Policies) != 1 || len(small.Policies[0].Ingress) != 1 || len(small.Policies[0].Egress) != 0 {
		t.Errorf("shrunk policies: got %d policies (%+v), want the one rule that matters", len(small.Policies), small.Policies)
	}
	if len(small.Endpoints) != 1 || len(small.NetworkSets) != 0 || len(small.Namespaces) != 0 || len(small.Profiles) != 0 || len(small.Tiers) != 0 {
		t.Errorf("shrunk set still holds %s", sizeOf(small))
	}
	if text := setText(small); !strings.Contains(text, target.Name) {
		t.Errorf("the reproducer's YAML does not name policy %s:\n%s", target.Name, text)
	}
}
