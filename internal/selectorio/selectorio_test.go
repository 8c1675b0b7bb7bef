package selectorio

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/selector"
)

func TestAnswer(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		line string
		want Output
	}{
		{`{"selector": "a == 'b'", "labels": {"a": "b"}}`, Output{ParseOK: true, Match: &yes, Canonical: `a == "b"`}},
		{`{"selector": "a == 'b'", "labels": {"a": "c"}, "expected": true}`, Output{ParseOK: true, Match: &no, Canonical: `a == "b"`}},
		{`{"selector": "has(x)"}`, Output{ParseOK: true, Match: &no, Canonical: "has(x)"}},
		{`{"labels": {"a": "b"}}`, Output{Error: `the line has no "selector" field`}},
		{`{"selector": null}`, Output{Error: `the line has no "selector" field`}},
		{`not json`, Output{Error: "invalid JSON line: invalid character 'o' in literal null (expecting 'u')"}},
		{`{"selector": "all()", "labels": {"a": 1}}`, Output{Error: "invalid JSON line: json: cannot unmarshal number into Go struct field Input.labels of type string"}},
	}
	for _, tt := range tests {
		got := Answer(tt.line)
		if tt.want.ParseOK {
			sel, err := selector.Parse(tt.want.Canonical)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.UniqueID = sel.UniqueID()
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Answer(%q) (-want +got):\n%s", tt.line, diff)
		}
	}
	got := Answer(`{"selector": "((("}`)
	if got.ParseOK || got.Match != nil || !strings.Contains(got.Error, "at offset 3") {
		t.Errorf("a selector that does not parse: %+v", got)
	}
}

// A line is read whole up to the bound, however the reader's buffer cuts
// it; one byte more is ErrLineTooLong.
func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 100) + "\n"
	r := bufio.NewReaderSize(strings.NewReader("a\n"+long+long+"end"), 16)
	var got []string
	for {
		line, err := ReadLine(r, len(long))
		got = append(got, line)
		if err != nil {
			if err != io.EOF {
				t.Fatal(err)
			}
			break
		}
	}
	if diff := cmp.Diff([]string{"a\n", long, long, "end"}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	r = bufio.NewReaderSize(strings.NewReader(long), 16)
	if _, err := ReadLine(r, len(long)-1); !errors.Is(err, ErrLineTooLong) {
		t.Errorf("a line one byte over the bound: %v", err)
	}
}

func TestParseLabels(t *testing.T) {
	tests := []struct {
		args []string
		want selector.Map
		bad  string
	}{
		{nil, selector.Map{}, ""},
		{[]string{"app=web", "tier="}, selector.Map{"app": "web", "tier": ""}, ""},
		{[]string{"a=b=c"}, selector.Map{"a": "b=c"}, ""},
		{[]string{"a=1", "a=2"}, selector.Map{"a": "2"}, ""},
		{[]string{"k.io/x=1", "noequals"}, nil, "noequals"},
		{[]string{"=b"}, nil, "=b"},
		{[]string{""}, nil, ""},
	}
	for _, tt := range tests {
		got, err := ParseLabels(tt.args)
		var le *LabelError
		switch {
		case tt.want == nil:
			if !errors.As(err, &le) || le.Arg != tt.bad || !strings.Contains(err.Error(), "key=value") {
				t.Errorf("ParseLabels(%q) = %v, %v; want a *LabelError for %q", tt.args, got, err, tt.bad)
			}
		case err != nil:
			t.Errorf("ParseLabels(%q): %v", tt.args, err)
		default:
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseLabels(%q) (-want +got):\n%s", tt.args, diff)
			}
		}
	}
}
