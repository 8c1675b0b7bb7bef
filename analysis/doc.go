// Package analysis answers questions about many flows at once, offline:
// what a staged or candidate policy would change over logged traffic
// (Replay), and what policy the observed traffic asks for (Recommend).
//
// Records come from package analysis/flowlog as they were logged. A
// Resolver turns each side into an endpoint of the policy set (by
// address, else namespace/name, else an aggregated name prefix narrowed by
// the logged labels), an outside peer, or an unresolved name, which is
// counted and listed and never guessed. A Grouper names the group a side
// belongs to, so that results read per workload rather than per pod.
//
// Tallies of a replay merge associatively and commutatively, so a replay
// can be split across cores here, or across machines by a pipeline.
package analysis
