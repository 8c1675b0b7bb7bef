package compile

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math/bits"
	"net/netip"
	"reflect"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// CheckInvariants recomputes from the resources a program holds what
// every derived table should say (interned ids, selectors and their use
// counts, the label index, classes and what they match and resolve to,
// the label counts, the address index, peer CIDRs, policy ranks) and
// reports every disagreement. A program Compile or Apply returns always
// passes; a failure is a bug in them, found before it changes an
// answer. It is for tests and debugging: it costs a cold compile and
// more, matching every class against every selector.
func (p *Program) CheckInvariants() error {
	c := checker{p: p}
	c.interner()
	c.selectors()
	c.policies()
	c.rules()
	c.entities()
	c.classes()
	c.addresses()
	c.peerNets()
	return errors.Join(c.errs...)
}

// checkErrorLimit keeps a badly broken program from burying the first,
// most telling disagreements.
const checkErrorLimit = 20

type checker struct {
	p    *Program
	errs []error
	// uses and peerUses count the registrations of each selector found by
	// compiling the rules again.
	uses, peerUses map[uint32]int
	// need is each live selector's need mask, from its requirements.
	need []needMask
	// read counts the live selectors reading each label key, from their
	// programs.
	read map[uint32]int32
}

func (c *checker) fail(format string, args ...any) {
	if len(c.errs) < checkErrorLimit {
		c.errs = append(c.errs, fmt.Errorf(format, args...))
	}
}

func (c *checker) interner() {
	in := &c.p.in
	if n := in.strs.len(); n != in.ids.len()+1 {
		c.fail("interner: %d strings for %d ids (want ids+1: id 0 is reserved)", n, in.ids.len())
	}
	if in.strs.len() > 0 && in.str(noID) != "" {
		c.fail("interner: id 0 is %q, want the reserved empty string", in.str(noID))
	}
	for s, id := range in.ids.all() {
		if id == noID || int(id) >= in.strs.len() || in.str(id) != s {
			c.fail("interner: %q has id %d, which does not name it back", s, id)
		}
	}
}

// liveIDs checks a vector whose slots are either in use (found through
// the key map) or on the free list, and returns the ids in use.
func liveIDs[T comparable](c *checker, what string, v *pvec[T], free []uint32, ids func(yield func(uint32) bool)) map[uint32]bool {
	var zero T
	live := map[uint32]bool{}
	for id := range ids {
		if int(id) >= v.len() || v.get(id) == zero {
			c.fail("%s: id %d is named but its slot is empty", what, id)
			continue
		}
		if live[id] {
			c.fail("%s: id %d is named twice", what, id)
		}
		live[id] = true
	}
	freed := map[uint32]bool{}
	for _, id := range free {
		if freed[id] || live[id] || int(id) >= v.len() {
			c.fail("%s: free id %d is out of range, freed twice or in use", what, id)
		}
		freed[id] = true
	}
	for i := range v.len() {
		id := uint32(i)
		if !live[id] && !freed[id] {
			c.fail("%s: slot %d is neither in use nor free", what, id)
		}
	}
	return live
}

func (c *checker) selectors() {
	p := c.p
	if p.sels.len() != p.progs.len() {
		c.fail("selectors: %d records, %d programs", p.sels.len(), p.progs.len())
		return
	}
	live := liveIDs(c, "selectors", &p.sels, p.selFree, func(yield func(uint32) bool) {
		for _, id := range p.selIDs.all() {
			if !yield(id) {
				return
			}
		}
	})
	for canon, id := range p.selIDs.all() {
		if !live[id] {
			continue
		}
		info := p.sels.get(id)
		if info.sel.String() != canon {
			c.fail("selector %d: filed as %q, is %q", id, canon, info.sel.String())
		}
		if prog := p.progs.get(id); len(prog) != len(info.prog) || len(prog) > 0 && &prog[0] != &info.prog[0] {
			c.fail("selector %d: the dense program is not the record's", id)
		}
	}
	for i := range p.progs.len() {
		if id := uint32(i); !live[id] && p.progs.get(id) != nil {
			c.fail("selector %d: freed but keeps a program", id)
		}
	}
	c.labelIndex(live)
	c.read = map[uint32]int32{}
	for id := range live {
		for _, k := range keysRead(p.progs.get(id)) {
			c.read[k]++
		}
	}
	for k, n := range p.readKeys.all() {
		if c.read[k] != n {
			c.fail("label key %d: counted as read by %d selectors, read by %d", k, n, c.read[k])
		}
	}
	if p.readKeys.len() != len(c.read) {
		c.fail("read label keys: %d counted, %d read", p.readKeys.len(), len(c.read))
	}
}

// labelIndex checks that every live selector is filed exactly where its
// placement says, with its need mask, and that nothing else is filed.
func (c *checker) labelIndex(live map[uint32]bool) {
	p := c.p
	in := p.in.edit() // interning here would be a bug: the counts below catch it
	strs := p.in.strs.len()
	c.need = make([]needMask, p.sels.len())
	want := map[string][]filed{}
	where := func(p placement) []string {
		switch p.mode {
		case placeUnindexed:
			return []string{"unindexed"}
		case placeKey:
			return []string{fmt.Sprintf("key %d", p.key)}
		case placeValues:
			var out []string
			for _, v := range p.vals {
				out = append(out, fmt.Sprintf("value %d=%d", p.key, v))
			}
			return out
		}
		return nil
	}
	for id := range live {
		info := p.sels.get(id)
		reqs := info.sel.Requirements()
		c.placementFits(id, info.place, reqs, in)
		need := needMaskOf(reqs, in)
		c.need[id] = need
		for _, w := range where(info.place) {
			want[w] = append(want[w], filed{id, need})
		}
	}
	if in.strs.len() != strs {
		c.fail("label index: a selector names a key or value that is not interned")
	}
	got := map[string][]filed{}
	if len(p.selIndex.unindexed) > 0 {
		got["unindexed"] = p.selIndex.unindexed
	}
	for k, list := range p.selIndex.byKey.all() {
		got[fmt.Sprintf("key %d", k)] = list
	}
	for pk, list := range p.selIndex.byValue.all() {
		got[fmt.Sprintf("value %d=%d", pk>>32, uint32(pk))] = list
	}
	for w, list := range got {
		if len(list) == 0 {
			c.fail("label index: %s is an empty list", w)
		}
		if !slices.IsSortedFunc(list, func(a, b filed) int { return cmp.Compare(a.id, b.id) }) {
			c.fail("label index: %s is not sorted by id", w)
		}
	}
	for w := range want {
		slices.SortFunc(want[w], func(a, b filed) int { return cmp.Compare(a.id, b.id) })
	}
	for _, w := range slices.Sorted(maps.Keys(mergeKeys(want, got))) {
		if !slices.Equal(want[w], got[w]) {
			c.fail("label index: %s files %v, want %v", w, got[w], want[w])
		}
	}
}

func mergeKeys(a, b map[string][]filed) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// placementFits checks that a selector is filed under one of its own
// requirements. Which one depends on the label counts when it was
// filed, so only the fit is checked.
func (c *checker) placementFits(id uint32, pl placement, reqs selector.Requirements, in *internEdit) {
	impossible := false
	usable := false
	for _, r := range reqs {
		impossible = impossible || r.Impossible()
		usable = usable || r.Values != nil || r.MustBePresent
	}
	switch pl.mode {
	case placeNever:
		if !impossible {
			c.fail("selector %d: filed nowhere but can match", id)
		}
		return
	case placeUnindexed:
		if usable && !impossible {
			c.fail("selector %d: unindexed despite a usable requirement", id)
		}
		return
	}
	if impossible {
		c.fail("selector %d: cannot match but is filed", id)
		return
	}
	key := in.str(pl.key)
	r, ok := reqs[key]
	switch {
	case !ok:
		c.fail("selector %d: filed under key %q, which it does not require", id, key)
	case pl.mode == placeKey && !r.MustBePresent:
		c.fail("selector %d: filed under key %q, which it does not require present", id, key)
	case pl.mode == placeValues:
		var vals []uint32
		for _, v := range r.Values {
			vals = append(vals, in.intern(v))
		}
		slices.Sort(vals)
		if vals = slices.Compact(vals); r.Values == nil || !slices.Equal(vals, pl.vals) {
			c.fail("selector %d: filed under values %v of %q, requires %v", id, pl.vals, key, r.Values)
		}
	}
}

func (c *checker) policies() {
	p := c.p
	if want := rankTiers(p.tiers.all()); !maps.Equal(want, p.tierRanks) {
		c.fail("tier ranks %v, want %v", p.tierRanks, want)
	}
	for name, t := range p.tiers.all() {
		if t.model.Name != name || t.pass != (t.model.DefaultAction == model.Pass) {
			c.fail("tier %q: record %+v does not match its model", name, t)
		}
	}
	bySel := map[uint32][]*policyRec{}
	var active []*policyRec
	for k, rec := range p.policies.all() {
		m := &rec.model
		if m.Key() != k {
			c.fail("policy %s: filed as %s", m.Key(), k)
		}
		if m.Kind.Staged() && m.StagedAction == model.StagedDelete {
			c.fail("policy %s: a staged delete is held", k)
		}
		tier := cmp.Or(m.Tier, model.TierDefault)
		if rec.tier != tier || rec.sort != m.SortName() || rec.staged != m.Kind.Staged() || rec.active != (!m.DoNotTrack && !m.PreDNAT) {
			c.fail("policy %s: record fields do not match its model", k)
		}
		if _, ok := p.tiers.get(rec.tier); !ok {
			c.fail("policy %s: tier %q does not exist", k, rec.tier)
		}
		if !rec.active {
			continue
		}
		active = append(active, rec)
		bySel[rec.sel] = append(bySel[rec.sel], rec)
		sel, err := calico.PolicySelector(m)
		if err != nil {
			c.fail("policy %s: selector: %v", k, err)
			continue
		}
		if id, ok := p.selIDs.get(sel.String()); !ok || id != rec.sel {
			c.fail("policy %s: applies with selector %d, want %q (id %d, %v)", k, rec.sel, sel.String(), id, ok)
		}
	}
	order := p.ranks.order.all()
	if p.ranks.len() != len(active) || len(order) != len(active) || !sameMembers(order, active) {
		c.fail("ranks: %d ranked, %d active policies", p.ranks.len(), len(active))
	}
	for _, ch := range p.ranks.order.chunks {
		if len(ch) == 0 {
			c.fail("ranks: an empty chunk of the order")
		}
	}
	for i, rec := range order {
		if int(rec.id) >= p.ranks.keys.len() || p.ranks.of(rec) == 0 || i > 0 && p.ranks.of(order[i-1]) >= p.ranks.of(rec) {
			c.fail("ranks: %s is ranked out of its place in the order", rec.model.Key())
		}
	}
	slices.SortFunc(active, func(a, b *policyRec) int { return cmp.Compare(p.ranks.of(a), p.ranks.of(b)) })
	for i := 1; i < len(active); i++ {
		a, b := active[i-1], active[i]
		if c1 := cmp.Compare(p.tierRanks[a.tier], p.tierRanks[b.tier]); c1 > 0 ||
			c1 == 0 && calico.CompareOrders(a.model.Order, b.model.Order) > 0 ||
			c1 == 0 && calico.CompareOrders(a.model.Order, b.model.Order) == 0 && a.sort >= b.sort {
			c.fail("ranks: %s ranks before %s", a.model.Key(), b.model.Key())
		}
	}
	for i := range p.sels.len() {
		id := uint32(i)
		info := p.sels.get(id)
		bit := int(id>>6) < len(p.policySels) && p.policySels[id>>6]&(1<<(id&63)) != 0
		if info == nil {
			if bit {
				c.fail("selector %d: freed but marked as a policy selector", id)
			}
			if hasBit(p.netSels, id) {
				c.fail("selector %d: freed but marked as having network-set CIDRs", id)
			}
			continue
		}
		if hasBit(p.netSels, id) != (info.nets != nil) {
			c.fail("selector %d: network-set bit %v, with CIDRs %v", id, hasBit(p.netSels, id), info.nets != nil)
		}
		want := bySel[id]
		if bit != (len(want) > 0) {
			c.fail("selector %d: policy bit %v, %d policies apply with it", id, bit, len(want))
		}
		if !sameMembers(info.policies, want) {
			c.fail("selector %d: lists %d policies, %d apply with it", id, len(info.policies), len(want))
		}
	}
	for w, word := range p.policySels {
		for ; word != 0; word &= word - 1 {
			if id := w<<6 + bits.TrailingZeros64(word); id >= p.sels.len() {
				c.fail("selector %d: beyond the last selector but marked as a policy selector", id)
			}
		}
	}
	for w, word := range p.netSels {
		for ; word != 0; word &= word - 1 {
			if id := w<<6 + bits.TrailingZeros64(word); id >= p.sels.len() {
				c.fail("selector %d: beyond the last selector but marked as having network-set CIDRs", id)
			}
		}
	}
}

func sameMembers(a, b []*policyRec) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[*policyRec]int{}
	for _, x := range a {
		count[x]++
	}
	for _, x := range b {
		count[x]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// lookupRegistrar compiles rules again against a finished program: it
// finds what the rules name instead of registering it, and counts uses.
type lookupRegistrar struct {
	c    *checker
	what string
	cl   calico.NamespaceClauses
}

func (r *lookupRegistrar) peer(s *selector.Selector) uint32 {
	id, ok := r.c.p.selIDs.get(s.String())
	if !ok {
		r.c.fail("%s: peer selector %q is not compiled", r.what, s.String())
		return 0
	}
	r.c.uses[id]++
	r.c.peerUses[id]++
	return id
}

func (r *lookupRegistrar) service(k model.Key) uint32 {
	id, ok := r.c.p.serviceIDs.get(k)
	if !ok {
		r.c.fail("%s: service %s has no id", r.what, k)
	}
	return id
}

func (r *lookupRegistrar) clauses() *calico.NamespaceClauses { return &r.cl }

// rules compiles every rule again and compares, and checks each
// selector's use counts against what the rules and policies register.
func (c *checker) rules() {
	p := c.p
	c.uses, c.peerUses = map[uint32]int{}, map[uint32]int{}
	again := func(what string, stored [2][]rule, m [2][]model.Rule, ns string, reg registrar) {
		for d := range stored {
			rules, err := compileRules(m[d], ns, reg)
			if err != nil {
				c.fail("%s: %v", what, err)
				continue
			}
			if !reflect.DeepEqual(rules, stored[d]) && !(len(rules) == 0 && len(stored[d]) == 0) {
				c.fail("%s: %s rules differ from a fresh compile", what, [2]string{"ingress", "egress"}[d])
			}
		}
	}
	for k, rec := range p.policies.all() {
		var reg registrar = validateOnly{}
		if rec.active {
			reg = &lookupRegistrar{c: c, what: k.String()}
			c.uses[rec.sel]++
		}
		ns := ""
		if rec.model.Kind.Namespaced() {
			ns = rec.model.Namespace
		}
		again(k.String(), rec.rules, [2][]model.Rule{rec.model.Ingress, rec.model.Egress}, ns, reg)
		for d := range rec.sums {
			if rec.sums[d] != summarize(rec.rules[d]) {
				c.fail("policy %s: stale rule summary", k)
			}
		}
	}
	if p.profiles.len() != p.profileIDs.len() {
		c.fail("profiles: %d slots, %d names", p.profiles.len(), p.profileIDs.len())
	}
	for name, id := range p.profileIDs.all() {
		if int(id) >= p.profiles.len() {
			c.fail("profile %q: id %d out of range", name, id)
			continue
		}
		rec := p.profiles.get(id)
		if rec == nil {
			continue // named by an endpoint, not defined
		}
		if rec.model.Name != name {
			c.fail("profile %q: slot %d holds %q", name, id, rec.model.Name)
		}
		what := rec.model.Key().String()
		again(what, rec.rules, [2][]model.Rule{rec.model.Ingress, rec.model.Egress}, "", &lookupRegistrar{c: c, what: what})
	}
	if p.services.len() != p.serviceIDs.len() {
		c.fail("services: %d slots, %d keys", p.services.len(), p.serviceIDs.len())
	}
	for k, id := range p.serviceIDs.all() {
		if int(id) >= p.services.len() {
			c.fail("service %s: id %d out of range", k, id)
		} else if rec := p.services.get(id); rec != nil && rec.model.Key() != k {
			c.fail("service %s: slot %d holds %s", k, id, rec.model.Key())
		}
	}
	for _, id := range p.selIDs.all() {
		info := p.sels.get(id)
		if info == nil {
			continue
		}
		if info.refs != c.uses[id] || info.peerRefs != c.peerUses[id] {
			c.fail("selector %d %q: %d uses (%d as a peer), %d registered (%d as a peer)",
				id, info.sel.String(), info.refs, info.peerRefs, c.uses[id], c.peerUses[id])
		}
		if info.refs <= 0 {
			c.fail("selector %d %q: kept without a use", id, info.sel.String())
		}
	}
	for k, ns := range p.namespaces.all() {
		if ns.Name != k {
			c.fail("namespace %q filed as %q", ns.Name, k)
		}
	}
	for k, sa := range p.serviceAccounts.all() {
		if sa.Key() != k {
			c.fail("service account %s filed as %s", sa.Key(), k)
		}
	}
}

func (c *checker) entities() {
	p := c.p
	live := liveIDs(c, "entities", &p.entities, p.entityFree, func(yield func(uint32) bool) {
		for _, id := range p.entityIDs.all() {
			if !yield(id) {
				return
			}
		}
	})
	ordinals := map[uint64]uint32{}
	var netsets []uint32
	for k, id := range p.entityIDs.all() {
		if !live[id] {
			continue
		}
		e := p.entities.get(id)
		if e.key() != k {
			c.fail("entity %d: filed as %s, is %s", id, k, e.key())
		}
		if (e.endpoint == nil) == (e.netset == nil) || e.inline != nil {
			c.fail("entity %s: must be one endpoint or one network set, and not inline", k)
			continue
		}
		if other, dup := ordinals[e.ordinal]; dup || e.ordinal >= p.nextOrdinal {
			c.fail("entity %s: ordinal %d is shared with entity %d or not below %d", k, e.ordinal, other, p.nextOrdinal)
		}
		ordinals[e.ordinal] = id
		var profiles []string
		kind := kindNetworkSet
		if e.endpoint != nil {
			profiles = e.endpoint.Profiles
			kind = kindWorkload
			if e.endpoint.Kind == model.KindHostEndpoint {
				kind = kindHost
			}
		} else {
			profiles = calico.NetworkSetProfiles(e.netset)
			netsets = append(netsets, id)
		}
		if e.kind != kind {
			c.fail("entity %s: kind %d, want %d", k, e.kind, kind)
		}
		var ids []uint32
		for _, name := range profiles {
			id, _ := p.profileIDs.get(name)
			ids = append(ids, id)
		}
		if !slices.Equal(ids, e.labelProfiles) {
			c.fail("entity %s: label profiles %v, want %v", k, e.labelProfiles, ids)
		}
		cls := p.classAt(e.class)
		if cls == nil {
			c.fail("entity %s: class %d does not exist", k, e.class)
			continue
		}
		if want, ok := c.labelsOf(e); !ok {
			c.fail("entity %s: the value of a label some selector reads is not interned", k)
		} else if !want.equal(cls.labels) {
			c.fail("entity %s: class %d has labels %v, want %v", k, e.class, cls.labels, want)
		}
	}
	slices.Sort(netsets)
	if !slices.Equal(netsets, p.netsets) {
		c.fail("network sets: listed %v, want %v", p.netsets, netsets)
	}
}

// labelsOf returns an entity's label set from its resources, reporting
// false when the value of a key some selector reads has no id.
func (c *checker) labelsOf(e *entity) (labelSet, bool) {
	ok := true
	keyOf := func(s string) uint32 { id, _ := c.p.in.lookup(s); return id }
	valOf := func(s string) uint32 {
		id, found := c.p.in.lookup(s)
		ok = ok && found
		return id
	}
	ls, _ := entityLabels(e, c.p.profileLabels, keyOf, valOf, func(k uint32) bool { return c.read[k] > 0 }, nil)
	return ls, ok
}

func (c *checker) classes() {
	p := c.p
	refs := map[uint32]int{}
	for i := range p.entities.len() {
		if e := p.entities.get(uint32(i)); e != nil {
			refs[e.class]++
		}
	}
	live := liveIDs(c, "classes", &p.classes, p.classFree, func(yield func(uint32) bool) {
		for _, ids := range p.classIDs.all() {
			for _, id := range ids {
				if !yield(id) {
					return
				}
			}
		}
	})
	for h, ids := range p.classIDs.all() {
		for _, id := range ids {
			if cls := p.classAt(id); cls != nil && cls.labels.hash() != h {
				c.fail("class %d: filed under hash %x, labels hash to %x", id, h, cls.labels.hash())
			}
		}
		if len(ids) == 0 {
			c.fail("classes: hash %x has an empty list", h)
		}
	}
	pairs, keys := map[uint64]int32{}, map[uint32]int32{}
	byLabels := map[uint64][]uint32{}
	var sels []uint32
	for _, id := range p.selIDs.all() {
		sels = append(sels, id)
	}
	slices.Sort(sels)
	for i := range p.classes.len() {
		id := uint32(i)
		cls := p.classes.get(id)
		if !live[id] {
			continue
		}
		if cls.refs != refs[id] || cls.refs <= 0 {
			c.fail("class %d: %d refs, %d entities have it", id, cls.refs, refs[id])
		}
		h := cls.labels.hash()
		for _, other := range byLabels[h] {
			if p.classes.get(other).labels.equal(cls.labels) {
				c.fail("classes %d and %d have the same labels", other, id)
			}
		}
		byLabels[h] = append(byLabels[h], id)
		for j, l := range cls.labels {
			pairs[pairKey(l.key, l.val)]++
			keys[l.key]++
			if j > 0 && cls.labels[j-1].key >= l.key {
				c.fail("class %d: labels not sorted by key, or a key twice", id)
			}
			if p.in.str(l.key) == "" && l.key != noID || p.in.str(l.val) != l.text {
				c.fail("class %d: label %d=%d %q does not match the interner", id, l.key, l.val, l.text)
			}
		}
		// Every selector is tried but those whose requirements the
		// labels cannot meet (the need masks, recomputed above): the
		// label index's lists and placements play no part.
		var want []uint32
		have := labelMask(cls.labels)
		for _, s := range sels {
			if (int(s) >= len(c.need) || !c.need[s].lacks(have)) && p.progs.get(s).matches(cls.labels) {
				want = append(want, s)
			}
		}
		if !slices.Equal(cls.matched, want) {
			c.fail("class %d: matches selectors %v, want %v", id, cls.matched, want)
		}
		if got := matchInto(nil, cls.labels, p.selIndex.candidates, p.progs.get); !slices.Equal(got, want) {
			c.fail("class %d: the label index finds %v, want %v", id, got, want)
		}
		fresh := resolve(cls.matched, p.policySels, p.sels.get, p.ranks, func(name string) *tierRec {
			r, _ := p.tiers.get(name)
			return r
		}, nil)
		for d := range fresh {
			if msg := sameResolved(cls.res[d], fresh[d]); msg != "" {
				c.fail("class %d: %s resolved list: %s", id, [2]string{"ingress", "egress"}[d], msg)
			}
		}
	}
	countsEqual(c, "label counts", pairs, p.pairCount)
	countsEqual(c, "key counts", keys, p.keyCount)
	c.classIndex(live)
}

// classIndex checks that the class index, when the program has one,
// lists exactly the live classes under each of their labels and keys.
func (c *checker) classIndex(live map[uint32]bool) {
	p := c.p
	if p.byLabel == nil {
		return
	}
	wantPairs, wantKeys := map[uint64][]uint32{}, map[uint32][]uint32{}
	for id := range live {
		for _, l := range p.classes.get(id).labels {
			pk := pairKey(l.key, l.val)
			wantPairs[pk] = append(wantPairs[pk], id)
			wantKeys[l.key] = append(wantKeys[l.key], id)
		}
	}
	same := func(got, want []uint32) bool {
		got, want = slices.Clone(got), slices.Clone(want)
		slices.Sort(got)
		slices.Sort(want)
		return slices.Equal(got, want)
	}
	if p.byLabel.byPair.len() != len(wantPairs) || p.byLabel.byKey.len() != len(wantKeys) {
		c.fail("class index: %d labels and %d keys, want %d and %d", p.byLabel.byPair.len(), p.byLabel.byKey.len(), len(wantPairs), len(wantKeys))
	}
	for pk, want := range wantPairs {
		if got, _ := p.byLabel.byPair.get(pk); !same(got, want) {
			c.fail("class index: label %x lists classes %v, want %v", pk, got, want)
		}
	}
	for k, want := range wantKeys {
		if got, _ := p.byLabel.byKey.get(k); !same(got, want) {
			c.fail("class index: key %d lists classes %v, want %v", k, got, want)
		}
	}
}

func countsEqual[K comparable](c *checker, what string, want map[K]int32, got pmap[K, int32]) {
	if got.len() != len(want) {
		c.fail("%s: %d entries, want %d", what, got.len(), len(want))
	}
	for k, n := range want {
		if g, _ := got.get(k); g != n {
			c.fail("%s: %v counted %d, want %d", what, k, g, n)
		}
	}
}

// sameResolved compares a stored resolved list with a fresh one, policy
// records by identity; it returns what differs, "" when nothing does.
func sameResolved(got, want *resolved) string {
	if got == nil || want == nil {
		if got != want {
			return fmt.Sprintf("present %v, want %v", got != nil, want != nil)
		}
		return ""
	}
	if got.staged != want.staged || len(got.tiers) != len(want.tiers) {
		return fmt.Sprintf("%d tiers (staged %v), want %d (staged %v)", len(got.tiers), got.staged, len(want.tiers), want.staged)
	}
	for i := range got.tiers {
		g, w := &got.tiers[i], &want.tiers[i]
		if g.name != w.name || g.pass != w.pass || g.staged != w.staged || g.firstEnforced != w.firstEnforced ||
			(g.classify == nil) != (w.classify == nil) || len(g.policies) != len(w.policies) {
			return fmt.Sprintf("tier %d is %s with %d policies, want %s with %d", i, g.name, len(g.policies), w.name, len(w.policies))
		}
		for j := range g.policies {
			gp, wp := &g.policies[j], &w.policies[j]
			if gp.p != wp.p || gp.staged != wp.staged || gp.sum != wp.sum || !sameRules(gp.rules, wp.rules) {
				return fmt.Sprintf("tier %s, policy %d is %s, want %s", g.name, j, gp.p.model.Key(), wp.p.model.Key())
			}
		}
	}
	return ""
}

// sameRules reports whether two rule lists are one list.
func sameRules(a, b []rule) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func (c *checker) addresses() {
	p := c.p
	type owner struct {
		ord uint64
		id  uint32
	}
	exact := map[netip.Addr][]owner{}
	nets := [2]map[int]map[netip.Addr][]owner{{}, {}}
	for i := range p.entities.len() {
		id := uint32(i)
		e := p.entities.get(id)
		if e == nil {
			continue
		}
		if e.endpoint != nil {
			for _, a := range e.endpoint.Addresses {
				if !slices.ContainsFunc(exact[a], func(o owner) bool { return o.id == id }) {
					exact[a] = append(exact[a], owner{e.ordinal, id})
				}
			}
			continue
		}
		for _, n := range e.netset.Nets {
			if !n.IsValid() {
				continue
			}
			n = n.Masked()
			f := familyIndex(n.Addr())
			if nets[f][n.Bits()] == nil {
				nets[f][n.Bits()] = map[netip.Addr][]owner{}
			}
			level := nets[f][n.Bits()]
			if !slices.ContainsFunc(level[n.Addr()], func(o owner) bool { return o.id == id }) {
				level[n.Addr()] = append(level[n.Addr()], owner{e.ordinal, id})
			}
		}
	}
	ids := func(os []owner) []uint32 {
		slices.SortFunc(os, func(a, b owner) int { return cmp.Compare(a.ord, b.ord) })
		out := make([]uint32, len(os))
		for i, o := range os {
			out[i] = o.id
		}
		return out
	}
	compare := func(what string, want map[netip.Addr][]owner, got pmap[netip.Addr, []uint32]) {
		if got.len() != len(want) {
			c.fail("%s: %d addresses, want %d", what, got.len(), len(want))
		}
		for a, os := range want {
			if g, _ := got.get(a); !slices.Equal(g, ids(os)) {
				c.fail("%s: %s is owned by %v, want %v", what, a, g, ids(os))
			}
		}
	}
	owners := make(map[netip.Addr][]uint32, len(exact))
	for a, os := range exact {
		owners[a] = ids(os)
	}
	checkExact(&p.addrs, owners, func(id uint32) uint32 { return p.entities.get(id).class }, c.fail)
	for f := range nets {
		levels := p.addrs.nets[f]
		if len(levels) != len(nets[f]) {
			c.fail("address index: %d prefix lengths in family %d, want %d", len(levels), f, len(nets[f]))
		}
		for i, l := range levels {
			if i > 0 && levels[i-1].bits <= l.bits {
				c.fail("address index: prefix lengths not longest first")
			}
			want := nets[f][l.bits]
			count := 0
			for _, os := range want {
				count += len(os)
			}
			if l.count != count {
				c.fail("address index: /%d counts %d CIDRs, want %d", l.bits, l.count, count)
			}
			compare(fmt.Sprintf("address index /%d", l.bits), want, l.m)
		}
	}
}

// peerNets checks that every peer selector holds exactly the CIDRs of
// the network sets it matches.
func (c *checker) peerNets() {
	p := c.p
	for _, id := range p.selIDs.all() {
		info := p.sels.get(id)
		if info == nil || info.peerRefs == 0 {
			continue
		}
		var cidrs []netip.Prefix
		for _, n := range p.netsets {
			e := p.entities.get(n)
			if cls := p.classAt(e.class); cls != nil && cls.has(id) {
				cidrs = append(cidrs, e.netset.Nets...)
			}
		}
		if want := newPrefixSet(cidrs); !reflect.DeepEqual(info.nets, want) {
			c.fail("selector %d %q: peer CIDRs differ from those of the network sets it matches", id, info.sel.String())
		}
	}
}

// checkExact checks that the index gives the exact owners found from
// the entities, and where it keeps them: an address with one owner in its own slot of the flat table
// with that owner's class, unless its shard had no room and says so; the
// others (several owners, zoned, invalid) in the map, with a slot saying
// so when the table could hold the address; nothing else in either.
func checkExact(x *addrIndex, exact map[netip.Addr][]uint32, class func(uint32) uint32, fail func(format string, args ...any)) {
	t := &x.flat
	held, mapped := 0, 0
	for a, os := range exact {
		if got := x.exactOwners(a).slice(); !slices.Equal(got, os) {
			fail("address index: %s is owned by %v, want %v", a, got, os)
		}
		inMap, _ := x.exact.get(a)
		if !a.IsValid() || a.Zone() != "" {
			mapped++
			if !slices.Equal(inMap, os) {
				fail("address index: the map gives %s owners %v, want %v", a, inMap, os)
			}
			continue
		}
		if len(t.shards) == 0 {
			fail("flat address table: no shards for %s", a)
			continue
		}
		hi, lo, key := addrKey(a)
		h := addrSlotHash(hi, lo, key)
		s := t.shards[t.shardOf(h)]
		i, found := s.locate(hi, lo, key, h)
		switch {
		case !found:
			mapped++
			if !s.spilled {
				fail("flat address table: %s is missing from a shard that had room", a)
			}
			if !slices.Equal(inMap, os) {
				fail("flat address table: %s is in no slot and the map gives owners %v, want %v", a, inMap, os)
			}
		case s.slots[i].tag&addrInMap != 0:
			held++
			mapped++
			if len(os) == 1 && os[0] <= addrEntMax {
				fail("flat address table: %s of one owner is sent to the map", a)
			}
			if !slices.Equal(inMap, os) {
				fail("flat address table: %s is sent to the map, which gives owners %v, want %v", a, inMap, os)
			}
		default:
			held++
			sl := s.slots[i]
			want := slotFor(hi, lo, key, os, class)
			if sl != want {
				fail("flat address table: %s holds owner %d of class %d, want owner %d of class %d among %d", a, sl.tag&addrEntMax, sl.cls, os[0], class(os[0]), len(os))
			}
			if inMap != nil {
				fail("flat address table: %s is in the map as well", a)
			}
		}
	}
	count := 0
	for _, s := range t.shards {
		n := 0
		for i := range s.slots {
			if s.slots[i].tag != 0 {
				n++
			}
		}
		if n != int(s.n) || n > addrShardMax {
			fail("flat address table: a shard counts %d addresses, holds %d (at most %d)", s.n, n, addrShardMax)
		}
		count += n
	}
	if count != held || t.n != held {
		fail("flat address table: holds %d addresses (counts %d), want %d", count, t.n, held)
	}
	if x.exact.len() != mapped {
		fail("address index: the map holds %d addresses, want %d", x.exact.len(), mapped)
	}
}
