package main

import (
	"bytes"
	"strings"
	"testing"
)

// Issue 20, point 10: text from files, flow logs and arguments reaches the
// terminal only escaped (internal/printable): a newline in a name cannot
// forge a line, and an escape sequence is shown, not obeyed, in every
// command's human output.
func TestOutputIsEscaped(t *testing.T) {
	const (
		badNames  = "testdata/printable/bad-names.yaml"
		selectors = "testdata/printable/selectors.yaml"
		flows     = "testdata/printable/flows.jsonl"
		esc       = "\x1b[2J"
	)
	flow := []string{"--src", "10.0.0.2", "--dst", "ns/node1-k8s-a-eth0", "--proto", "tcp", "--dport", "80"}
	tests := []struct {
		name string
		args []string
		want string // the escaped text that must be shown
	}{
		{"validate: a name with a newline is one problem line", []string{"validate", badNames}, `GlobalNetworkPolicy evil\nforged: problem\x1b[2J: metadata.name`},
		{"validate: a label value", []string{"validate", badNames}, `label value "x\x1b[31m"`},
		{"eval: problems on standard error", append([]string{"eval", "-f", badNames}, flow...), `evil\nforged: problem\x1b[2J`},
		{"eval: the flow's HTTP path", append([]string{"eval", "-f", selectors, "--http-method", "GET", "--http-path", "/x" + esc + "\nforged"}, flow...), `HTTP GET /x\x1b[2J\nforged`},
		{"explain: a failed selector criterion", append([]string{"explain", "-f", selectors}, flow...), `source.selector role == '\x1b[2J' does not match`},
		{"selector: the canonical form", []string{"selector", "a == \"" + esc + "\n\""}, `selector:  a == "\x1b[2J\n"`},
		{"lint: a finding's message", []string{"lint", "-f", selectors}, `its selector "app == \"\x1b[31mx\"" matches none`},
		{"query policy: the selector", []string{"query", "policy", "p", "-f", selectors}, `selector  app == "\x1b[31mx"`},
		{"query selector: the selector", []string{"query", "selector", "a == '" + esc + "'", "-f", selectors}, `selector  a == "\x1b[2J"`},
		{"impact: an unresolved peer from a flow log", []string{"impact", "-f", selectors, "--flows", flows}, `ns/evil\x1b[2J\nforged: 1 flows`},
		{"matrix: a group named by a --group-by key", []string{"matrix", "-f", selectors, "--group-by", "a" + esc}, `ns/!a\x1b[2J`},
		{"diff: a group named by a --group-by key", []string{"diff", "--before", selectors, "--after", "testdata/eval/addresses.yaml", "--group-by", "a" + esc}, `groups only before: ns/!a\x1b[2J`},
		{"recommend: the namespace in an error", []string{"recommend", "-f", selectors, "--flows", flows, "--namespace", "n" + esc}, `n\x1b[2J`},
		{"usage error: an unknown command", []string{"evl" + esc}, `evl\x1b[2J`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(tt.args, strings.NewReader(""), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			for i, c := range []byte(out) {
				if (c < ' ' && c != '\n') || c == 0x7f {
					t.Fatalf("output holds byte %#x at %d:\n%q", c, i, out)
				}
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "forged") {
					t.Errorf("a forged line:\n%s", out)
				}
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
		})
	}
}
