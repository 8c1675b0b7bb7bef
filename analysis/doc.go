// Package analysis answers questions about many flows at once, offline,
// and about a whole set of resources rather than one flow.
//
// Over logged traffic: what a staged or candidate policy would change
// (Replay), and what policy the observed traffic asks for (Recommend).
// Records come from package analysis/flowlog as they were logged. A
// Resolver turns each side into an endpoint of the policy set (by
// address, else namespace/name, else an aggregated name prefix narrowed by
// the logged labels), an outside peer, or an unresolved name, which is
// counted and listed and never guessed. A Grouper names the group a side
// belongs to, so that results read per workload rather than per pod.
// Tallies of a replay merge associatively and commutatively, so a replay
// can be split across cores here, or across machines by a pipeline.
//
// Over the resources themselves: which endpoints every verdict treats
// alike (Classes), who can reach whom (NewMatrix) and how a change moves
// that (DiffMatrices), what is likely a mistake (Lint), and what a policy,
// endpoint or selector touches (QueryPolicy, QueryEndpoint,
// QuerySelector). These answers are never guessed either: a cell of the
// matrix is the verdict of real flows between members of real classes,
// and a rule is reported shadowed only when an earlier rule provably takes
// every packet it would match.
package analysis
