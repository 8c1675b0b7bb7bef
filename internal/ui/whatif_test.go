package ui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// A what-if is never answered from a stale matrix: whatever was asked
// before (the graph, what-ifs with other ports, the same one again), each
// diff is the one the matrices of the sets before and after, computed
// anew, give; and a fresh server gives the same.
func TestWhatIfNeverStale(t *testing.T) {
	s := seed004(t, true)
	h := s.Handler()
	// A candidate naming a port no rule of the input names, so that its
	// matrices have other ports than the rest, and a tier (which every
	// verdict may change with).
	cand := `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-admin, namespace: vote}
spec:
  tier: security
  order: 1
  selector: app == 'db'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [9999]}
  - action: Pass
`
	candSet := func() model.Set {
		l := policy.NewLoader()
		if err := l.Add("candidate", strings.NewReader(cand)); err != nil {
			t.Fatal(err)
		}
		res, err := l.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return res.Set
	}()
	var db, deny model.Policy
	for _, p := range s.set.Policies {
		switch p.Name {
		case "db":
			db = p
		case "default-deny":
			deny = p
		}
	}
	moved := db
	moved.Tier = "default"
	type ask struct {
		name, method, target, body string
		upserts                    model.Set
		scope                      string
	}
	asks := []ask{
		{"move db", "POST", "/api/whatif", `{"kind":"NetworkPolicy","namespace":"vote","name":"db","tier":"default","scope":"vote"}`, model.Set{Policies: []model.Policy{moved}}, "vote"},
		{"candidate", "POST", "/api/whatif", mustJSON(t, map[string]string{"candidate": cand, "scope": "vote"}), candSet, "vote"},
		{"enforce", "GET", "/api/impact/enforce?kind=StagedGlobalNetworkPolicy&name=default-deny", "", analysis.AsApplied(model.Set{Policies: []model.Policy{deny}}, nil), ""},
		{"enforce in vote", "GET", "/api/impact/enforce?kind=StagedGlobalNetworkPolicy&name=default-deny&scope=vote", "", analysis.AsApplied(model.Set{Policies: []model.Policy{deny}}, nil), "vote"},
	}
	anew := func(a ask) string {
		t.Helper()
		after := analysis.WithUpserts(s.set, a.upserts)
		opts := analysis.MatrixOptions{Ports: analysis.DefaultPorts(s.set, after), Namespace: a.scope}
		bm, err := analysis.NewMatrix(s.set, opts)
		if err != nil {
			t.Fatal(err)
		}
		am, err := analysis.NewMatrix(after, opts)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(analysis.DiffMatrices(bm, am))
		return string(b)
	}
	diffOf := func(a ask, ans map[string]any) string {
		t.Helper()
		d, ok := ans["diff"]
		if !ok {
			t.Fatalf("%s: no diff: %v", a.name, ans)
		}
		b, _ := json.Marshal(d)
		// Through the same types, so that empty lists compare alike.
		var md analysis.MatrixDiff
		if err := json.Unmarshal(b, &md); err != nil {
			t.Fatal(err)
		}
		b, _ = json.Marshal(md)
		return string(b)
	}
	get(t, h, "GET", "/api/graph?namespace=vote", "")
	// Each in turn, then again in reverse: every answer after the first
	// of its kind is asked with the others' matrices kept.
	order := append(append([]ask{}, asks...), asks...)
	for i := range asks {
		order[len(asks)+i] = asks[len(asks)-1-i]
	}
	for i, a := range order {
		code, ans := get(t, h, a.method, a.target, a.body)
		if code != 200 {
			t.Fatalf("%s: %d %v", a.name, code, ans)
		}
		want := anew(a)
		if got := diffOf(a, ans); got != want {
			t.Errorf("ask %d, %s: diff\n%s\nthe matrices anew give\n%s", i, a.name, got, want)
		}
		if a.name != "move db" && want == anew(ask{upserts: model.Set{}, scope: a.scope}) {
			t.Errorf("%s changes nothing: the test compares too little", a.name)
		}
		_, fresh := get(t, seed004(t, true).Handler(), a.method, a.target, a.body)
		if d := cmp.Diff(diffOf(a, fresh), diffOf(a, ans)); d != "" {
			t.Errorf("ask %d, %s: a fresh server's diff differs (-fresh +kept):\n%s", i, a.name, d)
		}
	}
}

// The server keeps at most maxMatrices matrices, the latest.
func TestMatricesKeptAreBounded(t *testing.T) {
	s := seed004(t, false)
	ports := s.matrixBase().DefaultPorts()
	for i := range maxMatrices + 3 {
		opts := analysis.MatrixOptions{Ports: append(append([]analysis.Port{}, ports...), analysis.Port{Protocol: model.ProtoTCP, Number: uint16(20000 + i)})}
		if _, err := s.cachedMatrix(opts); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.matrices) != maxMatrices || len(s.matrixOrder) != maxMatrices {
		t.Errorf("%d matrices kept, %d in order; want %d", len(s.matrices), len(s.matrixOrder), maxMatrices)
	}
	last := fmt.Sprintf(" tcp/%d:%d", 20000+maxMatrices+2, 20000+maxMatrices+2)
	if !strings.HasSuffix(s.matrixOrder[len(s.matrixOrder)-1], last) {
		t.Errorf("latest kept %q, want one ending %q", s.matrixOrder[len(s.matrixOrder)-1], last)
	}
}
