package compile

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPolicyOrder: random inserts and removes keep the chunked order
// equal to a sorted slice, with the right neighbours, chunks that split
// before they grow long and vanish when emptied, and every earlier
// order exactly as it was.
func TestPolicyOrder(t *testing.T) {
	byName := func(a, b *policyRec) int { return cmp.Compare(a.sort, b.sort) }
	rng := rand.New(rand.NewPCG(23, 1))
	var pool []*policyRec
	for i := range 2000 {
		pool = append(pool, &policyRec{sort: fmt.Sprintf("p%05d", rng.IntN(1_000_000)*10+i%10)})
	}
	cur := newPolicyOrder(nil)
	var want []*policyRec
	type snap struct {
		o    policyOrder
		want []*policyRec
	}
	var snaps []snap
	in := map[*policyRec]bool{}
	for step := range 300 {
		e := cur.edit()
		for range rng.IntN(40) + 1 {
			p := pool[rng.IntN(len(pool))]
			if in[p] {
				if !e.remove(p, byName) {
					t.Fatalf("step %d: remove of a present policy failed", step)
				}
				i, _ := slices.BinarySearchFunc(want, p, byName)
				want = slices.Delete(slices.Clone(want), i, i+1)
				delete(in, p)
				continue
			}
			prev, next := e.insert(p, byName)
			i, _ := slices.BinarySearchFunc(want, p, byName)
			var wp, wn *policyRec
			if i > 0 {
				wp = want[i-1]
			}
			if i < len(want) {
				wn = want[i]
			}
			if prev != wp || next != wn {
				t.Fatalf("step %d: neighbours of %s: %v %v", step, p.sort, prev, next)
			}
			want = slices.Insert(slices.Clone(want), i, p)
			in[p] = true
		}
		absent := &policyRec{sort: "zz"}
		if e.remove(absent, byName) {
			t.Fatal("removed a policy the order does not hold")
		}
		cur = *e
		if got := cur.all(); cur.len() != len(want) || !slices.Equal(got, want) {
			t.Fatalf("step %d: %d policies, want %d", step, cur.len(), len(want))
		}
		for _, ch := range cur.chunks {
			if len(ch) == 0 || len(ch) >= 2*orderChunk {
				t.Fatalf("step %d: a chunk of %d", step, len(ch))
			}
		}
		snaps = append(snaps, snap{cur, want})
	}
	if len(cur.chunks) < 3 {
		t.Errorf("the order never split: %d chunks", len(cur.chunks))
	}
	for i, s := range snaps {
		if !slices.Equal(s.o.all(), s.want) {
			t.Fatalf("the order of step %d changed after it was done", i)
		}
	}
}
