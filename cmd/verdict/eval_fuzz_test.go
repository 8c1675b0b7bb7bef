package main

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// FuzzParseProtocol checks --proto's parser: it never panics, and what it
// accepts is a protocol whose name (or number) reads back to itself.
func FuzzParseProtocol(f *testing.F) {
	for _, seed := range []string{"tcp", "TCP", "Tcp", "icmpv6", "UDPLite", "6", "255", "0", "256", "-1", "tpc", "", " 6"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseProtocol(s)
		if err != nil {
			return
		}
		if n == 0 {
			t.Fatalf("parseProtocol(%q) accepted protocol 0", s)
		}
		back, err := parseProtocol(model.ProtocolName(n))
		if err != nil || back != n {
			t.Fatalf("parseProtocol(%q) = %d, but its name %q reads as %d, %v", s, n, model.ProtocolName(n), back, err)
		}
	})
}
