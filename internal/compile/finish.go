package compile

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/verdictlabs/verdict/internal/calico"
)

// finish turns the staged changes into a program: entities get their
// (possibly new) classes, new selectors are indexed and old ones dropped,
// classes learn which selectors they match, and the classes whose
// applicable policies may have changed get new resolved lists.
func (t *txn) finish() *Program {
	t.tierShare = newTierCache()
	t.relabelEntities()
	t.rankPolicies()
	added, removed := t.settleSelectors()
	t.revisitClasses(added, removed)
	t.completeNewClasses()
	t.gatherPeerNets()
	t.collectClasses()
	t.flushCounts()
	return t.program()
}

// relabelEntities gives every entity whose labels may have changed the
// class of its new labels.
func (t *txn) relabelEntities() {
	if len(t.relabelProfiles) > 0 {
		for i := 0; i < t.entities.len(); i++ {
			e := t.entities.get(uint32(i))
			if e == nil {
				continue
			}
			for _, pid := range e.labelProfiles {
				if t.relabelProfiles[pid] {
					t.relabel[uint32(i)] = true
					break
				}
			}
		}
	}
	ids := make([]uint32, 0, len(t.relabel))
	for id := range t.relabel {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a deterministic order gives deterministic class ids
	sets := t.labelSets(ids)
	for i, id := range ids {
		e := t.entities.get(id)
		ls := sets[i]
		if e.class != noClass && t.classes.get(e.class).labels.equal(ls) {
			continue
		}
		if e.netset != nil && e.class != noClass {
			if _, seen := t.movedNetsets[id]; !seen {
				t.movedNetsets[id] = t.classes.get(e.class).matched
			}
		}
		cls := t.acquireClass(ls)
		if e.class != noClass {
			t.releaseClass(e.class)
		}
		if !t.freshEnts[id] {
			cp := *e // an older program may hold e
			e = &cp
			t.entities.set(id, e)
		}
		e.class = cls
	}
}

// labelSets returns the label sets of the entities ids. Many entities (a
// cold compile) are spread over the processors: a first parallel pass
// finds the strings not interned yet, which are interned in sorted order
// (so ids stay deterministic), and a second builds the label sets with
// lookups alone, since nothing is written meanwhile.
func (t *txn) labelSets(ids []uint32) []labelSet {
	out := make([]labelSet, len(ids))
	workers := min(runtime.GOMAXPROCS(0), len(ids)/parallelLabels)
	if workers < 2 {
		for i, id := range ids {
			out[i], t.labelBuf = entityLabels(t.entities.get(id), t.profileLabels, t.in.intern, t.labelBuf)
		}
		return out
	}
	missing := make([]map[string]bool, workers)
	inParallel(len(ids), workers, func(w, lo, hi int) {
		m := map[string]bool{}
		note := func(s string) {
			if _, ok := t.in.lookup(s); !ok {
				m[s] = true
			}
		}
		for _, id := range ids[lo:hi] {
			visitLabels(t.entities.get(id), t.profileLabels, func(k, v string) { note(k); note(v) })
		}
		missing[w] = m
	})
	var strs []string
	for _, m := range missing {
		for s := range m {
			strs = append(strs, s)
		}
	}
	slices.Sort(strs)
	for _, s := range strs {
		t.in.intern(s)
	}
	inParallel(len(ids), workers, func(_, lo, hi int) {
		var buf []label
		idOf := func(s string) uint32 { id, _ := t.in.lookup(s); return id }
		for i := lo; i < hi; i++ {
			out[i], buf = entityLabels(t.entities.get(ids[i]), t.profileLabels, idOf, buf)
		}
	})
	return out
}

// parallelLabels is how many entities each worker must have before
// computing label sets in parallel pays for the goroutines. Tests lower it.
var parallelLabels = 2048

// inParallel splits [0, n) into one contiguous range per worker and runs
// fn on each in its own goroutine, returning when all are done.
func inParallel(n, workers int, fn func(w, lo, hi int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, n*w/workers, n*(w+1)/workers)
		}()
	}
	wg.Wait()
}

// visitLabels calls yield with an entity's effective labels, highest
// precedence first, with profileLabels giving the labels of a profile.
func visitLabels(e *entity, profileLabels func(string) map[string]string, yield func(k, v string)) {
	if e.endpoint != nil {
		calico.VisitEndpointLabels(e.endpoint, profileLabels, yield)
	} else {
		calico.VisitNetworkSetLabels(e.netset, profileLabels, yield)
	}
}

// entityLabels returns an entity's effective labels as a label set, with
// idOf giving the id of every key and value; buf is scratch space, returned
// for reuse. The labels arrive highest precedence first, so after a stable
// sort by key the first of each key is the one that counts.
func entityLabels(e *entity, profileLabels func(string) map[string]string, idOf func(string) uint32, buf []label) (labelSet, []label) {
	buf = buf[:0]
	visitLabels(e, profileLabels, func(k, v string) {
		buf = append(buf, label{key: idOf(k), val: idOf(v), text: v})
	})
	slices.SortStableFunc(buf, func(a, b label) int { return cmp.Compare(a.key, b.key) })
	n := 0
	for i := range buf {
		if i == 0 || buf[i].key != buf[i-1].key {
			n++
		}
	}
	ls := make(labelSet, 0, n)
	for i := range buf {
		if i == 0 || buf[i].key != buf[i-1].key {
			ls = append(ls, buf[i])
		}
	}
	return ls, buf
}

// settleSelectors indexes the selectors this batch created and still uses,
// and drops those no one uses any more. It returns both lists.
func (t *txn) settleSelectors() (added, removed []uint32) {
	t.flushCounts() // placements read them
	for id := range t.deadSels {
		info := t.sels.get(id)
		if info.refs > 0 {
			continue
		}
		if !t.newSels[id] {
			t.selIndex.remove(id, info.place)
			removed = append(removed, id)
		}
		t.selIDs.del(info.sel.String())
		t.sels.set(id, nil)
		t.progs.set(id, nil)
		delete(t.newSels, id)
		t.selFree = append(t.selFree, id)
	}
	for id := range t.newSels {
		info := t.ownSel(id)
		reqs := info.sel.Requirements()
		info.place = choosePlacement(reqs, t.in, t.pairCount.get, t.keyCount.get)
		t.selIndex.add(id, info.place, needMaskOf(reqs, t.in))
		added = append(added, id)
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

// revisitClasses brings the classes that existed before this batch up to
// date: new selectors are evaluated against them, removed ones dropped, and
// their resolved lists rebuilt where a policy they match changed.
func (t *txn) revisitClasses(added, removed []uint32) {
	if t.cold || len(added) == 0 && len(removed) == 0 && len(t.policySels) == 0 && !t.tiersChanged {
		return
	}
	policySels := make([]uint32, 0, len(t.policySels))
	for id := range t.policySels {
		policySels = append(policySels, id)
	}
	for i := 0; i < t.classes.len(); i++ {
		id := uint32(i)
		c := t.classes.get(id)
		if c == nil || t.newClasses[id] || c.refs == 0 {
			continue
		}
		dirty := t.tiersChanged
		for _, s := range policySels {
			if c.has(s) {
				dirty = true
				break
			}
		}
		var gained []uint32
		for _, s := range added {
			if t.progs.get(s).matches(c.labels) {
				gained = append(gained, s)
			}
		}
		lost := false
		for _, s := range removed {
			if c.has(s) {
				lost = true
				break
			}
		}
		if len(gained) == 0 && !lost && !dirty {
			continue
		}
		c = t.ownClass(id)
		if lost {
			c.matched = slices.DeleteFunc(slices.Clone(c.matched), func(s uint32) bool {
				_, found := slices.BinarySearch(removed, s)
				return found
			})
		}
		if len(gained) > 0 {
			c.matched = mergeSorted(c.matched, gained)
			for _, s := range gained {
				if t.policySels[s] {
					dirty = true
				}
			}
		}
		if dirty {
			c.res = t.resolve(c.matched)
		}
	}
}

// mergeSorted returns the sorted union of two sorted, disjoint lists in a
// new slice.
func mergeSorted(a, b []uint32) []uint32 {
	return mergeInto(make([]uint32, 0, len(a)+len(b)), a, b)
}

// completeNewClasses computes, for each class created in this batch, the
// selectors it matches (through the label index) and its resolved lists.
// Classes are independent, so a large batch (a cold compile) spreads them
// over the available processors, each taking runs of classes (neighbours
// in memory, so that workers do not write to the same cache lines) and
// keeping its own tier cache; nothing shared is written meanwhile but the
// classes themselves.
func (t *txn) completeNewClasses() {
	ids := make([]uint32, 0, len(t.newClasses))
	for id := range t.newClasses {
		if t.classes.get(id).refs > 0 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	complete := func(id uint32, scratch []uint32, cache *tierCache) []uint32 {
		c := t.classes.get(id) // owned by this batch since it was created
		scratch = matchInto(scratch[:0], c.labels, t.selIndex.candidates, t.progs.get)
		c.matched = slices.Clone(scratch)
		c.res = t.resolveWith(c.matched, cache)
		return scratch
	}
	workers := min(runtime.GOMAXPROCS(0), len(ids)/parallelClasses)
	if workers < 2 {
		for _, id := range ids {
			t.scratch = complete(id, t.scratch, t.tierShare)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch []uint32
			cache := newTierCache()
			for {
				start := int(next.Add(parallelRun) - parallelRun)
				if start >= len(ids) {
					return
				}
				for _, id := range ids[start:min(start+parallelRun, len(ids))] {
					scratch = complete(id, scratch, cache)
				}
			}
		}()
	}
	wg.Wait()
}

// parallelClasses is how many new classes each worker must have before
// completing them in parallel pays for the goroutines.
const parallelClasses = 128

// parallelRun is how many classes a worker takes at a time.
const parallelRun = 64

// matchInto returns, in buf's storage, the sorted ids of the selectors
// matching ls, trying only the label index's candidates. Each candidate
// list is sorted, so when they follow each other in id order (one big
// list, typically) no sort is needed.
func matchInto(buf []uint32, ls labelSet, candidates func(labelSet, func([]filed)), prog func(uint32) selProg) []uint32 {
	out := buf[:0]
	sorted := true
	have := labelMask(ls)
	candidates(ls, func(list []filed) {
		start := len(out)
		for _, f := range list {
			if !f.need.lacks(have) && prog(f.id).matches(ls) {
				out = append(out, f.id)
			}
		}
		if start > 0 && start < len(out) && out[start-1] > out[start] {
			sorted = false
		}
	})
	if !sorted {
		slices.Sort(out)
	}
	return out
}

// mergeInto appends the sorted union of sorted, disjoint a and b to dst.
func mergeInto(dst, a, b []uint32) []uint32 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] < b[j] {
			dst = append(dst, a[i])
			i++
		} else {
			dst = append(dst, b[j])
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// gatherPeerNets rebuilds the network-set CIDRs of every peer selector
// that needs it: new ones, and those a changed network set matched before
// or matches now.
func (t *txn) gatherPeerNets() {
	for id, oldMatched := range t.movedNetsets {
		for _, s := range oldMatched {
			t.dirtyPeers[s] = true
		}
		if e := t.entities.get(id); e != nil {
			for _, s := range t.classes.get(e.class).matched {
				t.dirtyPeers[s] = true
			}
		}
	}
	var dirty []uint32
	for s := range t.dirtyPeers {
		if info := t.sels.get(s); info != nil && info.peerRefs > 0 {
			dirty = append(dirty, s)
		}
	}
	if len(dirty) == 0 {
		return
	}
	slices.Sort(dirty)
	isDirty := make(map[uint32]bool, len(dirty))
	for _, s := range dirty {
		isDirty[s] = true
	}
	members := map[uint32][]uint32{} // selector -> network sets it matches
	for _, id := range t.netsets {
		e := t.entities.get(id)
		c := t.classes.get(e.class)
		if len(dirty) <= 4*len(c.matched) {
			for _, s := range dirty {
				if c.has(s) {
					members[s] = append(members[s], id)
				}
			}
			continue
		}
		for _, s := range c.matched {
			if isDirty[s] {
				members[s] = append(members[s], id)
			}
		}
	}
	// Broad selectors often match exactly the same network sets; they
	// share one CIDR set.
	shared := map[string]*prefixSet{}
	for _, s := range dirty {
		ids := members[s]
		var nets *prefixSet
		if len(ids) > 0 {
			sig := idSignature(ids)
			var ok bool
			if nets, ok = shared[sig]; !ok {
				var cidrs []netip.Prefix
				for _, id := range ids {
					cidrs = append(cidrs, t.entities.get(id).netset.Nets...)
				}
				nets = newPrefixSet(cidrs)
				shared[sig] = nets
			}
		}
		t.ownSel(s).nets = nets
	}
}

func idSignature(ids []uint32) string {
	b := make([]byte, 4*len(ids))
	for i, id := range ids {
		binary.LittleEndian.PutUint32(b[4*i:], id)
	}
	return string(b)
}

// collectClasses frees the classes no entity has any more.
func (t *txn) collectClasses() {
	for id := range t.deadClasses {
		c := t.classes.get(id)
		if c.refs > 0 {
			continue
		}
		t.forgetClass(id, c.labels)
		t.countLabels(c.labels, -1)
		t.classes.set(id, nil)
		t.classFree = append(t.classFree, id)
	}
}

// forgetClass removes class id, with labels ls, from the classes by hash.
func (t *txn) forgetClass(id uint32, ls labelSet) {
	h := ls.hash()
	ids, _ := t.classIDs.get(h)
	rest := make([]uint32, 0, len(ids))
	for _, x := range ids {
		if x != id {
			rest = append(rest, x)
		}
	}
	if len(rest) == 0 {
		t.classIDs.del(h)
	} else {
		t.classIDs.set(h, rest)
	}
}

// resolve builds a class's resolved lists from the selectors it matches.
func (t *txn) resolve(matched []uint32) [2]*resolved {
	return t.resolveWith(matched, t.tierShare)
}

// resolveWith is resolve sharing tiers and lists through cache.
func (t *txn) resolveWith(matched []uint32, cache *tierCache) [2]*resolved {
	return resolve(matched, t.polBits, t.sels.get, t.ranks, func(name string) *tierRec {
		r, _ := t.tiers.get(name)
		return r
	}, cache)
}

// rankPolicies numbers the active policies in evaluation order when
// policies or tiers changed, and keeps the old numbering otherwise.
func (t *txn) rankPolicies() {
	t.tierRanks = t.old.tierRanks
	if t.tiersChanged || t.tierRanks == nil {
		t.tierRanks = rankTiers(t.tiers.m.all())
	}
	t.ranks = t.old.ranks
	if !t.policiesChanged && !t.tiersChanged && t.ranks != nil {
		return
	}
	var pols []*policyRec
	for _, p := range t.policies.m.all() {
		if p.active {
			pols = append(pols, p)
		}
	}
	slices.SortFunc(pols, func(a, b *policyRec) int {
		if c := cmp.Compare(t.tierRanks[a.tier], t.tierRanks[b.tier]); c != 0 {
			return c
		}
		if c := calico.CompareOrders(a.model.Order, b.model.Order); c != 0 {
			return c
		}
		return cmp.Compare(a.sort, b.sort)
	})
	t.ranks = make(map[*policyRec]int32, len(pols))
	for i, p := range pols {
		t.ranks[p] = int32(i)
	}
}

func (t *txn) program() *Program {
	t.entityFree = append(t.entityFree, t.freedEnts...)
	return &Program{
		tierRanks:       t.tierRanks,
		policySels:      t.polBits,
		ranks:           t.ranks,
		pairCount:       t.pairCount.done(),
		keyCount:        t.keyCount.done(),
		in:              t.in.done(),
		sels:            t.sels.done(),
		progs:           t.progs.done(),
		selIDs:          t.selIDs.done(),
		selFree:         t.selFree,
		selIndex:        t.selIndex.done(),
		tiers:           t.tiers.done(),
		policies:        t.policies.done(),
		profileIDs:      t.profileIDs.done(),
		profiles:        t.profiles.done(),
		serviceIDs:      t.serviceIDs.done(),
		services:        t.services.done(),
		entities:        t.entities.done(),
		entityIDs:       t.entityIDs.done(),
		entityFree:      t.entityFree,
		netsets:         t.netsets,
		nextOrdinal:     t.nextOrdinal,
		classes:         t.classes.done(),
		classIDs:        t.classIDs.done(),
		classFree:       t.classFree,
		addrs:           t.addrs.done(),
		namespaces:      t.namespaces.done(),
		serviceAccounts: t.serviceAccounts.done(),
	}
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
