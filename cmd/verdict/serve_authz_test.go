package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// startServeAuthz runs verdict serve with args until the test ends and
// returns an ext_authz client and the HTTP API's base URL.
func startServeAuthz(t *testing.T, args ...string) (authv3.AuthorizationClient, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- runContext(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), strings.NewReader(""), &lockedBuffer{}, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-exit; code != 0 {
			t.Errorf("serve exited %d:\n%s", code, stderr.String())
		}
	})
	httpAddr := regexp.MustCompile(`listening" addr=(\S+)`)
	authzAddr := regexp.MustCompile(`ext_authz" addr=(\S+)`)
	var base, target string
	waitUntil(t, func() bool {
		select {
		case code := <-exit:
			exit <- code
			t.Fatalf("serve exited %d before listening:\n%s", code, stderr.String())
		default:
		}
		out := stderr.String()
		h, a := httpAddr.FindStringSubmatch(out), authzAddr.FindStringSubmatch(out)
		if h == nil || a == nil {
			return false
		}
		base, target = "http://"+h[1], a[1]
		return true
	}, "serve did not say where it listens")
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return authv3.NewAuthorizationClient(conn), base
}

// TestServeAuthz answers ext_authz beside serve's HTTP API from the same
// files: an edit changes both answers, a bad edit neither, and the authz
// metrics are on serve's /metrics.
func TestServeAuthz(t *testing.T) {
	dir, pol := authzPolicyDir(t)
	c, base := startServeAuthz(t, "-f", dir, "--poll", "20ms", "--authz-listen", "127.0.0.1:0", "--decision-headers")

	get := authzRequest("10.0.1.5", "10.0.2.7", 8080, "GET", "/")
	post := authzRequest("10.0.1.5", "10.0.2.7", 8080, "POST", "/")
	httpPost := `{"src":"10.0.1.5","dst":"10.0.2.7","protocol":"tcp","dstPort":8080,"http":{"method":"POST","path":"/"}}`
	if got, msg := checkCode(t, c, get); got != 0 {
		t.Errorf("GET: status %d (%s), want OK", got, msg)
	}
	resp, err := c.Check(t.Context(), post)
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetStatus().GetCode() != 7 {
		t.Errorf("POST: status %d, want PERMISSION_DENIED (7)", resp.GetStatus().GetCode())
	}
	if h := headerValue(resp.GetDeniedResponse().GetHeaders(), "x-verdict-decision"); h != "deny" {
		t.Errorf("--decision-headers: x-verdict-decision %q, want deny", h)
	}
	if _, body := do(t, "POST", base+"/v1/evaluate", httpPost); decodeReport(t, body).Allowed {
		t.Errorf("the HTTP API allows what ext_authz denies: %s", body)
	}

	// A good edit is put in force for both.
	writeLater(t, pol, strings.Replace(authzPolicyV1, "[GET]", "[GET, POST]", 1))
	waitUntil(t, func() bool { got, _ := checkCode(t, c, post); return got == 0 }, "ext_authz still denies POST after the edit")
	if _, body := do(t, "POST", base+"/v1/evaluate", httpPost); !decodeReport(t, body).Allowed {
		t.Errorf("ext_authz allows what the HTTP API denies: %s", body)
	}
	// A bad edit is refused; the last good set answers, and the metrics
	// on serve's /metrics say so.
	writeLater(t, pol, strings.Replace(authzPolicyV1, "action: Allow", "action: Permit", 1))
	var metrics string
	waitUntil(t, func() bool {
		_, metrics = do(t, "GET", base+"/metrics", "")
		return strings.Contains(metrics, "verdict_authz_policy_reloads_refused_total 1")
	}, "the refused edit is not in verdict_authz_policy_reloads_refused_total")
	for _, want := range []string{
		`verdict_authz_checks_total{result="allowed"} 2`, `verdict_authz_checks_total{result="denied"} `,
		"verdict_authz_policy_reloads_total 1", "verdict_authz_check_duration_seconds_count",
		`verdict_reloads_total{result="refused"} 1`, "verdict_ready 1",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q:\n%s", want, grepLines(metrics, "verdict_"))
		}
	}
	if got, _ := checkCode(t, c, post); got != 0 {
		t.Errorf("after a refused edit, POST: status %d, want the last good set's OK", got)
	}
}

// TestServeAuthzSidecar serves on a unix socket for a sidecar: loopback
// traffic is judged at --workload.
func TestServeAuthzSidecar(t *testing.T) {
	dir := t.TempDir()
	cluster, err := os.ReadFile("../../authz/testdata/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), append(cluster, []byte("\n---\n"+authzPolicyV1)...), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(t.TempDir(), "authz.sock")
	c, _ := startServeAuthz(t, "-f", dir, "--authz-listen", "unix:"+sock, "--workload", "shop/api", "--audit")
	if got, msg := checkCode(t, c, authzRequest("10.0.1.5", "127.0.0.1", 8080, "GET", "/")); got != 0 {
		t.Errorf("GET on loopback: status %d (%s), want OK", got, msg)
	}
	if got, _ := checkCode(t, c, authzRequest("10.0.1.5", "127.0.0.1", 8080, "DELETE", "/")); got != 7 {
		t.Errorf("DELETE on loopback: status %d, want PERMISSION_DENIED", got)
	}
}

// TestServeAuthzBadFlags: each is exit 2 with a reason, before serving.
func TestServeAuthzBadFlags(t *testing.T) {
	_, _, dir := serveFiles(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a port alone", []string{"--authz-listen", "9191"}, "--authz-listen"},
		{"no port", []string{"--authz-listen", "127.0.0.1:"}, "--authz-listen"},
		{"an empty socket path", []string{"--authz-listen", "unix:"}, "needs a socket path"},
		{"a socket over a file", []string{"--authz-listen", "unix:" + filepath.Join(dir, "cluster.yaml")}, "not a socket"},
		{"a socket over a directory", []string{"--authz-listen", "unix:" + dir}, "not a socket"},
		{"an address in use", []string{"--authz-listen", busy.Addr().String()}, "address already in use"},
		{"workload without authz", []string{"--workload", "prod/db"}, "give --authz-listen too"},
		{"audit without authz", []string{"--audit"}, "give --authz-listen too"},
		{"a workload without a namespace", []string{"--authz-listen", "127.0.0.1:0", "--workload", "db"}, "want NAMESPACE/NAME"},
		{"a workload not in the files", []string{"--authz-listen", "127.0.0.1:0", "--workload", "prod/gone"}, "no workload endpoint prod/gone"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr lockedBuffer
			code := runContext(t.Context(), append([]string{"serve", "-f", dir, "--listen", "127.0.0.1:0"}, tt.args...), strings.NewReader(""), &lockedBuffer{}, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tt.want)
			}
		})
	}
}

func headerValue(hs []*corev3.HeaderValueOption, key string) string {
	for _, h := range hs {
		if h.GetHeader().GetKey() == key {
			return h.GetHeader().GetValue()
		}
	}
	return ""
}
