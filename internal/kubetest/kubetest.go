// Package kubetest runs a real Kubernetes API server for tests: etcd and
// kube-apiserver on free loopback ports in a temporary directory, with a
// bearer token and no admission webhooks, controllers or kubelet.
//
// The binaries: VERDICT_KUBE_APISERVER names the kube-apiserver binary,
// by default the one scripts/test.sh builds from tools/kube-apiserver into
// its cache (the same path it computes: the hash of that module's go.mod
// and go.sum and the Go version); VERDICT_ETCD names the etcd binary, etcd
// on PATH by default (Debian's etcd-server package). When either is
// missing the test fails, never skips, with a message saying how to get
// them: a real API server is what these tests are about.
package kubetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// Environment variables naming the binaries.
const (
	EnvAPIServer = "VERDICT_KUBE_APISERVER"
	EnvEtcd      = "VERDICT_ETCD"
)

// token is the bearer token of the cluster admin the server trusts.
const token = "verdict-test-token"

// startTimeout bounds how long each process may take to become ready; the
// API server takes about 20 seconds on a 2-core machine, more under -race
// load from other tests.
const startTimeout = 3 * time.Minute

// Binaries returns the paths of kube-apiserver and etcd, or an error that
// says how to get them.
func Binaries() (apiServer, etcd string, err error) {
	apiServer = os.Getenv(EnvAPIServer)
	if apiServer == "" {
		if apiServer, err = cachedAPIServer(); err != nil {
			return "", "", fmt.Errorf("%s is not set and %v: run scripts/test.sh, which installs etcd-server and builds kube-apiserver from tools/kube-apiserver, or set it to a kube-apiserver binary", EnvAPIServer, err)
		}
	}
	if _, err := os.Stat(apiServer); err != nil {
		return "", "", fmt.Errorf("%s: %w (scripts/test.sh builds it)", EnvAPIServer, err)
	}
	etcd = os.Getenv(EnvEtcd)
	if etcd == "" {
		etcd = "etcd"
	}
	if etcd, err = exec.LookPath(etcd); err != nil {
		return "", "", fmt.Errorf("etcd not found (%w): apt-get install -y etcd-server, or set %s", err, EnvEtcd)
	}
	return apiServer, etcd, nil
}

// cachedAPIServer returns the kube-apiserver scripts/test.sh builds, at the
// path it builds it to, if it is there.
func cachedAPIServer() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "kube-apiserver", "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no tools/kube-apiserver module above the working directory")
		}
		dir = parent
	}
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(dir, "tools", "kube-apiserver", name))
		if err != nil {
			return "", err
		}
		h.Write(b)
	}
	cache := os.Getenv("VERDICT_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", err
			}
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "verdict")
	}
	bin := filepath.Join(cache, fmt.Sprintf("kube-apiserver-%x-%s", h.Sum(nil)[:8], runtime.Version()))
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("no kube-apiserver is built at %s", bin)
	}
	return bin, nil
}

// Require returns the binaries, failing the test when they are missing.
func Require(t testing.TB) (apiServer, etcd string) {
	t.Helper()
	apiServer, etcd, err := Binaries()
	if err != nil {
		t.Fatalf("the real API server test cannot run: %v", err)
	}
	return apiServer, etcd
}

// Server is a running etcd and kube-apiserver pair.
type Server struct {
	// Config reaches the API server as a cluster admin.
	Config *rest.Config

	t          testing.TB
	dir        string
	apiBin     string
	etcdBin    string
	etcdURL    string
	apiPort    int
	mu         sync.Mutex
	etcd, api  *process
	apiStopped bool
}

// process is a child process and what it wrote.
type process struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error
}

// Start starts etcd and the API server and waits until /readyz answers ok.
// Both are stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	apiBin, etcdBin := Require(t)
	s := &Server{t: t, dir: t.TempDir(), apiBin: apiBin, etcdBin: etcdBin}
	t.Cleanup(s.stopAll)
	if err := s.writeFiles(); err != nil {
		t.Fatal(err)
	}
	if err := s.startEtcd(); err != nil {
		t.Fatal(err)
	}
	s.apiPort = freePort(t)
	s.Config = &rest.Config{
		Host:            "https://127.0.0.1:" + strconv.Itoa(s.apiPort),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true}, // self-signed serving certificate
		QPS:             -1,                                   // no client-side throttling: the tests write in bulk
	}
	if err := s.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	return s
}

// Kubeconfig writes a kubeconfig file for the server and returns its path.
func (s *Server) Kubeconfig() string {
	s.t.Helper()
	path := filepath.Join(s.dir, "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
`, s.Config.Host, token)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return path
}

// writeFiles writes the token file and the service-account signing keys.
func (s *Server) writeFiles() error {
	if err := os.WriteFile(filepath.Join(s.dir, "tokens.csv"), []byte(token+`,admin,1,"system:masters"`+"\n"), 0o600); err != nil {
		return err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	priv := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(filepath.Join(s.dir, "sa.key"), priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

func (s *Server) startEtcd() error {
	client, peer := freePort(s.t), freePort(s.t)
	s.etcdURL = "http://127.0.0.1:" + strconv.Itoa(client)
	p, err := s.spawn("etcd", s.etcdBin,
		"--data-dir", filepath.Join(s.dir, "etcd"),
		"--listen-client-urls", s.etcdURL,
		"--advertise-client-urls", s.etcdURL,
		"--listen-peer-urls", "http://127.0.0.1:"+strconv.Itoa(peer),
		"--initial-advertise-peer-urls", "http://127.0.0.1:"+strconv.Itoa(peer),
		"--initial-cluster", "default=http://127.0.0.1:"+strconv.Itoa(peer),
		"--quota-backend-bytes", strconv.Itoa(4<<30),
	)
	if err != nil {
		return err
	}
	s.etcd = p
	return s.waitReady(p, func() error {
		_, err := s.etcdRevision()
		return err
	})
}

// StartAPIServer starts the API server (again, after StopAPIServer) on its
// port and waits until it is ready.
func (s *Server) StartAPIServer() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.api != nil && !s.apiStopped {
		return errors.New("kubetest: the API server is already running")
	}
	p, err := s.spawnAPIServer(s.apiPort, "certs")
	if err != nil {
		return err
	}
	s.api, s.apiStopped = p, false
	return s.waitReady(p, func() error { return readyz(s.Config.Host) })
}

// StartPeer starts a second API server on the same etcd, as in a highly
// available control plane: writes through it happen while the first is
// stopped, and clients of the first must catch up on them. The peer is
// stopped by the returned function, or when the test ends.
func (s *Server) StartPeer() (*rest.Config, func(), error) {
	port := freePort(s.t)
	p, err := s.spawnAPIServer(port, "certs-peer")
	if err != nil {
		return nil, nil, err
	}
	cfg := rest.CopyConfig(s.Config)
	cfg.Host = "https://127.0.0.1:" + strconv.Itoa(port)
	var once sync.Once
	done := func() { once.Do(func() { stop(p) }) }
	s.t.Cleanup(done)
	if err := s.waitReady(p, func() error { return readyz(cfg.Host) }); err != nil {
		done()
		return nil, nil, err
	}
	return cfg, done, nil
}

func (s *Server) spawnAPIServer(port int, certs string) (*process, error) {
	return s.spawn("kube-apiserver", s.apiBin,
		"--etcd-servers="+s.etcdURL,
		"--secure-port="+strconv.Itoa(port),
		"--bind-address=127.0.0.1",
		"--cert-dir="+filepath.Join(s.dir, certs),
		"--token-auth-file="+filepath.Join(s.dir, "tokens.csv"),
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+filepath.Join(s.dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(s.dir, "sa.key"),
		"--authorization-mode=AlwaysAllow",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--disable-admission-plugins=ServiceAccount",
		"--max-requests-inflight=2000",
		"--max-mutating-requests-inflight=1000",
	)
}

// StopAPIServer stops the API server, leaving etcd running; clients see
// connection errors until StartAPIServer.
func (s *Server) StopAPIServer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.api == nil || s.apiStopped {
		return
	}
	stop(s.api)
	s.apiStopped = true
}

// CompactEtcd compacts etcd's history up to its current revision, so that
// a watch resuming from an older resource version gets 410 Gone.
func (s *Server) CompactEtcd() error {
	rev, err := s.etcdRevision()
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"revision": strconv.FormatInt(rev, 10), "physical": true})
	_, err = s.etcdCall("/v3/kv/compaction", body)
	return err
}

// etcdRevision reads etcd's current revision through its JSON gateway.
func (s *Server) etcdRevision() (int64, error) {
	body, _ := json.Marshal(map[string]string{"key": base64.StdEncoding.EncodeToString([]byte("/")), "limit": "1"})
	out, err := s.etcdCall("/v3/kv/range", body)
	if err != nil {
		return 0, err
	}
	var resp struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return 0, fmt.Errorf("etcd range: %w", err)
	}
	return strconv.ParseInt(resp.Header.Revision, 10, 64)
}

func (s *Server) etcdCall(path string, body []byte) ([]byte, error) {
	resp, err := http.Post(s.etcdURL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("etcd %s: %s: %s", path, resp.Status, out)
	}
	return out, nil
}

// readyz asks the API server at host whether it is ready.
func readyz(host string) error {
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	req, _ := http.NewRequest(http.MethodGet, host+"/readyz", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %s: %s", resp.Status, out)
	}
	return nil
}

// spawn starts a binary with its output in a log file in the directory.
func (s *Server) spawn(name, bin string, args ...string) (*process, error) {
	log, err := os.CreateTemp(s.dir, name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// waitReady polls check until it succeeds, the process exits or the time
// is up; on failure the error holds the end of the process's log.
func (s *Server) waitReady(p *process, check func() error) error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v\n%s", filepath.Base(p.cmd.Path), p.err, tail(p.log.Name()))
		default:
		}
		if last = check(); last == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s: %v\n%s", filepath.Base(p.cmd.Path), startTimeout, last, tail(p.log.Name()))
}

func (s *Server) stopAll() {
	s.StopAPIServer()
	if s.etcd != nil {
		stop(s.etcd)
	}
}

// stop asks a process to end and kills it if it does not.
func stop(p *process) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.log.Close()
}

// tail returns the last lines of a log file.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// freePort returns a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitFor polls cond until it is true or ctx ends.
func WaitFor(ctx context.Context, cond func() bool) error {
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}
