package selector

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// TestCanonical covers the printing rules one by one; the conformance test
// covers them again on Calico's own outputs.
func TestCanonical(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"empty is all()", ``, `all()`},
		{"blank is all()", " \t", `all()`},
		{"comparison spacing", `a=="b"`, `a == "b"`},
		{"single quotes become double", `a == 'b'`, `a == "b"`},
		{"double quote inside keeps single", `a == 'say "hi"'`, `a == 'say "hi"'`},
		{"apostrophe inside uses double", `a == "it's"`, `a == "it's"`},
		{"operator spellings", `a startswith 'x' && b endswith 'y' && c notin {}`, `(a starts with "x" && b ends with "y" && c not in {})`},
		{"set sorted and de-duplicated", `a in {"z", "a", 'z', "m",}`, `a in {"a", "m", "z"}`},
		{"set quoting per element", `a in {'"', "'"}`, `a in {'"', "'"}`},
		{"empty set", `a not in {}`, `a not in {}`},
		{"has, all, global without blanks", `has( a ) && all( ) || global(	)`, `((has(a) && all()) || global())`},
		{"AND groups parenthesised", `a == "x" && b == "y"`, `(a == "x" && b == "y")`},
		{"precedence", `a == "x" || b == "y" && c == "z"`, `(a == "x" || (b == "y" && c == "z"))`},
		{"flattening within a level", `a == "x" && b == "y" && c == "z"`, `(a == "x" && b == "y" && c == "z")`},
		{"no flattening across parentheses", `(a == "x" && b == "y") && c == "z"`, `((a == "x" && b == "y") && c == "z")`},
		{"redundant parentheses dropped", `((a == "x"))`, `a == "x"`},
		{"parenthesised all()", `(all())`, `all()`},
		{"negation binds to the comparison", `!a == "x"`, `!a == "x"`},
		{"negated set is not rewritten", `!(a in {"x"})`, `!a in {"x"}`},
		{"negated group", `!(a == "x" || b == "y")`, `!(a == "x" || b == "y")`},
		{"even run collapses", `!!has(a)`, `has(a)`},
		{"odd run collapses", `! !! has(a)`, `!has(a)`},
		{"runs across parentheses stay", `!(!(has(a)))`, `!!has(a)`},
		{"five through parentheses", `!(!(!(!(!(has(a))))))`, `!!!!!has(a)`},
		{"operator words as labels", `notin notin {"x"}`, `notin not in {"x"}`},
		{"label called not", `not in {"x"}`, `not in {"x"}`},
		{"benchmark expression", `! (a == "b"&&! c != "d") || !(a == "b" && !c != "d")`, `(!(a == "b" && !c != "d") || !(a == "b" && !c != "d"))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.text, err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("Parse(%q).String() = %q, want %q", tt.text, got, tt.want)
			}
			if got := s.Root().String(); got != tt.want {
				t.Errorf("Root().String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestParseTree checks the shape of the tree that Root exposes.
func TestParseTree(t *testing.T) {
	tests := []struct {
		text string
		want Node
	}{
		{`a == "x"`, &CompareNode{Key: "a", Op: OpEqual, Value: "x"}},
		{`a != ""`, &CompareNode{Key: "a", Op: OpNotEqual, Value: ""}},
		{`a contains "x"`, &CompareNode{Key: "a", Op: OpContains, Value: "x"}},
		{`a starts with "x"`, &CompareNode{Key: "a", Op: OpStartsWith, Value: "x"}},
		{`a ends with "x"`, &CompareNode{Key: "a", Op: OpEndsWith, Value: "x"}},
		{`a in {"y", "x", "y"}`, &SetNode{Key: "a", Values: []string{"x", "y"}}},
		{`a not in {}`, &SetNode{Key: "a", Negated: true}},
		{`has(a)`, &HasNode{Key: "a"}},
		{`all()`, &AllNode{}},
		{``, &AllNode{}},
		{`global()`, &GlobalNode{}},
		{`!!!has(a)`, &NotNode{Operand: &HasNode{Key: "a"}}},
		{`!(!has(a))`, &NotNode{Operand: &NotNode{Operand: &HasNode{Key: "a"}}}},
		{`has(a) && has(b) || has(c)`, &OrNode{Operands: []Node{
			&AndNode{Operands: []Node{&HasNode{Key: "a"}, &HasNode{Key: "b"}}},
			&HasNode{Key: "c"},
		}}},
		{`(has(a) || has(b)) || has(c)`, &OrNode{Operands: []Node{
			&OrNode{Operands: []Node{&HasNode{Key: "a"}, &HasNode{Key: "b"}}},
			&HasNode{Key: "c"},
		}}},
		{`!(has(a) && has(b))`, &NotNode{Operand: &AndNode{Operands: []Node{&HasNode{Key: "a"}, &HasNode{Key: "b"}}}}},
	}
	for _, tt := range tests {
		s := MustParse(tt.text)
		if diff := cmp.Diff(tt.want, s.Root()); diff != "" {
			t.Errorf("Parse(%q) tree (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestParseErrors checks grammar errors: where they are reported, what text
// they quote and what they say was expected.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		offset     int
		found      string
		msg        string
	}{
		{"bare label", `a`, 1, "", `after label "a", found end of selector`},
		{"label then parenthesis", `role (`, 5, "(", `after label "role"`},
		{"has with a space", `has (a)`, 4, "(", `after label "has"`},
		{"missing value", `a ==`, 4, "", `expected a quoted string after "=="`},
		{"unquoted value", `a == x`, 5, "x", `expected a quoted string after "=="`},
		{"numeric value", `a == 1`, 5, "1", `expected a quoted string`},
		{"set without braces", `a in "x"`, 5, `"x"`, `expected "{" to start the set after "in"`},
		{"not in spelled joined", `a notin "x"`, 8, `"x"`, `after "notin"`},
		{"set of labels", `a in {x}`, 6, "x", `expected a quoted string or "}"`},
		{"empty element", `a in {,}`, 6, ",", `expected a quoted string or "}"`},
		{"double comma", `a in {"x",,}`, 10, ",", `expected a quoted string or "}"`},
		{"missing comma", `a in {"x" "y"}`, 10, `"y"`, `expected "," or "}"`},
		{"unclosed set", `a in {"x"`, 9, "", `expected "," or "}"`},
		{"literal on the left", `"x" == a`, 0, `"x"`, `expected a label`},
		{"leading operator", `|| a == "x"`, 0, "||", `expected a label`},
		{"trailing operator", `has(a) &&`, 9, "", `after "&&"`},
		{"lone negation", `!`, 1, "", `after "!"`},
		{"empty parentheses", `()`, 1, ")", `after "("`},
		{"unclosed parenthesis", `(a == "x"`, 9, "", `expected "&&", "||" or ")"`},
		{"extra parenthesis", `has(a))`, 6, ")", `expected "&&", "||" or the end`},
		{"extra brace", `a in {"x"}}`, 10, "}", `or the end`},
		{"two terms", `has(a) has(b)`, 7, "has(b)", `or the end`},
		{"trailing negation", `has(a) !`, 7, "!", `or the end`},
		{"comma splits a label", `a,ll()`, 1, ",", `after label "a"`},
		{"set literal alone", `{}`, 0, "{", `expected a label`},
		{"operator alone", `==`, 0, "==", `expected a label`},
		{"global then label", `global() && bad`, 15, "", `after label "bad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.text)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.text, s)
			}
			checkError(t, err, tt.offset, tt.found, tt.msg)
		})
	}
}

func TestErrorString(t *testing.T) {
	_, err := Parse(`role (`)
	want := `expected an operator (==, !=, in, not in, contains, starts with or ends with) after label "role", found "(" at offset 5`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// firstBadToken is an independent recognizer for the token language: it
// returns the index of the first token at which no valid selector can
// continue, or -1 when the tokens form a valid selector. Parse must report
// its grammar errors at that token.
func firstBadToken(toks []lexer.Token) int {
	i := 0
	peek := func() lexer.TokenType { return toks[i].Type }
	var expr func() bool
	term := func() bool {
		for peek() == tokNot {
			i++
		}
		switch peek() {
		case tokHas, tokAll, tokGlobal:
			i++
			return true
		case tokLParen:
			i++
			if !expr() || peek() != tokRParen {
				return false
			}
			i++
			return true
		case tokLabel:
			i++
			switch peek() {
			case tokCompare:
				i++
				if peek() != tokString {
					return false
				}
				i++
				return true
			case tokSetOp:
				i++
				if peek() != tokLBrace {
					return false
				}
				i++
				if peek() == tokString {
					i++
					for peek() == tokComma || peek() == tokLastComma {
						i++
						if peek() != tokString {
							break
						}
						i++
					}
				}
				if peek() != tokRBrace {
					return false
				}
				i++
				return true
			}
		}
		return false
	}
	expr = func() bool {
		if !term() {
			return false
		}
		for peek() == tokBool {
			i++
			if !term() {
				return false
			}
		}
		return true
	}
	if peek() == lexer.EOF {
		return -1
	}
	if expr() && peek() == lexer.EOF {
		return -1
	}
	return i
}

// TestErrorOffsetsAgainstRecognizer checks, on every rejected selector of
// the conformance vectors that tokenizes, that Parse reports the error at
// the first token that cannot continue a valid selector, and that the
// recognizer and Parse agree on acceptance for every selector that
// tokenizes.
func TestErrorOffsetsAgainstRecognizer(t *testing.T) {
	checked := 0
	for _, c := range readConformance(t) {
		toks, _, lexErr := tokenize(c.Selector, maxSupportedDepth)
		if lexErr != nil {
			continue
		}
		bad := firstBadToken(toks)
		_, err := Parse(c.Selector)
		if (bad < 0) != (err == nil) {
			t.Errorf("%q: recognizer says valid=%v, Parse error %v", c.Selector, bad < 0, err)
			continue
		}
		if err == nil {
			continue
		}
		checked++
		if got, want := err.(*Error).Offset, toks[bad].Pos.Offset; got != want {
			t.Errorf("%q: error at offset %d, want %d: %v", c.Selector, got, want, err)
		}
	}
	if checked < 1000 {
		t.Errorf("only %d grammar errors checked", checked)
	}
}

// TestLimits checks that oversized and overdeep input is refused quickly
// with an *Error, and that the limits can be moved.
func TestLimits(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("(", n) + "has(a)" + strings.Repeat(")", n) }
	tests := []struct {
		name   string
		text   string
		opts   []Option
		offset int    // -1: the selector is accepted
		msg    string // a substring of the message
	}{
		{"default length limit accepts 64 KiB", `a == "` + strings.Repeat("x", 64<<10-7) + `"`, nil, -1, ""},
		{"one byte over the default length", `a == "` + strings.Repeat("x", 64<<10-6) + `"`, nil, 64 << 10, "more than the limit of 65536"},
		{"1 MiB", `a == "` + strings.Repeat("x", 1<<20) + `"`, nil, 64 << 10, "1048583 bytes long"},
		{"raised length limit", `a == "` + strings.Repeat("x", 1<<20) + `"`, []Option{MaxLength(2 << 20)}, -1, ""},
		{"no length limit", `a == "` + strings.Repeat("x", 1<<20) + `"`, []Option{MaxLength(0)}, -1, ""},
		{"lowered length limit", `a == "xyz"`, []Option{MaxLength(8)}, 8, "10 bytes long"},
		{"default depth", deep(2000), nil, -1, ""},
		{"one level too deep", deep(2001), nil, 2000, "limit of 2000 levels"},
		{"negation counts once per run", "!!!!!!" + deep(1999), nil, -1, ""},
		{"negation adds a level", "!" + deep(2000), nil, 2000, "limit of 2000"},
		{"negated groups count twice", strings.Repeat("!(", 1000) + "has(a)" + strings.Repeat(")", 1000), nil, -1, ""},
		{"negated groups beyond", strings.Repeat("!(", 1000) + "!has(a)" + strings.Repeat(")", 1000), nil, 2000, "limit of 2000"},
		{"depth resets after a group", deep(1500) + " && " + deep(1500), nil, -1, ""},
		{"100,000 open parentheses", strings.Repeat("(", 100_000), []Option{MaxLength(1 << 20)}, 2000, "limit of 2000"},
		{"100,000 negations", strings.Repeat("!", 100_000) + "has(a)", []Option{MaxLength(1 << 20)}, -1, ""},
		{"lowered depth", deep(3), []Option{MaxDepth(2)}, 2, "limit of 2 levels"},
		{"raised depth", deep(5000), []Option{MaxDepth(5000)}, -1, ""},
		{"depth above the ceiling is the ceiling", strings.Repeat("(", maxSupportedDepth+1), []Option{MaxLength(0), MaxDepth(1 << 30)}, maxSupportedDepth, "limit of 10000"},
		{"depth below one is the ceiling", deep(3000), []Option{MaxDepth(0)}, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse(tt.text, tt.opts...)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Parse took %v", elapsed)
			}
			if tt.offset < 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error = %v, want an *Error", err)
			}
			if e.Offset != tt.offset || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %v, want offset %d and a message containing %q", err, tt.offset, tt.msg)
			}
			if len(e.Text) > maxErrorText+len("…") {
				t.Errorf("error text is %d bytes long", len(e.Text))
			}
		})
	}
}

// TestMaximumDepthParses parses the deepest nesting MaxDepth allows, to
// show the parser's recursion fits the stack.
func TestMaximumDepthParses(t *testing.T) {
	n := maxSupportedDepth
	text := strings.Repeat("(", n) + "has(a)" + strings.Repeat(")", n)
	s, err := Parse(text, MaxLength(0), MaxDepth(n))
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "has(a)" {
		t.Errorf("got %v", s)
	}
}

// TestRepetitionCap checks that participle's cap on repetitions, which
// only an input beyond the default length limit can reach (a million "!"
// in one run), comes back as an *Error. The cap is lowered for the test.
func TestRepetitionCap(t *testing.T) {
	defer func(saved int) { participle.MaxIterations = saved }(participle.MaxIterations)
	participle.MaxIterations = 100
	_, err := Parse(strings.Repeat("!", 101) + "has(a)")
	checkError(t, err, 100, "!", "too many iterations")
	if _, err := Parse(strings.Repeat("!", 99) + "has(a)"); err != nil {
		t.Errorf("99 negations: %v", err)
	}
}

func TestMustParse(t *testing.T) {
	if got := MustParse(`a == "b"`).String(); got != `a == "b"` {
		t.Errorf("MustParse = %q", got)
	}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "offset") {
			t.Errorf("MustParse of a bad selector: recovered %v, want a panic naming the offset", r)
		}
	}()
	MustParse(`a ==`)
}

func TestUniqueID(t *testing.T) {
	tests := []struct{ text, want string }{
		{`all()`, "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug"},
		{``, "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug"},
	}
	for _, tt := range tests {
		if got := MustParse(tt.text).UniqueID(); got != tt.want {
			t.Errorf("UniqueID(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
	if got := (&Selector{}).UniqueID(); got != tests[0].want {
		t.Errorf("zero Selector UniqueID = %s", got)
	}
	// Equal canonical forms, equal IDs; different, different.
	a, b, c := MustParse(`a=='x'&&b=="y"`), MustParse(`(a == "x") && (b == 'y')`), MustParse(`b == "y" && a == "x"`)
	if a.UniqueID() != b.UniqueID() || a.UniqueID() == c.UniqueID() {
		t.Errorf("IDs %s %s %s", a.UniqueID(), b.UniqueID(), c.UniqueID())
	}
}

func TestZeroSelectorIsAll(t *testing.T) {
	var s Selector
	if s.String() != "all()" || !s.Matches(Map{}) || s.Root() != Node(allNode) {
		t.Errorf("zero Selector: %q", s.String())
	}
}

func TestTextMarshalling(t *testing.T) {
	type doc struct {
		Selector *Selector `json:"selector"`
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"selector": "b == 'y' &&a=='x'"}`), &d); err != nil {
		t.Fatal(err)
	}
	if !d.Selector.Matches(Map{"a": "x", "b": "y"}) {
		t.Errorf("decoded %v does not match", d.Selector)
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"selector":"(b == \"y\" \u0026\u0026 a == \"x\")"}`; string(out) != want {
		t.Errorf("encoded %s, want %s", out, want)
	}
	err = json.Unmarshal([]byte(`{"selector": "a =="}`), &d)
	var e *Error
	if !errors.As(err, &e) || e.Offset != 4 {
		t.Errorf("decoding a bad selector: %v", err)
	}
}

// TestEmptyIsShared shows the empty selector and All() are the same value,
// so callers comparing with All() by pointer are not surprised.
func TestEmptyIsShared(t *testing.T) {
	if MustParse("") != All() || MustParse(" ") != All() {
		t.Error("empty selector is not All()")
	}
	if All().String() != "all()" {
		t.Errorf("All() = %v", All())
	}
}
