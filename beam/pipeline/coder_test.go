package pipeline

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

func randomImpact(r *rand.Rand) *analysis.Impact {
	t := analysis.NewImpact()
	t.Records, t.Flows, t.Unresolved = r.Uint64N(1e6), r.Uint64N(1e6), r.Uint64N(10)
	t.NewlyDenied, t.NewlyAllowed, t.ObservedMismatch = r.Uint64N(50), r.Uint64N(50), r.Uint64N(5)
	zone := time.FixedZone("", 3600*r.IntN(5))
	for range r.IntN(5) {
		k := analysis.ChangeKey{Change: analysis.NewlyDenied, Source: fmt.Sprint("ns/app=s", r.IntN(9)), Destination: "10.0.0.1",
			Protocol: uint8(r.IntN(256)), Port: uint16(r.IntN(65536)), Side: model.Ingress, EndOfProfiles: r.IntN(2) == 0}
		if !k.EndOfProfiles {
			k.Hit = model.Hit{Kind: model.KindNetworkPolicy, Tier: "default", Namespace: "ns", Name: "p", Index: r.IntN(5) - 1, Action: model.HitDeny}
		}
		s := analysis.ChangeStats{Records: r.Uint64N(9), Connections: r.Uint64N(99)}
		if r.IntN(3) > 0 {
			s.FirstSeen = time.Unix(r.Int64N(2e9), 0).In(zone)
			s.LastSeen = s.FirstSeen.Add(time.Minute)
		}
		t.Changes[k] = s
	}
	for range r.IntN(3) {
		t.UnresolvedPeers[fmt.Sprint("ns/pod-", r.IntN(9))] = r.Uint64N(9) + 1
	}
	return t
}

// TestCoders: tallies and observations come out of the shuffle as they
// went in, times with their zone offsets (the JSON report prints them).
func TestCoders(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 1))
	for i := range 300 {
		imp := randomImpact(r)
		b, err := encodeImpact(imp)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeImpact(b)
		if err != nil {
			t.Fatal(err)
		}
		if !sameReport(imp, back) {
			t.Fatalf("case %d: impact changed through the coder:\n%+v\n%+v", i, imp, back)
		}
		if _, err := decodeImpact(b[:len(b)/2]); len(b) > 1 && err == nil {
			t.Fatalf("case %d: half an encoding decoded", i)
		}

		o := analysis.NewObserved()
		o.Records, o.Used, o.Unresolved = r.Uint64N(99), r.Uint64N(99), r.Uint64N(9)
		for range r.IntN(5) {
			e := analysis.Edge{Group: "ns/app=a", Direction: model.Egress, Peer: fmt.Sprint("ns/app=", r.IntN(5)), Protocol: 17, Port: uint16(r.IntN(65536))}
			if r.IntN(2) == 0 {
				e.Peer, e.Member, e.PeerAddr = "", netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("2001:db8::1")
			}
			o.Edges[e] = true
		}
		b, _ = encodeObserved(o)
		ob, err := decodeObserved(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(o, ob) {
			t.Fatalf("case %d: observation changed through the coder:\n%+v\n%+v", i, o, ob)
		}
	}
}

// TestCombineOrder: the combiners give one total whatever the grouping
// and order the runner merges in, including merging partial totals, and
// the total of nothing is the empty report.
func TestCombineOrder(t *testing.T) {
	c := mergeCombine[analysis.Impact, *analysis.Impact]{}
	if !sameReport(c.ExtractOutput(c.CreateAccumulator()), analysis.NewImpact()) {
		t.Fatal("the total of no tallies is not the empty report")
	}
	r := rand.New(rand.NewPCG(26, 2))
	for i := range 100 {
		parts := make([]*analysis.Impact, 2+r.IntN(8))
		for j := range parts {
			parts[j] = randomImpact(r)
		}
		seq := c.CreateAccumulator()
		for _, p := range parts {
			cp, _ := encodeImpact(p)
			dp, _ := decodeImpact(cp)
			seq = c.AddInput(seq, dp)
		}
		// Another order, in two partial accumulators merged.
		perm := r.Perm(len(parts))
		a, b := c.CreateAccumulator(), c.CreateAccumulator()
		for k, j := range perm {
			cp, _ := encodeImpact(parts[j])
			dp, _ := decodeImpact(cp)
			if k%2 == 0 {
				a = c.AddInput(a, dp)
			} else {
				b = c.AddInput(b, dp)
			}
		}
		other := c.ExtractOutput(c.MergeAccumulators(b, a))
		if !sameReport(seq, other) {
			t.Fatalf("case %d: the total depends on the order", i)
		}
	}
}

// sameReport compares two tallies as the report prints them: a time
// decoded in the machine's own zone prints as the one encoded.
func sameReport(a, b *analysis.Impact) bool {
	ja, _ := json.Marshal(a.Report("m", 0))
	jb, _ := json.Marshal(b.Report("m", 0))
	return string(ja) == string(jb)
}
