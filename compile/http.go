package compile

import (
	"path"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// httpMatch is a rule's HTTP criteria with its paths normalised once.
type httpMatch struct {
	methods []string
	paths   []httpPath
}

type httpPath struct {
	path   string
	prefix bool
	ok     bool // the rule's path normalises; one that does not matches nothing
}

func newHTTPMatch(m *model.HTTPMatch) *httpMatch {
	if m == nil {
		return nil
	}
	h := &httpMatch{methods: m.Methods}
	for _, p := range m.Paths {
		var hp httpPath
		if p.Exact != "" {
			hp.path, hp.ok = normalizePath(p.Exact)
		} else {
			hp.prefix = true
			hp.path, hp.ok = normalizePath(p.Prefix)
		}
		h.paths = append(h.paths, hp)
	}
	return h
}

// matches checks the criteria against the flow's request; a flow without
// one is not checked (SPEC 5), and an unknown method or path matches as in
// Calico's checker.
func (h *httpMatch) matches(req *model.HTTPRequest) bool {
	if h == nil || req == nil {
		return true
	}
	return h.methodMatches(req.Method) && h.pathMatches(req.Path)
}

func (h *httpMatch) methodMatches(method string) bool {
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

func (h *httpMatch) pathMatches(reqPath string) bool {
	if len(h.paths) == 0 || reqPath == "" {
		return true
	}
	req, ok := normalizePath(reqPath)
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

// normalizePath gives a path the one spelling Calico's checker compares
// (calico-semantics 4.10): no query or fragment, percent-decoded once,
// backslashes as slashes, no ";parameters" in segments, cleaned. A path
// that is not absolute, or that still hides an encoded dot, slash or
// backslash or a NUL after decoding, normalises to nothing (ok false) and
// matches no criterion. Paths already in normal form come back without
// allocating.
func normalizePath(p string) (string, bool) {
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

// percentDecode decodes %XX once; a malformed escape spoils the path, so
// it cannot be read two ways.
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
