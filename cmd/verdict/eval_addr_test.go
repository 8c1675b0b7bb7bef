package main

import (
	"bytes"
	"strings"
	"testing"
)

// Issue 20, point 1: a zoned or IPv4-mapped flow address is decided as the
// address a packet carries (model.PacketAddr), never skipping a rule.
func TestEvalZonedAndMappedAddresses(t *testing.T) {
	files := []string{"eval", "-f", "testdata/eval/addresses.yaml"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
	}{
		{
			name:   "link-local source without a zone is denied",
			args:   []string{"--src", "fe80::1", "--dst", "fd00::2:7", "--dport", "80"},
			code:   exitNo,
			stdout: []string{"flow     [fe80::1]:0 -> [fd00::2:7]:80", "DENIED at ingress", "GlobalNetworkPolicy link-local rule #1 (index 0)"},
		},
		{
			name:   "a zone does not evade nets",
			args:   []string{"--src", "fe80::1%eth0", "--dst", "fd00::2:7", "--dport", "80"},
			code:   exitNo,
			stdout: []string{"flow     [fe80::1]:0 -> [fd00::2:7]:80", "DENIED at ingress", "GlobalNetworkPolicy link-local rule #1 (index 0)"},
		},
		{
			name:   "a zone on the destination finds its endpoint",
			args:   []string{"--src", "fe80::1", "--dst", "fd00::2:7%eth0", "--dport", "80"},
			code:   exitNo,
			stdout: []string{"ingress at WorkloadEndpoint prod/db", "GlobalNetworkPolicy link-local rule #1 (index 0)"},
		},
		{
			name:   "an IPv4-mapped destination is the endpoint's IPv4 address",
			args:   []string{"--src", "10.0.1.1", "--dst", "::ffff:10.0.2.7", "--dport", "80"},
			code:   exitNo,
			stdout: []string{"flow     10.0.1.1:0 -> 10.0.2.7:80", "DENIED at ingress", "ingress at WorkloadEndpoint prod/db (10.0.2.7)", "GlobalNetworkPolicy link-local in tier default: no rule matched"},
		},
		{
			name:   "an IPv4-mapped source is IPv4 too",
			args:   []string{"--src", "::ffff:10.0.1.1", "--dst", "prod/db", "--dport", "80"},
			code:   exitNo,
			stdout: []string{"flow     10.0.1.1:0 -> 10.0.2.7:80", "DENIED at ingress"},
		},
	}
	for _, tt := range tests {
		for _, engine := range []string{"compiled", "reference"} {
			t.Run(tt.name+"/"+engine, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				args := append(append(append([]string{}, files...), tt.args...), "--engine", engine)
				code := run(args, strings.NewReader(""), &stdout, &stderr)
				if code != tt.code {
					t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
				}
				out := stdout.String()
				for _, want := range tt.stdout {
					i := strings.Index(out, want)
					if i < 0 {
						t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
						continue
					}
					out = out[i+len(want):]
				}
			})
		}
	}
}
