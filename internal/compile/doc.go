// Package compile turns a model.Set into a Program: an immutable snapshot
// prepared so that deciding a flow costs a few lookups and a walk over the
// rules that can apply, and so that a change costs in proportion to what
// it touches.
//
// A Program holds, from the inside out:
//
//   - Interned labels. Label keys and values are small integers; a label
//     set is a slice of (key, value) pairs sorted by key.
//   - Selector programs. Every distinct selector (by canonical form) is
//     compiled once into a flat program over interned ids, shared by every
//     policy and rule using it: a policy's effective selector (namespace,
//     namespaceSelector and serviceAccountSelector folded in, as Calico
//     builds it) and a rule side's effective peer selector.
//   - A label index. Each selector is filed under its most selective
//     required label (selector.Requirements: a key with few allowed
//     values, or a key that must be present, rarest first); selectors with
//     none sit in a short always-checked list. The selectors that may match
//     a label set are found from its labels, not by trying them all, and
//     each is filed with a two-word mask of the keys and labels it needs,
//     so most candidates are dropped without running their programs.
//   - Classes. Entities (workload and host endpoints, network sets) with
//     the same effective labels share one class, which records every
//     selector the labels match and, per direction, the resolved list: the
//     tiers that apply in order, each with its applicable policies in
//     order, staged ones included for the pending walk.
//   - Peer sets. Whether a rule's peer selector matches the entities
//     owning an address is answered from the owners' classes for
//     endpoints (exact addresses) and, for network sets, from the CIDRs of
//     the sets the selector matches, gathered per selector as Felix
//     gathers an IP set, so an address inside thousands of sets costs one
//     search.
//   - An address index: exact addresses in a flat table that gives an
//     address's one owner and its class in one probe (addresses with
//     several owners, or a zone, in a map), network-set CIDRs in one map
//     per prefix length, finding every owner of an address whatever the
//     prefix length (Program.Owners).
//   - Rule matchers: protocol, sorted port ranges, named ports resolved on
//     the owning endpoint, ICMP, IP family, CIDR lists as sorted ranges,
//     negations; a criterion a rule leaves empty costs nothing.
//   - A memo of answered flows (memo.go): Evaluate answers a flow it has
//     answered on the same snapshot from a fixed table of fixed-size
//     entries keyed by the whole flow, without locks or allocation.
//
// A cold compile (Compile) spreads the work that is independent per
// entity and per label set (labels, matching, resolving) over the
// processors, and checks the set with model.Set.Check beside it.
//
// Every structure is persistent: Apply copies only the shards, chunks and
// records a change touches and shares the rest with the program it came
// from, so old snapshots stay valid for readers that still hold them.
//
// A Program is a set of tables (selectors, policies and tiers, profiles,
// services, entities, classes), and Apply edits each through its own
// editor: edit starts a batch on a table, done hands back the new table,
// and what a batch must copy before writing is the editor's own
// business. Staging a change edits the tables its resources live in;
// finishing it derives the rest, each step taking what the steps before
// it settled (classes for the relabelled entities, then the ranks, then
// the selectors placed by the classes' label counts, then what the
// classes match and resolve to, then the peer CIDRs).
// Program.CheckInvariants recomputes every derived table from the
// resources and compares; Program.Dump prints the tables.
//
// The semantics are SPEC.md's, and the answers are eval/reference's, hit
// for hit; the tests compare the two on random sets and change streams.
package compile
