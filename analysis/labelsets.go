package analysis

import (
	"slices"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// labelSets are the distinct effective label sets of a set's entities, so
// that a selector is matched once per label set rather than per entity,
// and what it matches is a set of label sets that can be compared with
// another's.
type labelSets struct {
	sets []selector.Map
	// endpoint, workload and netset tell which kinds of entity carry each
	// label set.
	endpoint, workload, netset []bool
	// endpoints counts the endpoints carrying each label set.
	endpoints []int
	// ofEndpoint and ofNetset give each entity's label set.
	ofEndpoint, ofNetset []int
	// byKey and byValue list the label sets having a key, and a key with
	// a value: a selector's matches are computed from them (see eval),
	// costing the lists it reads rather than one match per set. Matching
	// every selector against every set costs the product of the two,
	// which on a large cluster was most of lint.
	byKey   map[string]setIDs
	byValue map[string]map[string]setIDs
	// plain matches every selector against every set, and has the shadow
	// walk walk every set on its own, as the index and the sharing of
	// walks do not: tests compare the two.
	plain bool
	cache map[string]setIDs
	folds map[[2]string]setIDs
	// byPort lists, by port name, the label sets of the endpoints that
	// declare a port of that name, by its protocol.
	byPort map[string][]portSets
}

// setIDs are label sets by index, ascending: what a selector matches is
// mostly a small share of the sets, which a bit set per selector would
// spend memory on in proportion to all of them.
type setIDs []int32

func (b setIDs) has(i int) bool {
	_, ok := slices.BinarySearch(b, int32(i))
	return ok
}

// subset reports whether every set of b is in c.
func (b setIDs) subset(c setIDs) bool {
	if len(b) > len(c) {
		return false
	}
	if len(b)*8 < len(c) {
		for _, x := range b {
			if _, ok := slices.BinarySearch(c, x); !ok {
				return false
			}
		}
		return true
	}
	j := 0
	for _, x := range b {
		for j < len(c) && c[j] < x {
			j++
		}
		if j == len(c) || c[j] != x {
			return false
		}
	}
	return true
}

// intersects reports whether b and c share a set, looking the shorter up
// in the longer.
func (b setIDs) intersects(c setIDs) bool {
	if len(b) > len(c) {
		b, c = c, b
	}
	for _, x := range b {
		if _, ok := slices.BinarySearch(c, x); ok {
			return true
		}
	}
	return false
}

func (b setIDs) count() int { return len(b) }

// portSets are the label sets of the endpoints declaring a named port
// with one protocol.
type portSets struct {
	protocol uint8
	sets     setIDs
}

func newLabelSets(w *world) *labelSets {
	ls := &labelSets{cache: map[string]setIDs{}, folds: map[[2]string]setIDs{},
		byKey: map[string]setIDs{}, byValue: map[string]map[string]setIDs{}, byPort: map[string][]portSets{}}
	byKey := map[string]int{}
	add := func(m selector.Map) int {
		k := labelsKey(m)
		if i, ok := byKey[k]; ok {
			return i
		}
		id := len(ls.sets)
		byKey[k] = id
		for k, v := range m {
			ls.byKey[k] = append(ls.byKey[k], int32(id))
			vs := ls.byValue[k]
			if vs == nil {
				vs = map[string]setIDs{}
				ls.byValue[k] = vs
			}
			vs[v] = append(vs[v], int32(id))
		}
		ls.sets = append(ls.sets, m)
		ls.endpoint = append(ls.endpoint, false)
		ls.workload = append(ls.workload, false)
		ls.netset = append(ls.netset, false)
		ls.endpoints = append(ls.endpoints, 0)
		return id
	}
	for i := range w.endpoints {
		s := add(w.endpoints[i].labels)
		ls.ofEndpoint = append(ls.ofEndpoint, s)
		ls.endpoint[s] = true
		ls.endpoints[s]++
		if w.endpoints[i].ep.Kind != model.KindHostEndpoint {
			ls.workload[s] = true
		}
		for _, p := range w.endpoints[i].ep.Ports {
			if p.Name != "" {
				ls.addPort(p.Name, p.Protocol, s)
			}
		}
	}
	for _, ps := range ls.byPort {
		for i := range ps {
			slices.Sort(ps[i].sets)
			ps[i].sets = slices.Compact(ps[i].sets)
		}
	}
	for i := range w.netsets {
		s := add(w.netsets[i].labels)
		ls.ofNetset = append(ls.ofNetset, s)
		ls.netset[s] = true
	}
	return ls
}

func (ls *labelSets) addPort(name string, protocol uint8, set int) {
	ps := ls.byPort[name]
	i := slices.IndexFunc(ps, func(p portSets) bool { return p.protocol == protocol })
	if i < 0 {
		i = len(ps)
		ls.byPort[name] = append(ps, portSets{protocol: protocol})
	}
	ls.byPort[name][i].sets = append(ls.byPort[name][i].sets, int32(set))
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
func (ls *labelSets) match(s *selector.Selector) setIDs {
	key := s.String()
	if b, ok := ls.cache[key]; ok {
		return b
	}
	var b setIDs
	if t, ok := ls.eval(s.Root()); ok && !ls.plain {
		b = ls.materialize(t)
	} else {
		b = setIDs{}
		for i, m := range ls.sets {
			if s.Matches(m) {
				b = append(b, int32(i))
			}
		}
	}
	ls.cache[key] = b
	return b
}

// term is what part of a selector matches: the sets in lists (no two
// of which share a set), or with not every set but those. The lists of a
// key's values stay apart until needed, and complements unmade until the
// end: namespace == 'x' && app in {...} then costs a look-up of the
// namespace's few sets in each app list, not a merge of the lists, and a
// selector matching almost everything (has(projectcalico.org/namespace)
// && app != 'x') the sets it leaves out.
type term struct {
	lists []setIDs
	not   bool
}

func one(ids setIDs) []setIDs { return []setIDs{ids} }

// size is how many sets the lists hold.
func (t term) size() int {
	n := 0
	for _, l := range t.lists {
		n += len(l)
	}
	return n
}

// ids merges the lists.
func (t term) ids() setIDs { return unionDisjoint(t.lists) }

// holds reports whether the lists hold set i.
func (t term) holds(i int32) bool {
	for _, l := range t.lists {
		if _, ok := slices.BinarySearch(l, i); ok {
			return true
		}
	}
	return false
}

// eval computes what a selector's subtree matches from the index, as the
// selector package's matching would find set by set (Calico's semantics:
// only != and not in hold for an absent key). Its lists may be the
// index's own: they are read, never written. ok is false for a node it
// does not know, which the caller then matches set by set.
func (ls *labelSets) eval(n selector.Node) (term, bool) {
	switch n := n.(type) {
	case *selector.AllNode, *selector.GlobalNode:
		return term{not: true}, true
	case *selector.HasNode:
		return term{lists: one(ls.byKey[n.Key])}, true
	case *selector.NotNode:
		t, ok := ls.eval(n.Operand)
		t.not = !t.not
		return t, ok
	case *selector.CompareNode:
		switch n.Op {
		case selector.OpEqual:
			return term{lists: one(ls.byValue[n.Key][n.Value])}, true
		case selector.OpNotEqual:
			return term{lists: one(ls.byValue[n.Key][n.Value]), not: true}, true
		case selector.OpContains, selector.OpStartsWith, selector.OpEndsWith:
			test := valueTests[n.Op]
			var lists []setIDs
			for v, ids := range ls.byValue[n.Key] {
				if test(v, n.Value) {
					lists = append(lists, ids)
				}
			}
			return term{lists: lists}, true
		}
		return term{}, true
	case *selector.SetNode:
		lists := make([]setIDs, 0, len(n.Values))
		for _, v := range n.Values {
			lists = append(lists, ls.byValue[n.Key][v])
		}
		return term{lists: lists, not: n.Negated}, true
	case *selector.AndNode:
		ops := conjuncts(n, nil)
		terms := make([]term, 0, len(ops))
		for _, op := range ops {
			t, ok := ls.eval(op)
			if !ok {
				return term{}, false
			}
			terms = append(terms, t)
		}
		// Start from the fewest sets any operand allows, and keep those
		// of them every other operand allows too.
		first := -1
		for i, t := range terms {
			if !t.not && (first < 0 || t.size() < terms[first].size()) {
				first = i
			}
		}
		if first < 0 {
			// Only complements: the complement of their union.
			var acc setIDs
			for _, t := range terms {
				acc = union(acc, t.ids())
			}
			return term{lists: one(acc), not: true}, true
		}
		acc := terms[first].ids()
		for i, t := range terms {
			if i == first {
				continue
			}
			if len(t.lists) > 4 {
				// Many values' lists: one look-up in their merge.
				t.lists = one(t.ids())
			}
			kept := make(setIDs, 0, len(acc))
			for _, x := range acc {
				if t.holds(x) != t.not {
					kept = append(kept, x)
				}
			}
			acc = kept
		}
		return term{lists: one(acc)}, true
	case *selector.OrNode:
		var acc setIDs
		accNot := false
		for _, op := range n.Operands {
			t, ok := ls.eval(op)
			if !ok {
				return term{}, false
			}
			ids := t.ids()
			switch {
			case !accNot && !t.not:
				acc = union(acc, ids)
			case !accNot:
				acc, accNot = difference(ids, acc), true
			case !t.not:
				acc = difference(acc, ids)
			default:
				acc = intersection(acc, ids)
			}
		}
		return term{lists: one(acc), not: accNot}, true
	}
	return term{}, false
}

var valueTests = map[selector.CompareOp]func(v, operand string) bool{
	selector.OpContains: strings.Contains, selector.OpStartsWith: strings.HasPrefix, selector.OpEndsWith: strings.HasSuffix,
}

// conjuncts lists the operands of an AND and of the ANDs in it: a
// selector built by composition nests them ((k8s && app == 'x') &&
// namespace == 'y'), and the shortest list of all, wherever it is, is the
// one to start from.
func conjuncts(n *selector.AndNode, out []selector.Node) []selector.Node {
	for _, op := range n.Operands {
		if and, ok := op.(*selector.AndNode); ok {
			out = conjuncts(and, out)
		} else {
			out = append(out, op)
		}
	}
	return out
}

// materialize makes a term's list of sets.
func (ls *labelSets) materialize(t term) setIDs {
	ids := t.ids()
	if !t.not {
		if ids == nil {
			return setIDs{}
		}
		return ids
	}
	out := make(setIDs, 0, len(ls.sets)-len(ids))
	j := 0
	for i := range int32(len(ls.sets)) {
		if j < len(ids) && ids[j] == i {
			j++
			continue
		}
		out = append(out, i)
	}
	return out
}

// unionDisjoint joins lists no two of which share a set (the lists of
// one key's values).
func unionDisjoint(lists []setIDs) setIDs {
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	var out setIDs
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return out
}

func union(a, b setIDs) setIDs {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make(setIDs, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// intersection is the sets in both a and b.
func intersection(a, b setIDs) setIDs {
	if len(a) > len(b) {
		a, b = b, a
	}
	return sieve(a, b, true)
}

// difference is the sets of a not in b.
func difference(a, b setIDs) setIDs {
	if len(b) == 0 || len(a) == 0 {
		return a
	}
	return sieve(a, b, false)
}

// sieve keeps the sets of a that are in b (or, with inB false, are not).
// Where a is much shorter it looks each up in b, so that a small list
// costs little against a long one; otherwise it walks both together.
func sieve(a, b setIDs, inB bool) setIDs {
	out := make(setIDs, 0, len(a))
	if len(a)*8 < len(b) {
		for _, x := range a {
			if _, found := slices.BinarySearch(b, x); found == inB {
				out = append(out, x)
			}
		}
		return out
	}
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if found := j < len(b) && b[j] == x; found == inB {
			out = append(out, x)
		}
	}
	return out
}

// folded gives the label sets a rule side's positive part matches with
// its notSelector folded in; nil pos means the side has no positive part.
// The answer is kept: the shadow walk asks it of the same sides again and
// again.
func (ls *labelSets) folded(pos, neg *selector.Selector) setIDs {
	key := [2]string{pos.String(), ""}
	if neg != nil {
		key[1] = "!" + neg.String()
	}
	if b, ok := ls.folds[key]; ok {
		return b
	}
	b := ls.match(pos)
	if neg != nil {
		n := ls.match(neg)
		out := make(setIDs, 0, len(b))
		for _, i := range b {
			if !n.has(int(i)) {
				out = append(out, i)
			}
		}
		b = out
	}
	ls.folds[key] = b
	return b
}

// any reports whether a label set in b is carried by an entity of the kind
// kind marks.
func (ls *labelSets) any(b setIDs, kind []bool) bool {
	for _, i := range b {
		if kind[i] {
			return true
		}
	}
	return false
}
