package compile

import (
	"cmp"
	"runtime"
	"slices"
	"sync"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// finish turns the staged changes into a program. Each step takes what
// the steps before it settled, so the order is the dependencies':
//
//  1. Entities whose labels may have changed get the classes of their
//     labels; classes are acquired and released, new ones match nothing
//     yet.
//  2. The tiers and policies are final and ranked.
//  3. The selectors are final: new ones are filed in the label index,
//     placed by the label counts of the classes of step 1, and unused
//     ones dropped.
//  4. Classes learn what they match and what applies to them: old ones
//     the selector change of step 3, new ones everything, each resolved
//     with the ranks of step 2.
//  5. Peer selectors gather the CIDRs of the network sets they match,
//     through the classes of step 4.
//  6. Classes no entity has are freed.
func (t *txn) finish() *Program {
	t.relabelEntities()
	pols, tiersChanged := t.pols.done()
	change := t.sels.settle(t.classes.counts())
	res := &resolver{policySels: t.sels.policyBits, sel: t.sels.get, ranks: pols.ranks, tier: pols.tier, shared: newTierCache()}
	if !t.cold {
		t.classes.revisit(change, tiersChanged, t.sels.prog, res)
	}
	t.classes.complete(t.sels.match, res, change, t.sels.prog)
	t.sels.gatherNets(t.ents.moved, t.ents.netsets, func(id uint32) (*model.NetworkSet, *class) {
		if e := t.ents.get(id); e != nil {
			return e.netset, t.classes.get(e.class)
		}
		return nil, nil
	})
	return &Program{
		in:              t.in.done(),
		selectorTable:   t.sels.done(),
		policyTable:     pols,
		profileTable:    t.profiles.done(),
		serviceTable:    t.services.done(),
		entityTable:     t.ents.done(),
		classTable:      t.classes.done(),
		namespaces:      t.namespaces.done(),
		serviceAccounts: t.serviceAccounts.done(),
		memo:            t.memo,
		gen:             memoGens.Add(1),
	}
}

// relabelEntities gives every entity whose labels may have changed the
// class of its new labels.
func (t *txn) relabelEntities() {
	// A key that starts or stops being read changes the labels classes
	// keep, so every entity is classed again (a rare change: a selector
	// naming a key none named before, or the last one naming it going).
	flipped := t.sels.countReadKeys()
	all := len(flipped) > 0 && !t.cold
	ids := t.ents.relabelling(t.profiles.relabelled, all)
	sets := t.labelSets(ids)
	for i, id := range ids {
		e := t.ents.get(id)
		ls := sets[i]
		if e.class != noClass && t.classes.get(e.class).labels.equal(ls) {
			continue
		}
		cls := t.classes.acquire(ls)
		if e.class != noClass {
			t.classes.derive(cls, e.class, flipped)
			t.classes.release(e.class)
		}
		t.ents.setClass(id, cls, t.classes.matched)
	}
}

// labelSets returns the label sets of the entities ids. Many entities (a
// cold compile) are spread over the processors: a first parallel pass
// finds the values of read keys not interned yet, which are interned in
// sorted order (so ids stay deterministic), and a second builds the label
// sets with lookups alone, since nothing is written meanwhile. Labels of
// keys no selector reads are skipped before anything is looked up for
// their values.
func (t *txn) labelSets(ids []uint32) []labelSet {
	out := make([]labelSet, len(ids))
	keyOf := func(s string) uint32 { id, _ := t.in.lookup(s); return id }
	workers := min(runtime.GOMAXPROCS(0), len(ids)/parallelLabels)
	if workers < 2 {
		for i, id := range ids {
			out[i], t.labelBuf = entityLabels(t.ents.get(id), t.profiles.profileLabels, keyOf, t.in.intern, t.sels.reads, t.labelBuf)
		}
		return out
	}
	read := t.sels.readSet()
	missing := make([]map[string]bool, workers)
	inParallel(len(ids), workers, func(w, lo, hi int) {
		m := map[string]bool{}
		for _, id := range ids[lo:hi] {
			visitLabels(t.ents.get(id), t.profiles.profileLabels, func(k, v string) {
				if !read(keyOf(k)) {
					return
				}
				if _, ok := t.in.lookup(v); !ok {
					m[v] = true
				}
			})
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
	strs = slices.Compact(strs)
	for _, s := range strs {
		t.in.intern(s)
	}
	inParallel(len(ids), workers, func(_, lo, hi int) {
		var buf []label
		for i := lo; i < hi; i++ {
			out[i], buf = entityLabels(t.ents.get(ids[i]), t.profiles.profileLabels, keyOf, keyOf, read, buf)
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

// entityLabels returns an entity's effective labels as a label set,
// keeping only those of keys read reports as read (those some selector
// reads, selectorTable.readKeys): keyOf gives the id of a key, noID for
// one never interned (which no selector reads), and valOf the id of the
// value of a key read. buf is scratch space, returned for reuse. The
// labels arrive highest precedence first, so after a stable sort by key
// the first of each key is the one that counts.
func entityLabels(e *entity, profileLabels func(string) map[string]string, keyOf, valOf func(string) uint32, read func(uint32) bool, buf []label) (labelSet, []label) {
	buf = buf[:0]
	visitLabels(e, profileLabels, func(k, v string) {
		if kid := keyOf(k); read(kid) {
			buf = append(buf, label{key: kid, val: valOf(v), text: v})
		}
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
