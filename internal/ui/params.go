package ui

import (
	"net/http"
	"strconv"

	"github.com/verdictlabs/verdict/model"
)

// maxPage is the most rows one request returns.
const maxPage = 1000

// intParam reads a non-negative integer query parameter, def when absent.
func intParam(r *http.Request, name string, def, limit int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, badf("%s: want a non-negative integer, not %q", name, v)
	}
	if limit > 0 && n > limit {
		return 0, badf("%s: at most %d, not %d", name, limit, n)
	}
	return n, nil
}

// page reads offset and limit.
func page(r *http.Request, defLimit int) (offset, limit int, err error) {
	if offset, err = intParam(r, "offset", 0, 0); err != nil {
		return 0, 0, err
	}
	if limit, err = intParam(r, "limit", defLimit, maxPage); err != nil {
		return 0, 0, err
	}
	return offset, limit, nil
}

// window is the [offset, offset+limit) part of n items.
func window(n, offset, limit int) (int, int) {
	lo := min(offset, n)
	return lo, min(lo+limit, n)
}

// policyKey reads kind, namespace and name and finds the policy.
func (s *Server) policyKey(r *http.Request) (*model.Policy, error) {
	q := r.URL.Query()
	k := model.Key{Kind: model.Kind(q.Get("kind")), Namespace: q.Get("namespace"), Name: q.Get("name")}
	if k.Kind == "" || k.Name == "" {
		return nil, badf("kind and name are required")
	}
	if !k.Kind.IsPolicy() {
		return nil, badf("kind %q is not a policy kind", k.Kind)
	}
	if p := s.index().byKey[k]; p != nil {
		return p, nil
	}
	return nil, badf("%s is not in the input", k)
}
