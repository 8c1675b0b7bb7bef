package selector

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
)

// conformanceCase is one line of testdata/selectors.jsonl, Calico's own
// answers on one selector and label set.
type conformanceCase struct {
	Selector  string            `json:"selector"`
	Labels    map[string]string `json:"labels"`
	ParseOK   bool              `json:"parse_ok"`
	Error     string            `json:"error"`
	Match     *bool             `json:"match"`
	Canonical *string           `json:"canonical"`
	Source    string            `json:"source"`
}

// readConformance reads every case of the vectors, failing the test on a
// line it cannot decode so that no case is skipped silently.
func readConformance(tb testing.TB) []conformanceCase {
	tb.Helper()
	f, err := os.Open("testdata/selectors.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var cases []conformanceCase
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		text, err := r.ReadString('\n')
		if errors.Is(err, io.EOF) && text == "" {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			tb.Fatal(err)
		}
		var c conformanceCase
		if err := json.Unmarshal([]byte(text), &c); err != nil {
			tb.Fatalf("line %d: %v", line, err)
		}
		if c.ParseOK && (c.Match == nil || c.Canonical == nil) {
			tb.Fatalf("line %d: accepted case without match or canonical", line)
		}
		cases = append(cases, c)
	}
	return cases
}

// TestConformance checks every line of Calico's vectors: acceptance, match
// and canonical form, and that the canonical form parses again to a
// selector with the same match (Calico re-parses canonical forms when it
// combines selectors).
func TestConformance(t *testing.T) {
	cases := readConformance(t)
	agree, reported := 0, 0
	for i, c := range cases {
		problems := checkConformanceCase(c)
		if len(problems) == 0 {
			agree++
			continue
		}
		if reported < 50 {
			t.Errorf("line %d (%s): selector %q labels %v: %v", i+1, c.Source, c.Selector, c.Labels, problems)
			reported++
		}
	}
	fmt.Printf("selector conformance: %d of %d lines agree\n", agree, len(cases))
	t.Logf("selector conformance: %d of %d lines agree", agree, len(cases))
	if len(cases) != 18608 {
		t.Errorf("read %d lines, want 18608", len(cases))
	}
	if agree != len(cases) {
		t.Errorf("%d of %d lines disagree", len(cases)-agree, len(cases))
	}
}

func checkConformanceCase(c conformanceCase) []string {
	var problems []string
	sel, err := Parse(c.Selector)
	if (err == nil) != c.ParseOK {
		return []string{fmt.Sprintf("parse_ok %v, want %v (our error %v, Calico's %q)", err == nil, c.ParseOK, err, c.Error)}
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			problems = append(problems, fmt.Sprintf("error %T is not *Error", err))
		} else if e.Offset < 0 || e.Offset > len(c.Selector) {
			problems = append(problems, fmt.Sprintf("error offset %d outside the text", e.Offset))
		}
		return problems
	}
	labels := Map(c.Labels)
	if got := sel.Matches(labels); got != *c.Match {
		problems = append(problems, fmt.Sprintf("match %v, want %v", got, *c.Match))
	}
	if got := sel.String(); got != *c.Canonical {
		problems = append(problems, fmt.Sprintf("canonical %q, want %q", got, *c.Canonical))
	}
	again, err := Parse(sel.String())
	if err != nil {
		return append(problems, fmt.Sprintf("canonical form does not parse: %v", err))
	}
	if again.Matches(labels) != *c.Match {
		problems = append(problems, "re-parsed canonical form matches differently")
	}
	if got, want := sel.Reparse().String(), again.String(); got != want {
		problems = append(problems, fmt.Sprintf("Reparse gives %q, parsing the canonical form gives %q", got, want))
	}
	return problems
}
