package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// serveFiles starts the HTTP API on the eval fixtures, copied into a
// directory the test may edit.
func serveFiles(t *testing.T) (*httptest.Server, *fileSource, string) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"cluster.yaml", "policies.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "eval", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := newServeMetrics()
	src, err := newFileSource([]string{dir}, false, slog.New(slog.NewTextHandler(io.Discard, nil)), m)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newServeHandler(src, m))
	t.Cleanup(srv.Close)
	return srv, src, dir
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestServeEvaluateMatchesEval holds the API's report to eval -o json's for
// the same flows.
func TestServeEvaluateMatchesEval(t *testing.T) {
	srv, _, _ := serveFiles(t)
	tests := []struct {
		name string
		body string
		args []string
	}{
		{"pod to pod by name", `{"src":"prod/web","dst":"prod/db","dstPort":3306}`, []string{"--src", "prod/web", "--dst", "prod/db", "--dport", "3306"}},
		{"ssh denied by address", `{"src":"10.0.1.5","dst":"10.0.2.7","protocol":"tcp","dstPort":22}`, []string{"--src", "10.0.1.5", "--dst", "10.0.2.7", "--proto", "tcp", "--dport", "22"}},
		{"protocol number and icmp", `{"src":"prod/web","dst":"prod/db","protocol":1,"icmp":{"type":8,"code":0}}`, []string{"--src", "prod/web", "--dst", "prod/db", "--proto", "1", "--icmp-type", "8"}},
		{"jump host and http", `{"src":"10.0.8.5","dst":"prod/db","dstPort":80,"http":{"method":"GET","path":"/status/x"}}`, []string{"--src", "10.0.8.5", "--dst", "prod/db", "--dport", "80", "--http-method", "GET", "--http-path", "/status/x"}},
		{"udp with source port", `{"src":"prod/web","dst":"10.0.2.7","protocol":"UDP","srcPort":5353,"dstPort":53}`, []string{"--src", "prod/web", "--dst", "10.0.2.7", "--proto", "UDP", "--sport", "5353", "--dport", "53"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, got := do(t, http.MethodPost, srv.URL+"/v1/evaluate", tt.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, got)
			}
			_, want, stderr := runVerdict("", evalArgs(append(tt.args, "-o", "json")...)...)
			if stderr != "" {
				t.Fatalf("eval: %s", stderr)
			}
			if !jsonEqual(t, got, want) {
				t.Errorf("serve answered\n%s\neval -o json gives\n%s", got, want)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%v: %s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}

// serve refuses, before it listens, what it cannot keep watching.
func TestServeUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-f", "-"}, "-f -: serve reads the files again when they change, so it needs files, not standard input"},
		{[]string{"-f", exampleDir + "cluster.yaml", "--poll", "0s"}, "--poll must be positive"},
		{[]string{"-f", exampleDir + "cluster.yaml", "--kubeconfig", "kubeconfig"}, "not both"},
	} {
		args := append(append([]string{"serve"}, tt.args...), "--listen", "127.0.0.1:0")
		if code, _, errs := runCmd(t, "", args...); code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
}

func TestServeBadRequests(t *testing.T) {
	srv, _, _ := serveFiles(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"unknown field", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","dport":3306}`, 400, `unknown field "dport"`},
		{"not json", "POST", "/v1/evaluate", `src=prod/web`, 400, "not a flow"},
		{"two values", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","dstPort":1} {}`, 400, "more than one JSON value"},
		{"missing dst", "POST", "/v1/evaluate", `{"src":"prod/web","dstPort":1}`, 400, "src and dst are both required"},
		{"missing dstPort", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db"}`, 400, "dstPort (1-65535) is required with protocol TCP"},
		{"port with icmp", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","protocol":"icmp","dstPort":1}`, 400, "not allowed with protocol ICMP"},
		{"unknown endpoint", "POST", "/v1/evaluate", `{"src":"prod/nope","dst":"prod/db","dstPort":1}`, 400, "no endpoint prod/nope is in the set"},
		{"bad protocol", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","protocol":"tcpx"}`, 400, `unknown protocol "tcpx"`},
		{"protocol out of range", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","protocol":300}`, 400, "out of range 1 to 255"},
		{"port out of range", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","dstPort":70000}`, 400, "dstPort"},
		{"icmp on tcp", "POST", "/v1/evaluate", `{"src":"prod/web","dst":"prod/db","dstPort":1,"icmp":{"type":8}}`, 400, "icmp needs protocol icmp"},
		{"families differ", "POST", "/v1/evaluate", `{"src":"10.0.1.5","dst":"fd00::2:7","dstPort":1}`, 400, "same IP family"},
		{"host endpoint judged", "POST", "/v1/evaluate", `{"src":"bastion","dst":"prod/db","dstPort":80}`, 400, "cannot judge yet"},
		{"body too large", "POST", "/v1/evaluate", `{"src":"` + strings.Repeat("a", maxFlowBody) + `"}`, 413, "larger than"},
		{"wrong method", "GET", "/v1/evaluate", ``, 405, ""},
		{"unknown endpoint GET", "GET", "/v1/endpoints/prod/nope", ``, 404, "no endpoint prod/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := do(t, tt.method, srv.URL+tt.path, tt.body)
			var e apiError
			if tt.reason != "" {
				if err := json.Unmarshal([]byte(body), &e); err != nil {
					t.Fatalf("%v: %s", err, body)
				}
			}
			if code != tt.status || !strings.Contains(e.Error, tt.reason) {
				t.Errorf("%s %s: %d %s, want %d with %q", tt.method, tt.path, code, body, tt.status, tt.reason)
			}
		})
	}
	// The server keeps serving.
	if code, body := do(t, "POST", srv.URL+"/v1/evaluate", `{"src":"prod/web","dst":"prod/db","dstPort":3306}`); code != 200 {
		t.Fatalf("after the bad requests: %d %s", code, body)
	}
	_, metrics := do(t, "GET", srv.URL+"/metrics", "")
	if !strings.Contains(metrics, "verdict_bad_requests_total 14") {
		t.Errorf("metrics do not count 14 bad requests:\n%s", grepLines(metrics, "verdict_"))
	}
}

func TestServeBatch(t *testing.T) {
	srv, _, _ := serveFiles(t)
	in := `{"src":"prod/web","dst":"prod/db","dstPort":3306}
{"src":"prod/web","dst":"prod/db","bogus":1}

{"src":"prod/web","dst":"prod/db","dstPort":22}
`
	code, out := do(t, "POST", srv.URL+"/v1/evaluate:batch", in)
	if code != 200 {
		t.Fatalf("status %d: %s", code, out)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 3 {
		t.Fatalf("%d output lines for 3 flows:\n%s", len(lines), out)
	}
	if lines[0]["allowed"] != true || lines[2]["allowed"] != false {
		t.Errorf("verdicts: %v, %v; want allowed then denied", lines[0]["allowed"], lines[2]["allowed"])
	}
	if lines[1]["line"] != float64(2) || !strings.Contains(lines[1]["error"].(string), `unknown field "bogus"`) {
		t.Errorf("error line: %v", lines[1])
	}
	_, metrics := do(t, "GET", srv.URL+"/metrics", "")
	for _, want := range []string{`verdict_evaluations_total{api="batch"} 2`, `verdict_verdicts_total{policy_set="enforced",verdict="denied"} 1`, "verdict_ready 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(metrics, "verdict_"))
		}
	}
}

func TestServeEndpointsAndHealth(t *testing.T) {
	srv, _, _ := serveFiles(t)
	code, body := do(t, "GET", srv.URL+"/v1/endpoints/prod/db", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var ep endpointView
	if err := json.Unmarshal([]byte(body), &ep); err != nil {
		t.Fatal(err)
	}
	if ep.Kind != "WorkloadEndpoint" || ep.Labels["app"] != "db" || len(ep.Addresses) != 2 || len(ep.Ports) != 1 || ep.Ports[0].Name != "mysql" {
		t.Errorf("endpoint prod/db: %+v", ep)
	}
	if code, body := do(t, "GET", srv.URL+"/v1/endpoints/bastion", ""); code != 200 || !strings.Contains(body, `"HostEndpoint"`) {
		t.Errorf("host endpoint: %d %s", code, body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := do(t, "GET", srv.URL+p, ""); code != 200 || body != "ok\n" {
			t.Errorf("%s: %d %q", p, code, body)
		}
	}
}

// TestServeReloadsFiles edits the files under a running server: a good
// edit takes effect, a bad one leaves the last good set in force and is
// counted.
func TestServeReloadsFiles(t *testing.T) {
	srv, src, dir := serveFiles(t)
	ctx := t.Context()
	go src.watch(ctx, 20*time.Millisecond)
	flow := `{"src":"prod/web","dst":"prod/db","dstPort":3306}`
	allowed := func() bool {
		_, body := do(t, "POST", srv.URL+"/v1/evaluate", flow)
		return decodeReport(t, body).Allowed
	}
	if !allowed() {
		t.Fatal("web to db:3306 is denied before any edit")
	}
	path := filepath.Join(dir, "policies.yaml")
	orig, _ := os.ReadFile(path)
	deny := strings.Replace(string(orig), "defaultAction: Pass", "defaultAction: Deny", 1)
	deny = strings.Replace(deny, "    - action: Pass\n", "", 1)
	writeLater(t, path, deny)
	waitUntil(t, func() bool { return !allowed() }, "the edit denying web to db was not picked up")

	writeLater(t, path, string(orig)+"\n---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: broken}\nspec: {selector: 'app =='}\n")
	waitUntil(t, func() bool {
		_, m := do(t, "GET", srv.URL+"/metrics", "")
		return strings.Contains(m, `verdict_reloads_total{result="refused"} 1`) && strings.Contains(m, "verdict_objects_refused 1")
	}, "the bad edit was not reported in the metrics")
	if allowed() {
		t.Fatal("a bad edit replaced the last good set")
	}
}

// writeLater replaces a file as editors do, by renaming a new one over
// it, with a modification time that differs from the last write's even
// on a coarse clock.
func writeLater(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Duration(len(content)) * time.Millisecond)
	if err := os.Chtimes(tmp, later, later); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func waitUntil(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func doHandler(h http.Handler, method, path, body string) (int, string) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	return rec.Code, rec.Body.String()
}

// testListener is an extra serve listener for the test of the hook: it
// answers one flow from the shared source, then stops serve with an error
// or waits for the end.
type testListener struct {
	on      bool
	fail    bool
	allowed chan bool
}

func (l *testListener) addFlags(f *pflag.FlagSet) { f.BoolVar(&l.on, "test-listener", false, "") }

func (l *testListener) check() error { return nil }

func (l *testListener) run(ctx context.Context, env *serveEnv) error {
	if !l.on {
		return nil
	}
	snap, err := env.src.snapshot()
	if err != nil {
		return err
	}
	h := &serveHandler{src: env.src, m: env.metrics}
	r, err := h.decide(snap, []byte(`{"src":"prod/web","dst":"prod/db","dstPort":3306}`))
	if err != nil {
		return err
	}
	l.allowed <- r.Allowed
	if l.fail {
		return errors.New("test listener failed")
	}
	<-ctx.Done()
	return nil
}

// TestServeExtraListeners runs serve with a listener added the way
// another file would add one: it shares the engine, takes its own flag,
// and its failure stops serve with the error.
func TestServeExtraListeners(t *testing.T) {
	_, _, dir := serveFiles(t)
	for _, fail := range []bool{false, true} {
		l := &testListener{fail: fail, allowed: make(chan bool, 1)}
		saved := serveListeners
		serveListeners = append(serveListeners, func() serveListener { return l })
		t.Cleanup(func() { serveListeners = saved })
		ctx, cancel := context.WithCancel(t.Context())
		var stderr lockedBuffer
		done := make(chan int, 1)
		go func() {
			done <- runContext(ctx, []string{"serve", "-f", dir, "--listen", "127.0.0.1:0", "--test-listener"}, strings.NewReader(""), io.Discard, &stderr)
		}()
		select {
		case allowed := <-l.allowed:
			if !allowed {
				t.Errorf("the listener saw web to db:3306 denied")
			}
		case code := <-done:
			t.Fatalf("serve ended with %d before the listener ran: %s", code, stderr.String())
		}
		if !fail {
			cancel()
		}
		code := <-done
		cancel()
		switch {
		case fail && (code == 0 || !strings.Contains(stderr.String(), "test listener failed")):
			t.Errorf("a failing listener: exit %d, stderr %s", code, stderr.String())
		case !fail && code != 0:
			t.Errorf("serve stopped by its context: exit %d, stderr %s", code, stderr.String())
		}
		serveListeners = saved
	}
}

// decodeReport reads the report of one evaluation.
func decodeReport(t *testing.T, body string) evalReport {
	t.Helper()
	var r evalReport
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return r
}
