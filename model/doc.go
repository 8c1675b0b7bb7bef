// Package model holds Verdict's plain data: the validated policy resources
// (tiers, policies, rules, profiles, network sets, namespaces, service
// accounts, endpoints, services), the flows asked about and the verdicts
// given back.
//
// Values here carry no behaviour beyond small helpers, and two rules
// every evaluator shares: what a valid set is (Set.Check) and what a
// Change does to a set (Set.Apply). The policy package builds the values
// from resources on disk; the evaluators read them, and refuse any set or
// change those two rules refuse. Every selector field holds a parsed
// *selector.Selector, so nothing downstream parses text again. A nil
// selector means the field was not given.
//
// The model is what reached Calico's dataplane, after the API's defaulting:
// a policy with no Types applies in both directions, and a tier with a nil
// Order sorts after every ordered tier. The policy package applies Calico's
// API defaulting on the way in, so those two cases only arise in models
// built by hand.
package model
