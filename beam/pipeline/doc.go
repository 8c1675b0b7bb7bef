// Package pipeline replays flow records as an Apache Beam pipeline: the
// impact of staged or candidate policy ("verdict impact") and the
// policies observed traffic asks for ("verdict recommend"), on any Beam
// runner: prism in process, Dataflow, Flink or Spark.
//
// The shape: flow files (globs, gzip too) are matched and read with
// Beam's file IO, one file per element, into batches of lines that are
// reshuffled, since a gzip file cannot be split and one file may hold
// most of the records. The policy resources are a side input; each worker
// process builds one engine from them on first use and keeps it (Setup
// cannot see side inputs, so the build happens on the first bundle and is
// cached per process, keyed by the resources' contents). Each record is
// resolved and judged exactly as package analysis does for the CLI,
// giving a one-record tally keyed by its impact grouping (source and
// destination group) or, for recommend, one observation per workload
// group; tallies combine with analysis's Merge, which is associative and
// commutative with the empty tally as identity, so the runner may
// combine in any order and before the shuffle. The totals are written
// with the same writers the CLI uses, so the outputs are byte for byte
// those of "verdict impact" and "verdict recommend".
//
// A record that cannot be read or resolved never fails the job: it is
// counted, and a sample of them, each with its file and line, is written
// beside the report.
package pipeline
