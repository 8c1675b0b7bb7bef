package selector

import (
	"strings"
	"testing"
)

func TestAnd(t *testing.T) {
	a, b, c := MustParse(`a == "x" && b == "y"`), MustParse(`c == "z"`), MustParse(`d in {"w"} || !has(e)`)
	tests := []struct {
		name  string
		parts []*Selector
		want  string
	}{
		{"none is all()", nil, `all()`},
		{"only nils is all()", []*Selector{nil, nil}, `all()`},
		{"one part", []*Selector{b}, `c == "z"`},
		{"one part among nils", []*Selector{nil, b, nil}, `c == "z"`},
		{"AND parts stay nested", []*Selector{a, b}, `((a == "x" && b == "y") && c == "z")`},
		{"three parts", []*Selector{b, a, c}, `(c == "z" && (a == "x" && b == "y") && (d in {"w"} || !has(e)))`},
		{"all() is kept", []*Selector{All(), b}, `(all() && c == "z")`},
		{"a negation", []*Selector{MustParse(`!(!has(a))`), b}, `(!!has(a) && c == "z")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := And(tt.parts...).String(); got != tt.want {
				t.Errorf("And = %q, want %q", got, tt.want)
			}
		})
	}
	if And(b) != b {
		t.Error("And of one part is not that part")
	}
}

func TestNot(t *testing.T) {
	tests := []struct{ text, want string }{
		{`has(a)`, `!has(a)`},
		{`!has(a)`, `!!has(a)`}, // no parity collapse across the parentheses of "!(...)"
		{`a == "x" && b == "y"`, `!(a == "x" && b == "y")`},
		{`a in {"x"}`, `!a in {"x"}`},
		{``, `!all()`},
	}
	for _, tt := range tests {
		if got := Not(MustParse(tt.text)).String(); got != tt.want {
			t.Errorf("Not(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestPrefixKeys(t *testing.T) {
	tests := []struct{ text, prefix, want string }{
		{`!has(key) || (has(key) && !key in {'value'})`, "pcns.",
			`(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))`},
		{`a == "x" && b != "y" && c contains "z" && d starts with "1" && e ends with "2"`, "pcsa.",
			`(pcsa.a == "x" && pcsa.b != "y" && pcsa.c contains "z" && pcsa.d starts with "1" && pcsa.e ends with "2")`},
		{`a not in {"y", "x"}`, "p/", `p/a not in {"x", "y"}`},
		{`all() || global()`, "pcns.", `(all() || global())`},
		{`has(a)`, "", `has(a)`},
	}
	for _, tt := range tests {
		s := MustParse(tt.text)
		before := s.String()
		if got := s.PrefixKeys(tt.prefix).String(); got != tt.want {
			t.Errorf("PrefixKeys(%q, %q) = %q, want %q", tt.text, tt.prefix, got, tt.want)
		}
		if s.String() != before || s.Root().String() != before {
			t.Errorf("PrefixKeys changed the original: %q", s.Root().String())
		}
	}
}

func TestSubstitute(t *testing.T) {
	ns := MustParse(`has(projectcalico.org/namespace)`)
	notNS := MustParse(`!has(projectcalico.org/namespace)`)
	tests := []struct {
		text            string
		forAll, forGlob *Selector
		want, reparsed  string
	}{
		{`all()`, ns, notNS, `has(projectcalico.org/namespace)`, `has(projectcalico.org/namespace)`},
		{`global()`, ns, notNS, `!has(projectcalico.org/namespace)`, `!has(projectcalico.org/namespace)`},
		{`!global()`, ns, notNS, `!!has(projectcalico.org/namespace)`, `has(projectcalico.org/namespace)`},
		{`all() && a == "x" || global()`, ns, notNS,
			`((has(projectcalico.org/namespace) && a == "x") || !has(projectcalico.org/namespace))`,
			`((has(projectcalico.org/namespace) && a == "x") || !has(projectcalico.org/namespace))`},
		{`all() || global()`, ns, nil, `(has(projectcalico.org/namespace) || global())`, `(has(projectcalico.org/namespace) || global())`},
		{`all() || global()`, nil, notNS, `(all() || !has(projectcalico.org/namespace))`, `(all() || !has(projectcalico.org/namespace))`},
		{`all()`, MustParse(`a == "x" && b == "y"`), nil, `(a == "x" && b == "y")`, `(a == "x" && b == "y")`},
		{`has(a)`, ns, notNS, `has(a)`, `has(a)`},
	}
	for _, tt := range tests {
		got := MustParse(tt.text).Substitute(tt.forAll, tt.forGlob)
		if got.String() != tt.want {
			t.Errorf("Substitute(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if r := got.Reparse().String(); r != tt.reparsed {
			t.Errorf("Substitute(%q).Reparse() = %q, want %q", tt.text, r, tt.reparsed)
		}
	}
}

func TestReparse(t *testing.T) {
	tests := []struct{ text, want string }{
		{`!(!(a == "x"))`, `a == "x"`},
		{`!(!(!(has(a))))`, `!has(a)`},
		{`!(!(!(!(!(has(a))))))`, `!has(a)`},
		{`!(!(has(a) && !(!(has(b)))))`, `(has(a) && has(b))`},
		{`has(a) || !(!(!global()))`, `(has(a) || !global())`},
		{`a == "x"`, `a == "x"`},
	}
	for _, tt := range tests {
		s := MustParse(tt.text)
		if got := s.Reparse().String(); got != tt.want {
			t.Errorf("Reparse(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	plain := MustParse(`a == "x" && !has(b)`)
	if plain.Reparse() != plain {
		t.Error("Reparse of a fixed point built a new selector")
	}
}

// TestCompositionAgainstText builds composed selectors the way Calico
// does, by pasting canonical texts and parsing, and compares them with And,
// Not, PrefixKeys and Substitute on every pair of neighbouring accepted
// selectors of the conformance vectors, for canonical form and match.
func TestCompositionAgainstText(t *testing.T) {
	var sels []*Selector
	var labels []Map
	for _, c := range readConformance(t) {
		if c.ParseOK {
			sels = append(sels, MustParse(c.Selector))
			labels = append(labels, Map(c.Labels))
		}
	}
	ns := MustParse(`has(projectcalico.org/namespace)`)
	notNS := MustParse(`!has(projectcalico.org/namespace)`)
	for i := 1; i < len(sels); i++ {
		a, b, l := sels[i-1], sels[i], labels[i]

		and := And(a, b)
		viaText := MustParse("(" + a.String() + ") && (" + b.String() + ")")
		if got, want := And(a.Reparse(), b.Reparse()).String(), viaText.String(); got != want {
			t.Fatalf("And(%q, %q) = %q, text gives %q", a, b, got, want)
		}
		if and.Matches(l) != (a.Matches(l) && b.Matches(l)) {
			t.Fatalf("And(%q, %q) matches %v wrongly", a, b, l)
		}

		not := Not(b)
		if got, want := Not(b.Reparse()).String(), MustParse("!("+b.String()+")").String(); got != want {
			t.Fatalf("Not(%q) = %q, text gives %q", b, got, want)
		}
		if not.Matches(l) == b.Matches(l) {
			t.Fatalf("Not(%q) matches %v wrongly", b, l)
		}

		prefixed := Map{}
		for k, v := range l {
			prefixed["pcns."+k] = v
		}
		if b.PrefixKeys("pcns.").Matches(prefixed) != b.Matches(l) {
			t.Fatalf("PrefixKeys(%q) matches %v wrongly", b, prefixed)
		}

		// Calico replaces text, so it would also rewrite a value that
		// contains "all()"; Substitute rewrites nodes only.
		if !valueMentions(b.Root(), "all()", "global()") {
			text := strings.ReplaceAll(b.String(), "all()", ns.String())
			text = strings.ReplaceAll(text, "global()", notNS.String())
			if got, want := b.Substitute(ns, notNS).Reparse().String(), MustParse(text).String(); got != want {
				t.Fatalf("Substitute(%q) = %q, text gives %q", b, got, want)
			}
		}
	}
}

// valueMentions reports whether a comparison or set value of the tree
// contains one of the words.
func valueMentions(n Node, words ...string) bool {
	var values []string
	switch n := n.(type) {
	case *AndNode:
		for _, op := range n.Operands {
			if valueMentions(op, words...) {
				return true
			}
		}
	case *OrNode:
		for _, op := range n.Operands {
			if valueMentions(op, words...) {
				return true
			}
		}
	case *NotNode:
		return valueMentions(n.Operand, words...)
	case *CompareNode:
		values = []string{n.Value}
	case *SetNode:
		values = n.Values
	}
	for _, v := range values {
		for _, w := range words {
			if strings.Contains(v, w) {
				return true
			}
		}
	}
	return false
}
