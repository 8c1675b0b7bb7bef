package kubesync_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/verdictlabs/verdict/internal/kubetest"
	"github.com/verdictlabs/verdict/kubesync"
	"github.com/verdictlabs/verdict/model"
)

func calicoGVR(plural string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "crd.projectcalico.org", Version: "v1", Resource: plural}
}

// cluster writes to the test API server and remembers what it wrote, so
// that a seeded stream can pick what to change next.
type cluster struct {
	t      testing.TB
	ctx    context.Context
	cs     kubernetes.Interface
	dyn    dynamic.Interface
	rng    *rand.Rand
	nextIP int
	pods   map[string]netip.Addr // ns/name -> address
	knps   map[string]bool       // ns/name
	gnps   map[string]bool
	cnps   map[string]bool // Calico NetworkPolicies, ns/name
	ops    int
}

var (
	namespaces = []string{"alpha", "beta", "gamma"}
	apps       = []string{"web", "api", "db", "cache"}
)

func newCluster(t testing.TB, ctx context.Context, cfg *rest.Config, seed uint64) *cluster {
	return &cluster{
		t: t, ctx: ctx,
		cs:   kubernetes.NewForConfigOrDie(cfg),
		dyn:  dynamic.NewForConfigOrDie(cfg),
		rng:  rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		pods: map[string]netip.Addr{}, knps: map[string]bool{}, gnps: map[string]bool{}, cnps: map[string]bool{},
	}
}

// use points the writes at another API server.
func (c *cluster) use(cfg *rest.Config) {
	c.cs = kubernetes.NewForConfigOrDie(cfg)
	c.dyn = dynamic.NewForConfigOrDie(cfg)
}

func (c *cluster) must(err error) {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) pick(list []string) string { return list[c.rng.IntN(len(list))] }

func (c *cluster) pickKey(m map[string]bool) (string, bool) {
	if len(m) == 0 {
		return "", false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[c.rng.IntN(len(keys))], true
}

func (c *cluster) podKeys() []string {
	keys := make([]string, 0, len(c.pods))
	for k := range c.pods {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// seed writes the starting cluster.
func (c *cluster) seed() {
	for _, ns := range namespaces {
		_, err := c.cs.CoreV1().Namespaces().Create(c.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"env": "dev"}}}, metav1.CreateOptions{})
		c.must(err)
		for _, sa := range []string{"default", "robot"} {
			_, err := c.cs.CoreV1().ServiceAccounts(ns).Create(c.ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa, Labels: map[string]string{"role": sa}}}, metav1.CreateOptions{})
			c.must(err)
		}
	}
	c.calico("tiers", "", "security", map[string]any{"order": 100.0})
	c.calico("globalnetworksets", "", "outside", map[string]any{"nets": []any{"192.0.2.0/24"}}, "kind", "outside")
	c.calico("stagedglobalnetworkpolicies", "", "staged-deny-dev", map[string]any{
		"tier": "security", "order": 1.0, "selector": "all()", "namespaceSelector": "env == 'dev'",
		"types": []any{"Ingress"}, "ingress": []any{map[string]any{"action": "Deny", "source": map[string]any{"selector": "kind == 'outside'"}}},
	})
	for i := 0; i < 30; i++ {
		c.createPod()
	}
	for i := 0; i < 4; i++ {
		c.kubePolicy()
		c.globalPolicy()
	}
}

// calico creates or replaces a Calico resource. Extra arguments are label
// pairs.
func (c *cluster) calico(plural, ns, name string, spec map[string]any, labels ...string) {
	c.t.Helper()
	meta := map[string]any{"name": name}
	if ns != "" {
		meta["namespace"] = ns
	}
	if len(labels) > 0 {
		l := map[string]any{}
		for i := 0; i+1 < len(labels); i += 2 {
			l[labels[i]] = labels[i+1]
		}
		meta["labels"] = l
	}
	kind := ""
	for _, k := range calicoCRDs {
		if k.plural == plural {
			kind = k.kind
		}
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "crd.projectcalico.org/v1", "kind": kind, "metadata": meta, "spec": spec,
	}}
	r := c.dyn.Resource(calicoGVR(plural)).Namespace(ns)
	old, err := r.Get(c.ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = r.Create(c.ctx, obj, metav1.CreateOptions{})
	case err == nil:
		obj.SetResourceVersion(old.GetResourceVersion())
		_, err = r.Update(c.ctx, obj, metav1.UpdateOptions{})
	}
	c.must(err)
	c.ops++
}

func (c *cluster) createPod() {
	ns := c.pick(namespaces)
	name := fmt.Sprintf("pod-%d", c.nextIP)
	c.nextIP++
	ip := netip.AddrFrom4([4]byte{10, 1, byte(c.nextIP >> 8), byte(c.nextIP)})
	p, err := c.cs.CoreV1().Pods(ns).Create(c.ctx, newPod(ns, name, c.pick([]string{"default", "robot"}), map[string]string{"app": c.pick(apps)}), metav1.CreateOptions{})
	c.must(err)
	// No kubelet runs: the test reports the pod's address itself.
	podStatus(p, ip)
	_, err = c.cs.CoreV1().Pods(ns).UpdateStatus(c.ctx, p, metav1.UpdateOptions{})
	c.must(err)
	c.pods[ns+"/"+name] = ip
	c.ops++
}

func (c *cluster) relabelPod() {
	keys := c.podKeys()
	if len(keys) == 0 {
		c.createPod()
		return
	}
	ns, name, _ := strings.Cut(keys[c.rng.IntN(len(keys))], "/")
	p, err := c.cs.CoreV1().Pods(ns).Get(c.ctx, name, metav1.GetOptions{})
	c.must(err)
	p.Labels["app"] = c.pick(apps)
	if c.rng.IntN(2) == 0 {
		p.Labels["backup"] = "true"
	} else {
		delete(p.Labels, "backup")
	}
	_, err = c.cs.CoreV1().Pods(ns).Update(c.ctx, p, metav1.UpdateOptions{})
	c.must(err)
	c.ops++
}

func (c *cluster) deletePod() {
	keys := c.podKeys()
	if len(keys) < 10 {
		c.createPod()
		return
	}
	key := keys[c.rng.IntN(len(keys))]
	ns, name, _ := strings.Cut(key, "/")
	c.must(c.cs.CoreV1().Pods(ns).Delete(c.ctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)}))
	delete(c.pods, key)
	c.ops++
}

func (c *cluster) relabelNamespace() {
	ns, err := c.cs.CoreV1().Namespaces().Get(c.ctx, c.pick(namespaces), metav1.GetOptions{})
	c.must(err)
	ns.Labels["env"] = c.pick([]string{"dev", "prod"})
	_, err = c.cs.CoreV1().Namespaces().Update(c.ctx, ns, metav1.UpdateOptions{})
	c.must(err)
	c.ops++
}

func (c *cluster) relabelServiceAccount() {
	ns := c.pick(namespaces)
	sa, err := c.cs.CoreV1().ServiceAccounts(ns).Get(c.ctx, "robot", metav1.GetOptions{})
	c.must(err)
	sa.Labels["role"] = c.pick([]string{"robot", "admin"})
	_, err = c.cs.CoreV1().ServiceAccounts(ns).Update(c.ctx, sa, metav1.UpdateOptions{})
	c.must(err)
	c.ops++
}

func (c *cluster) kubePolicy() {
	if key, ok := c.pickKey(c.knps); ok && c.rng.IntN(3) == 0 {
		ns, name, _ := strings.Cut(key, "/")
		c.must(c.cs.NetworkingV1().NetworkPolicies(ns).Delete(c.ctx, name, metav1.DeleteOptions{}))
		delete(c.knps, key)
		c.ops++
		return
	}
	ns := c.pick(namespaces)
	name := fmt.Sprintf("knp-%d", c.rng.IntN(8))
	np := newKubePolicy(ns, name, c.pick(apps), c.pick(apps), int32(c.pick3(80, 443, 5432)))
	r := c.cs.NetworkingV1().NetworkPolicies(ns)
	old, err := r.Get(c.ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = r.Create(c.ctx, np, metav1.CreateOptions{})
	case err == nil:
		np.ResourceVersion = old.ResourceVersion
		_, err = r.Update(c.ctx, np, metav1.UpdateOptions{})
	}
	c.must(err)
	c.knps[ns+"/"+name] = true
	c.ops++
}

func (c *cluster) pick3(a, b, d int) int { return []int{a, b, d}[c.rng.IntN(3)] }

func (c *cluster) globalPolicy() {
	if key, ok := c.pickKey(c.gnps); ok && c.rng.IntN(3) == 0 {
		c.must(c.dyn.Resource(calicoGVR("globalnetworkpolicies")).Delete(c.ctx, key, metav1.DeleteOptions{}))
		delete(c.gnps, key)
		c.ops++
		return
	}
	name := fmt.Sprintf("gnp-%d", c.rng.IntN(6))
	action := c.pick([]string{"Allow", "Deny", "Pass"})
	c.calico("globalnetworkpolicies", "", name, map[string]any{
		"tier":              c.pick([]string{"security", "default"}),
		"order":             float64(c.rng.IntN(50)),
		"selector":          fmt.Sprintf("app == '%s'", c.pick(apps)),
		"namespaceSelector": c.pick([]string{"", "env == 'prod'", "env == 'dev'"}),
		"types":             []any{"Ingress", "Egress"},
		"ingress": []any{map[string]any{
			"action": action, "protocol": "TCP",
			"source":      map[string]any{"selector": fmt.Sprintf("app == '%s' || has(backup)", c.pick(apps))},
			"destination": map[string]any{"ports": []any{c.pick3(80, 443, 5432)}},
		}},
		"egress": []any{map[string]any{
			"action":      c.pick([]string{"Allow", "Deny"}),
			"destination": map[string]any{"selector": "kind == 'outside'"},
		}, map[string]any{"action": "Pass"}},
	})
	c.gnps[name] = true
}

func (c *cluster) calicoPolicy() {
	if key, ok := c.pickKey(c.cnps); ok && c.rng.IntN(3) == 0 {
		ns, name, _ := strings.Cut(key, "/")
		c.must(c.dyn.Resource(calicoGVR("networkpolicies")).Namespace(ns).Delete(c.ctx, name, metav1.DeleteOptions{}))
		delete(c.cnps, key)
		c.ops++
		return
	}
	ns := c.pick(namespaces)
	name := fmt.Sprintf("cnp-%d", c.rng.IntN(4))
	c.calico("networkpolicies", ns, name, map[string]any{
		"tier":                   "security",
		"order":                  float64(c.rng.IntN(50)),
		"selector":               fmt.Sprintf("app == '%s'", c.pick(apps)),
		"serviceAccountSelector": c.pick([]string{"", "role == 'admin'"}),
		"ingress": []any{map[string]any{
			"action": c.pick([]string{"Allow", "Deny"}), "protocol": "TCP",
			"source": map[string]any{"serviceAccounts": map[string]any{"names": []any{"robot"}}},
		}},
	})
	c.cnps[ns+"/"+name] = true
}

// service puts the web pods of a namespace behind a service, with a slice
// listing them, or removes it.
func (c *cluster) service() {
	ns := c.pick(namespaces)
	if c.rng.IntN(4) == 0 {
		err := c.cs.CoreV1().Services(ns).Delete(c.ctx, "web", metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			c.must(err)
		}
		err = c.cs.DiscoveryV1().EndpointSlices(ns).Delete(c.ctx, "web-1", metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			c.must(err)
		}
		c.ops += 2
		return
	}
	if _, err := c.cs.CoreV1().Services(ns).Get(c.ctx, "web", metav1.GetOptions{}); apierrors.IsNotFound(err) {
		_, err := c.cs.CoreV1().Services(ns).Create(c.ctx, newService(ns, "web", map[string]string{"app": "web"}), metav1.CreateOptions{})
		c.must(err)
		c.ops++
	}
	var ips []netip.Addr
	for _, k := range c.podKeys() {
		if strings.HasPrefix(k, ns+"/") && c.rng.IntN(2) == 0 {
			ips = append(ips, c.pods[k])
		}
	}
	es := newSlice(ns, "web-1", "web", ips)
	r := c.cs.DiscoveryV1().EndpointSlices(ns)
	old, err := r.Get(c.ctx, "web-1", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = r.Create(c.ctx, es, metav1.CreateOptions{})
	case err == nil:
		es.ResourceVersion = old.ResourceVersion
		_, err = r.Update(c.ctx, es, metav1.UpdateOptions{})
	}
	c.must(err)
	c.ops++
}

// step makes one seeded change.
func (c *cluster) step() {
	switch n := c.rng.IntN(100); {
	case n < 22:
		c.createPod()
	case n < 42:
		c.relabelPod()
	case n < 54:
		c.deletePod()
	case n < 58:
		c.relabelNamespace()
	case n < 62:
		c.relabelServiceAccount()
	case n < 74:
		c.kubePolicy()
	case n < 84:
		c.globalPolicy()
	case n < 92:
		c.calicoPolicy()
	default:
		c.service()
	}
}

// converge waits until the synced engine decides the sample flows as a
// fresh compile of what the API server lists now.
func converge(t *testing.T, ctx context.Context, cfg *rest.Config, s *kubesync.Syncer, c *cluster, what string) {
	t.Helper()
	fresh := freshEngine(t, ctx, cfg)
	keys := c.podKeys()
	c.rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	if len(keys) > 24 {
		keys = keys[:24]
	}
	addrs := map[string]netip.Addr{}
	for _, k := range keys {
		addrs[k] = c.pods[k]
	}
	flows := sampleFlows(sortedAddrs(addrs))
	deadline := time.Now().Add(90 * time.Second)
	var diff []string
	for time.Now().Before(deadline) {
		eng, err := s.Engine()
		if err != nil {
			t.Fatal(err)
		}
		if diff = diffVerdicts(eng, fresh, flows); len(diff) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the synced engine still differs from a fresh compile after 90s:\n%s\nstatus: %+v", what, strings.Join(diff, "\n"), s.Status())
}

func quietLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestSyncFollowsCluster is the acceptance test: a real API server,
// Calico's CRDs, a seeded stream of more than 2,000 changes, the API
// server stopped mid-stream while a peer takes writes and etcd is
// compacted, and after every batch the synced engine agrees with a fresh
// compile of a fresh list.
func TestSyncFollowsCluster(t *testing.T) {
	srv := kubetest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	installCalicoCRDs(t, ctx, srv.Config)
	c := newCluster(t, ctx, srv.Config, 24)
	c.seed()

	applied := make(chan time.Duration, 100000)
	s := kubesync.New(srv.Config, kubesync.Options{Logger: quietLogger(t), OnApply: func(lag time.Duration, _ bool) {
		select {
		case applied <- lag:
		default:
		}
	}})
	if _, err := s.Evaluate(model.Flow{}); err != kubesync.ErrNotReady {
		t.Fatalf("Evaluate before Run: %v, want ErrNotReady", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	if err := s.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Status()
	if st.CalicoGroup != kubesync.CalicoCRDGroup || !st.Ready || len(st.Refused) != 0 {
		t.Fatalf("status after the first sync: %+v", st)
	}
	converge(t, ctx, srv.Config, s, c, "first sync")

	const batches, perBatch = 20, 110
	for b := 0; b < batches; b++ {
		if b == batches/2 {
			// The syncer's API server goes away; a peer takes the writes
			// of this batch, etcd is compacted past every version the
			// syncer saw, and the server comes back: its watches get 410
			// Gone and must list again without losing an update.
			peer, stopPeer, err := srv.StartPeer()
			if err != nil {
				t.Fatal(err)
			}
			srv.StopAPIServer()
			c.use(peer)
			for i := 0; i < perBatch; i++ {
				c.step()
			}
			if err := srv.CompactEtcd(); err != nil {
				t.Fatal(err)
			}
			if err := srv.StartAPIServer(); err != nil {
				t.Fatal(err)
			}
			c.use(srv.Config)
			stopPeer()
			converge(t, ctx, srv.Config, s, c, "after the restart")
			continue
		}
		for i := 0; i < perBatch; i++ {
			c.step()
		}
		converge(t, ctx, srv.Config, s, c, fmt.Sprintf("batch %d", b))
	}
	if c.ops < 2000 {
		t.Fatalf("the stream made %d changes, want at least 2,000", c.ops)
	}
	t.Logf("%d changes in %d batches; %d events applied; status %+v", c.ops, batches, len(applied), s.Status())

	testRefusals(t, ctx, srv.Config, s, c)
}

// testRefusals checks that an object the decoder refuses is reported and
// its last good version stays, and that a policy waiting for its tier is
// put in force when the tier comes.
func testRefusals(t *testing.T, ctx context.Context, cfg *rest.Config, s *kubesync.Syncer, c *cluster) {
	good := map[string]any{"tier": "security", "order": 5.0, "selector": "app == 'db'", "types": []any{"Ingress"},
		"ingress": []any{map[string]any{"action": "Deny", "source": map[string]any{"selector": "app == 'web'"}}}}
	c.calico("globalnetworkpolicies", "", "guard", good)
	converge(t, ctx, cfg, s, c, "guard policy")
	before := freshEngine(t, ctx, cfg)

	bad := map[string]any{"tier": "security", "order": 5.0, "selector": "app ==", "types": []any{"Ingress"}}
	c.calico("globalnetworkpolicies", "", "guard", bad)
	key := kubesync.ObjectKey{Group: kubesync.CalicoCRDGroup, Kind: "GlobalNetworkPolicy", Name: "guard"}
	r := waitRefusal(t, ctx, s, key)
	if !strings.Contains(r.Reason, "spec.selector") {
		t.Errorf("refusal of %s: reason %q does not name spec.selector", key, r.Reason)
	}
	eng, _ := s.Engine()
	if diff := diffVerdicts(eng, before, sampleFlows(sortedAddrs(c.pods))[:2000]); len(diff) > 0 {
		t.Fatalf("after a refused update the engine no longer holds the last good version:\n%s", strings.Join(diff, "\n"))
	}
	c.calico("globalnetworkpolicies", "", "guard", good)
	waitNoRefusal(t, ctx, s)
	converge(t, ctx, cfg, s, c, "guard fixed")

	// A policy in a tier that does not exist yet waits for it.
	c.calico("globalnetworkpolicies", "", "early", map[string]any{"tier": "later", "selector": "all()", "types": []any{"Ingress"},
		"ingress": []any{map[string]any{"action": "Deny"}}})
	r = waitRefusal(t, ctx, s, kubesync.ObjectKey{Group: kubesync.CalicoCRDGroup, Kind: "GlobalNetworkPolicy", Name: "early"})
	if !strings.Contains(r.Reason, `"later"`) {
		t.Errorf("refusal of the early policy: %q does not name its tier", r.Reason)
	}
	c.calico("tiers", "", "later", map[string]any{"order": 500.0})
	waitNoRefusal(t, ctx, s)
	converge(t, ctx, cfg, s, c, "tier created after its policy")
}

func waitRefusal(t *testing.T, ctx context.Context, s *kubesync.Syncer, key kubesync.ObjectKey) kubesync.Refusal {
	t.Helper()
	var found kubesync.Refusal
	err := waitFor(ctx, func() bool {
		for _, r := range s.Status().Refused {
			if r.Object == key {
				found = r
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("%s was not refused: status %+v", key, s.Status())
	}
	return found
}

func waitNoRefusal(t *testing.T, ctx context.Context, s *kubesync.Syncer) {
	t.Helper()
	if err := waitFor(ctx, func() bool { return len(s.Status().Refused) == 0 }); err != nil {
		t.Fatalf("refusals remain: %+v", s.Status().Refused)
	}
}

// waitFor polls cond for up to 30 seconds.
func waitFor(ctx context.Context, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return kubetest.WaitFor(ctx, cond)
}
