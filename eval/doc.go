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
// a flow seen once costs one probe of the table and a one-word note,
// about two cache-missing probes (BenchmarkMemoMiss: 1.9 floors, against
// 5.2 when every miss stored its entry), a few percent of a cold walk on
// a large cluster (BenchmarkMemo cold: memo and walk alike within the
// noise), while traffic that repeats is answered several times faster
// than the walk (BenchmarkMemo repeat, 10k cluster: 2.7-3.0 µs against
// 5.5-9.8 µs, on a loaded machine).
//
// The answers are those of eval/reference, the executable specification,
// hit for hit; the differential and conformance tests hold the engine to
// it.
package eval
