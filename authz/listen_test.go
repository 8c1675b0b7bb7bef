package authz_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/authz"
)

// Listen takes unix:PATH, replacing a stale socket but no other file, and
// HOST:PORT, loopback when the host is left out.
func TestListen(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "authz.sock")
	for range 2 { // the second finds the first's socket file left behind
		lis, err := authz.Listen("unix:" + sock)
		if err != nil {
			t.Fatal(err)
		}
		if lis.Addr().Network() != "unix" {
			t.Errorf("unix:%s listens on %v", sock, lis.Addr())
		}
		lis.(*net.UnixListener).SetUnlinkOnClose(false)
		lis.Close()
	}
	file := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := authz.Listen("unix:" + file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("listening over a regular file: %v", err)
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the file is gone: %v", err)
	}
	for _, bad := range []string{"unix:", "9191", "localhost", "127.0.0.1:"} {
		if _, err := authz.Listen(bad); err == nil {
			t.Errorf("Listen(%q) succeeded", bad)
		}
	}
	lis, err := authz.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis.Close()
	// No host is loopback, never every interface.
	lis, err = authz.Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	if a := lis.Addr().(*net.TCPAddr); !a.IP.IsLoopback() {
		t.Errorf(":0 listens on %v, want 127.0.0.1", a)
	}
	lis.Close()
}
