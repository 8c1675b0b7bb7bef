// Package flowlog reads flow records, one at a time, from the logs users
// already have: Verdict's own JSON lines and CSV, Calico Enterprise and
// Cloud flow logs, and the Flow messages of Calico OSS's flow-logs API
// (goldmane) as protojson. Gzip-compressed input is read transparently.
//
// Records stay as they were logged: peers carry addresses, names,
// aggregated name prefixes and labels as text. Turning them into endpoints
// of a policy set is the analysis package's job, so this package needs
// nothing of the project but model.
//
// A Reader holds one line at a time, so memory does not grow with the
// number of records. Reading a line and parsing it are separate steps
// (NextLine and Parse) so that callers can parse on several cores; Next
// does both for the simple case.
package flowlog
