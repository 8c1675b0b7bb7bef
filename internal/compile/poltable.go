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
	ranks policyRanks
	// polFree are policy ids free for reuse.
	polFree []uint32
}

// policyRanks numbers the active policies in evaluation order. The
// numbers leave gaps, so that a policy coming or moving takes a free
// number between its new neighbours and every other policy keeps its
// own: a policy change costs a search and a copy of one chunk of the
// order, not a sort of every policy, and the classes it does not apply
// to keep lists whose order still holds.
type policyRanks struct {
	order policyOrder  // the active policies in evaluation order
	keys  pvec[uint64] // by policy id; 0 for an id no active policy has
}

// rankGap is the distance between neighbouring ranks after a full
// numbering: room for twenty policies placed one after another between
// the same two neighbours before the policies are numbered again.
const rankGap = 1 << 20

// of returns the rank of an active policy of the table.
func (r *policyRanks) of(p *policyRec) uint64 { return r.keys.get(p.id) }

// len returns the number of ranked policies.
func (r *policyRanks) len() int { return r.order.len() }

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
	// added and removed are the active policies that came and went in
	// this batch (a policy both added and removed in it is in neither),
	// for ranking only those.
	added, removed []*policyRec
	keys           *pvecEdit[uint64] // ranks by policy id
	free, freed    []uint32          // ids to reuse; ids freed in this batch
}

func (x *policyTable) edit() *policyEdit {
	return &policyEdit{old: x, tiers: x.tiers.edit(), policies: x.policies.edit(), keys: x.ranks.keys.edit(), free: slices.Clone(x.polFree)}
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
	rec.id = takeID(&e.free, func() uint32 { return e.keys.push(0) })
	e.policies.set(k, rec)
	e.touched = append(e.touched, k)
	e.policiesChanged = true
	if rec.active {
		e.added = append(e.added, rec)
	}
}

// remove takes the policy with key k out, returning it.
func (e *policyEdit) remove(k model.Key) (*policyRec, bool) {
	old, ok := e.policies.get(k)
	if ok {
		e.policies.del(k)
		e.policiesChanged = true
		e.freed = append(e.freed, old.id)
		if i := slices.Index(e.added, old); i >= 0 {
			e.added = slices.Delete(e.added, i, i+1)
		} else if old.active {
			e.removed = append(e.removed, old)
		}
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
	switch {
	case e.tiersChanged || e.old.tierRanks == nil:
		x.ranks = e.rankAll(x.tierRanks)
	case e.policiesChanged && len(e.added) > rankOneByOne:
		x.ranks = e.rankAll(x.tierRanks)
	case e.policiesChanged:
		var ok bool
		if x.ranks, ok = e.rankChanged(x.tierRanks); !ok {
			x.ranks = e.rankAll(x.tierRanks)
		}
	}
	x.tiers, x.policies = e.tiers.done(), e.policies.done()
	x.polFree = append(e.free, e.freed...)
	return x, e.tiersChanged
}

// rankOneByOne is the most policies a batch places one by one; for more,
// sorting them all is cheaper than inserting each into the order.
const rankOneByOne = 64

// rankAll numbers every active policy afresh, rankGap apart.
func (e *policyEdit) rankAll(tierRanks map[string]int) policyRanks {
	order := rankPolicies(e.policies.m.all(), tierRanks)
	for _, id := range e.freed {
		e.keys.set(id, 0)
	}
	for i, p := range order {
		e.keys.set(p.id, uint64(i+1)*rankGap)
	}
	return policyRanks{order: newPolicyOrder(order), keys: e.keys.done()}
}

// rankChanged ranks the policies that came, each between its neighbours
// in the order, and drops those that went; it fails when two neighbours
// leave no number between them.
func (e *policyEdit) rankChanged(tierRanks map[string]int) (policyRanks, bool) {
	cmpRank := func(a, b *policyRec) int { return comparePolicies(a, b, tierRanks) }
	order := e.old.ranks.order.edit()
	for _, p := range e.removed {
		// The tiers are as they were, so p is where the order put it.
		if !order.remove(p, cmpRank) {
			return policyRanks{}, false
		}
	}
	for _, id := range e.freed {
		e.keys.set(id, 0)
	}
	for _, p := range e.added {
		prev, next := order.insert(p, cmpRank)
		var lo, hi uint64
		if prev != nil {
			lo = e.keys.get(prev.id)
		}
		if next != nil {
			hi = e.keys.get(next.id)
		} else {
			hi = lo + 2*rankGap
		}
		if hi-lo < 2 {
			return policyRanks{}, false
		}
		e.keys.set(p.id, lo+(hi-lo)/2)
	}
	return policyRanks{order: *order, keys: e.keys.done()}, true
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

// rankPolicies returns the active policies in evaluation order: by
// tier, then order, then name (SPEC 3).
func rankPolicies(all func(func(model.Key, *policyRec) bool), tierRanks map[string]int) []*policyRec {
	var pols []*policyRec
	for _, p := range all {
		if p.active {
			pols = append(pols, p)
		}
	}
	slices.SortFunc(pols, func(a, b *policyRec) int { return comparePolicies(a, b, tierRanks) })
	return pols
}

// comparePolicies orders two active policies for evaluation (SPEC 3).
func comparePolicies(a, b *policyRec, tierRanks map[string]int) int {
	if c := cmp.Compare(tierRanks[a.tier], tierRanks[b.tier]); c != 0 {
		return c
	}
	if c := calico.CompareOrders(a.model.Order, b.model.Order); c != 0 {
		return c
	}
	return cmp.Compare(a.sort, b.sort)
}
