package authz

import (
	"strings"
	"testing"
)

// FuzzParseSPIFFE: a principal either reads as a workload SPIFFE ID that
// writes back as itself, or is refused; never a panic.
func FuzzParseSPIFFE(f *testing.F) {
	for _, s := range []string{
		"spiffe://cluster.local/ns/shop/sa/frontend", "spiffe://td/ns//sa/x", "spiffe://cluster.local/ns/shop",
		"spiffe:///ns/a/sa/b", "spiffe://td/ns/a/sa/b/extra", "spiffe://td/sa/a/ns/b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseSPIFFE(s)
		if err != nil {
			return
		}
		if id.String() != s {
			t.Errorf("%q reads as %+v, which writes as %q", s, id, id.String())
		}
		for _, part := range []string{id.TrustDomain, id.Namespace, id.ServiceAccount} {
			if part == "" || strings.Contains(part, "/") {
				t.Errorf("%q: a part %q", s, part)
			}
		}
	})
}
