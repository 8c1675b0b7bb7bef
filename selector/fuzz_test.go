package selector

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// fuzzSeeds picks from Calico's conformance cases the shortest selector
// of each shape: the kinds of token it holds, whether it tokenizes, and
// whether Calico accepts it. Every one of the 11,762 distinct selectors
// as a seed kept FuzzParse gathering its baseline coverage for the whole
// of a 30 s run; the 667 shapes cover the same grammar, and the
// conformance test reads every case.
func fuzzSeeds(cases []conformanceCase) []string {
	shortest := map[string]string{}
	var order []string
	for _, c := range cases {
		toks, _, err := tokenize(c.Selector, defaultMaxDepth)
		var kinds []lexer.TokenType
		for _, t := range toks {
			if !slices.Contains(kinds, t.Type) {
				kinds = append(kinds, t.Type)
			}
		}
		slices.Sort(kinds)
		shape := fmt.Sprint(kinds, err != nil, c.ParseOK)
		old, ok := shortest[shape]
		if !ok {
			order = append(order, shape)
		}
		if !ok || len(c.Selector) < len(old) {
			shortest[shape] = c.Selector
		}
	}
	seeds := make([]string, len(order))
	for i, shape := range order {
		seeds[i] = shortest[shape]
	}
	return seeds
}

// FuzzParse checks, on any input, that Parse never panics; that errors are
// *Error values inside the text, reported at the first token an
// independent recognizer rejects; and that an accepted selector's canonical
// form parses again, is stable from the second print on, and matches the
// same label sets.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(readConformance(f)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Parse(text)
		toks, _, lexErr := tokenize(text, defaultMaxDepth)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %v is a %T", text, err, err)
			}
			if e.Offset < 0 || e.Offset > len(text) {
				t.Fatalf("Parse(%q) error offset %d outside the text", text, e.Offset)
			}
			if lexErr == nil && len(text) <= defaultMaxLength {
				bad := firstBadToken(toks)
				if bad < 0 {
					t.Fatalf("Parse(%q) = %v, but the recognizer accepts it", text, err)
				}
				if want := toks[bad].Pos.Offset; e.Offset != want {
					t.Fatalf("Parse(%q) error at %d, recognizer at %d: %v", text, e.Offset, want, err)
				}
			}
			return
		}
		if bad := firstBadToken(toks); bad >= 0 {
			t.Fatalf("Parse(%q) accepted it, the recognizer stops at token %d", text, bad)
		}

		// The canonical form can be a little longer and one level deeper
		// than the input, so it is re-read without limits.
		unlimited := []Option{MaxLength(0), MaxDepth(maxSupportedDepth)}
		first := s.String()
		s2, err := Parse(first, unlimited...)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", first, text, err)
		}
		second := s2.String()
		s3, err := Parse(second, unlimited...)
		if err != nil {
			t.Fatalf("second canonical form %q does not parse: %v", second, err)
		}
		if third := s3.String(); third != second {
			t.Fatalf("canonical form unstable: %q, then %q, then %q", first, second, third)
		}
		if got := s.Reparse().String(); got != second {
			t.Fatalf("Reparse(%q) = %q, parsing the canonical form gives %q", text, got, second)
		}
		for _, l := range derivedLabels(s.Root()) {
			want := s.Matches(l)
			if s2.Matches(l) != want || s3.Matches(l) != want {
				t.Fatalf("%q and its canonical forms disagree on %v", text, l)
			}
			if Not(s).Matches(l) == want {
				t.Fatalf("Not(%q) agrees with it on %v", text, l)
			}
		}
	})
}

// derivedLabels builds label sets from the keys and values a selector
// mentions, so that its comparisons go both ways: nothing, every key with
// its first value, every key empty, every key with a value no comparison
// names, and alternating keys.
func derivedLabels(root Node) []Map {
	var keys, values []string
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *AndNode:
			for _, op := range n.Operands {
				walk(op)
			}
		case *OrNode:
			for _, op := range n.Operands {
				walk(op)
			}
		case *NotNode:
			walk(n.Operand)
		case *CompareNode:
			keys, values = append(keys, n.Key), append(values, n.Value)
		case *SetNode:
			v := ""
			if len(n.Values) > 0 {
				v = n.Values[len(n.Values)/2]
			}
			keys, values = append(keys, n.Key), append(values, v)
		case *HasNode:
			keys, values = append(keys, n.Key), append(values, "")
		}
	}
	walk(root)
	sets := []Map{{}, {}, {}, {}, {}}
	for i, k := range keys {
		if _, ok := sets[1][k]; !ok {
			sets[1][k] = values[i]
		}
		sets[2][k] = ""
		sets[3][k] = values[i] + "\x00unmatched"
		if i%2 == 0 {
			sets[4][k] = values[i]
		}
	}
	return sets
}
