package calico

import (
	"strings"
	"testing"
)

// FuzzNormalizePath checks the HTTP path normaliser: it never panics,
// what it accepts is absolute and clean, and normalising again changes
// nothing, so one resource has one spelling.
func FuzzNormalizePath(f *testing.F) {
	for _, seed := range []string{
		"/", "/api/v1", "/a//b", "/api/../admin", "/api%2Fv1", "/api/%252e%252e/admin",
		"/admin;jsessionid=1/x", `/a\b`, "/x?y#z", "/%00", "/bad%zz", "", "api",
		"/a/../b", "/a%2fb", "/a%252fb", `/a\b;x=1/c?q#f`, "relative", "/%zz", "/a%00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, ok := NormalizePath(p)
		if !ok {
			if got != "" {
				t.Fatalf("NormalizePath(%q) rejected the path but returned %q", p, got)
			}
			return
		}
		if !strings.HasPrefix(got, "/") {
			t.Fatalf("NormalizePath(%q) = %q, not absolute", p, got)
		}
		if strings.Contains(got, "//") || strings.Contains(got, "/./") || strings.Contains(got, "/../") || strings.HasSuffix(got, "/..") {
			t.Fatalf("NormalizePath(%q) = %q, not clean", p, got)
		}
		if strings.ContainsAny(got, `\?#`) && !strings.Contains(p, "%") {
			t.Fatalf("NormalizePath(%q) = %q keeps a backslash, query or fragment", p, got)
		}
		if strings.ContainsRune(got, 0) {
			t.Fatalf("NormalizePath(%q) = %q holds a NUL", p, got)
		}
		// A result holding '%' or ';' or '?' is data, not syntax: it came
		// from an escape, so normalising it again may legitimately differ.
		if strings.ContainsAny(got, "%;?#") {
			return
		}
		again, ok := NormalizePath(got)
		if !ok || again != got {
			t.Fatalf("NormalizePath(%q) = %q, but normalising that gives %q, %v", p, got, again, ok)
		}
	})
}
