package ui

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// seed004 is the example of seed 004 at its third step: the staged
// default deny beside the db policy, with the day's flow logs.
func seed004(t testing.TB, withFlows bool) *Server {
	t.Helper()
	return seed004With(t, withFlows, 0)
}

// seed004With is seed004 with Config.MatrixLimit.
func seed004With(t testing.TB, withFlows bool, matrixLimit int) *Server {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", "tiers-staged")
	l := policy.NewLoader()
	for _, f := range []string{"cluster.yaml", "tiers.yaml", "staged-default-deny.yaml", "db-policy.yaml"} {
		if err := l.AddPath(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Result: res, Format: flowlog.Auto, Workers: 1, MatrixLimit: matrixLimit}
	if withFlows {
		cfg.Flows = []string{filepath.Join(dir, "flows.calico.jsonl")}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, method, target, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %v: %s", method, target, rec.Code, err, rec.Body)
	}
	return rec.Code, out
}

func TestBadRequests(t *testing.T) {
	h := seed004(t, true).Handler()
	noFlows := seed004(t, false).Handler()
	// As if the example were too large for a whole matrix.
	large := seed004With(t, true, 1).Handler()
	largeNoFlows := seed004With(t, false, 1).Handler()
	for _, c := range []struct {
		h            http.Handler
		method, url  string
		body, reason string
	}{
		{h, "GET", "/api/flows?verdict=maybe", "", "verdict: want all"},
		{h, "GET", "/api/flows?sort=colour", "", "sort: want line"},
		{h, "GET", "/api/flows?limit=5000", "", "limit: at most 1000"},
		{h, "GET", "/api/flows?offset=-1", "", "offset: want a non-negative integer"},
		{h, "GET", "/api/flows?q=port:99999", "", "q: port:N"},
		{h, "GET", "/api/explain?row=999", "", "row: want a record number below 13"},
		{h, "GET", "/api/explain", "", "row: want a record number"},
		{h, "GET", "/api/policy?kind=NetworkPolicy&namespace=vote&name=nope", "", "NetworkPolicy vote/nope is not in the input"},
		{h, "GET", "/api/policy?kind=Pod&name=x", "", `kind "Pod" is not a policy kind`},
		{h, "GET", "/api/policy", "", "kind and name are required"},
		{h, "GET", "/api/graph?namespace=nowhere", "", `namespace "nowhere" is not in the input`},
		{h, "GET", "/api/edge?id=e999", "", `no edge "e999"`},
		{h, "GET", "/api/recommend", "", "namespace is required"},
		{h, "GET", "/api/recommend?namespace=vote&tier=nosuch", "", `tier "nosuch" is not in the input`},
		{h, "GET", "/api/recommend?namespace=vote&group=vote/app=nope", "", `group "vote/app=nope" is not a workload group of namespace vote`},
		{h, "GET", "/api/recommend/download?namespace=nowhere", "", `namespace "nowhere" is not in the input`},
		{h, "GET", "/api/impact/enforce?kind=NetworkPolicy&namespace=vote&name=db", "", "is not a staged policy"},
		{h, "POST", "/api/whatif", "{", "request body: want JSON"},
		{h, "POST", "/api/whatif", `{"colour":"red"}`, "unknown field"},
		{h, "POST", "/api/whatif", `{}`, "give a policy to move"},
		{h, "POST", "/api/whatif", `{"kind":"NetworkPolicy","namespace":"vote","name":"db","tier":"nosuch"}`, `tier "nosuch" is not in the input`},
		{h, "POST", "/api/whatif", `{"candidate":"kind: Nonsense\n"}`, "candidate has problems"},
		{noFlows, "GET", "/api/recommend?namespace=vote", "", "recommend needs flow records"},
		{h, "GET", "/api/impact/enforce?kind=StagedGlobalNetworkPolicy&name=default-deny&scope=nowhere", "", `scope: namespace "nowhere" is not in the input`},
		{h, "POST", "/api/whatif", `{"candidate":"kind: GlobalNetworkPolicy\napiVersion: projectcalico.org/v3\nmetadata: {name: x}\n","scope":"nowhere"}`, `scope: namespace "nowhere"`},
		{large, "GET", "/api/impact/enforce?kind=StagedGlobalNetworkPolicy&name=default-deny", "", "too many for one connectivity matrix: choose a namespace"},
		{large, "POST", "/api/whatif", `{"kind":"NetworkPolicy","namespace":"vote","name":"db","tier":"default"}`, "choose a namespace"},
		{largeNoFlows, "GET", "/api/graph", "", "choose a namespace"},
		{noFlows, "GET", "/api/impact", "", "staged impact needs flow records"},
		{h, "GET", "/api/board?tier=nosuch", "", `tier: "nosuch" is not a tier of the input`},
		{h, "GET", "/api/board?limit=5000", "", "limit: at most 1000"},
		{h, "GET", "/api/board?tier=default&offset=many", "", "offset: want a non-negative integer"},
		{h, "GET", "/api/findings?offset=-5", "", "offset: want a non-negative integer"},
		{h, "GET", "/api/findings?limit=1001", "", "limit: at most 1000"},
		{h, "GET", "/api/policy?kind=NetworkPolicy&namespace=vote&name=db&offset=x", "", "offset: want a non-negative integer"},
		{h, "GET", "/api/policy?kind=NetworkPolicy&namespace=vote&name=db&limit=2000", "", "limit: at most 1000"},
		{h, "GET", "/api/impact?limit=2000", "", "limit: at most 1000"},
		{h, "GET", "/api/impact?changes=all", "", "changes: want a non-negative integer"},
		{h, "GET", "/api/impact/changes?kind=NetworkPolicy&namespace=vote&name=db", "", "NetworkPolicy vote/db is not a staged policy"},
		{h, "GET", "/api/impact/changes?name=default-deny", "", "kind and name are required"},
		{h, "GET", "/api/impact/changes?kind=StagedGlobalNetworkPolicy&name=nope", "", "is not in the input"},
		{h, "GET", "/api/impact/changes?offset=-1", "", "offset: want a non-negative integer"},
		{noFlows, "GET", "/api/impact/changes", "", "staged impact needs flow records"},
	} {
		code, body := get(t, c.h, c.method, c.url, c.body)
		msg, _ := body["error"].(string)
		if code != http.StatusBadRequest || !strings.Contains(msg, c.reason) {
			t.Errorf("%s %s %s: %d %q, want 400 with %q", c.method, c.url, c.body, code, msg, c.reason)
		}
	}
}

func TestSeed004(t *testing.T) {
	h := seed004(t, true).Handler()

	_, board := get(t, h, "GET", "/api/board", "")
	var order []string
	for _, tier := range board["tiers"].([]any) {
		tm := tier.(map[string]any)
		for _, p := range tm["policies"].([]any) {
			pm := p.(map[string]any)
			order = append(order, tm["tier"].(string)+":"+pm["name"].(string)+":"+pm["kind"].(string))
		}
	}
	if got, want := strings.Join(order, " "), "platform:db:NetworkPolicy default:default-deny:StagedGlobalNetworkPolicy"; got != want {
		t.Errorf("board: %s, want %s", got, want)
	}

	_, pol := get(t, h, "GET", "/api/policy?kind=NetworkPolicy&namespace=vote&name=db", "")
	if y := pol["yaml"].(string); !strings.Contains(y, "kind: NetworkPolicy") || !strings.Contains(y, "- 5432") {
		t.Errorf("policy yaml:\n%s", y)
	}
	if n := pol["ingress"].(map[string]any)["total"].(float64); n != 1 {
		t.Errorf("db policy selects %v endpoints for ingress, want 1", n)
	}

	_, imp := get(t, h, "GET", "/api/impact", "")
	staged := imp["staged"].([]any)[0].(map[string]any)
	if staged["name"] != "default-deny" || staged["newlyDenied"].(float64) != 1200 {
		t.Errorf("staged impact: %v newly denied by %v, want 1200 by default-deny", staged["newlyDenied"], staged["name"])
	}

	_, g := get(t, h, "GET", "/api/graph?namespace=wordpress", "")
	edges := g["edges"].([]any)
	if len(edges) != 1 || edges[0].(map[string]any)["verdict"] != "allowed" || edges[0].(map[string]any)["flows"].(float64) != 75 {
		t.Errorf("wordpress graph edges: %v", edges)
	}

	_, rec := get(t, h, "GET", "/api/recommend?namespace=vote&tier=platform", "")
	if s := rec["impact"].(map[string]any)["summary"].(map[string]any); s["newlyDenied"].(float64) != 0 {
		t.Errorf("recommended policies staged beside the default deny still newly deny %v flows", s["newlyDenied"])
	}
	_, enf := get(t, h, "GET", "/api/recommend/enforce?namespace=vote&tier=platform", "")
	if s := enf["stagedAfter"].(map[string]any)["summary"].(map[string]any); s["newlyDenied"].(float64) != 0 {
		t.Errorf("after enforcing, the staged default deny newly denies %v flows", s["newlyDenied"])
	}

	_, flows := get(t, h, "GET", "/api/flows?verdict=newly-denied&sort=count&limit=2", "")
	rows := flows["rows"].([]any)
	if flows["total"].(float64) != 11 || len(rows) != 2 || rows[0].(map[string]any)["count"].(float64) != 500 {
		t.Errorf("newly denied flows: total %v, rows %v", flows["total"], rows)
	}

	req := httptest.NewRequest("GET", "/api/recommend/download?namespace=vote&group=vote/app=redis", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	body, _ := io.ReadAll(w.Body)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Disposition"), "recommended-vote.yaml") || !strings.Contains(string(body), "name: redis") {
		t.Errorf("download: %d %q\n%s", w.Code, w.Header().Get("Content-Disposition"), body)
	}
}

// TestLargeScope: beyond the matrix limit, diffs and the graph without
// flows are of one namespace, which still answers.
func TestLargeScope(t *testing.T) {
	large := seed004With(t, true, 1).Handler()
	code, ans := get(t, large, "GET", "/api/impact/enforce?kind=StagedGlobalNetworkPolicy&name=default-deny&scope=vote", "")
	if code != 200 || ans["scope"] != "vote" || len(ans["diff"].(map[string]any)["removed"].([]any)) == 0 {
		t.Errorf("enforcing the default deny, diff of vote: %d %v", code, ans)
	}
	code, ans = get(t, seed004With(t, false, 1).Handler(), "GET", "/api/graph?namespace=vote", "")
	if code != 200 || len(ans["edges"].([]any)) == 0 {
		t.Errorf("graph of vote without flows: %d %v", code, ans)
	}
	_, sum := get(t, large, "GET", "/api/summary", "")
	if sum["scopeRequired"] != true {
		t.Errorf("summary: %v", sum)
	}
}

func TestGraphWithoutFlows(t *testing.T) {
	_, g := get(t, seed004(t, false).Handler(), "GET", "/api/graph?namespace=vote", "")
	if g["source"] != "matrix" || len(g["edges"].([]any)) == 0 {
		t.Errorf("graph without flows: %v", g)
	}
	for _, e := range g["edges"].([]any) {
		em := e.(map[string]any)
		if em["source"] == "vote/app=vote" && em["target"] == "vote/app=db" {
			t.Errorf("vote reaches db in the matrix graph, though the db policy admits worker and result only: %v", em)
		}
	}
}

// The flows table sorts by a side's name and finds a text in sides and
// groups, as the names read: checked against every record's row.
func TestFlowsSortAndSearch(t *testing.T) {
	s := seed004(t, true)
	h := s.Handler()
	for _, by := range []string{"source", "destination"} {
		_, ans := get(t, h, "GET", "/api/flows?limit="+strconv.Itoa(maxPage)+"&sort="+by, "")
		rows := ans["rows"].([]any)
		if len(rows) != len(s.records) {
			t.Fatalf("sort=%s: %d rows of %d", by, len(rows), len(s.records))
		}
		field := map[string]string{"source": "source", "destination": "destination"}[by]
		for i := 1; i < len(rows); i++ {
			a, b := rows[i-1].(map[string]any), rows[i].(map[string]any)
			if a[field].(string) > b[field].(string) || (a[field] == b[field] && a["id"].(float64) > b["id"].(float64)) {
				t.Fatalf("sort=%s: row %d (%v) after %v", by, i, b, a)
			}
		}
	}
	for _, q := range []string{"vote", "REDIS", "app=db", "no-such-name"} {
		text := strings.ToLower(q)
		want := 0
		for i := range s.records {
			r := &s.records[i]
			for _, v := range []string{r.side(true), r.side(false), groupName(r.srcGroup), groupName(r.dstGroup)} {
				if strings.Contains(strings.ToLower(v), text) {
					want++
					break
				}
			}
		}
		_, ans := get(t, h, "GET", "/api/flows?q="+q, "")
		if int(ans["total"].(float64)) != want {
			t.Errorf("q=%s: %v records, want %d", q, ans["total"], want)
		}
		if q == "vote" && want == 0 {
			t.Errorf("q=vote finds nothing in seed 004")
		}
	}
}

// TestWhatIfReplaysLikeTheFiles: the what-ifs replay the records kept
// at load, judging again only those the change can alter; each answer
// is the one replaying every record of the files against engines built
// from the changed set gives, including a candidate that changes an
// endpoint (which reads the files again).
func TestWhatIfReplaysLikeTheFiles(t *testing.T) {
	s := seed004(t, true)
	h := s.Handler()
	fromFiles := func(start model.Set, mode analysis.Mode, after *model.Set) analysis.Summary {
		t.Helper()
		r, err := analysis.NewReplayer(start, mode, after, nil)
		if err != nil {
			t.Fatal(err)
		}
		readers, closeAll, err := openFlows(s.cfg.Flows, s.cfg.Format)
		defer closeAll()
		if err != nil {
			t.Fatal(err)
		}
		imp, err := r.Run(readers, analysis.Options{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		return imp.Report("", 0).Summary
	}
	summary := func(v any) analysis.Summary {
		t.Helper()
		b, _ := json.Marshal(v)
		var out analysis.Summary
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var deny, db model.Policy
	for _, p := range s.set.Policies {
		switch p.Name {
		case "default-deny":
			deny = p
		case "db":
			db = p
		}
	}
	enforced := analysis.WithUpserts(s.set, analysis.AsApplied(model.Set{Policies: []model.Policy{deny}}, nil))
	_, ans := get(t, h, "GET", "/api/impact/enforce?kind=StagedGlobalNetworkPolicy&name=default-deny&scope=vote", "")
	if got, want := summary(ans["impact"].(map[string]any)["summary"]), fromFiles(s.set, analysis.ModeCandidate, &enforced); got != want || want.NewlyDenied == 0 {
		t.Errorf("enforcing the default deny: %+v, replaying the files %+v", got, want)
	}

	moved := db
	moved.Tier = "platform"
	movedSet := analysis.WithUpserts(s.set, model.Set{Policies: []model.Policy{moved}})
	_, ans = get(t, h, "POST", "/api/whatif", `{"kind":"NetworkPolicy","namespace":"vote","name":"db","tier":"platform"}`)
	if got, want := summary(ans["impact"].(map[string]any)["summary"]), fromFiles(s.set, analysis.ModeCandidate, &movedSet); got != want {
		t.Errorf("moving db: %+v, replaying the files %+v", got, want)
	}

	// Relabelled, the worker is no longer a source the db policy admits.
	ep := s.set.Endpoints[slices.IndexFunc(s.set.Endpoints, func(e model.Endpoint) bool { return e.Labels["app"] == "worker" })]
	cand := fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s, labels: {app: intruder}}\nspec: {containers: [{name: worker}]}\nstatus: {podIP: %s}\n",
		ep.Name, ep.Namespace, ep.Addresses[0])
	code, ans := get(t, h, "POST", "/api/whatif", mustJSON(t, map[string]string{"candidate": cand, "scope": "vote"}))
	if code != 200 {
		t.Fatalf("candidate endpoint: %d %v", code, ans)
	}
	l := policy.NewLoader()
	if err := l.Add("candidate", strings.NewReader(cand)); err != nil {
		t.Fatal(err)
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatal(err)
	}
	relabelled := analysis.WithUpserts(s.set, res.Set)
	if got, want := summary(ans["impact"].(map[string]any)["summary"]), fromFiles(s.set, analysis.ModeCandidate, &relabelled); got != want || want.NewlyDenied+want.NewlyAllowed == 0 {
		t.Errorf("relabelling the worker: %+v, replaying the files %+v", got, want)
	}
}

// TestRecommendLikeTheFiles: a recommendation observed from the records
// kept at load is the one observing the files gives.
func TestRecommendLikeTheFiles(t *testing.T) {
	s := seed004(t, true)
	rc, err := analysis.NewRecommender(s.set, analysis.RecommendOptions{Namespace: "vote", Tier: "platform"})
	if err != nil {
		t.Fatal(err)
	}
	readers, closeAll, err := openFlows(s.cfg.Flows, s.cfg.Format)
	defer closeAll()
	if err != nil {
		t.Fatal(err)
	}
	obs, err := analysis.Stream(readers, analysis.Options{Workers: 1}, analysis.NewObserved, rc.Add, func(a, b *analysis.Observed) { a.Merge(b) })
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	if err := policy.Encode(&want, model.Set{Policies: rc.Policies(obs)}, "yaml"); err != nil {
		t.Fatal(err)
	}
	_, rec := get(t, s.Handler(), "GET", "/api/recommend?namespace=vote&tier=platform", "")
	if rec["yaml"] != want.String() || rec["records"].(float64) != float64(obs.Records) || rec["used"].(float64) != float64(obs.Used) || rec["unresolved"].(float64) != float64(obs.Unresolved) {
		t.Errorf("recommended %v records %v used %v unresolved\n%s\nfrom the files %d, %d, %d\n%s", rec["records"], rec["used"], rec["unresolved"], rec["yaml"], obs.Records, obs.Used, obs.Unresolved, want.String())
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
