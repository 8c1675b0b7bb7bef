package analysis

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

// keptTraffic is the generated cluster's flows as records, logged by
// either end or none, with actions, counts and times, and some with a
// side that resolves to nothing.
func keptTraffic(c workload.Cluster) []flowlog.Record {
	r := rand.New(rand.NewPCG(7, 7))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var recs []flowlog.Record
	for i, f := range c.Flows {
		rec := flowlog.Record{Src: flowlog.Peer{Addr: f.Src}, Dst: flowlog.Peer{Addr: f.Dst}, Protocol: f.Protocol,
			SrcPort: f.SrcPort, DstPort: f.DstPort, Count: uint64(1 + r.IntN(3)), Line: i + 1}
		if f.ICMP != nil {
			rec.HasICMP, rec.ICMPType, rec.ICMPCode = true, f.ICMP.Type, f.ICMP.Code
		}
		if r.IntN(2) == 0 {
			rec.Start = base.Add(time.Duration(r.IntN(3600)) * time.Second)
			rec.End = rec.Start.Add(time.Minute)
		}
		rec.Reporter = []flowlog.Reporter{flowlog.NoReporter, flowlog.Source, flowlog.Dest}[r.IntN(3)]
		rec.Action = []flowlog.Action{flowlog.NoAction, flowlog.Allow, flowlog.Deny}[r.IntN(3)]
		if i%97 == 0 {
			rec.Src = flowlog.Peer{Namespace: "nowhere", Name: "ghost"}
		}
		recs = append(recs, rec)
	}
	return recs
}

// TestKeptReplay holds Kept.Replay, judging again only what Touched
// names, to replaying every record against engines built from the
// changed set, in each mode and for each kind of change the console asks.
func TestKeptReplay(t *testing.T) {
	p := workload.LargeClusterParams(400)
	p.Flows = 6000
	c := workload.NewCluster(p)
	set := c.Set
	recs := keptTraffic(c)

	base, err := NewReplayer(set, ModePending, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept := NewKept()
	for i := range recs {
		j := base.Judge(&recs[i])
		// Kept merges: keep the records in three parts.
		part := NewKept()
		part.Add(base, &recs[i], &j)
		kept.Merge(part)
	}
	if kept.Records() != uint64(len(recs)) {
		t.Fatalf("kept %d records of %d", kept.Records(), len(recs))
	}
	if got, want := kept.Replay(base, nil, Options{Workers: 3}), replay(t, base, recs); !reflect.DeepEqual(got, want) {
		t.Fatalf("kept replay of the set itself %+v, want %+v", got.Report("", 0).Summary, want.Report("", 0).Summary)
	}

	var moved, staged, enforced *model.Policy
	for i := range set.Policies {
		q := &set.Policies[i]
		switch {
		case moved == nil && q.Kind == model.KindNetworkPolicy && len(q.Ingress) > 0:
			moved = q
		case enforced == nil && q.Kind.Staged() && q.StagedAction != model.StagedDelete && q.Kind.Namespaced():
			enforced = q
		}
	}
	if moved == nil || enforced == nil {
		t.Fatal("the generated set has no policy to move or staged policy to enforce")
	}
	m := *moved
	m.Tier, m.Order = model.TierDefault, new(float64)
	*m.Order = -1
	deny := model.Policy{Kind: model.KindStagedNetworkPolicy, Namespace: moved.Namespace, Name: "deny-all", Tier: model.TierDefault,
		Types: []model.Direction{model.Ingress, model.Egress}, StagedAction: model.StagedSet}
	staged = &deny
	tier := model.Tier{Name: "zz-first", Order: new(float64)}
	cases := []struct {
		name   string
		mode   Mode
		c      model.Change
		narrow bool
	}{
		{"move", ModeCandidate, model.Change{Upserts: model.Set{Policies: []model.Policy{m}}}, true},
		{"enforce staged", ModeCandidate, model.Change{Upserts: AsApplied(model.Set{Policies: []model.Policy{*enforced}}, nil)}, true},
		{"stage deny-all", ModePending, model.Change{Upserts: model.Set{Policies: []model.Policy{*staged}}}, true},
		{"enforce then pending", ModePending, model.Change{Upserts: AsApplied(model.Set{Policies: []model.Policy{*enforced}}, nil)}, true},
		{"delete", ModeCandidate, model.Change{Deletes: []model.Key{moved.Key()}}, true},
		{"new tier", ModeCandidate, model.Change{Upserts: model.Set{Tiers: []model.Tier{tier}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			after, err := set.Apply(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			var full *Replayer
			snap, err := base.Engine().Snapshot().Apply(tc.c)
			if err != nil {
				t.Fatal(err)
			}
			var r *Replayer
			if tc.mode == ModePending {
				full, err = NewReplayer(after, ModePending, nil, nil)
				if err == nil {
					r, err = base.Against(ModePending, snap, nil)
				}
			} else {
				full, err = NewReplayer(set, tc.mode, &after, nil)
				if err == nil {
					r, err = base.Against(tc.mode, base.Engine(), snap)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			want := replay(t, full, recs)
			touched, ok := Touched(&set, tc.c)
			if ok != tc.narrow {
				t.Fatalf("Touched ok = %v, want %v", ok, tc.narrow)
			}
			if ok {
				n := 0
				for i := range set.Endpoints {
					if touched(&set.Endpoints[i]) {
						n++
					}
				}
				if n == 0 || n == len(set.Endpoints) {
					t.Errorf("the change touches %d endpoints of %d", n, len(set.Endpoints))
				}
			}
			got := kept.Replay(r, touched, Options{Workers: 3})
			if !reflect.DeepEqual(got, want) {
				t.Errorf("kept replay %+v\nreplay of every record %+v", got.Report("", 0).Summary, want.Report("", 0).Summary)
			}
			if tc.name != "new tier" && want.NewlyDenied+want.NewlyAllowed == 0 {
				t.Errorf("the change alters no verdict: the case proves nothing")
			}
		})
	}
}

func TestTouched(t *testing.T) {
	res := load(t, voteCluster, replayPolicies)
	set := res.Set
	db := model.Policy{Kind: model.KindNetworkPolicy, Namespace: "vote", Name: "db", Tier: model.TierDefault}
	for _, tc := range []struct {
		name string
		c    model.Change
		want []string // endpoint names, nil when not narrow
		ok   bool
	}{
		// The db policy as it was selects db: a new selector adds redis.
		{"reselect", model.Change{Upserts: model.Set{Policies: []model.Policy{withSelector(t, db, "app == 'redis'")}}}, []string{"redis-5f6b-xyz12", "db-0"}, true},
		{"delete", model.Change{Deletes: []model.Key{db.Key()}}, []string{"db-0"}, true},
		{"staged delete", model.Change{Upserts: model.Set{Policies: []model.Policy{{Kind: model.KindStagedNetworkPolicy, Namespace: "vote", Name: "x", StagedAction: model.StagedDelete}}}}, nil, false},
		{"endpoint", model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{set.Endpoints[0]}}}, nil, false},
		{"delete a tier", model.Change{Deletes: []model.Key{{Kind: model.KindTier, Name: "x"}}}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			touched, ok := Touched(&set, tc.c)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			var got []string
			for i := range set.Endpoints {
				if touched(&set.Endpoints[i]) {
					got = append(got, set.Endpoints[i].Name)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("touched %v, want %v", got, tc.want)
			}
			// An endpoint that is not set's own (a copy of set's, as a
			// changed set holds) is found by its name alike.
			got = nil
			for _, ep := range slices.Clone(set.Endpoints) {
				if touched(&ep) {
					got = append(got, ep.Name)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("copies touched %v, want %v", got, tc.want)
			}
		})
	}
}

func withSelector(t *testing.T, p model.Policy, sel string) model.Policy {
	t.Helper()
	res := load(t, `
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: `+p.Name+`, namespace: `+p.Namespace+`}
spec: {selector: "`+sel+`", types: [Ingress]}
`)
	return res.Set.Policies[0]
}

// TestKeptObserve holds Kept.Observe, with a Recommender sharing the
// replayer's resolution, to observing every record with one built anew.
func TestKeptObserve(t *testing.T) {
	p := workload.LargeClusterParams(300)
	p.Flows = 4000
	c := workload.NewCluster(p)
	recs := keptTraffic(c)
	base, err := NewReplayer(c.Set, ModePending, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept := NewKept()
	for i := range recs {
		j := base.Judge(&recs[i])
		kept.Add(base, &recs[i], &j)
	}
	// The namespace of the most records' sources.
	counts := map[string]int{}
	for i := range c.Set.Endpoints {
		ep := &c.Set.Endpoints[i]
		for _, f := range c.Flows {
			if ep.Namespace != "" && len(ep.Addresses) > 0 && f.Src == ep.Addresses[0] {
				counts[ep.Namespace]++
			}
		}
	}
	ns := ""
	for n, k := range counts {
		if ns == "" || k > counts[ns] || (k == counts[ns] && n < ns) {
			ns = n
		}
	}
	for _, opts := range []RecommendOptions{{Namespace: ns}, {Namespace: ns, IncludeDenied: true}, {Namespace: ns, Exact: true}} {
		fresh, err := NewRecommender(c.Set, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := NewObserved()
		for i := range recs {
			fresh.Add(want, &recs[i])
		}
		shared, err := base.Recommender(c.Set, opts)
		if err != nil {
			t.Fatal(err)
		}
		got := NewObserved()
		kept.Observe(shared, got, Options{Workers: 3})
		if !reflect.DeepEqual(got, want) || want.Used == 0 || want.Unresolved == 0 {
			t.Errorf("%+v: kept %d records, %d used, %d unresolved, %d edges; every record %d, %d, %d, %d", opts,
				got.Records, got.Used, got.Unresolved, len(got.Edges), want.Records, want.Used, want.Unresolved, len(want.Edges))
		}
		if g, w := shared.Policies(got), fresh.Policies(want); !reflect.DeepEqual(g, w) {
			t.Errorf("%+v: policies differ", opts)
		}
	}
}
