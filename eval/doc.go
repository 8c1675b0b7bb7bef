// Package eval is what embedders call: an Engine that decides flows the
// way Calico does, answering which tier, policy and rule decided, and
// taking incremental updates while it answers.
//
// Every evaluator answers the same questions, named by one interface,
// Evaluator: the Engine, a Snapshot of it, and eval/reference, the
// executable specification.
//
// An Engine holds one compiled Snapshot behind an atomic pointer.
// Readers (Evaluate, Explain and the rest) load the pointer and never
// block; each call sees one whole snapshot from start to
// finish. Writers (Apply) take a mutex among themselves, derive the next
// snapshot from the current one, sharing everything the change does not
// touch, and publish it with one atomic store. A change that fails leaves
// the engine exactly as it was.
//
// Evaluate on flows between registered endpoints allocates nothing: the
// work is a few map lookups and a walk over the rules that can apply,
// everything else having been prepared when the snapshot was compiled.
// A flow Evaluate has answered on the same snapshot is answered again
// from a memo, a fixed table the first Evaluate makes (a few megabytes at
// most) and the snapshots Apply derives share; it is exact, takes no lock
// and allocates nothing. A change drops its answers, except one that
// leaves every resource as it was (a resync re-applying what the engine
// holds), which keeps them. Explain gives the full trace and allocates it.
//
// The memo is always on. A flow is stored on its second sighting only:
// a flow seen once costs the probe of one cache line of tags and a
// one-word note in it (BenchmarkMemoMiss admit: about one floor, a
// random probe of a large Go map), a few percent of a cold walk on a
// large cluster, while traffic that repeats is answered from the tag
// line, the two lines of its entry and the endpoints and policies it
// names, instead of a walk (BenchmarkMemo repeat). An entry takes 208
// bytes; the table holds sixteen entries per entity, between 1,024 and
// 32,768 entries (208 KB to 6.5 MB).
//
// The answers are those of eval/reference, the executable specification,
// hit for hit; the differential and conformance tests hold the engine to
// it.
package eval
