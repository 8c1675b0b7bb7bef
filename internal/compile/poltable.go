package compile

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// policyTable holds the tiers and policies and their evaluation order.
type policyTable struct {
	tiers     pmap[string, *tierRec]
	policies  pmap[model.Key, *policyRec]
	tierRanks map[string]int // evaluation order of the tiers
	// ranks numbers the active policies in evaluation order (tier, order,
	// name), so resolving a label set sorts integers, not strings.
	ranks map[*policyRec]int32
}

// tier returns the tier named name, nil when there is none.
func (x *policyTable) tier(name string) *tierRec {
	r, _ := x.tiers.get(name)
	return r
}

// policyEdit is one batch of changes to a policyTable. It stores
// compiled policies; what their selectors and rules register is the
// selector table's business.
type policyEdit struct {
	old      *policyTable
	tiers    *pmapEdit[string, *tierRec]
	policies *pmapEdit[model.Key, *policyRec]
	// tiersChanged: a tier came, went, or changed its order or default
	// action, so the tiers are ranked again and every resolved list may
	// change. tiersDeleted: a tier went, so every policy's tier is
	// checked, not only the upserted ones.
	tiersChanged, tiersDeleted bool
	// policiesChanged: some policy came or went, so the ranks are
	// recomputed.
	policiesChanged bool
	touched         []model.Key // policies upserted, whose tiers must exist
}

func (x *policyTable) edit() *policyEdit {
	return &policyEdit{old: x, tiers: x.tiers.edit(), policies: x.policies.edit()}
}

func (e *policyEdit) putTier(m *model.Tier) {
	rec := &tierRec{model: *m, pass: m.DefaultAction == model.Pass}
	old, ok := e.tiers.get(m.Name)
	e.tiers.set(m.Name, rec)
	if !ok || old.pass != rec.pass || !sameOrder(old.model.Order, m.Order) {
		e.tiersChanged = true
	}
}

func sameOrder(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// deleteTier removes a tier. A built-in tier cannot go away: deleting
// one restores its built-in definition, as a set without it would get.
func (e *policyEdit) deleteTier(name string) {
	if _, ok := e.tiers.get(name); !ok {
		return
	}
	for _, b := range model.BuiltinTiers() {
		if b.Name == name {
			e.putTier(&b)
			return
		}
	}
	e.tiers.del(name)
	e.tiersChanged, e.tiersDeleted = true, true
}

// put stores a compiled policy; its key must be free.
func (e *policyEdit) put(rec *policyRec) {
	k := rec.model.Key()
	e.policies.set(k, rec)
	e.touched = append(e.touched, k)
	e.policiesChanged = true
}

// remove takes the policy with key k out, returning it.
func (e *policyEdit) remove(k model.Key) (*policyRec, bool) {
	old, ok := e.policies.get(k)
	if ok {
		e.policies.del(k)
		e.policiesChanged = true
	}
	return old, ok
}

// checkTiers rejects a policy in a tier that does not exist (SPEC 7), as
// model.Set.Check does.
func (e *policyEdit) checkTiers() error {
	var problems []model.Problem
	check := func(p *policyRec) {
		if _, ok := e.tiers.get(p.tier); !ok {
			problems = append(problems, model.Problem{Key: p.model.Key(), Field: "tier", Code: model.CodeTier,
				Msg: fmt.Sprintf("tier %q does not exist", p.tier)})
		}
	}
	if e.tiersDeleted {
		for _, p := range e.policies.m.all() {
			check(p)
		}
	} else {
		for _, k := range e.touched {
			if p, ok := e.policies.get(k); ok {
				check(p)
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &model.CheckError{Problems: problems}
}

// done returns the table with the tiers and policies ranked (again only
// when they changed), and whether the tiers changed.
func (e *policyEdit) done() (x policyTable, tiersChanged bool) {
	x.tierRanks = e.old.tierRanks
	if e.tiersChanged || x.tierRanks == nil {
		x.tierRanks = rankTiers(e.tiers.m.all())
	}
	x.ranks = e.old.ranks
	if e.policiesChanged || e.tiersChanged || x.ranks == nil {
		x.ranks = rankPolicies(e.policies.m.all(), x.tierRanks)
	}
	x.tiers, x.policies = e.tiers.done(), e.policies.done()
	return x, e.tiersChanged
}

// rankTiers numbers the tiers in evaluation order (SPEC 3): by order, a
// tier without one after every ordered tier, then by name.
func rankTiers(all func(func(string, *tierRec) bool)) map[string]int {
	var tiers []*tierRec
	for _, r := range all {
		tiers = append(tiers, r)
	}
	slices.SortFunc(tiers, func(a, b *tierRec) int {
		if c := calico.CompareOrders(a.model.Order, b.model.Order); c != 0 {
			return c
		}
		return cmp.Compare(a.model.Name, b.model.Name)
	})
	ranks := make(map[string]int, len(tiers))
	for i, r := range tiers {
		ranks[r.model.Name] = i
	}
	return ranks
}

// rankPolicies numbers the active policies in evaluation order: by
// tier, then order, then name (SPEC 3).
func rankPolicies(all func(func(model.Key, *policyRec) bool), tierRanks map[string]int) map[*policyRec]int32 {
	var pols []*policyRec
	for _, p := range all {
		if p.active {
			pols = append(pols, p)
		}
	}
	slices.SortFunc(pols, func(a, b *policyRec) int {
		if c := cmp.Compare(tierRanks[a.tier], tierRanks[b.tier]); c != 0 {
			return c
		}
		if c := calico.CompareOrders(a.model.Order, b.model.Order); c != 0 {
			return c
		}
		return cmp.Compare(a.sort, b.sort)
	})
	ranks := make(map[*policyRec]int32, len(pols))
	for i, p := range pols {
		ranks[p] = int32(i)
	}
	return ranks
}
