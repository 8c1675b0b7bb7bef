package selectorio

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/selector"
)

// FuzzSelectorJSONLLine: any line of "selector --jsonl" input gives an
// answer, never a panic; an accepted selector's canonical form parses to
// itself, and a refused line says why.
func FuzzSelectorJSONLLine(f *testing.F) {
	for _, s := range []string{
		`{"selector":"a == 'b'","labels":{"a":"b"}}`,
		`{"selector":"has(x) && !has(y)","labels":{}}`,
		`{"selector":"a in {'1','2'}"}`,
		`{"labels":{"a":"b"}}`,
		`{"selector":"((("}`,
		`not json`,
		`{"selector":null}`,
		`{"selector":"all()","labels":{"a":1}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		out := Answer(line)
		if !out.ParseOK {
			if out.Error == "" || out.Match != nil || out.Canonical != "" {
				t.Fatalf("%q: refused without a reason, or with an answer: %+v", line, out)
			}
			return
		}
		if out.Match == nil || out.Error != "" {
			t.Fatalf("%q: accepted without a match: %+v", line, out)
		}
		again, err := selector.Parse(out.Canonical)
		if err != nil || again.String() != out.Canonical || again.UniqueID() != out.UniqueID {
			t.Fatalf("%q: canonical form %q does not parse to itself: %v", line, out.Canonical, err)
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("%q: the answer does not encode: %v", line, err)
		}
	})
}

// FuzzSelectorLabelArgs: any key=value arguments give labels or a
// *LabelError, never a panic: an argument without "=" or with an empty
// key is refused, and otherwise every key holds the value after its
// last argument's first "="; the labels can be matched against any
// selector.
func FuzzSelectorLabelArgs(f *testing.F) {
	for _, s := range []string{"app=web", "a=", "=b", "noequals", "a=b=c", "k.io/x=1\x00y=2", "a=1\x00a=2", ""} {
		f.Add("app == 'web'", s)
	}
	f.Add("has(a)", "a=1\x00b=2")
	f.Fuzz(func(t *testing.T, text, args string) {
		labelArgs := strings.Split(args, "\x00")
		labels, err := ParseLabels(labelArgs)
		want := map[string]string{}
		for _, a := range labelArgs {
			k, v, ok := strings.Cut(a, "=")
			if !ok || k == "" {
				var le *LabelError
				if !errors.As(err, &le) || le.Arg != a {
					t.Fatalf("label argument %q was not the one refused: %v", a, err)
				}
				return
			}
			want[k] = v
		}
		if err != nil || len(labels) != len(want) {
			t.Fatalf("%q: %v, %v", labelArgs, labels, err)
		}
		for k, v := range want {
			if labels[k] != v {
				t.Fatalf("%q: label %q is %q, want %q", labelArgs, k, labels[k], v)
			}
		}
		if sel, err := selector.Parse(text); err == nil {
			_ = sel.Matches(labels)
		}
	})
}
