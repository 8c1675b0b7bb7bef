package ui

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// BenchmarkPages measures what each page's requests cost on the
// benchmarks' generated cluster: 100,000 endpoints and its 1,000,000 flows
// as records (1,000 and 10,000 with -short). Loading (every record
// replayed and indexed) and the heap after it are logged. Matrix diffs
// and the graph without flows are of one namespace, as the console asks
// them of an input this large. Run it once per request:
//
//	go test ./internal/ui -run '^$' -bench Pages -benchtime 1x -timeout 60m
//
// -pages.endpoints N takes another size (10 records per endpoint unless
// -pages.records says otherwise):
//
//	go test ./internal/ui -run '^$' -bench Pages -benchtime 1x -args -pages.endpoints 10000 -pages.records 100000
func BenchmarkPages(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 1_000
	}
	if *pagesEndpoints > 0 {
		n = *pagesEndpoints
	}
	params := workload.LargeClusterParams(n)
	if *pagesRecords > 0 {
		params.Flows = *pagesRecords
	}
	genStart := time.Now()
	c := workload.NewCluster(params)
	flows := writeFlows(b, c)

	b.Logf("generated the cluster and wrote its flows in %s", time.Since(genStart).Round(time.Millisecond))
	start, cpu := time.Now(), cpuTime()
	s, err := New(Config{Result: &policy.Result{Set: c.Set}, Flows: []string{flows}, Format: flowlog.Verdict, Log: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	load, loadCPU := time.Since(start), cpuTime()-cpu
	// What New goes on making in the background (warm) is made before
	// any request is measured, and logged as part of start-up.
	<-s.warmed
	warm, warmCPU := time.Since(start), cpuTime()-cpu
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("%d endpoints, %d policies, %d records: loaded in %s (%s of CPU), warmed after %s (%s of CPU), heap %.0f MB", len(c.Set.Endpoints), len(c.Set.Policies), len(s.records),
		load.Round(time.Millisecond), loadCPU.Round(time.Millisecond), warm.Round(time.Millisecond), warmCPU.Round(time.Millisecond), float64(ms.HeapAlloc)/1e6)
	h := s.Handler()

	var sent int
	call := func(b *testing.B, method, target, body string) map[string]any {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
		}
		sent = rec.Body.Len()
		var out map[string]any
		json.Unmarshal(rec.Body.Bytes(), &out)
		return out
	}
	// The arguments of the pages that need a choice, from the answers.
	board := call(b, "GET", "/api/board", "")
	// pol is the board's first policy; global the first global one,
	// whose endpoints are of every namespace.
	var pol, global, staged url.Values
	for _, t := range board["tiers"].([]any) {
		for _, p := range t.(map[string]any)["policies"].([]any) {
			pm := p.(map[string]any)
			v := url.Values{"kind": {pm["kind"].(string)}, "name": {pm["name"].(string)}}
			if ns, ok := pm["namespace"].(string); ok {
				v.Set("namespace", ns)
			}
			if pol == nil {
				pol = v
			}
			if global == nil && pm["kind"] == string(model.KindGlobalNetworkPolicy) {
				global = v
			}
		}
	}
	// The first staged policy the impact page lists (the board's first
	// page of each tier may hold none).
	if st := call(b, "GET", "/api/impact", "")["staged"].([]any); len(st) > 0 {
		pm := st[0].(map[string]any)
		staged = url.Values{"kind": {pm["kind"].(string)}, "name": {pm["name"].(string)}}
		if ns, ok := pm["namespace"].(string); ok {
			staged.Set("namespace", ns)
		}
	}
	g := call(b, "GET", "/api/graph", "")
	edge := g["edges"].([]any)[0].(map[string]any)["id"].(string)
	ns := g["namespaces"].([]any)[0].(string)
	groups := call(b, "GET", "/api/groups?namespace="+ns, "")["groups"].([]any)
	group := groups[0].(map[string]any)["name"].(string)
	rec := url.Values{"namespace": {ns}, "group": {group}}.Encode()
	move, _ := json.Marshal(map[string]any{"kind": pol.Get("kind"), "namespace": pol.Get("namespace"), "name": pol.Get("name"), "tier": "default", "scope": ns})

	pages := []struct{ name, method, target, body string }{
		{"board", "GET", "/api/board", ""},
		{"findings", "GET", "/api/findings", ""},
		{"policy", "GET", "/api/policy?" + pol.Encode(), ""},
		{"policy-global", "GET", "/api/policy?" + global.Encode(), ""},
		{"graph", "GET", "/api/graph", ""},
		{"graph-namespace", "GET", "/api/graph?namespace=" + ns, ""},
		{"edge", "GET", "/api/edge?id=" + edge, ""},
		{"flows", "GET", "/api/flows", ""},
		{"flows-filter-sort", "GET", "/api/flows?q=" + ns + "&sort=source&verdict=denied", ""},
		{"explain", "GET", "/api/explain?row=0", ""},
		{"groups", "GET", "/api/groups?namespace=" + ns, ""},
		{"recommend", "GET", "/api/recommend?" + rec, ""},
		{"recommend-enforce", "GET", "/api/recommend/enforce?" + rec, ""},
		{"impact", "GET", "/api/impact", ""},
		{"whatif-move", "POST", "/api/whatif", string(move)},
	}
	if staged != nil {
		pages = append(pages, struct{ name, method, target, body string }{"impact-enforce", "GET", "/api/impact/enforce?" + staged.Encode() + "&scope=" + ns, ""})
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				call(b, p.method, p.target, p.body)
			}
			b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(sent), "bytes")
		})
	}
	b.Run("graph-without-flows", func(b *testing.B) {
		start, cpu := time.Now(), cpuTime()
		noFlows, err := New(Config{Result: &policy.Result{Set: c.Set}, Log: b.Logf})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("without flows: loaded in %s (%s of CPU)", time.Since(start).Round(time.Millisecond), (cpuTime() - cpu).Round(time.Millisecond))
		<-noFlows.warmed
		req := httptest.NewRequest("GET", "/api/graph?namespace="+ns, nil)
		cpu = cpuTime()
		for b.Loop() {
			rec := httptest.NewRecorder()
			noFlows.Handler().ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
			sent = rec.Body.Len()
		}
		b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
		b.ReportMetric(float64(sent), "bytes")
	})
}

// writeFlows writes the cluster's flows as records in verdict's JSON
// lines, each counted once, and returns the file.
func writeFlows(tb testing.TB, c workload.Cluster) string {
	tb.Helper()
	flows := filepath.Join(tb.TempDir(), "flows.jsonl")
	f, err := os.Create(flows)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for _, fl := range c.Flows {
		fmt.Fprintf(w, `{"src":"%s","dst":"%s","proto":%d,"sport":%d,"dport":%d`, fl.Src, fl.Dst, fl.Protocol, fl.SrcPort, fl.DstPort)
		if fl.ICMP != nil {
			fmt.Fprintf(w, `,"icmp_type":%d,"icmp_code":%d`, fl.ICMP.Type, fl.ICMP.Code)
		}
		w.WriteString(`,"count":1}` + "\n")
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return flows
}

var (
	pagesEndpoints = flag.Int("pages.endpoints", 0, "BenchmarkPages: the generated cluster's endpoints (default 100,000, 1,000 with -short)")
	pagesRecords   = flag.Int("pages.records", 0, "BenchmarkPages: the flow records (default 10 per endpoint)")
)

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine it says what a request costs better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
