//go:build race

package policy

// raceEnabled skips what the race detector distorts: it multiplies the
// memory a process holds, which TestJSONListMemory measures.
const raceEnabled = true
