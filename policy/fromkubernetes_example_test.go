package policy_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/verdictlabs/verdict/policy"
)

// Typed objects, as a client-go lister or a test builds them, go through
// the same decoder as YAML.
func ExampleFromKubernetes() {
	pod := func(name, app, ip string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: map[string]string{"app": app}},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIPs: []corev1.PodIP{{IP: ip}}},
		}
	}
	onlyAPI := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "db"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}}},
			}},
		},
	}
	set, err := policy.FromKubernetes(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
		pod("web", "web", "10.0.0.1"), pod("api", "api", "10.0.0.2"), pod("db", "db", "10.0.0.3"),
		onlyAPI,
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ep := range set.Endpoints {
		fmt.Println(ep.Key(), ep.Addresses, ep.Labels["app"])
	}
	for _, p := range set.Policies {
		fmt.Println(p.Key(), p.Types)
	}
	// Output:
	// WorkloadEndpoint shop/web [10.0.0.1] web
	// WorkloadEndpoint shop/api [10.0.0.2] api
	// WorkloadEndpoint shop/db [10.0.0.3] db
	// KubernetesNetworkPolicy shop/db [Ingress]
}
