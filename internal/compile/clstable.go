package compile

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// classTable holds the label classes entities share, found by label set
// hash, and how many classes have each label and each key.
type classTable struct {
	classes   pvec[*class]
	classIDs  pmap[uint64, []uint32] // by label set hash
	classFree []uint32
	// pairCount and keyCount count the classes having each label and each
	// key: the label index files a selector under its rarest requirement.
	pairCount pmap[uint64, int32]
	keyCount  pmap[uint32, int32]
	// byLabel lists the classes having each label and each key, so
	// that a selector change tries only the classes with the label the
	// selector is filed under. A cold compile has no use for it; the
	// first change that needs it builds it, and later ones keep it.
	byLabel *classIndex
}

// classIndex lists the classes having each label (byPair) and each key
// (byKey), in no particular order.
type classIndex struct {
	byPair pmap[uint64, []uint32]
	byKey  pmap[uint32, []uint32]
}

// classAt returns the class with id, or nil when there is none.
func (x *classTable) classAt(id uint32) *class {
	if int(id) >= x.classes.len() {
		return nil
	}
	return x.classes.get(id)
}

// classEdit is one batch of changes to a classTable. Classes are counted
// by the entities having them; one whose count drops to zero is freed
// when the batch is done. A class an older program holds is copied
// before its first change in the batch.
type classEdit struct {
	classes *pvecEdit[*class]
	// cold: building from nothing, so every class is the batch's own and
	// created in it, and the classes are found by hash in byHash (the
	// first class with each hash; the others in ids) until done files
	// them all at once.
	cold     bool
	byHash   map[uint64]uint32
	ids      *pmapEdit[uint64, []uint32]
	free     []uint32
	owned    map[uint32]bool // classes this batch has copied or created
	created  map[uint32]bool
	dead     map[uint32]bool // lost their last entity at some point
	pairs    *pmapEdit[uint64, int32]
	keys     *pmapEdit[uint32, int32]
	pairDiff map[uint64]int32 // changes to pairs not yet flushed
	keyDiff  map[uint32]int32 // likewise for keys
	scratch  []uint32         // reused while matching label sets
	// index is the batch's classTable.byLabel, nil until built; the
	// lists in owned are the batch's own and change in place.
	index     *classIndexEdit
	oldIndex  *classIndex
	ownedPair map[uint64]bool
	ownedKey  map[uint32]bool
	// origin holds, for a class created in the batch by relabelling
	// entities of an older class whose labels differ from its own only
	// in keys that started or stopped being read, that older class (see
	// derive).
	origin map[uint32]uint32
}

type classIndexEdit struct {
	byPair *pmapEdit[uint64, []uint32]
	byKey  *pmapEdit[uint32, []uint32]
}

// edit starts a batch that creates about n classes; cold when the table
// is empty and the batch only adds.
func (x *classTable) edit(cold bool, n int) *classEdit {
	e := &classEdit{
		classes:  x.classes.edit(),
		cold:     cold,
		ids:      x.classIDs.edit(),
		free:     slices.Clone(x.classFree),
		dead:     map[uint32]bool{},
		pairs:    x.pairCount.edit(),
		keys:     x.keyCount.edit(),
		pairDiff: map[uint64]int32{},
		keyDiff:  map[uint32]int32{},
		oldIndex: x.byLabel,
	}
	if cold {
		e.byHash = make(map[uint64]uint32, n)
	} else {
		e.owned, e.created = make(map[uint32]bool, n), make(map[uint32]bool, n)
	}
	return e
}

// indexed returns the batch's class index, building it from every class
// when the table had none.
func (e *classEdit) indexed() *classIndexEdit {
	if e.index != nil {
		return e.index
	}
	e.ownedPair, e.ownedKey = map[uint64]bool{}, map[uint32]bool{}
	if e.oldIndex != nil {
		e.index = &classIndexEdit{byPair: e.oldIndex.byPair.edit(), byKey: e.oldIndex.byKey.edit()}
		return e.index
	}
	pairs, keys := map[uint64][]uint32{}, map[uint32][]uint32{}
	for i := range e.classes.len() {
		if c := e.classes.get(uint32(i)); c != nil {
			for _, l := range c.labels {
				pk := pairKey(l.key, l.val)
				pairs[pk] = append(pairs[pk], uint32(i))
				keys[l.key] = append(keys[l.key], uint32(i))
			}
		}
	}
	bp, bk := newPmapFor[uint64, []uint32](hashUint64, len(pairs)), newPmapFor[uint32, []uint32](hashUint32, len(keys))
	e.index = &classIndexEdit{byPair: bp.edit(), byKey: bk.edit()}
	for pk, ids := range pairs {
		e.index.byPair.set(pk, ids)
		e.ownedPair[pk] = true
	}
	for k, ids := range keys {
		e.index.byKey.set(k, ids)
		e.ownedKey[k] = true
	}
	return e.index
}

// indexClass adds class id, with labels ls, to the class index, if the
// batch has one (done removes the classes freed, see unindexClasses).
func (e *classEdit) indexClass(id uint32, ls labelSet) {
	if e.index == nil && e.oldIndex == nil {
		return
	}
	x := e.indexed()
	for _, l := range ls {
		pk := pairKey(l.key, l.val)
		ids, _ := x.byPair.get(pk)
		x.byPair.set(pk, appendID(ids, id, e.ownedPair[pk]))
		e.ownedPair[pk] = true
		kids, _ := x.byKey.get(l.key)
		x.byKey.set(l.key, appendID(kids, id, e.ownedKey[l.key]))
		e.ownedKey[l.key] = true
	}
}

// unindexClasses removes the classes gone (by id, with their labels)
// from the class index, if the batch has one. Each list holding one of
// them is filtered once: removing them one at a time would search a
// key's list, which may hold nearly every class, once per class, and a
// change that relabels every entity (a key starting to be read) frees
// nearly every class.
func (e *classEdit) unindexClasses(gone map[uint32]labelSet) {
	if len(gone) == 0 || (e.index == nil && e.oldIndex == nil) {
		return
	}
	x := e.indexed()
	pairs, keys := map[uint64]bool{}, map[uint32]bool{}
	for _, ls := range gone {
		for _, l := range ls {
			pairs[pairKey(l.key, l.val)] = true
			keys[l.key] = true
		}
	}
	for pk := range pairs {
		ids, _ := x.byPair.get(pk)
		if rest := withoutIDs(ids, gone); len(rest) == 0 {
			x.byPair.del(pk)
		} else {
			x.byPair.set(pk, rest)
		}
		e.ownedPair[pk] = true
	}
	for k := range keys {
		ids, _ := x.byKey.get(k)
		if rest := withoutIDs(ids, gone); len(rest) == 0 {
			x.byKey.del(k)
		} else {
			x.byKey.set(k, rest)
		}
		e.ownedKey[k] = true
	}
}

// withoutIDs returns a new list of the ids not in gone, in their order.
func withoutIDs(ids []uint32, gone map[uint32]labelSet) []uint32 {
	rest := make([]uint32, 0, len(ids))
	for _, id := range ids {
		if _, g := gone[id]; !g {
			rest = append(rest, id)
		}
	}
	return rest
}

// appendID adds id to a list, copying it first unless owned.
func appendID(ids []uint32, id uint32, owned bool) []uint32 {
	if !owned {
		ids = slices.Clone(ids)
	}
	return append(ids, id)
}

// candidates calls fn with every class that may match a selector filed
// at p: the classes with its label or key, every class when it is
// unindexed, none when it can match nothing.
func (e *classEdit) candidates(p placement, fn func(id uint32)) {
	switch p.mode {
	case placeNever:
		return
	case placeValues:
		x := e.indexed()
		for _, v := range p.vals {
			ids, _ := x.byPair.get(pairKey(p.key, v))
			for _, id := range ids {
				fn(id)
			}
		}
		return
	case placeKey:
		ids, _ := e.indexed().byKey.get(p.key)
		for _, id := range ids {
			fn(id)
		}
		return
	}
	for i := range e.classes.len() {
		if e.classes.get(uint32(i)) != nil {
			fn(uint32(i))
		}
	}
}

func (e *classEdit) get(id uint32) *class { return e.classes.get(id) }

// matched returns the selectors class id matches as the batch stands.
func (e *classEdit) matched(id uint32) []uint32 { return e.classes.get(id).matched }

// own returns the batch's own copy of class id.
func (e *classEdit) own(id uint32) *class {
	c := e.classes.get(id)
	if !e.cold && !e.owned[id] {
		cp := *c
		c = &cp
		e.classes.set(id, c)
		e.owned[id] = true
	}
	return c
}

// acquire returns the class of a label set, counting one more entity
// with it, and creates it if no entity has those labels yet. A new class
// matches nothing until complete.
func (e *classEdit) acquire(ls labelSet) uint32 {
	h := ls.hash()
	if e.cold {
		return e.acquireCold(h, ls)
	}
	ids, _ := e.ids.get(h)
	for _, id := range ids {
		if e.classes.get(id).labels.equal(ls) {
			e.own(id).refs++
			return id
		}
	}
	id := takeID(&e.free, func() uint32 { return e.classes.push(nil) })
	e.classes.set(id, &class{labels: ls, refs: 1})
	e.count(ls, 1)
	e.indexClass(id, ls)
	e.owned[id] = true
	// The list may be shared with an older program: never append in place.
	e.ids.set(h, append(slices.Clip(ids), id))
	e.created[id] = true
	return id
}

// acquireCold is acquire in a cold batch.
func (e *classEdit) acquireCold(h uint64, ls labelSet) uint32 {
	first, ok := e.byHash[h]
	if ok {
		if c := e.classes.get(first); c.labels.equal(ls) {
			c.refs++
			return first
		}
		ids, _ := e.ids.get(h)
		for _, id := range ids {
			if c := e.classes.get(id); c.labels.equal(ls) {
				c.refs++
				return id
			}
		}
	}
	id := e.classes.push(&class{labels: ls, refs: 1})
	e.count(ls, 1)
	if ok {
		ids, _ := e.ids.get(h)
		e.ids.set(h, append(slices.Clip(ids), id))
	} else {
		e.byHash[h] = id
	}
	return id
}

// release counts one entity fewer with class id.
func (e *classEdit) release(id uint32) {
	c := e.own(id)
	c.refs--
	if c.refs == 0 {
		e.dead[id] = true
	}
}

// count adds delta to the class counts of every label and key of ls.
// The deltas gather in plain maps, a few increments per class, and reach
// the persistent counts once per label in flush.
func (e *classEdit) count(ls labelSet, delta int32) {
	for _, l := range ls {
		e.pairDiff[pairKey(l.key, l.val)] += delta
		e.keyDiff[l.key] += delta
	}
}

// flush adds the gathered deltas to the counts.
func (e *classEdit) flush() {
	for pk, d := range e.pairDiff {
		if d == 0 {
			continue
		}
		if n, _ := e.pairs.get(pk); n+d == 0 {
			e.pairs.del(pk)
		} else {
			e.pairs.set(pk, n+d)
		}
	}
	for k, d := range e.keyDiff {
		if d == 0 {
			continue
		}
		if n, _ := e.keys.get(k); n+d == 0 {
			e.keys.del(k)
		} else {
			e.keys.set(k, n+d)
		}
	}
	clear(e.pairDiff)
	clear(e.keyDiff)
}

// counts returns the label counts with every class acquired so far, for
// placing new selectors.
func (e *classEdit) counts() labelCounts {
	e.flush()
	return labelCounts{pairs: e.pairs.get, keys: e.keys.get}
}

// revisit brings the classes that existed before the batch up to date
// with a settled selector change: they match the added selectors that
// fit their labels and forget the removed ones, and their resolved lists
// are rebuilt when a selector they match changed its policies, or when
// every list may have changed (allDirty: the tiers changed).
func (e *classEdit) revisit(ch selectorChange, allDirty bool, prog func(uint32) selProg, res *resolver) {
	if len(ch.added) == 0 && len(ch.removed) == 0 && len(ch.repolicied) == 0 && !allDirty {
		return
	}
	for _, id := range e.revisiting(ch, allDirty) {
		c := e.classes.get(id)
		if c == nil || e.created[id] || c.refs == 0 {
			continue
		}
		dirty := allDirty
		for _, s := range ch.repolicied {
			if c.has(s) {
				dirty = true
				break
			}
		}
		var gained []uint32
		for _, s := range ch.added {
			if prog(s).matches(c.labels) {
				gained = append(gained, s)
			}
		}
		lost := false
		for _, s := range ch.removed {
			if c.has(s) {
				lost = true
				break
			}
		}
		if len(gained) == 0 && !lost && !dirty {
			continue
		}
		c = e.own(id)
		if lost {
			c.matched = slices.DeleteFunc(slices.Clone(c.matched), func(s uint32) bool {
				_, found := slices.BinarySearch(ch.removed, s)
				return found
			})
		}
		if len(gained) > 0 {
			c.matched = mergeSorted(c.matched, gained)
			for _, s := range gained {
				if _, found := slices.BinarySearch(ch.repolicied, s); found {
					dirty = true
				}
			}
		}
		if dirty {
			c.res = res.resolve(c.matched, res.shared)
		}
	}
}

// revisiting returns, sorted, the classes a selector change may touch:
// those with the label or key some changed selector is filed under, or
// every class when the tiers changed.
func (e *classEdit) revisiting(ch selectorChange, allDirty bool) []uint32 {
	all := allDirty || ch.place == nil
	if !all {
		for _, list := range [][]uint32{ch.added, ch.removed, ch.repolicied} {
			for _, s := range list {
				if ch.place(s).mode == placeUnindexed {
					all = true
				}
			}
		}
	}
	var ids []uint32
	if all {
		ids = make([]uint32, 0, e.classes.len())
		for i := range e.classes.len() {
			ids = append(ids, uint32(i))
		}
		return ids
	}
	for _, list := range [][]uint32{ch.added, ch.removed, ch.repolicied} {
		for _, s := range list {
			e.candidates(ch.place(s), func(id uint32) { ids = append(ids, id) })
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// mergeSorted returns the sorted union of two sorted, disjoint lists in a
// new slice.
func mergeSorted(a, b []uint32) []uint32 {
	return mergeInto(make([]uint32, 0, len(a)+len(b)), a, b)
}

// complete computes, for each class created in this batch, the
// selectors it matches (match, through the label index) and its
// resolved lists. Classes are independent, so a large batch (a cold
// compile) spreads them over the available processors, each taking runs
// of classes (neighbours in memory, so that workers do not write to the
// same cache lines) and keeping its own tier cache; nothing shared is
// written meanwhile but the classes themselves.
func (e *classEdit) complete(match func([]uint32, labelSet) []uint32, res *resolver, ch selectorChange, prog func(uint32) selProg) {
	var ids []uint32
	if e.cold {
		ids = make([]uint32, 0, e.classes.len())
		for i := range e.classes.len() {
			if e.classes.get(uint32(i)).refs > 0 {
				ids = append(ids, uint32(i))
			}
		}
	} else {
		ids = make([]uint32, 0, len(e.created))
		for id := range e.created {
			if e.classes.get(id).refs > 0 {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
	}
	complete := func(id uint32, scratch []uint32, cache *tierCache) []uint32 {
		c := e.classes.get(id) // owned by this batch since it was created
		if matched, ok := e.derived(id, ch, prog); ok {
			c.matched = matched
		} else {
			scratch = match(scratch[:0], c.labels)
			c.matched = slices.Clone(scratch)
		}
		c.res = res.resolve(c.matched, cache)
		return scratch
	}
	workers := min(runtime.GOMAXPROCS(0), len(ids)/parallelClasses)
	if workers < 2 {
		for _, id := range ids {
			e.scratch = complete(id, e.scratch, res.shared)
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

// derive notes that entities of class from now have class id, created
// in the batch, when their labels differ only in the keys flipped (those
// that started or stopped being read): what id matches then follows from
// what from matched (see derived). A key starting to be read, a
// namespace's name say, classes every entity again, and matching each
// new class against every selector would cost what a cold compile's
// matching does.
func (e *classEdit) derive(id, from uint32, flipped []uint32) {
	if len(flipped) == 0 || !e.created[id] || e.created[from] {
		return
	}
	if _, ok := e.origin[id]; ok {
		return
	}
	if !sameBeside(e.classes.get(id).labels, e.classes.get(from).labels, flipped) {
		return
	}
	if e.origin == nil {
		e.origin = map[uint32]uint32{}
	}
	e.origin[id] = from
}

// sameBeside reports whether two label sets, sorted by key, hold the
// same labels of every key but those of skip.
func sameBeside(a, b labelSet, skip []uint32) bool {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && slices.Contains(skip, a[i].key):
			i++
		case j < len(b) && slices.Contains(skip, b[j].key):
			j++
		case i == len(a) || j == len(b):
			return false
		case a[i].key != b[j].key || a[i].val != b[j].val:
			return false
		default:
			i++
			j++
		}
	}
	return true
}

// derived returns what class id, created in the batch, matches when it
// has an origin (see derive) that no entity has any more: what the
// origin matched before the batch, without the selectors the change
// removed, with those it added that fit id's labels. The selectors that
// lived on read none of the keys flipped, so they see the two label sets
// alike; revisit updates classes that lived on alike. An origin some
// entity still has was revisited already, so its list is no longer the
// one from before the batch: id is matched in full then.
func (e *classEdit) derived(id uint32, ch selectorChange, prog func(uint32) selProg) ([]uint32, bool) {
	from, ok := e.origin[id]
	if !ok {
		return nil, false
	}
	o := e.classes.get(from)
	if o == nil || o.refs > 0 {
		return nil, false
	}
	matched := slices.DeleteFunc(slices.Clone(o.matched), func(s uint32) bool {
		_, found := slices.BinarySearch(ch.removed, s)
		return found
	})
	labels := e.classes.get(id).labels
	var gained []uint32
	for _, s := range ch.added {
		if prog(s).matches(labels) {
			gained = append(gained, s)
		}
	}
	if len(gained) > 0 {
		matched = mergeSorted(matched, gained)
	}
	return matched, true
}

// parallelClasses is how many new classes each worker must have before
// completing them in parallel pays for the goroutines.
const parallelClasses = 128

// parallelRun is how many classes a worker takes at a time.
const parallelRun = 64

// done frees the classes no entity has any more and returns the table.
func (e *classEdit) done() classTable {
	gone := map[uint32]labelSet{}
	for id := range e.dead {
		c := e.classes.get(id)
		if c.refs > 0 {
			continue
		}
		e.forget(id, c.labels)
		e.count(c.labels, -1)
		gone[id] = c.labels
		e.classes.set(id, nil)
		e.free = append(e.free, id)
	}
	e.unindexClasses(gone)
	e.flush()
	index := e.oldIndex
	if e.index != nil {
		index = &classIndex{byPair: e.index.byPair.done(), byKey: e.index.byKey.done()}
	}
	x := classTable{
		classes:   e.classes.done(),
		classIDs:  e.ids.done(),
		classFree: e.free,
		pairCount: e.pairs.done(),
		keyCount:  e.keys.done(),
		byLabel:   index,
	}
	if e.cold {
		x.classIDs = coldClassIDs(x.classes)
	}
	return x
}

// coldClassIDs files the classes of a cold compile by label set hash,
// lists of one class (nearly all) being slices of one array.
func coldClassIDs(classes pvec[*class]) pmap[uint64, []uint32] {
	n := classes.len()
	ids := make([]uint32, n)
	hashes := make([]uint64, n)
	inParallel(n, min(runtime.GOMAXPROCS(0), max(1, n/parallelBulk)), func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			ids[i] = uint32(i)
			if c := classes.get(uint32(i)); c != nil {
				hashes[i] = c.labels.hash()
			}
		}
	})
	return bulkPmap(hashUint64, n, func(i int) (uint64, []uint32, bool) {
		return hashes[i], ids[i : i+1 : i+1], classes.get(uint32(i)) != nil
	}, func(old, v []uint32) []uint32 { return append(slices.Clip(old), v[0]) })
}

// forget removes class id, with labels ls, from the classes by hash.
func (e *classEdit) forget(id uint32, ls labelSet) {
	h := ls.hash()
	ids, _ := e.ids.get(h)
	rest := make([]uint32, 0, len(ids))
	for _, x := range ids {
		if x != id {
			rest = append(rest, x)
		}
	}
	if len(rest) == 0 {
		e.ids.del(h)
	} else {
		e.ids.set(h, rest)
	}
}
