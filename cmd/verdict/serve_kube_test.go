package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/verdictlabs/verdict/internal/kubetest"
	"github.com/verdictlabs/verdict/kubesync"
	"github.com/verdictlabs/verdict/model"
)

// lockedBuffer is a bytes.Buffer the server's logger and the test may use
// at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeKubernetes runs `verdict serve --kubeconfig --authz-listen`
// against a real API server: the HTTP API and ext_authz answer once
// synced, and follow a policy created afterwards.
func TestServeKubernetes(t *testing.T) {
	srv := kubetest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(srv.Config)
	createPod(t, ctx, cs, "shop", "web", "10.2.0.5", "web")
	createPod(t, ctx, cs, "shop", "db", "10.2.0.9", "db")

	c, base := startServeAuthz(t, "--kubeconfig", srv.Kubeconfig(), "--authz-listen", "127.0.0.1:0")
	waitUntil(t, func() bool {
		code, _ := do(t, "GET", base+"/readyz", "")
		return code == http.StatusOK
	}, "serve never became ready")

	flow := `{"src":"shop/web","dst":"shop/db","dstPort":5432}`
	if code, body := do(t, "POST", base+"/v1/evaluate", flow); code != 200 || !decodeReport(t, body).Allowed {
		t.Fatalf("before any policy: %d %s", code, body)
	}
	// ext_authz answers from the same synced engine.
	check := authzRequest("10.2.0.5", "10.2.0.9", 5432, "GET", "/")
	if got, msg := checkCode(t, c, check); got != 0 {
		t.Fatalf("ext_authz before any policy: status %d (%s), want OK", got, msg)
	}
	if code, body := do(t, "GET", base+"/v1/endpoints/shop/db", ""); code != 200 || !strings.Contains(body, `"10.2.0.9"`) {
		t.Fatalf("endpoint: %d %s", code, body)
	}
	// Only the API may reach the database: web is now denied.
	_, err := cs.NetworkingV1().NetworkPolicies("shop").Create(ctx, &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}}},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool {
		_, body := do(t, "POST", base+"/v1/evaluate", flow)
		r := decodeReport(t, body)
		hit := r.Ingress.Decision
		return !r.Allowed && hit != nil && hit.Hit.Kind == model.KindKubernetesNetworkPolicy && hit.Hit.Namespace == "shop" && hit.Hit.Name == "db"
	}, "the new NetworkPolicy was not followed")
	if got, msg := checkCode(t, c, check); got != 7 || !strings.Contains(msg, "shop/db") {
		t.Errorf("ext_authz after the NetworkPolicy: status %d (%s), want PERMISSION_DENIED by shop/db", got, msg)
	}
	_, metrics := do(t, "GET", base+"/metrics", "")
	for _, want := range []string{"verdict_ready 1", "verdict_sync_lag_seconds_count", "verdict_objects_refused 0",
		`verdict_authz_checks_total{result="allowed"} 1`, `verdict_authz_checks_total{result="denied"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s:\n%s", want, grepLines(metrics, "verdict_"))
		}
	}
}

// TestServeNotReady answers 503 until the first sync.
func TestServeNotReady(t *testing.T) {
	m := newServeMetrics()
	ks := &kubeSource{sync: kubesync.New(&rest.Config{Host: "https://127.0.0.1:1"}, kubesync.Options{})}
	m.watch(ks)
	h := newServeHandler(ks, m)
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/readyz", ""},
		{"POST", "/v1/evaluate", `{"src":"a/b","dst":"c/d"}`},
		{"POST", "/v1/evaluate:batch", `{"src":"a/b","dst":"c/d"}`},
		{"GET", "/v1/endpoints/a/b", ""},
	} {
		code, body := doHandler(h, tt.method, tt.path, tt.body)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready") {
			t.Errorf("%s %s before the first sync: %d %s", tt.method, tt.path, code, body)
		}
	}
	if code, _ := doHandler(h, "GET", "/healthz", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
}

func createPod(t *testing.T, ctx context.Context, cs kubernetes.Interface, ns, name, ip, app string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.example/c:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	p.Status.PodIPs = []corev1.PodIP{{IP: ip}}
	if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
