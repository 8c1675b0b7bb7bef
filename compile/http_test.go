package compile

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func TestNormalizePath(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"/", "/", true},
		{"/api/v1", "/api/v1", true},
		{"/api/v1/", "/api/v1", true},
		{"/api/./v1/../v2", "/api/v2", true},
		{"/api?x=1#frag", "/api", true},
		{"/a%20b", "/a b", true},
		{"/a%2Fb", "/a/b", true}, // decoded once
		{"/a%252fb", "", false},  // double encoding leaves %2f
		{"/a%2eb", "/a.b", true},
		{"/a%252eb", "", false},
		{"/a%5cb", "/a/b", true},
		{"/a%zz", "", false},
		{"/a%2", "", false},
		{"/a\\b", "/a/b", true},
		{"/a;jsessionid=1/b;x", "/a/b", true},
		{"/a%00b", "", false},
		{"relative", "", false},
		{"", "", false},
		{"//double//slash", "/double/slash", true},
	}
	for _, tt := range tests {
		got, ok := normalizePath(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normalizePath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHTTPMatch(t *testing.T) {
	m := newHTTPMatch(&model.HTTPMatch{
		Methods: []string{"GET", "PUT"},
		Paths:   []model.HTTPPath{{Exact: "/exact"}, {Prefix: "/pub"}, {Prefix: "relative"}},
	})
	tests := []struct {
		req  *model.HTTPRequest
		want bool
	}{
		{nil, true}, // no request: not checked
		{&model.HTTPRequest{Method: "GET", Path: "/exact"}, true},
		{&model.HTTPRequest{Method: "GET", Path: "/exact/more"}, false},
		{&model.HTTPRequest{Method: "PUT", Path: "/pub"}, true},
		{&model.HTTPRequest{Method: "PUT", Path: "/pub/x"}, true},
		{&model.HTTPRequest{Method: "PUT", Path: "/public"}, false},
		{&model.HTTPRequest{Method: "POST", Path: "/pub"}, false},
		{&model.HTTPRequest{Method: "get", Path: "/pub"}, false}, // methods are case-sensitive
		{&model.HTTPRequest{Path: "/pub"}, true},                 // unknown method matches
		{&model.HTTPRequest{Method: "GET"}, true},                // unknown path matches
		{&model.HTTPRequest{Method: "GET", Path: "nope"}, false}, // a path that does not normalise
		{&model.HTTPRequest{Method: "GET", Path: "/pub/../exact"}, true},
	}
	for _, tt := range tests {
		if got := m.matches(tt.req); got != tt.want {
			t.Errorf("%+v: got %v, want %v", tt.req, got, tt.want)
		}
	}
	star := newHTTPMatch(&model.HTTPMatch{Methods: []string{"*"}, Paths: []model.HTTPPath{{Prefix: "/"}}})
	if !star.matches(&model.HTTPRequest{Method: "DELETE", Path: "/anything/at/all"}) {
		t.Error(`"*" and prefix "/" should match everything`)
	}
}
