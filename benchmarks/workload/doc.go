// Package workload generates realistic Calico and Kubernetes clusters as
// model values, with the flows between their workloads and streams of
// valid changes, all from a seed.
//
// The same parameters and seed always give the same cluster, flows and
// changes, byte for byte, so a benchmark result or a failing differential
// test can be reproduced from two numbers. Generation is split into
// independent random streams (resources, policies, flows), so asking for
// more flows does not change the resources.
//
// NewCluster builds a cluster from ClusterParams; DefaultClusterParams
// gives the proportions of a mid-sized production cluster for a number
// of pods, and LargeClusterParams those of a large one (fewer random
// policies per pod, a bounded number of them global), the shape the
// benchmarks measure. A generated cluster holds namespaces with team, environment
// and service tier labels; deployments whose pods carry the labels Kubernetes tooling
// puts on them, named container ports, service accounts and services;
// host endpoints; global and namespaced network sets of every prefix
// length (IPv6 ones in dual-stack clusters); tiers, including one
// without an order; and policies that use
// every selector operator and every rule criterion Calico has, Kubernetes
// NetworkPolicies converted by package policy, staged policies of the
// three staged kinds and a default deny. Every resource is valid as
// Calico's validator would have it.
//
// Changes derives batches of updates from a set as it stands (relabelled,
// added and removed endpoints, policies, tiers, network sets, namespaces
// and service accounts), each batch valid against the set the previous
// batches left; Apply gives the set a batch leaves, so tests can replay a
// stream against an evaluator that is rebuilt from scratch.
//
// Three fixed shapes reproduce the benchmarks Calico's figures come from,
// each at a size so that short runs build small versions:
// CheckerBaseline (the per-flow checker's one endpoint under 294
// policies of 68 rules), SharedLabel (selectors sharing one required
// label, the label index's worst case) and ColdStart (250k endpoints and
// 10k policies with has() selectors).
package workload
