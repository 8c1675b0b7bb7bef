package analysis

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// labelSets are the distinct effective label sets of a set's entities, so
// that a selector is matched once per label set rather than per entity,
// and what it matches is a bit set that can be compared with another's.
type labelSets struct {
	sets []selector.Map
	// endpoint, workload and netset tell which kinds of entity carry each
	// label set.
	endpoint, workload, netset []bool
	// ofEndpoint and ofNetset give each entity's label set.
	ofEndpoint, ofNetset []int
	// byNamespace lists the label sets by their namespace label, so that
	// a selector that requires a namespace (as every namespaced policy's
	// and rule's does) is matched against that namespace's sets only.
	byNamespace map[string][]int
	cache       map[string]bitset
}

type bitset []uint64

func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }

// subset reports whether every bit of b is in c.
func (b bitset) subset(c bitset) bool {
	for i := range b {
		if b[i]&^c[i] != 0 {
			return false
		}
	}
	return true
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func newLabelSets(w *world) *labelSets {
	ls := &labelSets{cache: map[string]bitset{}, byNamespace: map[string][]int{}}
	byKey := map[string]int{}
	add := func(m selector.Map) int {
		k := labelsKey(m)
		if i, ok := byKey[k]; ok {
			return i
		}
		byKey[k] = len(ls.sets)
		if ns, ok := m[model.LabelNamespace]; ok {
			ls.byNamespace[ns] = append(ls.byNamespace[ns], len(ls.sets))
		}
		ls.sets = append(ls.sets, m)
		ls.endpoint = append(ls.endpoint, false)
		ls.workload = append(ls.workload, false)
		ls.netset = append(ls.netset, false)
		return len(ls.sets) - 1
	}
	for i := range w.endpoints {
		s := add(w.endpoints[i].labels)
		ls.ofEndpoint = append(ls.ofEndpoint, s)
		ls.endpoint[s] = true
		if w.endpoints[i].ep.Kind != model.KindHostEndpoint {
			ls.workload[s] = true
		}
	}
	for i := range w.netsets {
		s := add(w.netsets[i].labels)
		ls.ofNetset = append(ls.ofNetset, s)
		ls.netset[s] = true
	}
	return ls
}

func labelsKey(m selector.Map) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(strconv.Quote(k) + "=" + strconv.Quote(m[k]) + ",")
	}
	return b.String()
}

// match gives the label sets a selector matches.
func (ls *labelSets) match(s *selector.Selector) bitset {
	key := s.String()
	if b, ok := ls.cache[key]; ok {
		return b
	}
	b := make(bitset, (len(ls.sets)+63)/64)
	if r, ok := s.Requirements()[model.LabelNamespace]; ok && r.Values != nil {
		// Only sets with one of these namespaces can match.
		for _, ns := range r.Values {
			for _, i := range ls.byNamespace[ns] {
				if s.Matches(ls.sets[i]) {
					b.set(i)
				}
			}
		}
	} else {
		for i, m := range ls.sets {
			if s.Matches(m) {
				b.set(i)
			}
		}
	}
	ls.cache[key] = b
	return b
}

// folded gives the label sets a rule side's positive part matches with
// its notSelector folded in; nil pos means the side has no positive part.
func (ls *labelSets) folded(pos, neg *selector.Selector) bitset {
	b := slices.Clone(ls.match(pos))
	if neg != nil {
		n := ls.match(neg)
		for i := range b {
			b[i] &^= n[i]
		}
	}
	return b
}

// any reports whether a label set in b is carried by an entity of the kind
// kind marks.
func (ls *labelSets) any(b bitset, kind []bool) bool {
	for i := range ls.sets {
		if b.has(i) && kind[i] {
			return true
		}
	}
	return false
}
