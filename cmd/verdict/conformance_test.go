package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/model"
)

func TestConformanceCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings of standard output, in order
		stderr []string
	}{
		{
			name:   "every case agrees",
			args:   []string{"conformance", "testdata/conformance/agree.jsonl"},
			code:   exitYes,
			stdout: []string{"v: 1 of 1 agree", "netset: 1 of 1 agree", "2 passed, 0 failed\n"},
		},
		{
			name:   "Calico's first vector file",
			args:   []string{"conformance", "--engine", "reference", "../../internal/conformance/testdata/verdicts.jsonl"},
			code:   exitYes,
			stdout: []string{"v: 485 of 485 agree", "s: 249 of 249 agree", "734 passed, 0 failed\n"},
		},
		{
			name:   "the compiled engine on Calico's extended vector file",
			args:   []string{"conformance", "--engine", "compiled", "../../internal/conformance/testdata/verdicts-extended.jsonl"},
			code:   exitYes,
			stdout: []string{"1143 passed, 0 failed\n"},
		},
		{
			name:   "named ports and services, on both engines",
			args:   []string{"conformance", "--engine", "compiled", "../../internal/conformance/testdata/verdicts-ports-services.jsonl"},
			code:   exitYes,
			stdout: []string{"nport: 330 of 330 agree", "svc: 330 of 330 agree", "660 passed, 0 failed\n"},
		},
		{
			name:   "named ports and services, reference",
			args:   []string{"conformance", "--engine", "reference", "../../internal/conformance/testdata/verdicts-ports-services.jsonl"},
			code:   exitYes,
			stdout: []string{"nport: 330 of 330 agree", "svc: 330 of 330 agree", "660 passed, 0 failed\n"},
		},
		{
			name: "a disagreement is printed and fails",
			args: []string{"conformance", "testdata/conformance/agree.jsonl", "testdata/conformance/disagree.jsonl"},
			code: exitNo,
			stdout: []string{
				"disagree: netset-1-0002 (testdata/conformance/disagree.jsonl:2)",
				"expected: allow [default GlobalNetworkPolicy deny-db #0 allow]",
				"got:      deny [default GlobalNetworkPolicy deny-db #0 deny]",
				"netset: 1 of 2 agree",
				"3 passed, 1 failed\n",
			},
		},
		{
			name: "through the ext_authz server",
			args: []string{"conformance", "--via", "authz", "../../internal/conformance/testdata/verdicts-cnp-http.jsonl"},
			code: exitYes,
			stdout: []string{"cnp: 71 of 71 agree", "http: 135 of 135 agree",
				"not expressible as an ext_authz request: 250 (egress (ext_authz judges the protected workload's ingress): 158; a protocol other than TCP: 92)",
				"206 passed, 0 failed\n"},
		},
		{
			name: "a disagreement through the ext_authz server",
			args: []string{"conformance", "--via", "authz", "testdata/conformance/agree.jsonl", "testdata/conformance/disagree.jsonl"},
			code: exitNo,
			stdout: []string{
				"disagree: netset-1-0002 (testdata/conformance/disagree.jsonl:2)",
				"got:      deny [default GlobalNetworkPolicy deny-db #0 deny]",
				"netset: 1 of 2 agree", "not expressible as an ext_authz request: 0", "3 passed, 1 failed\n",
			},
		},
		{
			name:   "the reference engine cannot go through the server",
			args:   []string{"conformance", "--via", "authz", "--engine", "reference", "testdata/conformance/agree.jsonl"},
			code:   exitUsage,
			stderr: []string{"--via authz serves the compiled engine"},
		},
		{
			name:   "an unknown --via",
			args:   []string{"conformance", "--via", "http", "testdata/conformance/agree.jsonl"},
			code:   exitUsage,
			stderr: []string{"--via must be authz"},
		},
		{
			name:   "a file outside the schema cannot be read",
			args:   []string{"conformance", "testdata/conformance/malformed.jsonl"},
			code:   exitUsage,
			stderr: []string{"malformed.jsonl", "line 2", `case "v1-0002"`, "unexpected"},
		},
		{
			name:   "a missing file",
			args:   []string{"conformance", "testdata/conformance/nosuch.jsonl"},
			code:   exitUsage,
			stderr: []string{"nosuch.jsonl"},
		},
		{
			name:   "an unknown engine",
			args:   []string{"conformance", "--engine", "fast", "testdata/conformance/agree.jsonl"},
			code:   exitUsage,
			stderr: []string{"--engine must be compiled or reference"},
		},
		{
			name:   "no file",
			args:   []string{"conformance"},
			code:   exitUsage,
			stderr: []string{"conformance needs 1 argument, got 0", "usage: verdict conformance FILE..."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			assertInOrder(t, "stdout", stdout.String(), tt.stdout)
			assertInOrder(t, "stderr", stderr.String(), tt.stderr)
		})
	}
}

// assertInOrder checks that out holds each of want, in that order.
func assertInOrder(t *testing.T, name, out string, want []string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%s does not hold %q (in order) in:\n%s", name, w, out)
			return
		}
		rest = rest[i+len(w):]
	}
}

// -o json and yaml give the report as data: counts, families and each
// failure with its case, place and both outcomes, in camelCase.
func TestConformanceStructuredOutput(t *testing.T) {
	files := []string{"testdata/conformance/agree.jsonl", "testdata/conformance/disagree.jsonl"}
	type report struct {
		Engine   string
		Via      string
		Passed   int
		Failed   int
		Families []struct {
			Family        string
			Passed, Total int
		}
		Failures []struct {
			ID, File string
			Line     int
			Expected struct {
				Allowed        bool
				Trace          []model.Hit
				PendingAllowed bool
			}
			Got struct{ Allowed bool }
		}
		NotExpressible *struct{ Count int }
	}
	for _, tt := range []struct {
		format string
		via    bool
	}{{"json", false}, {"yaml", false}, {"json", true}} {
		args := append([]string{"conformance", "-o", tt.format}, files...)
		if tt.via {
			args = append(args, "--via", "authz")
		}
		code, stdout, stderr := runVerdict("", args...)
		if code != exitNo {
			t.Fatalf("%v: exit %d, want 1\n%s%s", args, code, stdout, stderr)
		}
		var r report
		var err error
		if tt.format == "json" {
			err = json.Unmarshal([]byte(stdout), &r)
			if !strings.Contains(stdout, `"pendingAllowed"`) || !strings.Contains(stdout, `"passed": 3`) {
				t.Errorf("%v: not camelCase:\n%s", args, stdout)
			}
		} else {
			err = yaml.Unmarshal([]byte(stdout), &r)
		}
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stdout)
		}
		if r.Engine != "compiled" || r.Passed != 3 || r.Failed != 1 || len(r.Failures) != 1 || len(r.Families) == 0 {
			t.Fatalf("%v: report %+v", args, r)
		}
		f := r.Failures[0]
		if f.ID != "netset-1-0002" || f.File != files[1] || f.Line != 2 || !f.Expected.Allowed || f.Got.Allowed ||
			len(f.Expected.Trace) != 1 || f.Expected.Trace[0].Name != "deny-db" || f.Expected.Trace[0].Kind != "GlobalNetworkPolicy" {
			t.Errorf("%v: failure %+v", args, f)
		}
		if tt.via != (r.NotExpressible != nil) || tt.via != (r.Via == "authz") {
			t.Errorf("%v: via %q, not expressible %v", args, r.Via, r.NotExpressible)
		}
	}
	if code, _, stderr := runVerdict("", "conformance", "-o", "xml", files[0]); code != exitUsage || !strings.Contains(stderr, "-o must be table, json or yaml") {
		t.Errorf("-o xml: exit %d %s", code, stderr)
	}
}
