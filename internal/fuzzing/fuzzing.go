// Package fuzzing holds what the project's fuzz targets share.
package fuzzing

import (
	"flag"
	"testing"
	"time"
)

// BoundMinimizing sets -test.fuzzminimizetime to d unless the command
// line sets it. go test minimizes every input that finds new coverage,
// trying to remove every span of bytes (quadratic in its length), for up
// to 60s by default and counting no execs meanwhile; a target whose seeds
// are a kilobyte or more then spends its whole run minimizing and looks
// hung at 0 execs/s.
func BoundMinimizing(f *testing.F, d time.Duration) {
	f.Helper()
	const name = "test.fuzzminimizetime"
	set := false
	flag.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	if fl := flag.Lookup(name); fl != nil && !set {
		if err := fl.Value.Set(d.String()); err != nil {
			f.Fatal(err)
		}
	}
}
