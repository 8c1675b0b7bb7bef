package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Every command words a file it cannot read the same way, "FILE: reason"
// with exit status 2, whether the loader, the file watcher of serve and
// authz, or a flow or case reader found it.
func TestMissingFileMessage(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nosuch.yaml")
	good := "../../examples/tiers-staged"
	flows := good + "/flows.calico.jsonl"
	tests := [][]string{
		{"validate", "-f", missing},
		{"validate", missing},
		{"convert", "-f", missing},
		{"eval", "-f", missing, "--src", "1.1.1.1", "--dst", "2.2.2.2", "--proto", "tcp", "--dport", "80"},
		{"explain", "-f", missing, "--src", "1.1.1.1", "--dst", "2.2.2.2", "--proto", "tcp", "--dport", "80"},
		{"lint", "-f", missing},
		{"matrix", "-f", missing},
		{"query", "endpoint", "vote/db-0", "-f", missing},
		{"profile", "databases", "rule", "show", "-f", missing},
		{"impact", "-f", missing, "--flows", flows},
		{"impact", "-f", good, "--flows", missing},
		{"recommend", "-f", missing, "--flows", flows, "--namespace", "vote"},
		{"serve", "-f", missing},
		{"authz", "-f", missing},
		{"ui", "-f", missing},
		{"ui", "-f", good, "--flows", missing},
		{"diff", "--before", missing, "--after", good},
		{"conformance", missing},
		// The same files as arguments: every command that reads policy
		// resources reads its arguments as files too (query after its ARG).
		{"convert", missing},
		{"eval", missing, "--src", "1.1.1.1", "--dst", "2.2.2.2", "--proto", "tcp", "--dport", "80"},
		{"explain", missing, "--src", "1.1.1.1", "--dst", "2.2.2.2", "--proto", "tcp", "--dport", "80"},
		{"lint", missing},
		{"matrix", missing},
		{"query", "endpoint", "vote/db-0", missing},
		{"query", "policy", "vote/db", missing},
		{"query", "selector", "all()", missing},
		{"impact", missing, "--flows", flows},
		{"recommend", missing, "--flows", flows, "--namespace", "vote"},
		{"serve", missing},
		{"authz", missing},
		{"ui", missing},
	}
	for _, args := range tests {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			code, _, stderr := runVerdict("", args...)
			want := "verdict: " + missing + ": no such file or directory\n"
			if code != exitUsage || stderr != want {
				t.Errorf("%v: exit %d, stderr %q; want 2 and %q", args, code, stderr, want)
			}
		})
	}
}

// A wrong number of arguments says what the command expects: its usage
// line and where its help is, exit status 2.
func TestArgumentCountMessages(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"profile"}, []string{"verdict: profile needs 3 arguments, got 0\n", "usage: verdict profile NAME rule show|add|remove", `run "verdict profile --help"`}},
		{[]string{"profile", "databases", "rule"}, []string{"verdict: profile needs 3 arguments, got 2\n"}},
		{[]string{"diff", "old/"}, []string{`verdict: diff takes no arguments, got ["old/"]; give the two sets with --before FILE|DIR and --after FILE|DIR`, "usage: verdict diff --before"}},
		{[]string{"version", "extra"}, []string{`verdict: version takes no arguments, got ["extra"]`}},
		{[]string{"query", "endpoint"}, []string{"verdict: query endpoint needs 1 argument, got 0\n", "usage: verdict query endpoint"}},
		{[]string{"conformance"}, []string{"verdict: conformance needs 1 argument, got 0\n"}},
	}
	for _, tt := range tests {
		code, _, stderr := runVerdict("", tt.args...)
		if code != exitUsage || strings.Contains(stderr, "arg(s)") {
			t.Errorf("%v: exit %d, want 2: %s", tt.args, code, stderr)
		}
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tt.args, w, stderr)
			}
		}
	}
}
