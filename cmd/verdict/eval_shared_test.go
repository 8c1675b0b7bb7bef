package main

import (
	"bytes"
	"strings"
	"testing"
)

// Issue 20, point 6: two endpoints with one address. validate names both,
// and eval judges a named endpoint as itself, not as whichever endpoint
// owns the address first.
func TestEvalSharedAddress(t *testing.T) {
	file := "testdata/eval/shared-address.yaml"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", file}, strings.NewReader(""), &stdout, &stderr); code != exitYes {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String() + stderr.String()
	for _, want := range []string{"WorkloadEndpoint prod/b", "warning", "address 10.0.0.5 is also WorkloadEndpoint prod/a's", "document 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate does not say %q:\n%s", want, out)
		}
	}
	tests := []struct {
		dst, judged string
		code        int
		stdout      string
	}{
		{"prod/b", "prod/b", exitNo, "ingress at WorkloadEndpoint prod/b (10.0.0.5): deny"},
		{"prod/a", "prod/a", exitYes, "ingress at WorkloadEndpoint prod/a (10.0.0.5): allow"},
		{"10.0.0.5", "prod/a", exitYes, "ingress at WorkloadEndpoint prod/a (10.0.0.5): allow"},
	}
	for _, tt := range tests {
		for _, engine := range []string{"compiled", "reference"} {
			for _, command := range []string{"eval", "explain"} {
				args := []string{command, "-f", file, "--src", "10.1.1.1", "--dst", tt.dst, "--dport", "80", "--engine", engine}
				var stdout, stderr bytes.Buffer
				code := run(args, strings.NewReader(""), &stdout, &stderr)
				if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) {
					t.Errorf("%v: exit %d, want %d and %q\n%s%s", args, code, tt.code, tt.stdout, stdout.String(), stderr.String())
				}
				if command == "explain" && !strings.Contains(stdout.String(), "ingress walk at WorkloadEndpoint "+tt.judged+":") {
					t.Errorf("%v: the account is not of the judged endpoint:\n%s", args, stdout.String())
				}
			}
		}
	}
}
