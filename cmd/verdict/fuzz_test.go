package main

import (
	"encoding/json"
	"errors"
	"io"
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
		out := selectorJSONLAnswer(line)
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

// FuzzSelectorLabelArgs: any key=value arguments to "selector" give an
// answer or a usage error, never a panic; an argument without "=" or with
// an empty key is refused.
func FuzzSelectorLabelArgs(f *testing.F) {
	for _, s := range []string{"app=web", "a=", "=b", "noequals", "a=b=c", "k.io/x=1\x00y=2", ""} {
		f.Add("app == 'web'", s)
	}
	f.Add("has(a)", "a=1\x00b=2")
	f.Fuzz(func(t *testing.T, text, args string) {
		labelArgs := strings.Split(args, "\x00")
		err := selectorMatch(io.Discard, "table", text, labelArgs)
		var ee *exitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("an error that is no exit status: %T %v", err, err)
		}
		for _, a := range labelArgs {
			if k, _, ok := strings.Cut(a, "="); !ok || k == "" {
				if err == nil || !strings.Contains(err.Error(), "key=value") {
					t.Fatalf("label argument %q was accepted: %v", a, err)
				}
				return
			}
		}
	})
}
