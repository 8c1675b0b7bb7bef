package kube

import (
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// API versions of the Kubernetes objects Verdict reads.
const (
	CoreAPIVersion          = "v1"
	NetworkingAPIVersion    = "networking.k8s.io/v1"
	NetworkPolicyAPIVersion = "policy.networking.k8s.io/v1alpha2"
	DiscoveryAPIVersion     = "discovery.k8s.io/v1"
)

// Kinds of the Kubernetes objects Verdict reads, as inputs and problems
// name them. StagedKubernetesNetworkPolicy is Calico's
// (projectcalico.org/v3), with a Kubernetes NetworkPolicy spec.
const (
	KindNetworkPolicy                 = kindNetworkPolicy
	KindClusterNetworkPolicy          = kindClusterPolicy
	KindStagedKubernetesNetworkPolicy = kindStagedNetworkPolicy
	KindPod                           = kindPod
	KindNamespace                     = kindNamespace
	KindServiceAccount                = kindServiceAccount
	KindService                       = kindService
	KindEndpointSlice                 = kindEndpointSlice
)

// The Read functions take one object as the loader holds it, a generic
// JSON object (what encoding/json gives for an `any`), decode it strictly
// into this package's types and convert it. The problems they return are
// complete: the decoder's (each located by the object's kind, namespace
// and name) first, then the conversion's. Policy kinds refuse unknown
// fields. Workload kinds carry many fields Verdict has no use for: they
// are checked against the real types of k8s.io/api, so that every field
// the API has is accepted (status, managedFields, ownerReferences...) and
// one it does not have (metadata.lables) is a problem with its path and a
// suggestion, as the API server's strict decoding would report it. Only this file and write.go know how objects are decoded and
// written, so the types behind them can change without the loader
// noticing.

// ReadNetworkPolicy reads a networking.k8s.io/v1 NetworkPolicy (see
// ConvertNetworkPolicy).
func ReadNetworkPolicy(obj map[string]any) (model.Policy, Problems) {
	var np NetworkPolicy
	strict := resource.DecodeStrict(obj, &np, false, resource.Root())
	p, probs := ConvertNetworkPolicy(&np)
	return p, append(strict.Named(kindNetworkPolicy, np.Metadata.NamespaceOrDefault(), np.Metadata.Name), probs...)
}

// ReadClusterNetworkPolicy reads a ClusterNetworkPolicy (see
// ConvertClusterNetworkPolicy). The policy always carries its kind and
// name, also when it is dropped (false).
func ReadClusterNetworkPolicy(obj map[string]any) (model.Policy, bool, Problems) {
	var c ClusterNetworkPolicy
	strict := resource.DecodeStrict(obj, &c, false, resource.Root())
	p, keep, probs := ConvertClusterNetworkPolicy(&c)
	if p.Name == "" {
		p.Kind, p.Name = model.KindKubernetesClusterNetworkPolicy, c.Metadata.Name
	}
	return p, keep, append(strict.Named(kindClusterPolicy, "", c.Metadata.Name), probs...)
}

// ReadStagedKubernetesNetworkPolicy reads Calico's
// StagedKubernetesNetworkPolicy (see ConvertStagedKubernetesNetworkPolicy).
// The policy always carries its kind, namespace and name, also when
// nothing is staged (false).
func ReadStagedKubernetesNetworkPolicy(obj map[string]any) (model.Policy, bool, Problems) {
	var s StagedKubernetesNetworkPolicy
	strict := resource.DecodeStrict(obj, &s, false, resource.Root())
	p, keep, probs := ConvertStagedKubernetesNetworkPolicy(&s)
	if p.Name == "" {
		p.Kind, p.Namespace, p.Name = model.KindStagedKubernetesNetworkPolicy, s.Metadata.NamespaceOrDefault(), s.Metadata.Name
	}
	return p, keep, append(strict.Named(kindStagedNetworkPolicy, s.Metadata.NamespaceOrDefault(), s.Metadata.Name), probs...)
}

// ReadPod reads a core v1 Pod as the workload endpoint Calico makes of it
// (see ConvertPod).
func ReadPod(obj map[string]any) (model.Endpoint, Problems) {
	var p Pod
	strict := decodeChecked(obj, &p, &corev1.Pod{})
	ep, probs := ConvertPod(&p)
	return ep, append(strict.Named(kindPod, ep.Namespace, ep.Name), probs...)
}

// ReadNamespace reads a core v1 Namespace (see ConvertNamespace and
// Namespace.Validate).
func ReadNamespace(obj map[string]any) (model.Namespace, Problems) {
	var n Namespace
	strict := decodeChecked(obj, &n, &corev1.Namespace{})
	return ConvertNamespace(&n), append(strict.Named(kindNamespace, "", n.Metadata.Name), n.Validate()...)
}

// ReadServiceAccount reads a core v1 ServiceAccount (see
// ConvertServiceAccount and ServiceAccount.Validate).
func ReadServiceAccount(obj map[string]any) (model.ServiceAccount, Problems) {
	var s ServiceAccount
	strict := decodeChecked(obj, &s, &corev1.ServiceAccount{})
	return ConvertServiceAccount(&s), append(strict.Named(kindServiceAccount, s.Metadata.NamespaceOrDefault(), s.Metadata.Name), s.Validate()...)
}

// decodeChecked decodes a workload object into Verdict's own type, which
// keeps only what Verdict reads, and checks it against real, the
// k8s.io/api type of its kind: the problems are the real type's (unknown
// fields, values of the wrong type), then those of Verdict's type at paths
// the real type did not already report.
func decodeChecked(obj map[string]any, dst, real any) Problems {
	probs := resource.DecodeStrict(obj, real, false, resource.Root())
	seen := make(map[string]bool, len(probs))
	for _, p := range probs {
		seen[p.Path] = true
	}
	for _, p := range resource.DecodeStrict(obj, dst, true, resource.Root()) {
		if !seen[p.Path] {
			probs = append(probs, p)
		}
	}
	return probs
}

// ImplicitNamespace is the namespace of a pod whose Namespace object is
// not in the load: only its name label.
func ImplicitNamespace(name string) model.Namespace {
	return ConvertNamespace(&Namespace{Metadata: ObjectMeta{Name: name}})
}

// Services gathers the Services and EndpointSlices of a load: a service's
// members depend on every slice, so they are built once all are read (see
// BuildServices). The zero value is empty and ready.
type Services struct {
	services []Service
	slices   []EndpointSlice
}

// AddService reads a core v1 Service. It returns the object's key (kind
// Service), by which Build's problems name it, and the decoder's problems.
func (s *Services) AddService(obj map[string]any) (model.Key, Problems) {
	var svc Service
	strict := decodeChecked(obj, &svc, &corev1.Service{})
	key := model.Key{Kind: kindService, Namespace: svc.Metadata.NamespaceOrDefault(), Name: svc.Metadata.Name}
	s.services = append(s.services, svc)
	return key, strict.Named(string(key.Kind), key.Namespace, key.Name)
}

// AddEndpointSlice reads a discovery.k8s.io/v1 EndpointSlice, as
// AddService reads a Service.
func (s *Services) AddEndpointSlice(obj map[string]any) (model.Key, Problems) {
	var es EndpointSlice
	strict := decodeChecked(obj, &es, &discoveryv1.EndpointSlice{})
	key := model.Key{Kind: kindEndpointSlice, Namespace: es.Metadata.NamespaceOrDefault(), Name: es.Metadata.Name}
	s.slices = append(s.slices, es)
	return key, strict.Named(string(key.Kind), key.Namespace, key.Name)
}

// Len returns how many Services and EndpointSlices were added.
func (s *Services) Len() int { return len(s.services) + len(s.slices) }

// Build validates what was added and builds the services (see
// BuildServices); each problem names its object by kind, namespace and
// name.
func (s *Services) Build() ([]model.Service, Problems) {
	return BuildServices(s.services, s.slices)
}
