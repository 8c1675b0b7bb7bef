package reference

import (
	"path"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// httpMatches checks a rule's HTTP criteria. They are checked only when
// the flow carries a request (SPEC 5): at layer 4 nothing can see them, and
// the dataplane matches such a rule on its other criteria.
func httpMatches(m *model.HTTPMatch, req *model.HTTPRequest) bool {
	if m == nil || req == nil {
		return true
	}
	return methodMatches(m.Methods, req.Method) && pathMatches(m.Paths, req.Path)
}

// methodMatches: any listed method, compared case-sensitively, or "*". A
// request whose method is unknown matches, as in Calico's L7 checker.
func methodMatches(methods []string, method string) bool {
	if len(methods) == 0 || method == "" {
		return true
	}
	for _, m := range methods {
		if m == "*" || m == method {
			return true
		}
	}
	return false
}

// pathMatches: any listed path, after both sides are normalised. A request
// whose path is unknown matches, as one whose method is unknown does (the
// conformance vectors show Calico's pipeline agreeing). A request path that
// does not normalise (not absolute, or hiding an encoded dot,
// slash or backslash, or a NUL) matches no path criterion, which fails
// closed.
func pathMatches(paths []model.HTTPPath, reqPath string) bool {
	if len(paths) == 0 || reqPath == "" {
		return true
	}
	req, ok := normalizePath(reqPath)
	if !ok {
		return false
	}
	for _, p := range paths {
		if p.Exact != "" {
			if want, ok := normalizePath(p.Exact); ok && req == want {
				return true
			}
			continue
		}
		if prefix, ok := normalizePath(p.Prefix); ok && prefixMatches(req, prefix) {
			return true
		}
	}
	return false
}

// prefixMatches matches at a path segment boundary: /pub matches /pub and
// /pub/x but not /public.
func prefixMatches(req, prefix string) bool {
	if prefix == "/" || req == prefix {
		return true
	}
	return strings.HasPrefix(req, prefix+"/")
}

// normalizePath brings a path to the form Calico's checker compares
// (calico-semantics 4.10), so that one resource has one spelling: drop the
// query and fragment, percent-decode once, refuse what still hides an
// encoded dot, slash or backslash (a double encoding meant to slip past
// the match) or a NUL, turn backslashes into slashes, drop ";parameters"
// from each segment, and clean the result. ok is false for a path that
// must not match anything.
func normalizePath(p string) (string, bool) {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	p, ok := percentDecode(p)
	if !ok {
		return "", false
	}
	lower := strings.ToLower(p)
	if strings.Contains(lower, "%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.ContainsRune(p, 0) {
		return "", false
	}
	p = strings.ReplaceAll(p, `\`, "/")
	segments := strings.Split(p, "/")
	for i, s := range segments {
		if j := strings.IndexByte(s, ';'); j >= 0 {
			segments[i] = s[:j]
		}
	}
	return path.Clean(strings.Join(segments, "/")), true
}

// percentDecode decodes %XX escapes once. A malformed escape makes the
// whole path invalid rather than being passed through, so it cannot be
// read two ways.
func percentDecode(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
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
