package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestSelectorCommand(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string // substrings of standard output
		stderr     []string // substrings of standard error
		noStdout   bool
		stdoutOnly bool // standard error must be empty
	}{
		{
			name:       "match",
			args:       []string{"selector", `role == 'db' && has(backup)`, "role=db", "backup=true"},
			code:       exitYes,
			stdout:     []string{`selector:  (role == "db" && has(backup))`, "matches:   true", "unique id: s:"},
			stdoutOnly: true,
		},
		{
			name:   "no match",
			args:   []string{"selector", `role == "db"`, "role=web"},
			code:   exitNo,
			stdout: []string{`selector:  role == "db"`, "matches:   false"},
		},
		{
			name:   "no labels",
			args:   []string{"selector", `env != "prod"`},
			code:   exitYes,
			stdout: []string{`selector:  env != "prod"`, "unique id: s:"},
		},
		{
			name:   "empty value and = in value",
			args:   []string{"selector", `a == "" && b == "x=y"`, "a=", "b=x=y"},
			code:   exitYes,
			stdout: []string{"matches:   true"},
		},
		{
			name:   "flags after arguments",
			args:   []string{"selector", `has(a)`, "a=1", "--jsonl=false"},
			code:   exitYes,
			stdout: []string{"matches:   true"},
		},
		{
			name:   "selector starting with a dash after --",
			args:   []string{"selector", "--", `-a == "x"`, "-a=x"},
			code:   exitYes,
			stdout: []string{`selector:  -a == "x"`},
		},
		{
			name:     "parse error with caret",
			args:     []string{"selector", `role = "db"`},
			code:     exitUsage,
			stderr:   []string{`at offset 5`, "\n  role = \"db\"\n       ^\n"},
			noStdout: true,
		},
		{
			name:     "error at the end",
			args:     []string{"selector", `a ==`},
			code:     exitUsage,
			stderr:   []string{"\n  a ==\n      ^\n"},
			noStdout: true,
		},
		{
			name:     "newline shown as an escape",
			args:     []string{"selector", "a == \"x\"\n"},
			code:     exitUsage,
			stderr:   []string{"\n  a == \"x\"\\n\n          ^\n"},
			noStdout: true,
		},
		{
			name:     "label without =",
			args:     []string{"selector", `has(a)`, "a"},
			code:     exitUsage,
			stderr:   []string{`label "a" is not of the form key=value`},
			noStdout: true,
		},
		{
			name:     "no selector",
			args:     []string{"selector"},
			code:     exitUsage,
			stderr:   []string{"needs a selector"},
			noStdout: true,
		},
		{
			name:     "jsonl with arguments",
			args:     []string{"selector", "--jsonl", `has(a)`},
			code:     exitUsage,
			stderr:   []string{"takes no arguments"},
			noStdout: true,
		},
		{
			name:     "unknown flag",
			args:     []string{"selector", "--bogus", `has(a)`},
			code:     exitUsage,
			noStdout: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stdout %q, stderr %q", code, tt.code, stdout.String(), stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout %q lacks %q", stdout.String(), s)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr %q lacks %q", stderr.String(), s)
				}
			}
			if tt.noStdout && stdout.Len() > 0 {
				t.Errorf("unexpected stdout %q", stdout.String())
			}
			if tt.stdoutOnly && stderr.Len() > 0 {
				t.Errorf("unexpected stderr %q", stderr.String())
			}
		})
	}
}

// selectorJSONLRun pipes input through verdict selector --jsonl and
// returns the decoded output lines.
func selectorJSONLRun(t *testing.T, input string) []map[string]any {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"selector", "--jsonl"}, strings.NewReader(input), &stdout, &stderr); code != exitYes {
		t.Fatalf("exit status %d, stderr %q", code, stderr.String())
	}
	var out []map[string]any
	r := bufio.NewReader(&stdout)
	for {
		line, err := r.ReadString('\n')
		if line == "" {
			break
		}
		var m map[string]any
		if jerr := json.Unmarshal([]byte(line), &m); jerr != nil {
			t.Fatalf("output line %q is not JSON: %v", line, jerr)
		}
		out = append(out, m)
		if err != nil {
			break
		}
	}
	return out
}

func TestSelectorJSONL(t *testing.T) {
	huge := `{"selector": "a == \"` + strings.Repeat("x", 1<<19) + `\""}`
	input := strings.Join([]string{
		`{"selector": "a == 'b'", "labels": {"a": "b"}}`,
		`{"selector": "a == 'b'", "labels": {"a": "c"}}`,
		`not json`,
		``,
		`{"labels": {}}`,
		`{"selector": "a ="}`,
		`{"selector": ""}`,
		huge,
		`{"selector": "a == \"b\" && c != 'd'", "labels": {"a": "b"}, "extra": 1}`,
	}, "\n") // no newline after the last line
	got := selectorJSONLRun(t, input)
	want := []map[string]any{
		{"parse_ok": true, "match": true, "canonical": `a == "b"`, "unique_id": "s:flMh0m0X_BowkAK_W3j3MgH8oQOsj3WxGDoXCQ"},
		{"parse_ok": true, "match": false, "canonical": `a == "b"`, "unique_id": "s:flMh0m0X_BowkAK_W3j3MgH8oQOsj3WxGDoXCQ"},
		{"parse_ok": false, "error": "*"},
		{"parse_ok": false, "error": "*"},
		{"parse_ok": false, "error": `the line has no "selector" field`},
		{"parse_ok": false, "error": `expected "==": a single "=" is not an operator at offset 2`},
		{"parse_ok": true, "match": true, "canonical": "all()", "unique_id": "s:5y5I3VdRZfDU01O--xXAPx2yxCQQqMf0M6IWug"},
		{"parse_ok": false, "error": "selector is 524295 bytes long, more than the limit of 65536 at offset 65536"},
		{"parse_ok": true, "match": true, "canonical": `(a == "b" && c != "d")`, "unique_id": "*"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d output lines for %d input lines: %v", len(got), len(want), got)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Errorf("line %d: got %v, want %v", i+1, got[i], want[i])
			continue
		}
		for k, w := range want[i] {
			if g, ok := got[i][k]; !ok || (w != "*" && g != w) {
				t.Errorf("line %d: %s = %v, want %v", i+1, k, g, w)
			}
		}
	}
}

// TestSelectorJSONLConformance pipes every line of Calico's selector
// vectors through the command and compares acceptance, match and
// canonical form.
func TestSelectorJSONLConformance(t *testing.T) {
	data, err := os.ReadFile("../../selector/testdata/selectors.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	got := selectorJSONLRun(t, string(data))
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(got) != len(lines) || len(lines) != 18608 {
		t.Fatalf("%d output lines for %d input lines, want 18608", len(got), len(lines))
	}
	agree := 0
	for i, line := range lines {
		var want struct {
			ParseOK   bool   `json:"parse_ok"`
			Match     bool   `json:"match"`
			Canonical string `json:"canonical"`
		}
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		g := got[i]
		ok := g["parse_ok"] == want.ParseOK
		if ok && want.ParseOK {
			ok = g["match"] == want.Match && g["canonical"] == want.Canonical && g["unique_id"] != nil
		}
		if ok && !want.ParseOK {
			ok = g["error"] != nil
		}
		if !ok {
			t.Errorf("line %d: got %v, want %+v", i+1, g, want)
			continue
		}
		agree++
	}
	t.Logf("verdict selector --jsonl: %d of %d lines agree", agree, len(lines))
}

// -o json and yaml give the answer as data, with the table's exit status
// and no HTML escaping.
func TestSelectorStructuredOutput(t *testing.T) {
	code, out, errs := runCmd(t, "", "selector", "-o", "json", `a == "x" && b in {"y"}`, "a=x", "b=z")
	var r struct {
		ParseOK  bool   `json:"parseOk"`
		Selector string `json:"selector"`
		UniqueID string `json:"uniqueId"`
		Matches  *bool  `json:"matches"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != exitNo || !r.ParseOK || r.Matches == nil || *r.Matches ||
		r.Selector != `(a == "x" && b in {"y"})` || r.UniqueID == "" || strings.Contains(out, `\u0026`) {
		t.Errorf("json: exit %d, %+v, err %v:\n%s%s", code, r, err, out, errs)
	}
	code, out, _ = runCmd(t, "", "selector", "-o", "json", "has(x)")
	if code != exitYes || strings.Contains(out, "matches") {
		t.Errorf("no labels: exit %d:\n%s", code, out)
	}
	code, out, _ = runCmd(t, "", "selector", "-o", "yaml", "a == ")
	if code != exitUsage || !strings.Contains(out, "parseOk: false") || !strings.Contains(out, "offset: 5") {
		t.Errorf("parse error: exit %d:\n%s", code, out)
	}
}
