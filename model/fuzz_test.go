package model

import (
	"strings"
	"testing"
)

// FuzzParseProtocol checks the one protocol parser: it never panics, what
// it accepts is a protocol from 1 to 255 whose String reads back to
// itself, and a name is accepted in any case.
func FuzzParseProtocol(f *testing.F) {
	for _, seed := range []string{"tcp", "TCP", "Tcp", "icmpv6", "UDPLite", "6", "255", "0", "256", "-1", "+6", "006", "tpc", "", " 6", "99999999999999999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseProtocol(s)
		if err != nil {
			if p != (Protocol{}) {
				t.Fatalf("ParseProtocol(%q) failed but returned %+v", s, p)
			}
			return
		}
		if !p.IsSet() {
			t.Fatalf("ParseProtocol(%q) accepted protocol 0", s)
		}
		back, err := ParseProtocol(p.String())
		if err != nil || back != p {
			t.Fatalf("ParseProtocol(%q) = %+v, but its String %q reads as %+v, %v", s, p, p, back, err)
		}
		if p.ByName && !strings.EqualFold(s, p.String()) {
			t.Fatalf("ParseProtocol(%q) = %s by name", s, p)
		}
	})
}
