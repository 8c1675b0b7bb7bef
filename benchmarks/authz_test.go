package benchmarks

import (
	"context"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/verdictlabs/verdict/authz"
	"github.com/verdictlabs/verdict/authz/loadgen"
	"github.com/verdictlabs/verdict/model"
)

// BenchmarkAuthz drives the ext_authz server with the project's load
// generator over loopback: one operation is one Check, sent over 32
// concurrent streams, over the generated 10k cluster's TCP flows to a pod
// (1k with -short), each an HTTP request carrying the source pod's SPIFFE
// principal when it has a service account. The load generator, its gRPC
// client and the server share this machine's cores, so checks/s is what
// the whole loop sustains. Besides ns/op (wall time per check) it reports
// checks/s, the client's p50 and p99 latency, the server's time per check,
// the engine's (time inside Evaluate), the engine's share of the
// machine's time (engine time over wall time times cores), and the CPU
// time the whole process (server, client and load generator) spent per
// check, which other programs on the machine inflate less than wall time.
func BenchmarkAuthz(b *testing.B) {
	n := 10_000
	if testing.Short() {
		n = 1_000
	}
	b.Run(sizeName(n), func(b *testing.B) {
		eng := clusterEngine(b, n)
		snap := eng.Snapshot()
		var reqs []*authv3.CheckRequest
		for _, f := range cluster(n).Flows {
			if f.Protocol != model.ProtoTCP || len(reqs) == 4096 {
				continue
			}
			if ep, ok := snap.EndpointAt(f.Dst); !ok || ep.Kind != model.KindWorkloadEndpoint {
				continue
			}
			req := &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
				Source: peer(f.Src.String(), f.SrcPort), Destination: peer(f.Dst.String(), f.DstPort),
				Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/api/v1/items?page=2"}},
			}}
			if src, ok := snap.EndpointAt(f.Src); ok && src.ServiceAccount != "" {
				req.Attributes.Source.Principal = "spiffe://cluster.local/ns/" + src.Namespace + "/sa/" + src.ServiceAccount
			}
			reqs = append(reqs, req)
		}
		if len(reqs) == 0 {
			b.Fatal("no TCP flow to a pod")
		}
		srv := authz.NewServer(eng, authz.Options{})
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		g := srv.NewGRPCServer()
		go g.Serve(lis)
		defer g.Stop()
		conn, err := loadgen.Dial(lis.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		client := authv3.NewAuthorizationClient(conn)
		// Warm the connection and the server's pools.
		if _, err := loadgen.Run(context.Background(), client, reqs, loadgen.Options{Count: 2000, Duration: time.Minute, Streams: 32}); err != nil {
			b.Fatal(err)
		}
		before := srv.Stats()
		cpuBefore := processCPU(b)
		b.ResetTimer()
		res, err := loadgen.Run(context.Background(), client, reqs, loadgen.Options{
			Count: min(b.N, loadgen.MaxCount), Duration: loadgen.MaxDuration, Streams: 32,
		})
		b.StopTimer()
		cpu := processCPU(b) - cpuBefore
		if err != nil {
			b.Fatal(err)
		}
		if res.Failed > 0 {
			b.Fatalf("%d checks failed: %v", res.Failed, res.FirstError)
		}
		st := srv.Stats()
		checks := float64(st.Checks - before.Checks)
		engine := float64(st.Engine - before.Engine)
		b.ReportMetric(res.PerSecond(), "checks/s")
		b.ReportMetric(float64(res.P50.Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(res.P99.Nanoseconds())/1e3, "p99-µs")
		b.ReportMetric(float64(st.Check-before.Check)/checks, "server-ns/check")
		b.ReportMetric(engine/checks, "engine-ns/check")
		b.ReportMetric(float64(cpu.Nanoseconds())/1e3/checks, "cpu-µs/check")
		b.ReportMetric(100*engine/(float64(res.Elapsed.Nanoseconds())*float64(runtime.GOMAXPROCS(0))), "engine-%-of-cpu")
	})
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func peer(ip string, port uint16) *authv3.AttributeContext_Peer {
	return &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{
		SocketAddress: &corev3.SocketAddress{Address: ip, PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: uint32(port)}},
	}}}
}
