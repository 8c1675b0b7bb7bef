// Package kube reads Kubernetes objects and converts them the way Calico
// does: networking.k8s.io/v1 NetworkPolicy,
// policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy, Calico's
// StagedKubernetesNetworkPolicy, and the workload kinds Pod, Namespace,
// ServiceAccount, Service and discovery.k8s.io/v1 EndpointSlice. It also
// makes the kns. and ksa. profiles Calico's Kubernetes datastore gives
// every namespace and service account.
//
// Convert functions take this package's object types, validate them as
// the API server would, and give the model values Calico would hand its
// dataplane, with every problem located by a field path. Read functions
// do the same for an object as package policy's loader holds it, a
// generic JSON object, decoding it strictly first; Object functions go
// the other way, from the model to the objects package policy's Encode
// writes. Package policy reads these kinds only through Read and Object
// functions, so the object types here can change (to k8s.io/api's) without
// it.
package kube
