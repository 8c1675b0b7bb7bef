//go:build race

package compile

// raceEnabled scales the randomized tests down under the race detector,
// which makes them about ten times slower.
const raceEnabled = true
