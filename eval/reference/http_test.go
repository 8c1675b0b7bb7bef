package reference

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func TestHTTP(t *testing.T) {
	request := func(method, path string) model.Flow {
		f := tcp("10.0.1.1", "10.0.2.1", 80)
		f.HTTP = &model.HTTPRequest{Method: method, Path: path}
		return f
	}
	methods := func(ms ...string) model.Rule { return model.Rule{HTTP: &model.HTTPMatch{Methods: ms}} }
	exact := func(p string) model.Rule {
		return model.Rule{HTTP: &model.HTTPMatch{Paths: []model.HTTPPath{{Exact: p}}}}
	}
	prefix := func(p string) model.Rule {
		return model.Rule{HTTP: &model.HTTPMatch{Paths: []model.HTTPPath{{Prefix: p}}}}
	}
	runRuleCases(t, []ruleCase{
		{name: "method listed", rule: methods("PUT", "GET"), flow: request("GET", "/"), want: true},
		{name: "method not listed", rule: methods("PUT"), flow: request("GET", "/"), want: false},
		{name: "methods are case-sensitive", rule: methods("get"), flow: request("GET", "/"), want: false},
		{name: "wildcard method", rule: methods("*"), flow: request("OPTIONS", "/"), want: true},
		{name: "request without a method", rule: methods("PUT"), flow: request("", "/"), want: true},
		{name: "exact path", rule: exact("/api/v1"), flow: request("GET", "/api/v1"), want: true},
		{name: "exact path is not a prefix", rule: exact("/api"), flow: request("GET", "/api/v1"), want: false},
		{name: "exact path after normalising both", rule: exact("/a//b"), flow: request("GET", "/a/b"), want: true},
		{name: "exact path ignores the query", rule: exact("/api/v1"), flow: request("GET", "/api/v1?id=3"), want: true},
		{name: "prefix at a segment boundary", rule: prefix("/pub"), flow: request("GET", "/pub/x"), want: true},
		{name: "prefix equal to the path", rule: prefix("/pub"), flow: request("GET", "/pub"), want: true},
		{name: "prefix inside a segment", rule: prefix("/pub"), flow: request("GET", "/public-leak"), want: false},
		{name: "prefix with a trailing slash", rule: prefix("/api/"), flow: request("GET", "/api/v1"), want: true},
		{name: "root prefix matches everything", rule: prefix("/"), flow: request("GET", "/anything/at/all"), want: true},
		{name: "dot segments cannot escape a prefix", rule: prefix("/api"), flow: request("GET", "/api/../admin"), want: false},
		{name: "double encoding never matches", rule: prefix("/"), flow: request("GET", "/api/%252e%252e/admin"), want: false},
		{name: "matrix parameters are dropped", rule: prefix("/admin/x"), flow: request("GET", "/admin;jsessionid=1/x"), want: true},
		{name: "paths are case-sensitive", rule: prefix("/API"), flow: request("GET", "/api/v1"), want: false},
		{name: "request without a path", rule: exact("/api"), flow: request("GET", ""), want: true},
		{name: "methods and paths both hold", rule: model.Rule{HTTP: &model.HTTPMatch{Methods: []string{"GET"}, Paths: []model.HTTPPath{{Exact: "/x"}}}}, flow: request("GET", "/y"), want: false},
		{name: "no request: HTTP criteria are not checked", rule: methods("PUT"), flow: tcp("10.0.1.1", "10.0.2.1", 80), want: true},
	})
}
