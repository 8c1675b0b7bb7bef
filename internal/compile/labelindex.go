package compile

import (
	"cmp"
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

// needMask is a necessary condition for a selector to match, as bits:
// bits for each key its requirements say must be present, and for the
// label a key must have when a single value is allowed, each hashed to two
// of 64 bits (maskBit), keys and labels in words of their own. A label set whose
// labelMask lacks one of them cannot match, so most candidates the label
// index offers are dropped with two ANDs instead of a run of their
// programs: a selector filed under has(feature) that also pins a
// namespace, say.
type needMask struct{ keys, labels uint64 }

func needMaskOf(reqs selector.Requirements, in *internEdit) needMask {
	var m needMask
	for k, r := range reqs {
		if !r.MustBePresent && r.Values == nil {
			continue
		}
		key := in.intern(k)
		m.keys |= maskBit(uint64(key))
		if len(r.Values) == 1 {
			m.labels |= maskBit(pairKey(key, in.intern(r.Values[0])))
		}
	}
	return m
}

// labelMask has the bits of every key and label of ls, as needMaskOf
// places them.
func labelMask(ls labelSet) needMask {
	var m needMask
	for _, l := range ls {
		m.keys |= maskBit(uint64(l.key))
		m.labels |= maskBit(pairKey(l.key, l.val))
	}
	return m
}

// lacks reports whether a label set with mask have cannot satisfy m.
func (m needMask) lacks(have needMask) bool {
	return m.keys&^have.keys != 0 || m.labels&^have.labels != 0
}

// maskBit hashes a key or a label to two bits of the word (they may
// coincide). With two bits a label set's few keys leave most pairs
// unset, so a key it lacks is told apart about three times as often as
// with one bit, and far fewer candidates run their programs.
func maskBit(x uint64) uint64 {
	h := mix64(x)
	return 1<<(h>>58) | 1<<((h>>52)&63)
}

// labelIndex finds the selectors that may match a label set: those filed
// under one of its (key, value) pairs or keys, plus the unindexed ones. The
// cost is the labels plus the candidates, whatever the number of
// selectors.
type labelIndex struct {
	byValue   pmap[uint64, []filed]
	byKey     pmap[uint32, []filed]
	unindexed []filed
}

// filed is a selector in a list of the label index, with its need mask:
// matching a label set reads the list in order and drops most candidates
// on the mask alone, without loading anything of theirs.
type filed struct {
	id   uint32
	need needMask
}

func newLabelIndex() labelIndex {
	return labelIndex{
		byValue: newPmap[uint64, []filed](hashUint64),
		byKey:   newPmap[uint32, []filed](hashUint32),
	}
}

// candidates calls fn with every list of selectors that may match ls, each
// list sorted by id. A selector is in at most one of the lists, since it
// is filed under one key and a label set has one value per key.
func (x *labelIndex) candidates(ls labelSet, fn func(list []filed)) {
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
	byValue        *pmapEdit[uint64, []filed]
	byKey          *pmapEdit[uint32, []filed]
	unindexed      []filed
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
func (e *labelIndexEdit) add(id uint32, p placement, need needMask) {
	f := filed{id, need}
	switch p.mode {
	case placeUnindexed:
		if !e.ownedUnindexed {
			e.unindexed = slices.Clone(e.unindexed)
			e.ownedUnindexed = true
		}
		e.unindexed = insertSorted(e.unindexed, f)
	case placeKey:
		ids, _ := e.byKey.get(p.key)
		if !e.ownedKey[p.key] {
			ids = slices.Clip(ids)
			e.ownedKey[p.key] = true
		}
		e.byKey.set(p.key, insertSorted(ids, f))
	case placeValues:
		for _, v := range p.vals {
			k := pairKey(p.key, v)
			ids, _ := e.byValue.get(k)
			if !e.ownedValue[k] {
				ids = slices.Clip(ids)
				e.ownedValue[k] = true
			}
			e.byValue.set(k, insertSorted(ids, f))
		}
	}
}

// insertSorted adds f to a list sorted by id; new ids usually come last.
func insertSorted(list []filed, f filed) []filed {
	if n := len(list); n == 0 || list[n-1].id < f.id {
		return append(list, f)
	}
	i, _ := slices.BinarySearchFunc(list, f.id, func(x filed, id uint32) int { return cmp.Compare(x.id, id) })
	return slices.Insert(list, i, f)
}

func (e *labelIndexEdit) remove(id uint32, p placement) {
	drop := func(list []filed) []filed {
		out := make([]filed, 0, len(list))
		for _, x := range list {
			if x.id != id {
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
func (e *labelIndexEdit) candidates(ls labelSet, fn func(list []filed)) {
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
