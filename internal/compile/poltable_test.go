package compile

import (
	"reflect"
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
// with, and one that does leaves the earlier table's alone.
func TestPolicyEditRanks(t *testing.T) {
	late, early, admin := polRec("b", model.TierDefault, 10), polRec("a", model.TierDefault, 5), polRec("z", model.TierKubeAdmin, 99)
	x := policyTableOf(late, early, admin)
	if got := []int32{x.ranks[admin], x.ranks[early], x.ranks[late]}; !reflect.DeepEqual(got, []int32{0, 1, 2}) {
		t.Fatalf("ranks of admin, early, late: %v", got)
	}
	same, changed := x.edit().done()
	if changed || reflect.ValueOf(same.ranks).Pointer() != reflect.ValueOf(x.ranks).Pointer() {
		t.Error("an empty batch ranked again")
	}
	e := x.edit()
	if old, ok := e.remove(early.model.Key()); !ok || old != early {
		t.Fatalf("remove returned %v, %v", old, ok)
	}
	y, _ := e.done()
	if len(y.ranks) != 2 || y.ranks[late] != 1 || len(x.ranks) != 3 {
		t.Errorf("after removing one: ranks %v; the earlier table has %d", y.ranks, len(x.ranks))
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
