package compile

import (
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/selector"
)

// parseLabels reads "k=v,k2=v2" into a label map; a part without "=" is a
// key with an empty value.
func parseLabels(s string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		m[k] = v
	}
	return m
}

// FuzzSelectorProgram compiles every selector the parser accepts and
// checks the program against the selector's own evaluation, on labels
// both interned and looked up as an inline endpoint's would be.
func FuzzSelectorProgram(f *testing.F) {
	f.Add(`a == "b" && has(c)`, "a=b,c=")
	f.Add(`!(x in {"1", "2"}) || y not in {}`, "x=1")
	f.Add(`k starts with "pre" && k ends with "fix" && k contains "e"`, "k=prefix")
	f.Add(`(a != "1" || !has(b)) && (all() && global())`, "b=2")
	f.Add(`pcns.team == "x" && projectcalico.org/namespace == "ns"`, "pcns.team=x,projectcalico.org/namespace=ns")
	f.Fuzz(func(t *testing.T, text, labelText string) {
		s, err := selector.Parse(text, selector.MaxDepth(200))
		if err != nil {
			return
		}
		labels := parseLabels(labelText)
		want := s.Matches(selector.Map(labels))
		prog, ls := programFor(s, labels)
		if got := prog.matches(ls); got != want {
			t.Fatalf("%q on %v: program %v, selector %v", text, labels, got, want)
		}
		prog, inline := inlineProgramFor(s, labels)
		if got := prog.matches(inline); got != want {
			t.Fatalf("%q on inline %v: program %v, selector %v", text, labels, got, want)
		}
	})
}
