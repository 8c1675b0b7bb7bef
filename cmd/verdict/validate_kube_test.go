package main

import (
	"strings"
	"testing"
)

// TestValidateRealKubernetesObjects holds Kubernetes objects to the real
// API types: everything `kubectl get -o yaml` prints is accepted, and a
// field the API does not have is a problem with its path and a
// suggestion, where it used to be ignored and give a wrong verdict.
func TestValidateRealKubernetesObjects(t *testing.T) {
	const typos = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  lables: {app: web}
spec:
  containers: [{name: web, image: registry.example/web:1, ports: [{containerPort: 80, protocl: TCP}]}]
status:
  podIp: 10.0.0.1
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selectr: {app: web}
  ports: [{port: 80}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{adresses: [10.0.0.1]}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
spec: {finalizer: [kubernetes]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
automountToken: false
`
	files := writeInputFiles(t, "typos.yaml", typos)
	code, stdout, stderr := runVerdict("", "validate", files[0])
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, want := range []string{
		`6:11: document 1: Pod shop/web: metadata.lables: unknown field "lables" (did you mean "labels"?)`,
		`8:96: document 1: Pod shop/web: spec.containers[0].ports[0].protocl: unknown field "protocl" (did you mean "protocol"?)`,
		`10:10: document 1: Pod shop/web: status.podIp: unknown field "podIp" (did you mean "podIP"?)`,
		`16:12: document 2: Service shop/web: spec.selectr: unknown field "selectr" (did you mean "selector"?)`,
		`23:24: document 3: EndpointSlice shop/web-1: endpoints[0].adresses: unknown field "adresses" (did you mean "addresses"?)`,
		`28:19: document 4: Namespace shop: spec.finalizer: unknown field "finalizer" (did you mean "finalizers"?)`,
		`33:17: document 5: ServiceAccount shop/web: automountToken: unknown field "automountToken"`,
	} {
		if !strings.Contains(stdout, files[0]+":"+want) {
			t.Errorf("validate does not report\n  %s\nstdout:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = runVerdict("", "validate", "testdata/kube/kubectl-get.yaml")
	if code != 0 {
		t.Fatalf("kubectl get -o yaml output: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "ok: 1 EndpointSlice, 1 Namespace, 1 NetworkPolicy, 1 Pod, 1 Service, 1 ServiceAccount") {
		t.Errorf("stdout: %s", stdout)
	}
}
