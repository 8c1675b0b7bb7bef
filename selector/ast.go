package selector

// Node is one node of a parsed selector's syntax tree, as returned by
// Selector.Root. The compiled engine walks it to build its own programs,
// which is why the node types are exported.
//
// Nodes are shared between selectors (composition reuses its operands'
// subtrees) and between goroutines, so they are read-only: callers must
// never modify a node, its slices or anything reachable from it.
type Node interface {
	// String returns the canonical form of the subtree, as Calico prints it.
	String() string

	// isNode keeps the set of node types closed, so that a type switch over
	// the types below is exhaustive.
	isNode()

	// match evaluates the subtree against a label set.
	match(l Labels) bool
}

// AndNode holds when every operand holds. A && b && c is one AndNode with
// three operands; an AND written inside parentheses stays a separate,
// nested AndNode, because Calico flattens only within one parenthesis level
// and its canonical form shows the nesting.
type AndNode struct {
	Operands []Node // two or more, in source order
}

// OrNode holds when some operand holds. It flattens exactly as AndNode does.
type OrNode struct {
	Operands []Node // two or more, in source order
}

// NotNode negates its operand. A run of "!" collapses by parity when
// parsed, but "!(!x)" keeps both nodes, as Calico does.
type NotNode struct {
	Operand Node
}

// CompareOp is the operator of a CompareNode.
type CompareOp uint8

// The comparison operators. Their zero value is not an operator, so a
// CompareNode built by mistake from a zero value never matches.
const (
	OpEqual      CompareOp = iota + 1 // key == "value"; false when the key is absent
	OpNotEqual                        // key != "value"; true when the key is absent
	OpContains                        // key contains "value"
	OpStartsWith                      // key starts with "value"
	OpEndsWith                        // key ends with "value"
)

// String returns the operator as the canonical form spells it.
func (op CompareOp) String() string {
	switch op {
	case OpEqual:
		return "=="
	case OpNotEqual:
		return "!="
	case OpContains:
		return "contains"
	case OpStartsWith:
		return "starts with"
	case OpEndsWith:
		return "ends with"
	}
	return "?"
}

// CompareNode compares the value of one label with a string.
type CompareNode struct {
	Key   string
	Op    CompareOp
	Value string
}

// SetNode tests a label's value for membership of a set: "key in {...}", or
// with Negated "key not in {...}", which holds when the key is absent.
type SetNode struct {
	Key     string
	Negated bool
	// Values are sorted by their bytes and de-duplicated, as the canonical
	// form prints them and as membership tests search them. An empty set is
	// allowed: "in {}" never matches and "not in {}" always does.
	Values []string
}

// HasNode holds when the label is present, whatever its value (even "").
type HasNode struct {
	Key string
}

// AllNode is all(), which matches everything; the empty selector parses to
// it.
type AllNode struct{}

// GlobalNode is global(). Calico's evaluator treats it as matching
// everything; it is a marker that namespace-selector handling rewrites
// before evaluation (see Selector.Substitute).
type GlobalNode struct{}

func (*AndNode) isNode()     {}
func (*OrNode) isNode()      {}
func (*NotNode) isNode()     {}
func (*CompareNode) isNode() {}
func (*SetNode) isNode()     {}
func (*HasNode) isNode()     {}
func (*AllNode) isNode()     {}
func (*GlobalNode) isNode()  {}

// allNode and globalNode are shared: the nodes carry no data.
var (
	allNode    = &AllNode{}
	globalNode = &GlobalNode{}
)
