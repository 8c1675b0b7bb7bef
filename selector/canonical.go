package selector

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// The canonical form is Calico's String(): Calico stores and compares
// selectors by it and names IP sets after its hash, so it must be
// reproduced byte for byte, including its quirks (a negated set prints as
// "!k in {...}", not "k not in {...}"; "!(!x)" prints as "!!x").

// String returns the canonical form of the subtree.
func (n *AndNode) String() string { return nodeString(n) }

// String returns the canonical form of the subtree.
func (n *OrNode) String() string { return nodeString(n) }

// String returns the canonical form of the subtree.
func (n *NotNode) String() string { return nodeString(n) }

// String returns the canonical form of the comparison.
func (n *CompareNode) String() string { return nodeString(n) }

// String returns the canonical form of the set test.
func (n *SetNode) String() string { return nodeString(n) }

// String returns "has(key)".
func (n *HasNode) String() string { return nodeString(n) }

// String returns "all()".
func (*AllNode) String() string { return "all()" }

// String returns "global()".
func (*GlobalNode) String() string { return "global()" }

func nodeString(n Node) string {
	return string(appendCanonical(make([]byte, 0, canonicalSizeHint(n)), n))
}

// canonicalSizeHint estimates the length of the canonical form so that it
// is built in one allocation in the common case.
func canonicalSizeHint(n Node) int {
	switch n := n.(type) {
	case *AndNode:
		return listSizeHint(n.Operands)
	case *OrNode:
		return listSizeHint(n.Operands)
	case *NotNode:
		return 1 + canonicalSizeHint(n.Operand)
	case *CompareNode:
		return len(n.Key) + len(n.Value) + 16
	case *SetNode:
		size := len(n.Key) + 12
		for _, v := range n.Values {
			size += len(v) + 4
		}
		return size
	case *HasNode:
		return len(n.Key) + 5
	}
	return 8
}

func listSizeHint(ops []Node) int {
	size := 2
	for _, op := range ops {
		size += canonicalSizeHint(op) + 4
	}
	return size
}

// appendCanonical appends the canonical form of n to b.
func appendCanonical(b []byte, n Node) []byte {
	switch n := n.(type) {
	case *AndNode:
		return appendList(b, n.Operands, " && ")
	case *OrNode:
		return appendList(b, n.Operands, " || ")
	case *NotNode:
		return appendCanonical(append(b, '!'), n.Operand)
	case *CompareNode:
		b = append(b, n.Key...)
		b = append(b, ' ')
		b = append(b, n.Op.String()...)
		b = append(b, ' ')
		return appendQuoted(b, n.Value)
	case *SetNode:
		b = append(b, n.Key...)
		if n.Negated {
			b = append(b, " not in {"...)
		} else {
			b = append(b, " in {"...)
		}
		for i, v := range n.Values {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendQuoted(b, v)
		}
		return append(b, '}')
	case *HasNode:
		b = append(b, "has("...)
		b = append(b, n.Key...)
		return append(b, ')')
	case *AllNode:
		return append(b, "all()"...)
	case *GlobalNode:
		return append(b, "global()"...)
	}
	panic("selector: unknown node type")
}

// appendList prints an AND or OR. Every group of two or more operands is
// parenthesised, whatever the user wrote; a group of one (which parsing
// never builds) prints as its operand.
func appendList(b []byte, ops []Node, sep string) []byte {
	switch len(ops) {
	case 0:
		return append(b, "all()"...)
	case 1:
		return appendCanonical(b, ops[0])
	}
	b = append(b, '(')
	for i, op := range ops {
		if i > 0 {
			b = append(b, sep...)
		}
		b = appendCanonical(b, op)
	}
	return append(b, ')')
}

// appendQuoted quotes a value with double quotes, or with single quotes
// when the value holds a double quote. There are no escapes in the
// language, so a value holding both quote characters has no textual form;
// parsing can never produce one.
func appendQuoted(b []byte, v string) []byte {
	q := byte('"')
	if strings.IndexByte(v, '"') >= 0 {
		q = '\''
	}
	b = append(b, q)
	b = append(b, v...)
	return append(b, q)
}

// uniqueID is Calico's selector UID: "s:" followed by the unpadded
// base64url SHA-224 of "s:" and the canonical form. Felix names IP sets
// after it, so equal IDs here mean equal IP-set names there.
func uniqueID(canonical string) string {
	sum := sha256.Sum224([]byte("s:" + canonical))
	return "s:" + base64.RawURLEncoding.EncodeToString(sum[:])
}
