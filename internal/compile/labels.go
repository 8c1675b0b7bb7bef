package compile

import "slices"

// label is one interned label. The value's text rides along because
// contains, starts with and ends with look inside it, and because a value
// given inline to one evaluation may have no id (unknownID).
type label struct {
	key, val uint32
	text     string
}

// labelSet is a label set sorted by key id: what selector programs are
// evaluated against. Keys no selector mentions may be left out, since no
// selector can tell them apart.
type labelSet []label

// find returns the label with key k. Most label sets are short, and a
// linear scan of a few integers beats a binary search there.
func (ls labelSet) find(k uint32) (label, bool) {
	if len(ls) <= 8 {
		for _, l := range ls {
			if l.key == k {
				return l, true
			}
			if l.key > k {
				break
			}
		}
		return label{}, false
	}
	lo, hi := 0, len(ls)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if ls[h].key < k {
			lo = h + 1
		} else {
			hi = h
		}
	}
	if lo < len(ls) && ls[lo].key == k {
		return ls[lo], true
	}
	return label{}, false
}

func sortLabels(ls labelSet) {
	slices.SortFunc(ls, func(a, b label) int { return int64cmp(int64(a.key), int64(b.key)) })
}

func int64cmp(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hash is a label set's identity hash: equal label sets (see equal) hash
// equally. Classes are found by it, with equal settling collisions, so
// that no class keeps a signature string (a cold compile has as many
// classes as endpoints).
func (ls labelSet) hash() uint64 {
	h := uint64(len(ls))
	for _, l := range ls {
		h = mix64(h ^ pairKey(l.key, l.val))
	}
	return h
}

// equal reports whether two label sets have the same keys and values, and
// so satisfy exactly the same selectors.
func (ls labelSet) equal(o labelSet) bool {
	if len(ls) != len(o) {
		return false
	}
	for i := range ls {
		if ls[i].key != o[i].key || ls[i].val != o[i].val {
			return false
		}
	}
	return true
}
