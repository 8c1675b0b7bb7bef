package loadgen_test

import (
	"context"
	"strings"
	"testing"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/verdictlabs/verdict/authz/loadgen"
)

// The generator sends only to this machine, and only bounded runs.
func TestBounds(t *testing.T) {
	for _, target := range []string{"10.0.0.1:9191", "192.168.1.1:9191", "example.com:9191", "[2001:db8::1]:9191", "9191", "unix:"} {
		if _, err := loadgen.Dial(target); err == nil {
			t.Errorf("Dial(%q) succeeded", target)
		}
	}
	for _, target := range []string{"127.0.0.1:9191", "127.1.2.3:9191", "[::1]:9191", "localhost:9191", "unix:/tmp/x.sock"} {
		conn, err := loadgen.Dial(target)
		if err != nil {
			t.Errorf("Dial(%q): %v", target, err)
			continue
		}
		conn.Close()
	}
	reqs := []*authv3.CheckRequest{{}}
	for _, tt := range []struct {
		opts loadgen.Options
		want string
	}{
		{loadgen.Options{Duration: time.Second}, "count"},
		{loadgen.Options{Count: loadgen.MaxCount + 1, Duration: time.Second}, "count"},
		{loadgen.Options{Count: 10}, "duration"},
		{loadgen.Options{Count: 10, Duration: loadgen.MaxDuration + 1}, "duration"},
		{loadgen.Options{Count: 10, Duration: time.Second, Streams: loadgen.MaxStreams + 1}, "streams"},
	} {
		if _, err := loadgen.Run(context.Background(), nil, reqs, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Run with %+v: %v, want an error about %s", tt.opts, err, tt.want)
		}
	}
	if _, err := loadgen.Run(context.Background(), nil, nil, loadgen.Options{Count: 1, Duration: time.Second}); err == nil {
		t.Error("Run without requests succeeded")
	}
}
