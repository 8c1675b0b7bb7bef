package authz

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
)

// Listen opens the listener a server answers on: "unix:PATH" for a unix
// socket (a stale socket left at PATH by an earlier run is replaced; any
// other file there is an error), else a TCP address "HOST:PORT". Envoy's
// ext_authz filter reaches either as a gRPC cluster.
func Listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if path == "" {
			return nil, fmt.Errorf("listen %q: unix: needs a socket path", addr)
		}
		if fi, err := os.Lstat(path); err == nil {
			if fi.Mode().Type() != fs.ModeSocket {
				return nil, fmt.Errorf("listen %q: %s exists and is not a socket", addr, path)
			}
			if err := os.Remove(path); err != nil {
				return nil, fmt.Errorf("listen %q: removing the stale socket: %w", addr, err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("listen %q: %w", addr, err)
		}
		return net.Listen("unix", path)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("listen %q: want HOST:PORT or unix:PATH: %w", addr, err)
	}
	return net.Listen("tcp", addr)
}
