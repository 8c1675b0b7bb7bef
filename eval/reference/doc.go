// Package reference is Verdict's executable specification: an evaluator
// that interprets a model.Set directly, rule by rule, as SPEC.md states the
// rules, with no index and no cleverness.
//
// Every faster engine is differential-tested against it, so it favours
// being obviously right over being quick. It still prepares what it can at
// New (effective labels, sorted tiers and policies, the effective selectors
// Calico builds for policies and rule peers) so that evaluation parses
// nothing.
//
// Evaluator answers the questions of eval.Evaluator with the same method
// set, without importing eval: the specification depends on nothing of
// the engine it checks.
//
// What it decides, in brief:
//
//   - The judged endpoint of a side is the workload endpoint that owns the
//     flow's address there: the source endpoint's egress and the destination
//     endpoint's ingress. A side no endpoint owns is not enforced. A side
//     only a host endpoint owns is unjudged (model.DirectionVerdict
//     .Unjudged), counted as denied: Calico enforces host endpoints in
//     hooks not modelled yet (SPEC 8). As rule peers they take full part.
//   - Tiers are walked in order, then the endpoint's profiles; the trace
//     lists Calico's flow-log policy hits, and staged policies take part in
//     the pending walk only.
//   - Rule peers are resolved by address against every entity owning it
//     (workload endpoints, host endpoints' expected IPs, network sets' CIDRs
//     of any prefix length), with the effective peer selector Calico builds
//     from selector, notSelector, namespaceSelector and serviceAccounts.
//
// Where Calico's components disagree, the evaluator follows the Linux
// dataplane (SPEC.md section 7): ICMP type and code and ipVersion are
// enforced, named ports match, Pass in a profile denies, a missing set of
// addresses matches nothing, an empty service namespace means the policy's
// namespace, and a policy in a missing tier is an error at New.
package reference
