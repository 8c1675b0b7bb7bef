// Package benchmarks is Verdict's benchmark suite: every figure the
// engine's targets are stated in, measured with the compiled engine and
// the reference evaluator side by side on the same flows, so that the
// ratio between them comes from one run on one machine.
//
// The benchmarks live in this package's test files and keep their names
// from run to run, so that results compare over time:
//
//	go test ./benchmarks -run '^$' -bench . -benchmem
//
// With -short every shape is built small (the checker shape with 30
// policies, cold start with 10k endpoints) and the sub-benchmarks whose
// names state a size too large for a quick run (Cluster*/*/100k,
// Compile/cluster100k, Load/100k) are skipped, so that a run with
// -benchtime=1x keeps every benchmark compiling and running in a few
// minutes. Where the reference evaluator would take too long per flow at
// full size, its sub-benchmark cycles over a fixed prefix of the same
// flows the compiled one uses; the figure is still nanoseconds per flow.
//
// The clusters of BenchmarkCluster, BenchmarkApply and BenchmarkCompile
// are workload.LargeClusterParams clusters: a random Calico policy per ten
// endpoints (10k at 100k, at most a few hundred of them global) besides
// the Kubernetes NetworkPolicy of each application.
//
// BenchmarkClusterRepeat cycles over a working set of 4,096 flows of the
// same clusters, traffic that repeats; BenchmarkFloor is one random
// lookup in a Go map of 700k struct keys, one cache-missing probe, and the
// report shows every Cluster figure as a multiple of it from the same
// run, which a loaded machine disturbs far less than the nanoseconds.
//
// The command in cmd/report runs the suite and writes BENCHMARKS.md and a
// plot of latency against cluster size; for each target a full run does
// not meet, it also profiles the benchmark and shows the top of the
// profile.
package benchmarks
