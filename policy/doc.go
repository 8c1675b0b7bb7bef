// Package policy reads network policy resources and gives back a validated
// model.Set: what Calico's API would accept, defaulted the way Calico's
// API defaults it on the way in, converted the way Calico converts it for
// its dataplane.
//
// # Inputs
//
// YAML or JSON; one document, a stream of documents separated by ---, a
// List (kind List, or any kind ending in List) with items, or a bare
// sequence or JSON array of resources, as `calicoctl create -f` and
// `docker inspect` write them. Inputs are read one document at a time, so
// a large input is never held whole in memory. A directory is read as
// calicoctl reads one: every *.yaml, *.yml and *.json file in it, in
// lexical order, and those below it too when recursive (AddPath,
// AddPathRecursive). Result.Origins names the file and
// document each resource came from.
//
//   - Calico projectcalico.org/v3: Tier, GlobalNetworkPolicy,
//     NetworkPolicy, StagedGlobalNetworkPolicy, StagedNetworkPolicy,
//     StagedKubernetesNetworkPolicy, Profile, GlobalNetworkSet,
//     NetworkSet, HostEndpoint, WorkloadEndpoint.
//   - Kubernetes: networking.k8s.io/v1 NetworkPolicy,
//     policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy, and the
//     workload kinds Pod, Namespace, ServiceAccount, Service and
//     discovery.k8s.io/v1 EndpointSlice; package kube reads and converts
//     them.
//   - Legacy: Calico 2.x calicoctl resources (apiVersion v1, kinds policy,
//     profile, workloadEndpoint, hostEndpoint), the profile rules JSON of
//     the original calicoctl, and Docker's docker inspect and docker
//     network inspect output; package legacy translates them into v3
//     documents, which are then validated like any v3 input.
//
// Unknown fields are errors in Calico kinds and Kubernetes kinds, and
// ignored in Docker's output, which carries many fields Verdict has no use
// for. Kubernetes workload kinds (Pod, Namespace, ServiceAccount, Service,
// EndpointSlice) are checked against k8s.io/api's types: every field the
// API has is accepted, as in `kubectl get -o yaml` output, and a field it
// does not have, such as metadata.lables, is a problem with its path and
// a suggestion. FromKubernetes takes typed objects as client-go gives
// them.
//
// # Problems
//
// Validation follows Calico's validator and its API schema. Every problem
// is reported, not just the first: a Problem names the file, the document
// (the 1-based position of the resource in its file, counting the items of
// a List or sequence), the resource and the field path, such as
// spec.ingress[2].destination.ports[0]. Warnings do not make a load fail:
// a v3 action or protocol in the wrong letter case (allow, tcp), which
// older calicoctl accepted, is read with a warning, and convert writes
// Calico's spelling.
//
// Where Calico's rule is narrower than what older inputs hold, Verdict
// chooses:
//
//   - Profile, WorkloadEndpoint and HostEndpoint names (and the names a
//     workload endpoint's spec holds) may be any name Calico's v1 model or
//     Docker allowed, such as APP or frontend-A, with a warning in v3
//     input, so that converted legacy and Docker inputs load again.
//   - A rule's nets must have no address bits beyond the prefix, as
//     Calico's validator demands; a bare address is a /32 or /128.
//   - A policy in a tier that is neither loaded nor built in is an error
//     naming both, where Felix would enforce it after every tier.
//   - A Pod whose namespace has no Namespace object in the load gets one
//     with only its name label, and a warning.
//
// # Defaulting
//
// As Calico's API does (see defaults.go): policy types from the rules,
// tier default, tier order 1,000,000 and default action Deny, namespace
// default for namespaced Calico kinds (as calicoctl does), staged action
// Set. The built-in tiers (kube-admin, default, kube-baseline) are always
// in the model, and every Namespace and ServiceAccount gives its kns. or
// ksa. profile. A staged policy with stagedAction Delete is validated but
// left out, as Calico never hands it to its dataplane.
//
// # Output
//
// Encode writes a model back as canonical Calico v3 resources; loading the
// output gives the same model.
package policy
