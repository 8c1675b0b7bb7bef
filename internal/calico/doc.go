// Package calico holds the pieces of Calico's semantics that both
// evaluators share, so they cannot drift apart: an entity's effective
// labels, the effective policy and peer selectors Calico's update processors
// build, the order of tiers and policies, a rule's IP family filter, and
// HTTP path normalisation and matching. They are pure functions over model
// and selector values. The conformance vectors test them through both the
// compiled engine (package compile) and the reference evaluator (package
// eval/reference).
package calico
