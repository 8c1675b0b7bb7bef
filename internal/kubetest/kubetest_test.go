package kubetest

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestServer starts the pair, writes through it, restarts the API server,
// and checks that after a compaction a watch from an old resource version
// is refused with 410 Gone: what the sync tests rely on.
func TestServer(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cs := kubernetes.NewForConfigOrDie(s.Config)

	ns, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "one"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.Labels["kubernetes.io/metadata.name"]; got != "one" {
		t.Errorf("namespace label kubernetes.io/metadata.name = %q, want one", got)
	}
	oldRV := ns.ResourceVersion

	s.StopAPIServer()
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "one", metav1.GetOptions{}); err == nil {
		t.Fatal("the API server answered after StopAPIServer")
	}
	if err := s.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "one", metav1.GetOptions{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}

	for i := 0; i < 3; i++ {
		ns.Labels["round"] = string(rune('a' + i))
		if ns, err = cs.CoreV1().Namespaces().Update(ctx, ns, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CompactEtcd(); err != nil {
		t.Fatal(err)
	}
	// The API server's watch cache still holds recent history; a restart
	// rebuilds it from the compacted store, so the old version is gone.
	s.StopAPIServer()
	if err := s.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	w, err := cs.CoreV1().Namespaces().Watch(ctx, metav1.ListOptions{ResourceVersion: oldRV})
	if err == nil {
		ev := <-w.ResultChan()
		w.Stop()
		st, ok := ev.Object.(*metav1.Status)
		if !ok || st.Code != 410 {
			t.Fatalf("watch from compacted version %s: got %v %T, want 410 Gone", oldRV, ev.Type, ev.Object)
		}
	} else if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from compacted version %s: %v, want 410 Gone", oldRV, err)
	}
}
