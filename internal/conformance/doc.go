// Package conformance reads Calico's conformance cases (the verdict
// vectors of conformance/README.md, produced by running Calico's own
// pipeline) into model values, and compares an engine's answers with
// Calico's, hit for hit.
//
// A case holds what reached Felix, with no API defaulting, so its Calico
// objects are built as model values directly: a policy without types has
// none, and a tier whose order is null keeps a nil order. Rules go through
// policy.DecodeRule; Kubernetes NetworkPolicy, ClusterNetworkPolicy and
// StagedKubernetesNetworkPolicy objects go through the policy package's
// conversions, the same code users get.
//
// The conformance tests and the "verdict conformance" command share Run,
// so both count and report disagreements the same way.
package conformance
