package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// runUIFor starts verdict ui with args, fetches path from it once it
// listens, stops it, and returns the exit status, what it printed and
// the page.
func runUIFor(t *testing.T, path string, args ...string) (code int, out, errs, body string) {
	t.Helper()
	stop := make(chan struct{})
	o := &uiOptions{stop: stop, ready: func(url string) {
		defer close(stop)
		res, err := http.Get(url + strings.TrimPrefix(path, "/"))
		if err != nil {
			t.Error(err)
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		body = string(b)
	}}
	cmd := newUICmdWith(o)
	var stdout, stderr bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SetArgs(args)
	code = exitYes
	if err := cmd.Execute(); err != nil {
		code = exitUsage
		stderr.WriteString(err.Error())
	}
	return code, stdout.String(), stderr.String(), body
}

func TestUICommand(t *testing.T) {
	files := append(example("cluster.yaml", "tiers.yaml", "staged-default-deny.yaml", "db-policy.yaml"), "--flows", exampleDir+"flows.calico.jsonl")
	with := func(extra ...string) []string { return append(append([]string{}, files...), extra...) }

	code, out, errs, body := runUIFor(t, "/api/summary", files...)
	if code != exitYes || !strings.HasPrefix(out, "verdict ui: serving http://127.0.0.1:") {
		t.Fatalf("exit %d, printed %q %q; want the loopback URL", code, out, errs)
	}
	if !strings.Contains(errs, "listening on loopback only (--listen to change)") {
		t.Errorf("stderr %q does not say the server listens on loopback only", errs)
	}
	if !strings.Contains(body, `"records":13`) {
		t.Errorf("summary: %s", body)
	}

	if strings.Contains(errs, "replayed") {
		t.Errorf("without -v, stderr tells the steps of loading: %q", errs)
	}
	code, _, errs, _ = runUIFor(t, "/api/summary", with("-v")...)
	for _, step := range []string{"verdict ui: compiled ", "verdict ui: replayed 13 records", "verdict ui: linted: "} {
		if code != exitYes || !strings.Contains(errs, step) {
			t.Errorf("-v: exit %d, stderr %q; want %q", code, errs, step)
		}
	}

	code, _, errs, _ = runUIFor(t, "/", with("--listen", "0.0.0.0:0")...)
	if code != exitYes || !strings.Contains(errs, "reachable from other machines: the console has no authentication") {
		t.Errorf("--listen 0.0.0.0:0: exit %d, stderr %q; want the warning", code, errs)
	}

	code, _, _, body = runUIFor(t, "/", example("cluster.yaml", "tiers.yaml")...)
	if code != exitYes || !strings.Contains(body, "<title>verdict ui</title>") {
		t.Errorf("without flows: exit %d, page %q", code, body)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{with("--listen", "nonsense"), "--listen"},
		{with("--workers", "-1"), "--workers must not be negative"},
		{append(example("cluster.yaml"), "--flows", "-"), "needs files, not standard input"},
		{append(example("cluster.yaml"), "--flows-format", "xml"), "--flows-format"},
		{nil, "no policy files"},
		{append(example("cluster.yaml"), "--flows", exampleDir+"missing.jsonl"), "missing.jsonl"},
	} {
		code, _, errs := runCmd(t, "", append([]string{"ui"}, c.args...)...)
		if code != exitUsage || !strings.Contains(errs, c.want) {
			t.Errorf("ui %v: exit %d, stderr %q; want 2 and %q", c.args, code, errs, c.want)
		}
	}
}
