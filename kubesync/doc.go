// Package kubesync keeps an engine in step with a live Kubernetes cluster.
//
// A Syncer follows the API server with client-go shared informers:
// Namespaces, Pods, ServiceAccounts, Services, EndpointSlices and
// NetworkPolicies always; ClusterNetworkPolicies when the
// policy.networking.k8s.io/v1alpha2 API is served; and Calico's resources
// (Tier, GlobalNetworkPolicy, NetworkPolicy, the staged kinds,
// GlobalNetworkSet, NetworkSet, HostEndpoint, Profile) through the dynamic
// client, from projectcalico.org/v3 when Calico's API server (or its v3
// CRDs) serves it, else from crd.projectcalico.org/v1, Calico's
// Kubernetes datastore. Discovery decides at start and the choice is
// logged.
//
// Every object goes through package policy's decoder, as if it had been
// read from a file, so a live cluster and its exported YAML give the same
// model. The Syncer lists everything first and compiles once; only then is
// it ready, and before that Evaluate answers ErrNotReady rather than
// deciding on half a cluster. Afterwards each event becomes one
// model.Change applied atomically.
//
// An object that the decoder or the engine refuses (the API server
// accepted it, but it is not what Calico would enforce, such as a policy
// in a tier that does not exist yet) is reported with its key and reason
// through Status and the log; the last good version of it stays in force
// and everything else keeps syncing. Refused objects are tried again when
// tiers or policies change, since those are what they usually wait for.
//
// Watch errors, expired resource versions (410 Gone) and API server
// restarts are the informers' business: they list again and hand over
// the difference as ordinary events, one at a time and in order, so after
// the server is back the engine equals a fresh compile of a fresh list.
package kubesync
