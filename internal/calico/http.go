package calico

import (
	"path"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// HTTPMatch is a rule's HTTP criteria with its paths normalised once.
type HTTPMatch struct {
	methods []string
	paths   []httpPath
}

type httpPath struct {
	path   string
	prefix bool
	ok     bool // the rule's path normalises; one that does not matches nothing
}

// NewHTTPMatch prepares a rule's HTTP criteria; nil criteria give a nil
// *HTTPMatch, which matches every request.
func NewHTTPMatch(m *model.HTTPMatch) *HTTPMatch {
	if m == nil {
		return nil
	}
	h := &HTTPMatch{methods: m.Methods}
	for _, p := range m.Paths {
		var hp httpPath
		if p.Exact != "" {
			hp.path, hp.ok = NormalizePath(p.Exact)
		} else {
			hp.prefix = true
			hp.path, hp.ok = NormalizePath(p.Prefix)
		}
		h.paths = append(h.paths, hp)
	}
	return h
}

// Matches checks the criteria against the flow's request. They are checked
// only when the flow carries a request (SPEC 5): at layer 4 nothing can see
// them, and the dataplane matches such a rule on its other criteria.
func (h *HTTPMatch) Matches(req *model.HTTPRequest) bool {
	if h == nil || req == nil {
		return true
	}
	return h.methodMatches(req.Method) && h.pathMatches(req.Path)
}

// methodMatches: any listed method, compared case-sensitively, or "*". A
// request whose method is unknown matches, as in Calico's L7 checker.
func (h *HTTPMatch) methodMatches(method string) bool {
	if len(h.methods) == 0 || method == "" {
		return true
	}
	for _, m := range h.methods {
		if m == "*" || m == method {
			return true
		}
	}
	return false
}

// pathMatches: any listed path, after both sides are normalised; a prefix
// matches at a path segment boundary, so /pub matches /pub and /pub/x but
// not /public. A request whose path is unknown matches, as one whose method
// is unknown does (the conformance vectors show Calico's pipeline
// agreeing). A request path that does not normalise matches no path
// criterion, which fails closed.
func (h *HTTPMatch) pathMatches(reqPath string) bool {
	if len(h.paths) == 0 || reqPath == "" {
		return true
	}
	req, ok := NormalizePath(reqPath)
	if !ok {
		return false
	}
	for _, p := range h.paths {
		if !p.ok {
			continue
		}
		if !p.prefix {
			if req == p.path {
				return true
			}
			continue
		}
		if p.path == "/" || req == p.path || strings.HasPrefix(req, p.path) && req[len(p.path)] == '/' {
			return true
		}
	}
	return false
}

// NormalizePath brings a path to the form Calico's checker compares
// (calico-semantics 4.10), so that one resource has one spelling: drop the
// query and fragment, percent-decode once, refuse what still hides an
// encoded dot, slash or backslash (a double encoding meant to slip past
// the match) or a NUL, turn backslashes into slashes, drop ";parameters"
// from each segment, and clean the result. ok is false for a path that is
// not absolute or must not match anything. Paths already in normal form
// come back without allocating.
func NormalizePath(p string) (string, bool) {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	if strings.IndexByte(p, '%') >= 0 {
		var ok bool
		if p, ok = percentDecode(p); !ok {
			return "", false
		}
		if hasEncodedSeparator(p) {
			return "", false
		}
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", false
	}
	if strings.IndexByte(p, '\\') >= 0 {
		p = strings.ReplaceAll(p, `\`, "/")
	}
	if strings.IndexByte(p, ';') >= 0 {
		segs := strings.Split(p, "/")
		for i, s := range segs {
			if j := strings.IndexByte(s, ';'); j >= 0 {
				segs[i] = s[:j]
			}
		}
		p = strings.Join(segs, "/")
	}
	return path.Clean(p), true
}

// hasEncodedSeparator finds %2e, %2f or %5c in any letter case: what a
// double encoding leaves after one decoding.
func hasEncodedSeparator(p string) bool {
	for i := 0; i+2 < len(p); i++ {
		if p[i] != '%' {
			continue
		}
		a, b := p[i+1], p[i+2]|0x20
		if a == '2' && (b == 'e' || b == 'f') || a == '5' && b == 'c' {
			return true
		}
	}
	return false
}

// percentDecode decodes %XX escapes once. A malformed escape makes the
// whole path invalid rather than being passed through, so it cannot be
// read two ways.
func percentDecode(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
