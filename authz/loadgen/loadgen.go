// Package loadgen drives an ext_authz server with Check requests over
// gRPC and measures it: checks per second and the latency each client
// saw. It is bounded by construction: a run needs both a request count and
// a time limit and stops at whichever comes first, and it sends only to
// loopback addresses and unix sockets, so it can load nothing but a
// server on the same machine.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Limits on one run.
const (
	MaxCount    = 10_000_000
	MaxDuration = 5 * time.Minute
	MaxStreams  = 1024
)

// Options bound and shape a run.
type Options struct {
	// Count is how many checks to send in all, at most MaxCount.
	Count int
	// Duration is the longest the run may last, at most MaxDuration.
	Duration time.Duration
	// Streams is how many checks are in flight at once (default 32).
	Streams int
	// Check, when set, is called with every response, from the stream
	// that sent it; an error it returns counts as a failed check.
	Check func(req *authv3.CheckRequest, resp *authv3.CheckResponse) error
}

// Result is what a run measured.
type Result struct {
	Checks  int           // answered
	Failed  int           // calls that failed, or that Options.Check refused
	Elapsed time.Duration // from the first request to the last answer
	P50     time.Duration // latency seen by the client
	P99     time.Duration
	Max     time.Duration
	// FirstError is the first failure, when there was one.
	FirstError error
}

// PerSecond is the checks answered per second.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Checks) / r.Elapsed.Seconds()
}

// Dial connects to a server at a loopback address (HOST:PORT) or a unix
// socket (unix:PATH); any other address is refused.
func Dial(target string) (*grpc.ClientConn, error) {
	if path, ok := strings.CutPrefix(target, "unix:"); ok {
		if path == "" {
			return nil, fmt.Errorf("target %q: unix: needs a socket path", target)
		}
	} else if err := checkLoopback(target); err != nil {
		return nil, err
	}
	return grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

func checkLoopback(target string) error {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return fmt.Errorf("target %q: want HOST:PORT or unix:PATH: %w", target, err)
	}
	if host == "localhost" {
		return nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Unmap().IsLoopback() {
		return fmt.Errorf("target %q: the load generator sends only to loopback addresses (127.0.0.0/8, ::1) or unix sockets", target)
	}
	return nil
}

// Run sends the requests, cycling through them, over opts.Streams
// concurrent callers until opts.Count checks are answered, opts.Duration
// has passed, or ctx ends.
func Run(ctx context.Context, c authv3.AuthorizationClient, reqs []*authv3.CheckRequest, opts Options) (Result, error) {
	switch {
	case len(reqs) == 0:
		return Result{}, errors.New("no requests to send")
	case opts.Count <= 0 || opts.Count > MaxCount:
		return Result{}, fmt.Errorf("count %d: want 1 to %d", opts.Count, MaxCount)
	case opts.Duration <= 0 || opts.Duration > MaxDuration:
		return Result{}, fmt.Errorf("duration %v: want more than 0 and at most %v", opts.Duration, MaxDuration)
	case opts.Streams < 0 || opts.Streams > MaxStreams:
		return Result{}, fmt.Errorf("streams %d: want 1 to %d", opts.Streams, MaxStreams)
	}
	streams := opts.Streams
	if streams == 0 {
		streams = 32
	}
	streams = min(streams, opts.Count)
	deadline := time.Now().Add(opts.Duration)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	// Past the deadline gRPC fails calls itself, possibly before the
	// context's timer has fired on a busy machine: that is the run's end,
	// not a failure of the server.
	over := func() bool { return ctx.Err() != nil || !time.Now().Before(deadline) }

	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Pointer[error]
	lat := make([][]time.Duration, streams)
	var wg sync.WaitGroup
	start := time.Now()
	for s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, opts.Count/streams+1)
			for !over() {
				i := next.Add(1) - 1
				if i >= int64(opts.Count) {
					break
				}
				req := reqs[i%int64(len(reqs))]
				t0 := time.Now()
				resp, err := c.Check(ctx, req)
				took := time.Since(t0)
				if err == nil && opts.Check != nil {
					err = opts.Check(req, resp)
				}
				if err != nil {
					if over() {
						break // the time limit, not the server
					}
					failed.Add(1)
					firstErr.CompareAndSwap(nil, &err)
					continue
				}
				mine = append(mine, took)
			}
			lat[s] = mine
		}()
	}
	wg.Wait()
	r := Result{Elapsed: time.Since(start), Failed: int(failed.Load())}
	if e := firstErr.Load(); e != nil {
		r.FirstError = *e
	}
	all := slices.Concat(lat...)
	r.Checks = len(all)
	if len(all) > 0 {
		slices.Sort(all)
		r.P50 = all[len(all)/2]
		r.P99 = all[min(len(all)-1, len(all)*99/100)]
		r.Max = all[len(all)-1]
	}
	return r, nil
}
