package kubesync_test

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/verdictlabs/verdict/internal/kubetest"
	"github.com/verdictlabs/verdict/kubesync"
	"github.com/verdictlabs/verdict/model"
)

// The figures of the issue: the first sync of a cluster of syncPods pods
// and syncPolicies NetworkPolicies, and the lag from an API write to the
// engine answering with it over lagChanges changes. Both need a real API
// server, so they are benchmarks run on demand (`go run
// ./benchmarks/cmd/report -livesync` runs them), never in CI.
const (
	syncPods     = 10000
	syncPolicies = 1000
	lagChanges   = 1000
)

// parallel runs n calls of f on workers goroutines.
func parallel(b *testing.B, n, workers int, f func(i int) error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			b.Fatal(err)
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// fillCluster writes syncPods pods (with their addresses) and
// syncPolicies policies over ten namespaces.
func fillCluster(b *testing.B, ctx context.Context, cfg *rest.Config) {
	b.Helper()
	cs := kubernetes.NewForConfigOrDie(cfg)
	const nss = 10
	for i := 0; i < nss; i++ {
		ns := fmt.Sprintf("ns-%d", i)
		if _, err := cs.CoreV1().Namespaces().Create(ctx, newNamespace(ns), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	parallel(b, syncPods, 16, func(i int) error {
		ns := fmt.Sprintf("ns-%d", i%nss)
		p, err := cs.CoreV1().Pods(ns).Create(ctx, newPod(ns, fmt.Sprintf("pod-%d", i), "default", map[string]string{"app": apps[i%len(apps)], "shard": fmt.Sprint(i % 50)}), metav1.CreateOptions{})
		if err != nil {
			return err
		}
		podStatus(p, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}))
		_, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	parallel(b, syncPolicies, 16, func(i int) error {
		ns := fmt.Sprintf("ns-%d", i%nss)
		_, err := cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, newKubePolicy(ns, fmt.Sprintf("np-%d", i), apps[i%len(apps)], apps[(i+1)%len(apps)], int32(1000+i)), metav1.CreateOptions{})
		return err
	})
}

// BenchmarkInitialSync measures a Syncer's start on a cluster of 10,000
// pods and 1,000 policies: from New to ready, and the live heap it adds.
func BenchmarkInitialSync(b *testing.B) {
	srv := kubetest.Start(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fillCluster(b, ctx, srv.Config)
	b.ResetTimer()
	var took time.Duration
	var heap uint64
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		runCtx, stop := context.WithCancel(ctx)
		s := kubesync.New(srv.Config, kubesync.Options{Logger: quietLogger(b)})
		done := make(chan error, 1)
		go func() { done <- s.Run(runCtx) }()
		if err := s.WaitReady(ctx); err != nil {
			b.Fatal(err)
		}
		took = time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = after.HeapAlloc - before.HeapAlloc
		eng, _ := s.Engine()
		if n := eng.Snapshot().Set().Endpoints; len(n) != syncPods {
			b.Fatalf("synced %d endpoints, want %d", len(n), syncPods)
		}
		stop()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(took.Seconds(), "sync-s")
	b.ReportMetric(float64(heap)/(1<<20), "heap-MB")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkWriteLag measures, over 1,000 changes, the time from an API
// write starting to the synced engine answering with it: a pod's label
// flips a flow between allowed and denied by a NetworkPolicy, and the
// engine is asked until its verdict flips.
func BenchmarkWriteLag(b *testing.B) {
	srv := kubetest.Start(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(srv.Config)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, newNamespace("lag"), metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	addrs := map[string]netip.Addr{"client": netip.MustParseAddr("10.9.0.1"), "db": netip.MustParseAddr("10.9.0.2")}
	for name, ip := range addrs {
		p, err := cs.CoreV1().Pods("lag").Create(ctx, newPod("lag", name, "default", map[string]string{"app": name}), metav1.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		podStatus(p, ip)
		if _, err := cs.CoreV1().Pods("lag").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cs.NetworkingV1().NetworkPolicies("lag").Create(ctx, newKubePolicy("lag", "db", "db", "client", 80), metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	s := kubesync.New(srv.Config, kubesync.Options{Logger: quietLogger(b)})
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	if err := s.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	flow := model.Flow{Src: addrs["client"], Dst: addrs["db"], Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 80}
	allowed := func() bool {
		v, err := s.Evaluate(flow)
		if err != nil {
			b.Fatal(err)
		}
		return v.Allowed()
	}
	waitAllowed := func(want bool) {
		deadline := time.Now().Add(30 * time.Second)
		for allowed() != want {
			if time.Now().After(deadline) {
				b.Fatalf("the engine never answered allowed=%v", want)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	waitAllowed(true)
	b.ResetTimer()
	var lags []time.Duration
	for i := 0; i < b.N; i++ {
		lags = lags[:0]
		for c := 0; c < lagChanges; c++ {
			p, err := cs.CoreV1().Pods("lag").Get(ctx, "client", metav1.GetOptions{})
			if err != nil {
				b.Fatal(err)
			}
			want := p.Labels["app"] != "client"
			p.Labels["app"] = map[bool]string{true: "client", false: "other"}[want]
			start := time.Now()
			if _, err := cs.CoreV1().Pods("lag").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
				b.Fatal(err)
			}
			waitAllowed(want)
			lags = append(lags, time.Since(start))
		}
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2])/1e6, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100])/1e6, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func newNamespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"env": "bench"}}}
}
