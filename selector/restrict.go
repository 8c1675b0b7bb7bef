package selector

import "slices"

// Requirements is what every label set matching a selector must satisfy,
// key by key: Calico's label restrictions. A label index uses it to consider
// a selector only for label sets that can match it, instead of evaluating
// every selector against every label set.
//
// It is a lower bound: a key absent from the map may still matter to the
// selector (through != or a negation), and a label set meeting every
// requirement may still not match.
type Requirements map[string]Requirement

// Requirement is what a matching label set must satisfy for one key.
type Requirement struct {
	// MustBePresent: every matching label set has the key.
	MustBePresent bool
	// MustBeAbsent: no matching label set has the key. Both flags set
	// means nothing can match.
	MustBeAbsent bool
	// Values, when non-nil, are the only values the key may have in a
	// matching label set, sorted and de-duplicated. Non-nil and empty means
	// nothing can match; nil means any value.
	Values []string
}

// Impossible reports whether the requirement rules out every label set, so
// a selector carrying it can never match.
func (r Requirement) Impossible() bool {
	return r.MustBePresent && r.MustBeAbsent || r.Values != nil && len(r.Values) == 0
}

// Requirements computes the selector's requirements, as Calico's
// LabelRestrictions does:
//   - ==, in, has, contains, starts with and ends with make the key
//     required; == and in also restrict its values;
//   - !has(k) makes k absent; other negations, != and not in require
//     nothing;
//   - AND combines its operands' flags with OR and intersects their value
//     lists; OR keeps only what every branch requires, with the union of the
//     value lists.
//
// The result is computed afresh on each call and belongs to the caller.
func (s *Selector) Requirements() Requirements {
	r := requirements(s.node())
	if r == nil {
		r = Requirements{}
	}
	return r
}

func requirements(n Node) Requirements {
	switch n := n.(type) {
	case *CompareNode:
		switch n.Op {
		case OpEqual:
			return Requirements{n.Key: {MustBePresent: true, Values: []string{n.Value}}}
		case OpContains, OpStartsWith, OpEndsWith:
			return Requirements{n.Key: {MustBePresent: true}}
		}
	case *SetNode:
		if !n.Negated {
			return Requirements{n.Key: {MustBePresent: true, Values: append([]string{}, n.Values...)}}
		}
	case *HasNode:
		return Requirements{n.Key: {MustBePresent: true}}
	case *NotNode:
		if has, ok := n.Operand.(*HasNode); ok {
			return Requirements{has.Key: {MustBeAbsent: true}}
		}
	case *AndNode:
		var acc Requirements
		for _, op := range n.Operands {
			acc = intersect(acc, requirements(op))
		}
		return acc
	case *OrNode:
		acc := requirements(n.Operands[0])
		for _, op := range n.Operands[1:] {
			if len(acc) == 0 {
				break
			}
			acc = union(acc, requirements(op))
		}
		return acc
	}
	return nil
}

// intersect combines the requirements of two conjuncts: both must hold.
func intersect(a, b Requirements) Requirements {
	if a == nil {
		return b
	}
	for key, rb := range b {
		ra, ok := a[key]
		if !ok {
			a[key] = rb
			continue
		}
		ra.MustBePresent = ra.MustBePresent || rb.MustBePresent
		ra.MustBeAbsent = ra.MustBeAbsent || rb.MustBeAbsent
		switch {
		case ra.Values == nil:
			ra.Values = rb.Values
		case rb.Values != nil:
			ra.Values = sortedIntersection(ra.Values, rb.Values)
		}
		a[key] = ra
	}
	return a
}

// union combines the requirements of two alternatives: a matching label
// set satisfies one or the other, so only what both require survives.
func union(a, b Requirements) Requirements {
	for key, ra := range a {
		rb, ok := b[key]
		if !ok {
			delete(a, key)
			continue
		}
		ra.MustBePresent = ra.MustBePresent && rb.MustBePresent
		ra.MustBeAbsent = ra.MustBeAbsent && rb.MustBeAbsent
		if ra.Values == nil || rb.Values == nil {
			ra.Values = nil
		} else {
			ra.Values = sortedUnion(ra.Values, rb.Values)
		}
		if !ra.MustBePresent && !ra.MustBeAbsent && ra.Values == nil {
			delete(a, key)
			continue
		}
		a[key] = ra
	}
	return a
}

func sortedIntersection(a, b []string) []string {
	out := []string{}
	for _, v := range a {
		if _, found := slices.BinarySearch(b, v); found {
			out = append(out, v)
		}
	}
	return out
}

func sortedUnion(a, b []string) []string {
	out := append(append(make([]string, 0, len(a)+len(b)), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
