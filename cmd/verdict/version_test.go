package main

import (
	"strings"
	"testing"
)

// Issue 19: version, help and a bare selector follow the exit-status
// convention.
func TestVersionHelpAndBareSelector(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "version command", args: []string{"version"}, code: exitYes, stdout: "verdict "},
		{name: "--version flag", args: []string{"--version"}, code: exitYes, stdout: "verdict "},
		{name: "version as JSON", args: []string{"version", "-o", "json"}, code: exitYes, stdout: `"goVersion": "go1.`},
		{name: "version as YAML", args: []string{"version", "-o", "yaml"}, code: exitYes, stdout: "goVersion: go1."},
		{name: "version in no such format", args: []string{"version", "-o", "xml"}, code: exitUsage, stderr: "-o must be table, json or yaml"},
		{name: "help of a command", args: []string{"help", "eval"}, code: exitYes, stdout: "verdict eval"},
		{name: "help of no such topic", args: []string{"help", "nosuch"}, code: exitUsage, stderr: `unknown help topic "nosuch"`},
		{name: "selector without labels", args: []string{"selector", "a == 'b'"}, code: exitYes, stdout: `selector:  a == "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.stdout) || !strings.Contains(errs, tt.stderr) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errs)
			}
		})
	}
	if v := versionString(); !strings.HasPrefix(v, "verdict ") {
		t.Errorf("versionString() = %q", v)
	}
	if _, out, _ := runCmd(t, "", "selector", "a == 'b'"); strings.Contains(out, "matches") {
		t.Errorf("a selector without labels reports a match:\n%s", out)
	}
}

func TestUnknownFlagSuggests(t *testing.T) {
	code, _, errs := runCmd(t, "", "eval", "--dprot", "80")
	if code != exitUsage || !strings.Contains(errs, "unknown flag: --dprot; did you mean --dport?") || !strings.Contains(errs, "verdict eval --help") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCmd(t, "", "eval", "--zzzzzzzz")
	if code != exitUsage || strings.Contains(errs, "did you mean") || !strings.Contains(errs, "--help") {
		t.Errorf("far flag: exit %d, stderr %q", code, errs)
	}
}
