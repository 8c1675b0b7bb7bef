package calico

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func TestNormalizePath(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"/", "/", true},
		{"/api/v1", "/api/v1", true},
		{"/api/v1/", "/api/v1", true},
		{"/api/v1?id=3", "/api/v1", true},
		{"/healthz#frag", "/healthz", true},
		{"/a//b", "/a/b", true},
		{"//api//v1", "/api/v1", true},
		{"/api/./v1", "/api/v1", true},
		{"/api/../admin", "/admin", true},
		{"/../../etc", "/etc", true},
		{"/api%2Fv1", "/api/v1", true},
		{"/a/%2e%2e/admin", "/admin", true},
		{"/api/%252e%252e/admin", "", false},
		{"/api/%252Fadmin", "", false},
		{"/api/%255cadmin", "", false},
		{"/api%00", "", false},
		{`/a\b`, "/a/b", true},
		{"/a%5cb", "/a/b", true},
		{"/admin;jsessionid=1/x", "/admin/x", true},
		{"/api;v=1/v1", "/api/v1", true},
		{"/caf%C3%A9", "/café", true},
		{"/bad%zz", "", false},
		{"/bad%2", "", false},
		{"api", "", false},
		{"", "", false},
		{"?x=1", "", false},
		{"/api/./v1/../v2", "/api/v2", true},
		{"/api?x=1#frag", "/api", true},
		{"/a%20b", "/a b", true},
		{"/a%2Fb", "/a/b", true}, // decoded once
		{"/a%252fb", "", false},  // double encoding leaves %2f
		{"/a%2eb", "/a.b", true},
		{"/a%252eb", "", false},
		{"/a%zz", "", false},
		{"/a%2", "", false},
		{"/a\\b", "/a/b", true},
		{"/a;jsessionid=1/b;x", "/a/b", true},
		{"/a%00b", "", false},
		{"relative", "", false},
		{"//double//slash", "/double/slash", true},
	}
	for _, c := range cases {
		got, ok := NormalizePath(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizePath(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestHTTPMatch(t *testing.T) {
	m := NewHTTPMatch(&model.HTTPMatch{
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
		if got := m.Matches(tt.req); got != tt.want {
			t.Errorf("%+v: got %v, want %v", tt.req, got, tt.want)
		}
	}
	star := NewHTTPMatch(&model.HTTPMatch{Methods: []string{"*"}, Paths: []model.HTTPPath{{Prefix: "/"}}})
	if !star.Matches(&model.HTTPRequest{Method: "DELETE", Path: "/anything/at/all"}) {
		t.Error(`"*" and prefix "/" should match everything`)
	}
	var none *HTTPMatch
	if !none.Matches(&model.HTTPRequest{Method: "GET", Path: "/x"}) || NewHTTPMatch(nil) != nil {
		t.Error("no criteria must match")
	}
}
