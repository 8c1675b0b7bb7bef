package kubesync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// calicoCRDs are the crd.projectcalico.org/v1 kinds the tests install, as
// Calico's Kubernetes datastore defines them; the schema keeps every field
// of spec, which is all the sync needs (Calico's own CRDs do the same for
// most of their fields).
var calicoCRDs = []struct {
	kind, plural string
	namespaced   bool
}{
	{"Tier", "tiers", false},
	{"GlobalNetworkPolicy", "globalnetworkpolicies", false},
	{"NetworkPolicy", "networkpolicies", true},
	{"StagedGlobalNetworkPolicy", "stagedglobalnetworkpolicies", false},
	{"GlobalNetworkSet", "globalnetworksets", false},
	{"NetworkSet", "networksets", true},
	{"HostEndpoint", "hostendpoints", false},
	{"Profile", "profiles", false},
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// installCalicoCRDs creates the CRDs and waits until they are served.
func installCalicoCRDs(t testing.TB, ctx context.Context, cfg *rest.Config) {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(cfg)
	for _, c := range calicoCRDs {
		scope := "Cluster"
		if c.namespaced {
			scope = "Namespaced"
		}
		crd := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1",
			"kind":       "CustomResourceDefinition",
			"metadata":   map[string]any{"name": c.plural + ".crd.projectcalico.org"},
			"spec": map[string]any{
				"group": "crd.projectcalico.org",
				"scope": scope,
				"names": map[string]any{
					"kind": c.kind, "listKind": c.kind + "List", "plural": c.plural,
					"singular": lower(c.kind),
				},
				"versions": []any{map[string]any{
					"name": "v1", "served": true, "storage": true,
					"schema": map[string]any{"openAPIV3Schema": map[string]any{
						"type": "object",
						"properties": map[string]any{
							"apiVersion": map[string]any{"type": "string"},
							"kind":       map[string]any{"type": "string"},
							"metadata":   map[string]any{"type": "object"},
							"spec":       map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true},
						},
					}},
				}},
			},
		}}
		if _, err := dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create CRD %s: %v", c.plural, err)
		}
	}
	// Served once discovery lists every resource of the group.
	cs := kubernetes.NewForConfigOrDie(cfg)
	deadline := time.Now().Add(time.Minute)
	for {
		rl, err := cs.Discovery().ServerResourcesForGroupVersion("crd.projectcalico.org/v1")
		if err == nil && len(rl.APIResources) >= len(calicoCRDs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Calico CRDs not served after a minute: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func lower(s string) string { return string(bytes.ToLower([]byte(s))) }

// clusterDocs lists every object the sync follows, straight from the API
// server, as the documents `kubectl get -o json` would give.
func clusterDocs(t testing.TB, ctx context.Context, cfg *rest.Config) []byte {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)
	var buf bytes.Buffer
	add := func(apiVersion, kind string, obj any) {
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		m["apiVersion"], m["kind"] = apiVersion, kind
		delete(m, "status")
		if kind == "Pod" {
			m["status"] = obj.(corev1.Pod).Status
		}
		b, _ = json.Marshal(m)
		buf.Write(b)
		buf.WriteByte('\n')
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	must(err)
	for _, o := range nss.Items {
		add("v1", "Namespace", o)
	}
	sas, err := cs.CoreV1().ServiceAccounts("").List(ctx, metav1.ListOptions{})
	must(err)
	for _, o := range sas.Items {
		add("v1", "ServiceAccount", o)
	}
	pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	must(err)
	for _, o := range pods.Items {
		add("v1", "Pod", o)
	}
	svcs, err := cs.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	must(err)
	for _, o := range svcs.Items {
		add("v1", "Service", o)
	}
	eps, err := cs.DiscoveryV1().EndpointSlices("").List(ctx, metav1.ListOptions{})
	must(err)
	for _, o := range eps.Items {
		add("discovery.k8s.io/v1", "EndpointSlice", o)
	}
	nps, err := cs.NetworkingV1().NetworkPolicies("").List(ctx, metav1.ListOptions{})
	must(err)
	for _, o := range nps.Items {
		add("networking.k8s.io/v1", "NetworkPolicy", o)
	}
	for _, c := range calicoCRDs {
		list, err := dyn.Resource(schema.GroupVersionResource{Group: "crd.projectcalico.org", Version: "v1", Resource: c.plural}).List(ctx, metav1.ListOptions{})
		must(err)
		for _, o := range list.Items {
			add("projectcalico.org/v3", c.kind, o.Object)
		}
	}
	return buf.Bytes()
}

// freshEngine compiles what the API server holds now, as `verdict` would
// from an export of the cluster.
func freshEngine(t testing.TB, ctx context.Context, cfg *rest.Config) *eval.Engine {
	t.Helper()
	docs := clusterDocs(t, ctx, cfg)
	set, err := policy.Decode(bytes.NewReader(docs))
	if err != nil {
		t.Fatalf("decoding the listed cluster: %v", err)
	}
	eng, err := eval.New(set)
	if err != nil {
		t.Fatalf("compiling the listed cluster: %v", err)
	}
	return eng
}

// sampleFlows are flows between every pair of the addresses, and to an
// address outside the cluster, on a few ports.
func sampleFlows(addrs []netip.Addr) []model.Flow {
	outside := netip.MustParseAddr("192.0.2.10")
	var flows []model.Flow
	for _, a := range append(addrs, outside) {
		for _, b := range append(addrs, outside) {
			if a == b {
				continue
			}
			for _, port := range []uint16{80, 443, 5432} {
				flows = append(flows, model.Flow{Src: a, Dst: b, Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: port})
			}
		}
	}
	return flows
}

// diffVerdicts returns the first flows on which the engines disagree.
func diffVerdicts(got, want *eval.Engine, flows []model.Flow) []string {
	var out []string
	for _, f := range flows {
		g, w := got.Evaluate(f), want.Evaluate(f)
		if g != w {
			out = append(out, fmt.Sprintf("%s -> %s:%d\n  synced: %+v\n  fresh:  %+v", f.Src, f.Dst, f.DstPort, g, w))
			if len(out) == 5 {
				break
			}
		}
	}
	return out
}

// sortedAddrs returns the map's values in order.
func sortedAddrs(m map[string]netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

// typed objects the stream builds, kept here so the test reads as a list
// of what it does to the cluster.
func newPod(ns, name, sa string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			ServiceAccountName: sa,
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example/app:1",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP}},
			}},
		},
	}
}

func podStatus(p *corev1.Pod, ip netip.Addr) {
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip.String()
	p.Status.PodIPs = []corev1.PodIP{{IP: ip.String()}}
}

func newService(ns, name string, selector map[string]string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		},
	}
}

func newSlice(ns, name, svc string, ips []netip.Addr) *discoveryv1.EndpointSlice {
	port, proto, pname := int32(80), corev1.ProtocolTCP, "http"
	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &pname, Port: &port, Protocol: &proto}},
	}
	for _, ip := range ips {
		es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip.String()}})
	}
	return es
}

func newKubePolicy(ns, name string, app string, fromApp string, portNum int32) *networkingv1.NetworkPolicy {
	port := intstr.FromInt32(portNum)
	proto := corev1.ProtocolTCP
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": fromApp}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &proto, Port: &port}},
			}},
		},
	}
	return np
}
