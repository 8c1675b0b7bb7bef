package selector

import (
	"slices"
	"strings"
)

// Labels is a label set a selector is evaluated against. A present label
// with an empty value is different from an absent one: has(k) and k != ""
// tell them apart.
//
// It is an interface so that callers with their own label storage (interned
// labels, a sorted slice) can be matched without copying into a Map.
type Labels interface {
	// Get returns the value of the label key and whether it is present.
	Get(key string) (value string, ok bool)
}

// Map is the plain label set. Matching a selector against a Map allocates
// nothing.
type Map map[string]string

// Get returns m[key] and whether key is present; a nil Map has no labels.
func (m Map) Get(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

// Matches reports whether the labels satisfy the selector. A nil Labels is
// the empty label set.
//
// Evaluation short-circuits left to right, as Calico's does; it has no side
// effects, so only the cost depends on the order.
func (s *Selector) Matches(l Labels) bool {
	if l == nil {
		l = Map(nil)
	}
	return s.node().match(l)
}

func (n *AndNode) match(l Labels) bool {
	for _, op := range n.Operands {
		if !op.match(l) {
			return false
		}
	}
	return true
}

func (n *OrNode) match(l Labels) bool {
	for _, op := range n.Operands {
		if op.match(l) {
			return true
		}
	}
	return false
}

func (n *NotNode) match(l Labels) bool { return !n.Operand.match(l) }

// match follows Calico: only != is true for an absent key; contains,
// starts with and ends with of "" act like has(key).
func (n *CompareNode) match(l Labels) bool {
	v, ok := l.Get(n.Key)
	if !ok {
		return n.Op == OpNotEqual
	}
	switch n.Op {
	case OpEqual:
		return v == n.Value
	case OpNotEqual:
		return v != n.Value
	case OpContains:
		return strings.Contains(v, n.Value)
	case OpStartsWith:
		return strings.HasPrefix(v, n.Value)
	case OpEndsWith:
		return strings.HasSuffix(v, n.Value)
	}
	return false
}

// match searches the sorted values; "not in" holds for an absent key.
func (n *SetNode) match(l Labels) bool {
	v, ok := l.Get(n.Key)
	if !ok {
		return n.Negated
	}
	_, found := slices.BinarySearch(n.Values, v)
	return found != n.Negated
}

func (n *HasNode) match(l Labels) bool {
	_, ok := l.Get(n.Key)
	return ok
}

func (*AllNode) match(Labels) bool { return true }

// match is true: Calico's evaluator ignores global(), which only marks a
// namespace selector for rewriting.
func (*GlobalNode) match(Labels) bool { return true }
