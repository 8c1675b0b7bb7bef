package selector

// Selector is a parsed label selector. It is immutable and safe for
// concurrent use, so one parsed selector can be shared by every policy,
// rule and goroutine that uses the same text.
//
// The zero Selector is all().
type Selector struct {
	root      Node
	canonical string // computed once: String is called for every ID, log line and comparison
}

func newSelector(root Node) *Selector {
	return &Selector{root: root, canonical: nodeString(root)}
}

// allSelector is shared by All, the empty selector and And of nothing.
var allSelector = newSelector(allNode)

// All returns the selector all(), which matches every label set.
func All() *Selector { return allSelector }

// globalSelector is shared by every Global.
var globalSelector = newSelector(globalNode)

// Global returns the selector global(), which as a namespace selector
// matches what belongs to no namespace: global network sets, host
// endpoints.
func Global() *Selector { return globalSelector }

// node returns the root, treating the zero Selector as all().
func (s *Selector) node() Node {
	if s.root == nil {
		return allNode
	}
	return s.root
}

// String returns the canonical form, exactly as Calico prints the selector.
// Parsing it again gives a selector that matches the same label sets, but
// not always the same text: "!(!(a == "x"))" prints as "!!a == "x"", which
// parses to a == "x" (see Reparse).
func (s *Selector) String() string {
	if s.root == nil {
		return "all()"
	}
	return s.canonical
}

// UniqueID returns Calico's identifier for the selector, "s:" and the
// unpadded base64url SHA-224 of "s:" and the canonical form. Selectors with
// equal canonical forms have equal IDs, and Felix's IP-set names derive
// from the same ID.
func (s *Selector) UniqueID() string { return uniqueID(s.String()) }

// Root returns the syntax tree, for callers that compile selectors into
// their own form. The tree is shared: it must not be modified.
func (s *Selector) Root() Node { return s.node() }

// MarshalText returns the canonical form, so a selector in a JSON or YAML
// document is written as Calico would print it.
func (s *Selector) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses text with the default limits into s. It is meant for
// decoding into a fresh value; a Selector already shared with other
// goroutines must not be overwritten.
func (s *Selector) UnmarshalText(text []byte) error {
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*s = *p
	return nil
}
