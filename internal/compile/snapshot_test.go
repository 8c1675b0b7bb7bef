package compile

import (
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

// question is one thing asked of a snapshot: a flow, with the inline
// endpoints of the calls that take them.
type question struct {
	flow     model.Flow
	src, dst *model.Endpoint
	dir      model.Direction
}

// answers is everything a snapshot said when it was taken.
type answers struct {
	explain   []model.Explanation
	endpoints []model.Explanation
	direction []model.DirectionVerdict
	traces    []model.Trace
	owners    [][]model.Key
	set       model.Set
	stats     Stats
}

func ask(p *Program, qs []question) answers {
	a := answers{set: p.Set(), stats: p.Stats()}
	for _, q := range qs {
		a.explain = append(a.explain, p.Explain(q.flow))
		a.endpoints = append(a.endpoints, p.ExplainEndpoints(q.flow, q.src, q.dst))
		dv, tr := p.ExplainDirection(q.src, q.dir, q.flow)
		a.direction = append(a.direction, dv)
		a.traces = append(a.traces, tr)
		a.owners = append(a.owners, p.Owners(q.flow.Src), p.Owners(q.flow.Dst))
	}
	return a
}

// snapshot is a program kept with what it answered when it was new.
type snapshot struct {
	name string
	p    *Program
	was  answers
}

// recheck asks every kept snapshot again: whatever was applied since,
// nothing it answered may have changed.
func recheck(t *testing.T, snaps []snapshot, qs []question, after string) {
	t.Helper()
	for _, s := range snaps {
		now := ask(s.p, qs)
		if reflect.DeepEqual(s.was, now) {
			continue // the fast path; cmp explains a difference
		}
		if diff := cmp.Diff(s.was, now, cmp.AllowUnexported(answers{}), selectorText); diff != "" {
			t.Fatalf("%s: snapshot %s answers differently (-when taken +now):\n%s", after, s.name, diff)
		}
	}
}

// TestSnapshotsNeverChange keeps every program a change stream goes
// through and, after each Apply, successful or refused, asks all of them
// again: Apply must never write to anything an earlier program holds.
func TestSnapshotsNeverChange(t *testing.T) {
	runs := 60
	if testing.Short() || raceEnabled {
		runs = 15
	}
	for seed := range uint64(runs) {
		g, set, p, ok := compiledGen(seed + 1<<40)
		if !ok {
			continue
		}
		var qs []question
		for range 12 {
			q := question{flow: g.flow(), src: g.inlineEndpoint(&set), dst: g.inlineEndpoint(&set), dir: model.Ingress}
			if g.chance(50) {
				q.dir = model.Egress
			}
			qs = append(qs, q)
		}
		snaps := []snapshot{{"compiled", p, ask(p, qs)}}
		for step := range 15 {
			c := g.change(&set, step+1)
			next, err := p.Apply(c)
			after := fmt.Sprintf("seed %d step %d", seed, step)
			if err == nil {
				mustHold(t, next, "%s", after)
				if set, err = set.Apply(c); err != nil {
					t.Fatalf("%s: Set.Apply refused what Program.Apply took: %v", after, err)
				}
				p = next
				snaps = append(snaps, snapshot{fmt.Sprintf("after step %d", step), p, ask(p, qs)})
			}
			recheck(t, snaps, qs, after)
		}
	}
}

// TestSnapshotsNeverChangeCluster is the same on a generated cluster and
// its change stream, where batches relabel, move and remove many
// endpoints sharing classes, selectors and index shards.
func TestSnapshotsNeverChangeCluster(t *testing.T) {
	endpoints, batches := 120, 30
	if testing.Short() || raceEnabled {
		endpoints, batches = 50, 12
	}
	params := workload.DefaultClusterParams(endpoints)
	params.Seed = 77
	params.Flows = 400
	c := workload.NewCluster(params)
	p, err := Compile(c.Set)
	if err != nil {
		t.Fatal(err)
	}
	var qs []question
	for i, f := range c.Flows {
		if i%10 != 0 {
			continue
		}
		q := question{flow: f, dir: model.Ingress}
		if len(c.Set.Endpoints) > 0 && i%20 == 0 {
			ep := c.Set.Endpoints[i%len(c.Set.Endpoints)]
			ep.Addresses = []netip.Addr{f.Dst}
			q.dst, q.src, q.dir = &ep, &ep, model.Egress
		}
		qs = append(qs, q)
	}
	snaps := []snapshot{{"compiled", p, ask(p, qs)}}
	for b, change := range workload.Changes(c.Set, params.Seed, batches, 3) {
		next, err := p.Apply(change)
		if err != nil {
			t.Fatalf("batch %d: Apply refused a valid change: %v", b, err)
		}
		mustHold(t, next, "batch %d", b)
		p = next
		snaps = append(snaps, snapshot{fmt.Sprintf("after batch %d", b), p, ask(p, qs)})
		recheck(t, snaps, qs, fmt.Sprintf("batch %d", b))
	}
}
