package kube

import "github.com/verdictlabs/verdict/policy/internal/resource"

// Kinds of Kubernetes objects, as problems name them.
const (
	kindNetworkPolicy       = "NetworkPolicy"
	kindClusterPolicy       = "ClusterNetworkPolicy"
	kindStagedNetworkPolicy = "StagedKubernetesNetworkPolicy"
	kindPod                 = "Pod"
	kindNamespace           = "Namespace"
	kindServiceAccount      = "ServiceAccount"
	kindService             = "Service"
	kindEndpointSlice       = "EndpointSlice"
)

// Problem is one thing wrong with an object, or worth a warning, located
// by the object's kind, namespace and name and a field path.
type Problem = resource.Problem

// Problems is every problem and warning found in an object.
type Problems = resource.Problems

// report collects the problems of one Kubernetes object; the API server's
// checks are its methods.
type report struct{ resource.Report }

func newReport(kind, namespace, name string) *report {
	return &report{resource.Report{Kind: kind, Namespace: namespace, Name: name}}
}
