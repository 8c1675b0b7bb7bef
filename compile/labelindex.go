package compile

import (
	"slices"

	"github.com/verdictlabs/verdict/selector"
)

// placement is where the label index files one selector, chosen from its
// required labels the way Felix's label-restriction index chooses: a key
// with a short list of allowed values beats a key that must merely be
// present, and a selector with neither is checked for every label set.
type placement struct {
	mode placeMode
	key  uint32
	vals []uint32 // placeValues: the allowed values, sorted
}

type placeMode uint8

const (
	placeUnindexed placeMode = iota // no usable requirement: always a candidate
	placeValues                     // filed under (key, value) for each allowed value
	placeKey                        // filed under key: the key must be present
	placeNever                      // cannot match anything: filed nowhere
)

// choosePlacement picks the most selective requirement of s: the key
// whose allowed values (or, for a key that must merely be present, the key
// itself) the fewest classes have, as counted by pairs and keys. Ties go to
// value lists, then to the key that sorts first.
func choosePlacement(reqs selector.Requirements, in *internEdit, pairs func(uint64) (int32, bool), keys func(uint32) (int32, bool)) placement {
	names := make([]string, 0, len(reqs))
	for k, r := range reqs {
		if r.Impossible() {
			return placement{mode: placeNever}
		}
		names = append(names, k)
	}
	slices.Sort(names)
	var best placement
	bestCost := int64(-1)
	for _, k := range names {
		r := reqs[k]
		if r.Values == nil && !r.MustBePresent {
			continue
		}
		p := placement{mode: placeKey, key: in.intern(k)}
		var cost int64
		if r.Values != nil {
			p.mode = placeValues
			for _, v := range r.Values {
				p.vals = append(p.vals, in.intern(v))
			}
			slices.Sort(p.vals)
			p.vals = slices.Compact(p.vals)
			for _, v := range p.vals {
				n, _ := pairs(pairKey(p.key, v))
				cost += int64(n)
			}
		} else {
			n, _ := keys(p.key)
			cost = int64(n)
		}
		if bestCost < 0 || cost < bestCost || cost == bestCost && p.mode == placeValues && best.mode == placeKey {
			best, bestCost = p, cost
		}
	}
	if bestCost < 0 {
		return placement{mode: placeUnindexed}
	}
	return best
}

func pairKey(k, v uint32) uint64 { return uint64(k)<<32 | uint64(v) }

// needMask is a necessary condition for a selector to match, as bits of
// one word: a bit for each key its requirements say must be present, and
// one for the label a key must have when a single value is allowed, each
// hashed to one of 64 bits. A label set whose labelMask lacks one of them
// cannot match, so most candidates the label index offers are dropped with
// one AND instead of a run of their programs: a selector filed under
// has(feature) that also pins a namespace, say.
func needMask(reqs selector.Requirements, in *internEdit) uint64 {
	var m uint64
	for k, r := range reqs {
		if !r.MustBePresent && r.Values == nil {
			continue
		}
		key := in.intern(k)
		m |= maskBit(pairKey(key, noID))
		if len(r.Values) == 1 {
			m |= maskBit(pairKey(key, in.intern(r.Values[0])))
		}
	}
	return m
}

// labelMask has the bits of every key and label of ls, as needMask
// places them.
func labelMask(ls labelSet) uint64 {
	var m uint64
	for _, l := range ls {
		m |= maskBit(pairKey(l.key, noID)) | maskBit(pairKey(l.key, l.val))
	}
	return m
}

// maskBit hashes a key (with value noID) or a label to one bit.
func maskBit(pk uint64) uint64 { return 1 << (mix64(pk) >> 58) }

// labelIndex finds the selectors that may match a label set: those filed
// under one of its (key, value) pairs or keys, plus the unindexed ones. The
// cost is the labels plus the candidates, whatever the number of
// selectors.
type labelIndex struct {
	byValue   pmap[uint64, []uint32]
	byKey     pmap[uint32, []uint32]
	unindexed []uint32
}

func newLabelIndex() labelIndex {
	return labelIndex{
		byValue: newPmap[uint64, []uint32](hashUint64),
		byKey:   newPmap[uint32, []uint32](hashUint32),
	}
}

// candidates calls fn with every list of selectors that may match ls, each
// list sorted by id. A selector is in at most one of the lists, since it
// is filed under one key and a label set has one value per key.
func (x *labelIndex) candidates(ls labelSet, fn func(ids []uint32)) {
	for _, l := range ls {
		if ids, ok := x.byValue.get(pairKey(l.key, l.val)); ok {
			fn(ids)
		}
		if ids, ok := x.byKey.get(l.key); ok {
			fn(ids)
		}
	}
	if len(x.unindexed) > 0 {
		fn(x.unindexed)
	}
}

// labelIndexEdit changes a labelIndex. Lists it has already copied are its
// own and grow in place, so filing many selectors under one key in one
// batch costs no more than building the list once.
type labelIndexEdit struct {
	byValue        *pmapEdit[uint64, []uint32]
	byKey          *pmapEdit[uint32, []uint32]
	unindexed      []uint32
	ownedValue     map[uint64]bool
	ownedKey       map[uint32]bool
	ownedUnindexed bool
}

func (x *labelIndex) edit() *labelIndexEdit {
	return &labelIndexEdit{
		byValue:    x.byValue.edit(),
		byKey:      x.byKey.edit(),
		unindexed:  x.unindexed,
		ownedValue: map[uint64]bool{},
		ownedKey:   map[uint32]bool{},
	}
}

// add files selector id under its placement. Every list stays sorted by
// id, so that matching a label set merges sorted runs instead of sorting.
func (e *labelIndexEdit) add(id uint32, p placement) {
	switch p.mode {
	case placeUnindexed:
		if !e.ownedUnindexed {
			e.unindexed = slices.Clone(e.unindexed)
			e.ownedUnindexed = true
		}
		e.unindexed = insertSorted(e.unindexed, id)
	case placeKey:
		ids, _ := e.byKey.get(p.key)
		if !e.ownedKey[p.key] {
			ids = slices.Clip(ids)
			e.ownedKey[p.key] = true
		}
		e.byKey.set(p.key, insertSorted(ids, id))
	case placeValues:
		for _, v := range p.vals {
			k := pairKey(p.key, v)
			ids, _ := e.byValue.get(k)
			if !e.ownedValue[k] {
				ids = slices.Clip(ids)
				e.ownedValue[k] = true
			}
			e.byValue.set(k, insertSorted(ids, id))
		}
	}
}

// insertSorted adds id to a sorted list; new ids usually come last.
func insertSorted(ids []uint32, id uint32) []uint32 {
	if n := len(ids); n == 0 || ids[n-1] < id {
		return append(ids, id)
	}
	i, _ := slices.BinarySearch(ids, id)
	return slices.Insert(ids, i, id)
}

func (e *labelIndexEdit) remove(id uint32, p placement) {
	drop := func(ids []uint32) []uint32 {
		out := make([]uint32, 0, len(ids))
		for _, x := range ids {
			if x != id {
				out = append(out, x)
			}
		}
		return out
	}
	switch p.mode {
	case placeUnindexed:
		e.unindexed = drop(e.unindexed)
		e.ownedUnindexed = true
	case placeKey:
		ids, _ := e.byKey.get(p.key)
		if ids = drop(ids); len(ids) == 0 {
			e.byKey.del(p.key)
		} else {
			e.byKey.set(p.key, ids)
		}
		e.ownedKey[p.key] = true
	case placeValues:
		for _, v := range p.vals {
			k := pairKey(p.key, v)
			ids, _ := e.byValue.get(k)
			if ids = drop(ids); len(ids) == 0 {
				e.byValue.del(k)
			} else {
				e.byValue.set(k, ids)
			}
			e.ownedValue[k] = true
		}
	}
}

func (e *labelIndexEdit) done() labelIndex {
	return labelIndex{byValue: e.byValue.done(), byKey: e.byKey.done(), unindexed: e.unindexed}
}

// candidates is labelIndex.candidates on the edited index.
func (e *labelIndexEdit) candidates(ls labelSet, fn func(ids []uint32)) {
	for _, l := range ls {
		if ids, ok := e.byValue.get(pairKey(l.key, l.val)); ok {
			fn(ids)
		}
		if ids, ok := e.byKey.get(l.key); ok {
			fn(ids)
		}
	}
	if len(e.unindexed) > 0 {
		fn(e.unindexed)
	}
}
