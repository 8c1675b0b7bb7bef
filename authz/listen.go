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
// other file there is an error), else a TCP address "HOST:PORT", where an
// empty host (":9191") is 127.0.0.1: the server says who may do what, so
// it is reachable from other machines only when told (0.0.0.0:9191).
// Envoy's ext_authz filter reaches either as a gRPC cluster.
func Listen(addr string) (net.Listener, error) {
	network, where, err := ListenAddr(addr)
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		if fi, err := os.Lstat(where); err == nil {
			if fi.Mode().Type() != fs.ModeSocket {
				return nil, fmt.Errorf("listen %q: %s exists and is not a socket", addr, where)
			}
			if err := os.Remove(where); err != nil {
				return nil, fmt.Errorf("listen %q: removing the stale socket: %w", addr, err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("listen %q: %w", addr, err)
		}
	}
	return net.Listen(network, where)
}

// ListenAddr reads an address as Listen does, without listening, so that
// a command can refuse a bad one before it starts anything: the network
// ("unix" or "tcp") and the path or HOST:PORT to listen on.
func ListenAddr(addr string) (network, where string, err error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if path == "" {
			return "", "", fmt.Errorf("listen %q: unix: needs a socket path", addr)
		}
		return "unix", path, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("listen %q: want HOST:PORT or unix:PATH: %w", addr, err)
	}
	if port == "" {
		return "", "", fmt.Errorf("listen %q: want HOST:PORT or unix:PATH: no port", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return "tcp", net.JoinHostPort(host, port), nil
}
