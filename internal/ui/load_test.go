package ui

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/policy"
)

// writeSplitFlows writes a generated cluster's flows as verdict records, split
// among files, with a blank line now and then (lines that are no record).
func writeSplitFlows(t testing.TB, c *workload.Cluster, files int) []string {
	t.Helper()
	var paths []string
	for f := range files {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("flows-%d.jsonl", f))
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(out)
		for i := f; i < len(c.Flows); i += files {
			fl := c.Flows[i]
			fmt.Fprintf(w, `{"src":"%s","dst":"%s","proto":%d,"sport":%d,"dport":%d`, fl.Src, fl.Dst, fl.Protocol, fl.SrcPort, fl.DstPort)
			if fl.ICMP != nil {
				fmt.Fprintf(w, `,"icmp_type":%d,"icmp_code":%d`, fl.ICMP.Type, fl.ICMP.Code)
			}
			fmt.Fprintf(w, `,"count":%d}`+"\n", 1+i%3)
			if i%97 == 0 {
				w.WriteString("\n")
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		out.Close()
		paths = append(paths, path)
	}
	return paths
}

// TestLoadWorkersAgree: loading on many workers (records judged in any
// order, kept in blocks, the workers' runs merged into line order) answers
// every page exactly as loading on one does.
func TestLoadWorkersAgree(t *testing.T) {
	p := workload.LargeClusterParams(300)
	p.Flows = 6000
	c := workload.NewCluster(p)
	files := writeSplitFlows(t, &c, 2)
	load := func(workers int) *Server {
		s, err := New(Config{Result: &policy.Result{Set: c.Set}, Flows: files, Format: flowlog.Verdict, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, many := load(1), load(3)
	if len(one.records) != len(c.Flows) {
		t.Fatalf("%d records of %d", len(one.records), len(c.Flows))
	}
	for i := 1; i < len(many.records); i++ {
		a, b := many.records[i-1], many.records[i]
		if a.file > b.file || a.file == b.file && a.line >= b.line {
			t.Fatalf("row %d (file %d line %d) after file %d line %d", i, b.file, b.line, a.file, a.line)
		}
	}
	ns := one.namespaces()[0]
	for _, target := range []string{
		"/api/summary", "/api/board", "/api/impact",
		"/api/graph", "/api/graph?namespace=" + ns,
		"/api/flows", "/api/flows?offset=2900&limit=300", "/api/flows?sort=source", "/api/flows?sort=destination&verdict=denied",
		"/api/flows?q=" + ns, "/api/flows?sort=count&offset=5000",
		"/api/explain?row=4321",
	} {
		if a, b := body(t, one, "GET", target, ""), body(t, many, "GET", target, ""); a != b {
			t.Errorf("%s: one worker and three differ:\n%.600s\n%.600s", target, a, b)
		}
	}
	// A what-if replays the kept records.
	pol := one.set.Policies[0]
	move := fmt.Sprintf(`{"kind":%q,"namespace":%q,"name":%q,"tier":"default","scope":%q}`, pol.Kind, pol.Namespace, pol.Name, ns)
	if a, b := body(t, one, "POST", "/api/whatif", move), body(t, many, "POST", "/api/whatif", move); a != b {
		t.Errorf("what if: one worker and three differ:\n%.600s\n%.600s", a, b)
	}
}

func body(t *testing.T, s *Server, method, target, payload string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(payload)))
	if rec.Code != 200 {
		t.Fatalf("%s: %d %s", target, rec.Code, rec.Body)
	}
	return strings.TrimSpace(rec.Body.String())
}
