package selector

import (
	"strings"
	"testing"
)

// Each constructor builds the tree that parsing the same clause gives, so
// canonical forms, unique ids and matching agree with Calico's text.
func TestConstructorsMatchParsing(t *testing.T) {
	must := func(s *Selector, err error) *Selector {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		got  *Selector
		text string
	}{
		{must(Equal("projectcalico.org/namespace", "prod")), `projectcalico.org/namespace == "prod"`},
		{must(Equal("a", "")), `a == ""`},
		{must(Equal("a", `say "hi"`)), `a == 'say "hi"'`},
		{must(Equal("in", "x")), `in == "x"`},
		{must(In("projectcalico.org/serviceaccount", "web", "api", "web")), `projectcalico.org/serviceaccount in {"web", "api", "web"}`},
		{must(In("a")), `a in {}`},
		{must(In("a", "it's")), `a in {"it's"}`},
		{must(Has("pcns.team")), `has(pcns.team)`},
		{must(NotIn("a", "y", "x", "y")), `a not in {"y", "x", "y"}`},
		{must(NotIn("a")), `a not in {}`},
	}
	for _, tt := range tests {
		want := MustParse(tt.text)
		if tt.got.String() != want.String() {
			t.Errorf("built %q, parsing %q gives %q", tt.got, tt.text, want)
		}
		if again := MustParse(tt.got.String()); again.String() != tt.got.String() {
			t.Errorf("%q does not parse back to itself: %q", tt.got, again)
		}
		for _, labels := range []Map{{}, {"a": ""}, {"a": "x"}, {"projectcalico.org/namespace": "prod"}, {"projectcalico.org/serviceaccount": "api"}, {"pcns.team": "t"}} {
			if tt.got.Matches(labels) != want.Matches(labels) {
				t.Errorf("%q and parsed %q disagree on %v", tt.got, tt.text, labels)
			}
		}
	}
}

func TestConstructorsRefuse(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"empty key", second(Equal("", "x")), "empty label key"},
		{"bad key byte", second(Has("a b")), `label key "a b" may only contain`},
		{"long key", second(In(strings.Repeat("k", maxKeyLength+1), "x")), "more than the limit"},
		{"both quotes", second(Equal("a", `"'`)), "both quote characters"},
		{"both quotes in a set", second(In("a", "ok", `x"y'z`)), "both quote characters"},
		{"both quotes in a negated set", second(NotIn("a", `x"y'z`)), "both quote characters"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, tt.err, tt.want)
		}
	}
	if _, err := Has(strings.Repeat("k", maxKeyLength)); err != nil {
		t.Errorf("a key of exactly the limit: %v", err)
	}
}

func second(_ *Selector, err error) error { return err }

// Global is global(), as parsing it gives.
func TestGlobal(t *testing.T) {
	if got, want := Global().String(), MustParse("global()").String(); got != want {
		t.Errorf("Global() = %q, want %q", got, want)
	}
	if _, ok := Global().Root().(*GlobalNode); !ok {
		t.Errorf("Global() root is %T, want *GlobalNode", Global().Root())
	}
}
