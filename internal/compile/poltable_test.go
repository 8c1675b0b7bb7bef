package compile

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func polRec(name, tier string, o float64) *policyRec {
	m := model.Policy{Kind: model.KindGlobalNetworkPolicy, Name: name, Tier: tier, Order: order(o)}
	return &policyRec{model: m, tier: tier, sort: m.SortName(), active: true}
}

// policyTableOf returns the table of the built-in tiers and pols.
func policyTableOf(pols ...*policyRec) policyTable {
	e := empty().policyTable.edit()
	for _, b := range model.BuiltinTiers() {
		e.putTier(&b)
	}
	for _, p := range pols {
		e.put(p)
	}
	x, _ := e.done()
	return x
}

// TestPolicyEditRanks: policies rank by tier, order and name; a batch
// that changes neither tiers nor policies keeps the ranks it started
// with, and one that does leaves the earlier table's alone. A policy
// coming or moving takes a rank between its neighbours and leaves every
// other rank as it was, however often it moves.
func TestPolicyEditRanks(t *testing.T) {
	late, early, admin := polRec("b", model.TierDefault, 10), polRec("a", model.TierDefault, 5), polRec("z", model.TierKubeAdmin, 99)
	x := policyTableOf(late, early, admin)
	if got := x.ranks.order.all(); !slices.Equal(got, []*policyRec{admin, early, late}) {
		t.Fatalf("order %v, want admin, early, late", got)
	}
	if !(x.ranks.of(admin) < x.ranks.of(early) && x.ranks.of(early) < x.ranks.of(late)) {
		t.Fatalf("ranks of admin, early, late: %d %d %d", x.ranks.of(admin), x.ranks.of(early), x.ranks.of(late))
	}
	same, changed := x.edit().done()
	if changed || !slices.Equal(same.ranks.order.all(), x.ranks.order.all()) || &same.ranks.order.chunks[0][0] != &x.ranks.order.chunks[0][0] {
		t.Error("an empty batch ranked again")
	}
	e := x.edit()
	if old, ok := e.remove(early.model.Key()); !ok || old != early {
		t.Fatalf("remove returned %v, %v", old, ok)
	}
	y, _ := e.done()
	if y.ranks.len() != 2 || !slices.Equal(y.ranks.order.all(), []*policyRec{admin, late}) || x.ranks.len() != 3 {
		t.Errorf("after removing one: order %v; the earlier table has %d", y.ranks.order.all(), x.ranks.len())
	}
	if y.ranks.of(late) != x.ranks.of(late) || y.ranks.of(admin) != x.ranks.of(admin) {
		t.Error("removing a policy renumbered the others")
	}

	// A policy moving keeps the others' ranks.
	mid := polRec("m", model.TierDefault, 7)
	e = y.edit()
	e.put(mid)
	z, _ := e.done()
	moved := polRec("m", model.TierDefault, 1)
	e = z.edit()
	e.remove(mid.model.Key())
	e.put(moved)
	w, _ := e.done()
	if !slices.Equal(w.ranks.order.all(), []*policyRec{admin, moved, late}) || w.ranks.of(late) != z.ranks.of(late) || w.ranks.of(admin) != z.ranks.of(admin) {
		t.Errorf("after a move: order %v, late ranked %d then %d", w.ranks.order.all(), z.ranks.of(late), w.ranks.of(late))
	}
	if len(w.polFree) > 2 {
		t.Errorf("policy ids are not reused: %d free", len(w.polFree))
	}

	// Policies placed one after another just after admin halve the gap
	// each time, until none is left and all are numbered again.
	cur, want := w, []*policyRec{admin, moved, late}
	renumbered := false
	for i := range 40 {
		p := polRec(fmt.Sprintf("n%d", i), model.TierDefault, 0.5-float64(i)/100)
		e := cur.edit()
		e.put(p)
		next, _ := e.done()
		want = slices.Insert(want, 1, p)
		if !slices.Equal(next.ranks.order.all(), want) {
			t.Fatalf("placing %d: order %v", i, next.ranks.order.all())
		}
		for j := 1; j < len(want); j++ {
			if next.ranks.of(want[j-1]) >= next.ranks.of(want[j]) {
				t.Fatalf("placing %d: %s ranked %d, %s ranked %d", i, want[j-1].model.Name, next.ranks.of(want[j-1]), want[j].model.Name, next.ranks.of(want[j]))
			}
		}
		if next.ranks.of(late) != cur.ranks.of(late) {
			renumbered = true
		}
		if cur.ranks.len() != len(want)-1 {
			t.Fatalf("placing %d: the earlier table changed", i)
		}
		cur = next
	}
	if !renumbered {
		t.Error("forty policies placed in one gap never renumbered the others")
	}
}

// TestPolicyEditTiers: only a change to a tier's order or default action
// changes the tiers; deleting a built-in tier restores it; deleting
// another leaves its policies without a tier, which checkTiers refuses.
func TestPolicyEditTiers(t *testing.T) {
	x := policyTableOf()
	e := x.edit()
	e.putTier(&model.Tier{Name: model.TierDefault, Order: model.BuiltinTiers()[1].Order, DefaultAction: model.Deny})
	if _, changed := e.done(); changed {
		t.Error("rewriting a tier as it was changed the tiers")
	}
	e = x.edit()
	e.putTier(&model.Tier{Name: "security", Order: order(1), DefaultAction: model.Pass})
	e.put(polRec("p", "security", 1))
	if err := e.checkTiers(); err != nil {
		t.Fatal(err)
	}
	y, changed := e.done()
	if !changed || y.tierRanks["security"] != 0 || !y.tier("security").pass {
		t.Fatalf("a new tier: changed %v, ranks %v", changed, y.tierRanks)
	}
	e = y.edit()
	e.deleteTier(model.TierKubeAdmin)
	if r, ok := e.tiers.get(model.TierKubeAdmin); !ok || !r.pass {
		t.Errorf("a deleted built-in tier is not restored: %+v", r)
	}
	e.deleteTier("security")
	if err := e.checkTiers(); err == nil || !strings.Contains(err.Error(), `tier "security" does not exist`) {
		t.Errorf("checkTiers after deleting the policy's tier: %v", err)
	}
	if y.tier("security") == nil {
		t.Error("the earlier table lost its tier")
	}
}
