package compile

import (
	"net/netip"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// The memo's entry is the size its table's budget assumes, each part
// whole cache lines.
func TestMemoSlotSize(t *testing.T) {
	if got := unsafe.Sizeof(memoSlot{}); got != memoSlotSize {
		t.Errorf("memoSlot is %d bytes, want %d", got, memoSlotSize)
	}
	if got := unsafe.Sizeof(memoHTTP{}); got != memoHTTPSize {
		t.Errorf("memoHTTP is %d bytes, want %d", got, memoHTTPSize)
	}
	if got := unsafe.Sizeof(memoBucket{}); got != 64 {
		t.Errorf("memoBucket is %d bytes, want one cache line", got)
	}
}

// memoAgrees evaluates every flow with the memo (three times: a first
// sighting, a second that stores it, then normally a hit) and without
// it, and fails on any difference.
func memoAgrees(t *testing.T, p *Program, flows []model.Flow, what string) {
	t.Helper()
	walk := p.WithoutMemo()
	for i, f := range flows {
		want := walk.Evaluate(f)
		for pass := range 3 {
			if diff := cmp.Diff(want, p.Evaluate(f)); diff != "" {
				t.Fatalf("%s: flow %d %+v, pass %d: the memo differs from the walk (-walk +memo):\n%s", what, i, f, pass, diff)
			}
		}
	}
}

// TestMemoDifferential holds the memo to the walk on random sets and on
// the programs change streams derive from them: a change must drop the
// answers of the program before it, so the same flows are asked after
// every change. The flows are asked in a second round too, after the
// table has had entries replaced by others.
func TestMemoDifferential(t *testing.T) {
	cases := 150
	if testing.Short() || raceEnabled {
		cases = 40
	}
	hits := 0
	for seed := range uint64(cases) {
		g, set, p, ok := compiledGen(seed + 1<<40)
		if !ok {
			continue
		}
		flows := make([]model.Flow, 60)
		for i := range flows {
			flows[i] = g.flow()
		}
		memoAgrees(t, p, flows, "Compile")
		for _, f := range flows {
			nf := f.Normalized()
			k, fits := memoKeyOf(&nf, p.gen)
			if p.memoTable().has(&k, k.hash()) && fits {
				hits++
			}
		}
		for serial := range 6 {
			c := g.change(&set, serial)
			next, err := p.Apply(c)
			if err != nil {
				continue
			}
			set, err = set.Apply(c)
			if err != nil {
				t.Fatalf("seed %d: the model refused a change the program took: %v", seed, err)
			}
			if next.memo != p.memo || (next.gen == p.gen) != p.unchangedBy(&c) {
				t.Fatalf("seed %d: Apply did not keep the table, under the same generation exactly when the change leaves every resource as it was", seed)
			}
			memoAgrees(t, next, flows, "after Apply")
			// The old program answers as before from the shared table.
			memoAgrees(t, p, flows, "the program before Apply")
			p = next
		}
	}
	if hits == 0 {
		t.Error("the memo answered no flow")
	}
}

// Readers and writers share entries without locks: many goroutines
// asking the same few flows, which collide in a tiny table, must each
// get the walk's answer.
func TestMemoConcurrent(t *testing.T) {
	g, _, p, ok := compiledGen(7)
	for seed := uint64(8); !ok; seed++ {
		g, _, p, ok = compiledGen(seed)
	}
	p.memo.t.Store(newMemoTable(memoWays))
	flows := make([]model.Flow, 40)
	want := make([]model.Verdict, len(flows))
	for i := range flows {
		flows[i] = g.flow()
		want[i] = p.WithoutMemo().Evaluate(flows[i])
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range 2000 {
				i := (n*7 + w) % len(flows)
				if got := p.Evaluate(flows[i]); got != want[i] {
					t.Errorf("flow %d: got %+v, want %+v", i, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}

// The key tells apart every criterion a rule reads.
func TestMemoKey(t *testing.T) {
	base := model.Flow{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), Protocol: model.ProtoTCP, SrcPort: 1234, DstPort: 80}
	variants := map[string]func(f *model.Flow){
		"src":           func(f *model.Flow) { f.Src = netip.MustParseAddr("10.0.0.3") },
		"dst":           func(f *model.Flow) { f.Dst = netip.MustParseAddr("10.0.0.3") },
		"src6":          func(f *model.Flow) { f.Src = netip.MustParseAddr("::a00:1") },
		"no src":        func(f *model.Flow) { f.Src = netip.Addr{} },
		"proto":         func(f *model.Flow) { f.Protocol = model.ProtoUDP },
		"sport":         func(f *model.Flow) { f.SrcPort = 1235 },
		"dport":         func(f *model.Flow) { f.DstPort = 81 },
		"icmp":          func(f *model.Flow) { f.ICMP = &model.ICMPTypeCode{} },
		"icmp type":     func(f *model.Flow) { f.ICMP = &model.ICMPTypeCode{Type: 8} },
		"icmp code":     func(f *model.Flow) { f.ICMP = &model.ICMPTypeCode{Code: 1} },
		"empty request": func(f *model.Flow) { f.HTTP = &model.HTTPRequest{} },
		"method":        func(f *model.Flow) { f.HTTP = &model.HTTPRequest{Method: "GET"} },
		"path":          func(f *model.Flow) { f.HTTP = &model.HTTPRequest{Path: "/a"} },
		"path NUL":      func(f *model.Flow) { f.HTTP = &model.HTTPRequest{Path: "/a\x00"} },
		"long path":     func(f *model.Flow) { f.HTTP = &model.HTTPRequest{Path: "/0123456789012345678901234567890123456789"} },
	}
	seen := map[memoKey]string{}
	k, _ := memoKeyOf(&base, 1)
	seen[k] = "base"
	if k2, _ := memoKeyOf(&base, 2); k2 == k {
		t.Error("two generations share a key")
	}
	for name, change := range variants {
		f := base
		change(&f)
		k, fits := memoKeyOf(&f, 1)
		if name == "long path" {
			if fits {
				t.Error("a path longer than the key holds fits")
			}
			continue
		}
		if !fits {
			t.Errorf("%s: does not fit", name)
		}
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s share a key", name, other)
		}
		seen[k] = name
	}
}

// The memo's table is made by the first Evaluate and shared by the
// programs Apply derives.
func TestMemoBytes(t *testing.T) {
	g, _, p, ok := compiledGen(3)
	for seed := uint64(4); !ok; seed++ {
		g, _, p, ok = compiledGen(seed)
	}
	if got := p.Stats().MemoBytes; got != 0 {
		t.Fatalf("MemoBytes before any Evaluate = %d", got)
	}
	p.Evaluate(g.flow())
	want := memoSlots(p.entityIDs.len()) * memoEntrySize
	if got := p.Stats().MemoBytes; got != want || want < memoMinSlots*memoEntrySize {
		t.Fatalf("MemoBytes = %d, want %d", got, want)
	}
	next, err := p.Apply(model.Change{})
	if err != nil {
		t.Fatal(err)
	}
	if got := next.Stats().MemoBytes; got != want {
		t.Errorf("MemoBytes after Apply = %d, want the shared %d", got, want)
	}
}

// An Apply that leaves every resource as it was keeps the generation, so
// the memo's answers carry over; any change to a resource drops them.
func TestMemoCarry(t *testing.T) {
	carried := 0
	for seed := range uint64(30) {
		g, _, p, ok := compiledGen(seed + 1<<41)
		if !ok {
			continue
		}
		flows := make([]model.Flow, 40)
		for i := range flows {
			flows[i] = g.flow()
		}
		memoAgrees(t, p, flows, "Compile")
		held := p.Set()
		// Everything again, and a delete of what is not there: a resync.
		same := model.Change{Upserts: held, Deletes: []model.Key{{Kind: model.KindWorkloadEndpoint, Namespace: "nowhere", Name: "nobody"}}}
		next, err := p.Apply(same)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if next.gen != p.gen {
			t.Fatalf("seed %d: re-applying what the program holds dropped the memo", seed)
		}
		for i, f := range flows {
			nf := f.Normalized()
			k, _ := memoKeyOf(&nf, next.gen)
			if next.memoTable().has(&k, k.hash()) {
				carried++
			} else if p.memoTable().has(&k, k.hash()) {
				t.Fatalf("seed %d, flow %d: answered before the resync, not after", seed, i)
			}
		}
		memoAgrees(t, next, flows, "after a resync")
		// One resource changed among the same: a new generation, whose
		// answers the walk gives again.
		var changes []model.Change
		if len(held.Endpoints) > 0 {
			ep := held.Endpoints[0]
			ep.Labels = map[string]string{"carry-test": "changed"}
			changes = append(changes, model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{ep}}})
			changes = append(changes, model.Change{Deletes: []model.Key{ep.Key()}})
		}
		if len(held.Policies) > 0 {
			pol := held.Policies[len(held.Policies)-1]
			pol.Egress = append(slices.Clone(pol.Egress), model.Rule{Action: model.Deny})
			changes = append(changes, model.Change{Upserts: model.Set{Policies: []model.Policy{pol}}})
		}
		for _, c := range changes {
			if p.unchangedBy(&c) {
				t.Fatalf("seed %d: %+v counted as no change", seed, c)
			}
			changed, err := next.Apply(c)
			if err != nil {
				continue
			}
			if changed.gen == next.gen {
				t.Fatalf("seed %d: a change kept the generation", seed)
			}
			memoAgrees(t, changed, flows, "after a change")
		}
	}
	if carried == 0 {
		t.Error("no answer carried over a resync")
	}
}

// A working set that cycles in a fixed order is answered from the memo
// after its second round, whatever buckets its flows share: flows whose
// notes or entries collide must not evict one another for ever. A table
// of one bucket holds its ways' worth of flows; a table of 32k entries
// all but a few of a 4,096-flow set (the benchmarks' working set), its
// overflowing buckets aside.
func TestMemoCycling(t *testing.T) {
	for _, tc := range []struct {
		entries, flows, minHits int
	}{
		{memoWays, memoWays, memoWays},
		{memoMaxSlots, 4096, 4096 - 16},
	} {
		tb := newMemoTable(tc.entries)
		keys := make([]memoKey, tc.flows)
		for i := range keys {
			f := model.Flow{
				Src:      netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}),
				Dst:      netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}),
				Protocol: model.ProtoTCP, SrcPort: uint16(40000 + i), DstPort: 443,
			}
			keys[i], _ = memoKeyOf(&f, 1)
		}
		var eg, in memoSide
		hits := 0
		for round := range 6 {
			hits = 0
			for i := range keys {
				h := keys[i].hash()
				if tb.has(&keys[i], h) {
					hits++
				} else if tb.admit(h) {
					tb.put(&keys[i], h, &eg, &in)
				}
			}
			if round < 2 && hits != 0 {
				t.Errorf("%d entries: round %d answered %d flows before their second sighting", tc.entries, round, hits)
			}
		}
		if hits < tc.minHits {
			t.Errorf("%d entries, %d flows cycling: %d answered in the last round, want at least %d", tc.entries, tc.flows, hits, tc.minHits)
		}
	}
}

// has reports whether the table answers key k with hash h.
func (t *memoTable) has(k *memoKey, h uint64) bool {
	var v model.Verdict
	return t.get(k, h, &v)
}
