package compile

import (
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// TestApplyPolicyTouchesOnlyItsClasses makes random policy changes (new
// policies, existing ones moved to another order or rewritten, deletes)
// and checks both sides of an incremental Apply: nothing it must change
// is missed (the invariants, which resolve every class afresh, and the
// reference's answers), and nothing it need not change is rebuilt: a
// class matching no selector of a changed policy keeps its resolved
// lists, and one whose matches did not change either is the same
// record as before.
func TestApplyPolicyTouchesOnlyItsClasses(t *testing.T) {
	runs := 60
	if testing.Short() || raceEnabled {
		runs = 15
	}
	indexed := 0
	for seed := range uint64(runs) {
		g, set, p, ok := compiledGen(seed + 7<<20)
		if !ok {
			continue
		}
		for step := range 10 {
			var c model.Change
			names := tierNames(set.Tiers)
			for range 1 + g.r.IntN(2) {
				switch {
				case len(set.Policies) > 0 && g.chance(50):
					pol := set.Policies[g.r.IntN(len(set.Policies))]
					pol.Order = g.order()
					if g.chance(30) {
						pol.Ingress = g.policy(0, names).Ingress
					}
					c.Upserts.Policies = append(c.Upserts.Policies, pol)
				case len(set.Policies) > 0 && g.chance(30):
					c.Deletes = append(c.Deletes, set.Policies[g.r.IntN(len(set.Policies))].Key())
				default:
					c.Upserts.Policies = append(c.Upserts.Policies, g.policy(g.r.IntN(12), names))
				}
			}
			c.Upserts.Policies = dedupe(c.Upserts.Policies, (*model.Policy).Key)
			c.Deletes = slices.Compact(c.Deletes)
			next, err := set.Apply(c)
			if err != nil {
				continue // a change the model refuses (a key both upserted and deleted, a missing tier)
			}
			p2, err := p.Apply(c)
			if err != nil {
				t.Fatalf("seed %d step %d: Apply: %v", seed, step, err)
			}
			mustHold(t, p2, "seed %d step %d", seed, step)
			ref, err := reference.New(next)
			if err != nil {
				t.Fatalf("seed %d step %d: reference: %v", seed, step, err)
			}
			agree(t, g, p2, ref, &next, 10)

			// The selectors of every changed policy, before and after.
			changed := map[model.Key]bool{}
			for _, pol := range c.Upserts.Policies {
				changed[pol.Key()] = true
			}
			for _, k := range c.Deletes {
				changed[k] = true
			}
			var before, after []uint32
			for _, pair := range []struct {
				prog *Program
				ids  *[]uint32
			}{{p, &before}, {p2, &after}} {
				for k, rec := range pair.prog.policies.all() {
					if !changed[k] || !rec.active {
						continue
					}
					sel, err := calico.PolicySelector(&rec.model)
					if err != nil {
						t.Fatal(err)
					}
					if id, ok := pair.prog.selIDs.get(sel.String()); ok {
						*pair.ids = append(*pair.ids, id)
					}
				}
			}
			for i := range min(p.classes.len(), p2.classes.len()) {
				id := uint32(i)
				old, now := p.classAt(id), p2.classAt(id)
				if old == nil || now == nil || !old.labels.equal(now.labels) {
					continue
				}
				touched := slices.ContainsFunc(before, old.has) || slices.ContainsFunc(after, now.has)
				if touched {
					continue
				}
				if old.res != now.res {
					t.Fatalf("seed %d step %d: class %d matches no changed policy's selector, yet its resolved lists were rebuilt", seed, step, id)
				}
				// Unless a label key started or stopped being read, which
				// classes every entity again and moves some between classes.
				if slices.Equal(old.matched, now.matched) && old != now && sameReadKeys(p, p2) {
					t.Fatalf("seed %d step %d: class %d did not change, yet it was copied", seed, step, id)
				}
			}
			// No network set changed, so a selector that was a peer
			// selector before and still is keeps its CIDRs as they were
			// (unless the keys read changed, which classes network sets
			// again).
			for i := range min(p.sels.len(), p2.sels.len()) {
				old, now := p.sels.get(uint32(i)), p2.sels.get(uint32(i))
				if old != nil && now != nil && old.peerRefs > 0 && now.peerRefs > 0 && old.nets != now.nets && sameReadKeys(p, p2) {
					t.Fatalf("seed %d step %d: peer selector %d kept its uses, yet its CIDRs were gathered again", seed, step, i)
				}
			}
			if p2.byLabel != nil {
				indexed++
			}
			p, set = p2, next
		}
	}
	if indexed == 0 {
		t.Error("no change used the class index")
	}
}

// sameReadKeys reports whether two programs' selectors read the same
// label keys.
func sameReadKeys(a, b *Program) bool {
	if a.readKeys.len() != b.readKeys.len() {
		return false
	}
	for k := range a.readKeys.all() {
		if _, ok := b.readKeys.get(k); !ok {
			return false
		}
	}
	return true
}
