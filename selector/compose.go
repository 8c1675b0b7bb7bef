package selector

// Calico builds the selectors it actually evaluates (a namespaced policy's
// selector, a rule's peer selector) by pasting selector texts together and
// parsing the result. The functions here build the same trees directly from
// parsed selectors, sharing the unchanged subtrees.

// And returns the conjunction of the parts, as Calico gets it from parsing
// "(A) && (B) && ...": one AND node whose operands are the parts' roots. It
// does not flatten: a part that is itself an AND stays a nested AND, and
// the canonical form shows it, as Calico's does.
//
// Nil parts are skipped, so optional clauses can be passed as they are. One
// part is returned unchanged; none gives All().
//
// Where Calico pastes a part's printed canonical form (rather than the
// user's text) into the combined text, it re-reads that part as Reparse
// does; pass part.Reparse() there to get its tree and canonical form
// exactly. The two differ only for negations nested through parentheses.
func And(parts ...*Selector) *Selector {
	var kept []*Selector
	for _, p := range parts {
		if p != nil {
			kept = append(kept, p)
		}
	}
	switch len(kept) {
	case 0:
		return All()
	case 1:
		return kept[0]
	}
	ops := make([]Node, len(kept))
	for i, p := range kept {
		ops[i] = p.node()
	}
	return newSelector(&AndNode{Operands: ops})
}

// Not returns the negation of s, as Calico gets it from parsing "!(S)": a
// NOT node over the root. Parentheses stop the parity collapse of "!" runs,
// so Not of a negation keeps both negations and prints as "!!...".
func Not(s *Selector) *Selector {
	return newSelector(&NotNode{Operand: s.node()})
}

// PrefixKeys returns s with prefix added to the key of every comparison,
// set test and has(), as Calico's PrefixVisitor does to match namespace
// labels as "pcns.<key>" and service-account labels as "pcsa.<key>". The
// result is not checked against the 512-byte key limit, as Calico's is not.
func (s *Selector) PrefixKeys(prefix string) *Selector {
	if prefix == "" {
		return s
	}
	return newSelector(rewrite(s.node(), func(n Node) Node {
		switch n := n.(type) {
		case *CompareNode:
			return &CompareNode{Key: prefix + n.Key, Op: n.Op, Value: n.Value}
		case *SetNode:
			return &SetNode{Key: prefix + n.Key, Negated: n.Negated, Values: n.Values}
		case *HasNode:
			return &HasNode{Key: prefix + n.Key}
		}
		return n
	}))
}

// Substitute returns s with every all() replaced by forAll's root and every
// global() by forGlobal's root; a nil replacement leaves those nodes as they
// are. Calico uses it on namespace selectors: all() becomes
// has(projectcalico.org/namespace) (any namespaced entity) and global()
// becomes !has(projectcalico.org/namespace) (non-namespaced ones).
//
// Calico does this by replacing text and parsing the result, so a "!" before
// the replaced text joins a "!" run at its start; call Reparse on the result
// to get Calico's tree and canonical form exactly. Calico's text replacement
// would also rewrite "all()" inside a quoted value; Substitute rewrites
// nodes only.
func (s *Selector) Substitute(forAll, forGlobal *Selector) *Selector {
	if forAll == nil && forGlobal == nil {
		return s
	}
	return newSelector(rewrite(s.node(), func(n Node) Node {
		switch n.(type) {
		case *AllNode:
			if forAll != nil {
				return forAll.node()
			}
		case *GlobalNode:
			if forGlobal != nil {
				return forGlobal.node()
			}
		}
		return n
	}))
}

// Reparse returns the selector that parsing s.String() again gives. The
// canonical form prints nested negations as a run of "!", and parsing
// collapses a run by parity, so the two differ when negations were
// separated by parentheses: !(!(a == "x")) prints as !!a == "x", which
// reparses to a == "x". Calico often prints a selector and parses the text
// again (when it combines selectors), and ends with the reparsed form.
func (s *Selector) Reparse() *Selector {
	root := s.node()
	if !hasNotChain(root) {
		return s
	}
	return newSelector(rewrite(root, func(n Node) Node {
		not, ok := n.(*NotNode)
		if !ok {
			return n
		}
		inner, ok := not.Operand.(*NotNode)
		if !ok {
			return n
		}
		// The operands were rewritten first, so inner's own chain has
		// already collapsed to at most one NOT: two NOTs cancel.
		return inner.Operand
	}))
}

func hasNotChain(n Node) bool {
	switch n := n.(type) {
	case *AndNode:
		for _, op := range n.Operands {
			if hasNotChain(op) {
				return true
			}
		}
	case *OrNode:
		for _, op := range n.Operands {
			if hasNotChain(op) {
				return true
			}
		}
	case *NotNode:
		if _, ok := n.Operand.(*NotNode); ok {
			return true
		}
		return hasNotChain(n.Operand)
	}
	return false
}

// rewrite rebuilds the tree bottom-up, applying f to each node after its
// operands; subtrees that f leaves alone are shared, not copied.
func rewrite(n Node, f func(Node) Node) Node {
	switch n := n.(type) {
	case *AndNode:
		if ops, changed := rewriteAll(n.Operands, f); changed {
			return f(&AndNode{Operands: ops})
		}
	case *OrNode:
		if ops, changed := rewriteAll(n.Operands, f); changed {
			return f(&OrNode{Operands: ops})
		}
	case *NotNode:
		if op := rewrite(n.Operand, f); op != n.Operand {
			return f(&NotNode{Operand: op})
		}
	}
	return f(n)
}

func rewriteAll(ops []Node, f func(Node) Node) ([]Node, bool) {
	var out []Node
	for i, op := range ops {
		r := rewrite(op, f)
		if r != op && out == nil {
			out = make([]Node, len(ops))
			copy(out, ops[:i])
		}
		if out != nil {
			out[i] = r
		}
	}
	return out, out != nil
}
