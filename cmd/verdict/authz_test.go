package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// runAuthzFor starts verdict authz with args, calls use with a client and
// the metrics address once it serves, stops it, and returns the exit
// status and what it printed.
func runAuthzFor(t *testing.T, use func(c authv3.AuthorizationClient, metrics string), args ...string) (code int, out, errs string) {
	t.Helper()
	stop := make(chan struct{})
	o := &authzOptions{stop: stop, ready: func(addr, metrics string) {
		defer close(stop)
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		use(authv3.NewAuthorizationClient(conn), metrics)
	}}
	cmd := newAuthzCmdWith(o)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	var stdout, stderr syncBuffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	cmd.SetArgs(args)
	code = exitYes
	if err := cmd.Execute(); err != nil {
		code = exitUsage
		stderr.WriteString(err.Error())
	}
	return code, stdout.String(), stderr.String()
}

func authzRequest(src, dst string, dport uint32, method, path string) *authv3.CheckRequest {
	peer := func(ip string, port uint32) *authv3.AttributeContext_Peer {
		return &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
			SocketAddress: &corev3.SocketAddress{Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port}},
		}}}
	}
	return &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Source: peer(src, 40000), Destination: peer(dst, dport),
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: method, Path: path}},
	}}
}

func checkCode(t *testing.T, c authv3.AuthorizationClient, req *authv3.CheckRequest) (int32, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Check(ctx, req)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return resp.GetStatus().GetCode(), resp.GetStatus().GetMessage()
}

const authzPolicyV1 = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: api-http, namespace: shop}
spec:
  selector: app == 'api'
  types: [Ingress]
  ingress:
  - action: Allow
    protocol: TCP
    http: {methods: [GET]}
`

// authzPolicyDir writes the shop cluster and authzPolicyV1 into a fresh
// directory, returning it and the policy file's path, which tests edit.
func authzPolicyDir(t *testing.T) (dir, pol string) {
	t.Helper()
	dir = t.TempDir()
	cluster, err := os.ReadFile("../../authz/testdata/shop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), cluster, 0o644); err != nil {
		t.Fatal(err)
	}
	pol = filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(pol, []byte(authzPolicyV1), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, pol
}

func TestAuthzCommand(t *testing.T) {
	dir, pol := authzPolicyDir(t)
	get := authzRequest("10.0.1.5", "10.0.2.7", 8080, "GET", "/")
	post := authzRequest("10.0.1.5", "10.0.2.7", 8080, "POST", "/")
	// Edits are written aside and renamed into place, as configuration
	// tools do, so no poll reads half a file.
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(pol+".tmp", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(pol+".tmp", pol); err != nil {
			t.Fatal(err)
		}
	}
	waitFor := func(t *testing.T, c authv3.AuthorizationClient, req *authv3.CheckRequest, want int32) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			got, _ := checkCode(t, c, req)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the answer stayed %d, want %d after the edit", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	code, out, errs := runAuthzFor(t, func(c authv3.AuthorizationClient, metrics string) {
		if got, msg := checkCode(t, c, get); got != 0 {
			t.Errorf("GET: status %d (%s), want OK", got, msg)
		}
		if got, _ := checkCode(t, c, post); got != 7 {
			t.Errorf("POST: status %d, want PERMISSION_DENIED (7)", got)
		}
		// A good edit is put in force.
		write(strings.Replace(authzPolicyV1, "[GET]", "[GET, POST]", 1))
		waitFor(t, c, post, 0)
		// A bad edit is refused, and the last good set answers.
		write(strings.Replace(authzPolicyV1, "action: Allow", "action: Permit", 1))
		deadline := time.Now().Add(20 * time.Second)
		var body string
		for !strings.Contains(body, "verdict_authz_policy_reloads_refused_total 1") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			res, err := http.Get("http://" + metrics + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body = string(b)
		}
		for _, want := range []string{
			"verdict_authz_policy_reloads_refused_total 1", "verdict_authz_policy_reloads_total 1",
			`verdict_authz_checks_total{result="allowed"}`, `verdict_authz_checks_total{result="denied"}`,
			"verdict_authz_check_duration_seconds_bucket",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %q:\n%s", want, body)
			}
		}
		if got, _ := checkCode(t, c, post); got != 0 {
			t.Errorf("after a refused edit, POST: status %d, want the last good set's OK", got)
		}
	}, "-f", dir, "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--poll", "20ms")
	if code != exitYes || !strings.HasPrefix(out, "verdict authz: serving Envoy ext_authz on 127.0.0.1:") || !strings.Contains(out, "/metrics") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if !strings.Contains(errs, "policy files reloaded") || !strings.Contains(errs, "the last good set stays in force") || !strings.Contains(errs, "Permit") {
		t.Errorf("stderr does not report the reload and the refused edit: %s", errs)
	}

	// The sidecar form: loopback traffic judged at the named workload, on
	// a unix socket.
	write(authzPolicyV1)
	sock := filepath.Join(t.TempDir(), "authz.sock")
	code, out, errs = runAuthzFor(t, func(c authv3.AuthorizationClient, _ string) {
		if got, msg := checkCode(t, c, authzRequest("10.0.1.5", "127.0.0.1", 8080, "GET", "/")); got != 0 {
			t.Errorf("GET on loopback: status %d (%s), want OK", got, msg)
		}
	}, "-f", dir, "--listen", "unix:"+sock, "--workload", "shop/api", "--decision-headers", "--audit")
	if code != exitYes {
		t.Errorf("--workload on a unix socket: exit %d, stdout %q, stderr %q", code, out, errs)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(authzPolicyV1, "action: Allow", "action: Permit", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	var current string
	never := func(authv3.AuthorizationClient, string) { t.Errorf("%s: the server started", current) }
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no files", nil, "no policy files"},
		{"standard input", []string{"-f", "-"}, "needs files"},
		{"problems at start", []string{"-f", bad}, "nothing is served"},
		{"a missing file", []string{"-f", filepath.Join(dir, "nosuch.yaml")}, "nosuch.yaml"},
		{"a workload not in the files", []string{"-f", dir, "--workload", "shop/gone"}, "no workload endpoint shop/gone"},
		{"a workload without a namespace", []string{"-f", dir, "--workload", "api"}, "want NAMESPACE/NAME"},
		{"a bad listen address", []string{"-f", dir, "--listen", "9191"}, "--listen"},
		{"a bad poll", []string{"-f", dir, "--poll", "0s"}, "--poll"},
	} {
		current = tt.name
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !strings.Contains(strings.Join(args, " "), "--listen") {
				args = append(args, "--listen", "127.0.0.1:0")
			}
			code, _, errs := runAuthzFor(t, never, args...)
			if code != exitUsage || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errs, tt.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for the server's log and the test.
type syncBuffer struct {
	mu chan struct{}
	b  bytes.Buffer
}

func (s *syncBuffer) lock() {
	if s.mu == nil {
		s.mu = make(chan struct{}, 1)
	}
	s.mu <- struct{}{}
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.lock()
	defer func() { <-s.mu }()
	return s.b.Write(p)
}

func (s *syncBuffer) WriteString(p string) (int, error) { return s.Write([]byte(p)) }

func (s *syncBuffer) String() string {
	s.lock()
	defer func() { <-s.mu }()
	return s.b.String()
}
