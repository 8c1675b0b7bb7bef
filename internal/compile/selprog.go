package compile

import (
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/selector"
)

// selOp is one instruction of a selector program.
type selOp uint8

const (
	opTrue       selOp = iota // all(), global()
	opFalse                   // a comparison with no operator
	opEq                      // key == val
	opNe                      // key != val; true when key is absent
	opIn                      // key in set
	opNotIn                   // key not in set; true when key is absent
	opHas                     // has(key)
	opContains                // key contains text
	opStartsWith              // key starts with text
	opEndsWith                // key ends with text
	opAnd                     // every operand up to end
	opOr                      // some operand up to end
	opNot                     // the one operand that follows
)

// instr is one node of a selector program. Programs are flat: a node's
// operands follow it, and end is the index just after its last operand,
// which is where an AND or OR jumps when it short-circuits.
type instr struct {
	op   selOp
	key  uint32
	val  uint32
	end  int32
	set  []uint32 // opIn, opNotIn: value ids, sorted
	text string   // opContains, opStartsWith, opEndsWith
}

// selProg is a selector compiled over interned ids. One exists per distinct
// selector (by canonical form) in a Program, shared by every policy and rule
// that uses it.
type selProg []instr

// compileSelector flattens a selector's tree, interning every key and value
// it names.
func compileSelector(s *selector.Selector, in *internEdit) selProg {
	var p selProg
	p = appendNode(p, s.Root(), in)
	return p
}

func appendNode(p selProg, n selector.Node, in *internEdit) selProg {
	switch n := n.(type) {
	case *selector.AndNode:
		return appendList(p, opAnd, n.Operands, in)
	case *selector.OrNode:
		return appendList(p, opOr, n.Operands, in)
	case *selector.NotNode:
		at := len(p)
		p = append(p, instr{op: opNot})
		p = appendNode(p, n.Operand, in)
		p[at].end = int32(len(p))
		return p
	case *selector.CompareNode:
		i := instr{key: in.intern(n.Key), end: int32(len(p) + 1)}
		switch n.Op {
		case selector.OpEqual:
			i.op, i.val = opEq, in.intern(n.Value)
		case selector.OpNotEqual:
			i.op, i.val = opNe, in.intern(n.Value)
		case selector.OpContains:
			i.op, i.text = opContains, n.Value
		case selector.OpStartsWith:
			i.op, i.text = opStartsWith, n.Value
		case selector.OpEndsWith:
			i.op, i.text = opEndsWith, n.Value
		default:
			// Not an operator (a zero CompareNode): it matches nothing,
			// as the selector package's own evaluator says.
			i.op = opFalse
		}
		return append(p, i)
	case *selector.SetNode:
		i := instr{op: opIn, key: in.intern(n.Key), end: int32(len(p) + 1)}
		if n.Negated {
			i.op = opNotIn
		}
		i.set = make([]uint32, len(n.Values))
		for j, v := range n.Values {
			i.set[j] = in.intern(v)
		}
		slices.Sort(i.set)
		i.set = slices.Compact(i.set)
		return append(p, i)
	case *selector.HasNode:
		return append(p, instr{op: opHas, key: in.intern(n.Key), end: int32(len(p) + 1)})
	}
	// all() and global(): both match everything when evaluated.
	return append(p, instr{op: opTrue, end: int32(len(p) + 1)})
}

func appendList(p selProg, op selOp, ops []selector.Node, in *internEdit) selProg {
	at := len(p)
	p = append(p, instr{op: op})
	for _, o := range ops {
		p = appendNode(p, o, in)
	}
	p[at].end = int32(len(p))
	return p
}

// matches evaluates the program against a label set.
func (p selProg) matches(ls labelSet) bool {
	ok, _ := p.eval(0, ls)
	return ok
}

// eval evaluates the node at i and returns its result and the index after
// it; the semantics are the selector package's, node for node.
func (p selProg) eval(i int32, ls labelSet) (bool, int32) {
	in := &p[i]
	switch in.op {
	case opTrue:
		return true, in.end
	case opFalse:
		return false, in.end
	case opAnd:
		for j := i + 1; j < in.end; {
			var ok bool
			if ok, j = p.eval(j, ls); !ok {
				return false, in.end
			}
		}
		return true, in.end
	case opOr:
		for j := i + 1; j < in.end; {
			var ok bool
			if ok, j = p.eval(j, ls); ok {
				return true, in.end
			}
		}
		return false, in.end
	case opNot:
		ok, _ := p.eval(i+1, ls)
		return !ok, in.end
	}
	l, present := ls.find(in.key)
	switch in.op {
	case opHas:
		return present, in.end
	case opEq:
		return present && l.val == in.val, in.end
	case opNe:
		return !present || l.val != in.val, in.end
	case opIn:
		return present && containsID(in.set, l.val), in.end
	case opNotIn:
		return !present || !containsID(in.set, l.val), in.end
	case opContains:
		return present && strings.Contains(l.text, in.text), in.end
	case opStartsWith:
		return present && strings.HasPrefix(l.text, in.text), in.end
	case opEndsWith:
		return present && strings.HasSuffix(l.text, in.text), in.end
	}
	return false, in.end
}

func containsID(set []uint32, id uint32) bool {
	if len(set) <= 8 {
		for _, v := range set {
			if v == id {
				return true
			}
		}
		return false
	}
	_, ok := slices.BinarySearch(set, id)
	return ok
}
