package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9654\nprocessor\t: 1\nmodel name\t: AMD EPYC 9654\n"
	if got := cpuModel(info); got != "AMD EPYC 9654" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel("processor\t: 0\n"); got != "" {
		t.Errorf("cpuModel without a model name = %q", got)
	}
}

// The report takes speed-ups and target statuses from the run it is
// given, and says what it did not measure.
func TestWrite(t *testing.T) {
	run, err := Parse(strings.NewReader(`cpu: Test CPU
BenchmarkCheckerBaseline/compiled/fullwalk-2 	 1000	 2000 ns/op	 0 B/op	 0 allocs/op
BenchmarkCheckerBaseline/reference/fullwalk-2 	 10	 4000000 ns/op	 152 B/op	 3 allocs/op
BenchmarkCompile/coldstart-2 	 1	 4000000000 ns/op	 120 heap-MB	 9 B/op	 9 allocs/op
`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Write(&buf, run, Context{Machine: Machine{CPU: "Test CPU", Cores: 2, Go: "go1.26"}, Plot: "p.svg"})
	out := buf.String()
	for _, want := range []string{
		"| checker shape under 10 µs | `CheckerBaseline/compiled/fullwalk` | 2 µs | met |",
		"| checker shape at least 100x the reference | `CheckerBaseline/compiled/fullwalk` | 2000x | met |",
		"| cold start under 3 s | `Compile/coldstart` | 4 s | **not met** |",
		"| cold start under 300 MB | `Compile/coldstart` | 120 heap-MB | met |",
		"| 100k cluster with zero allocations | `Cluster/compiled/100k` | — | not measured |",
		"| `CheckerBaseline/*/fullwalk` | 2 µs | 4 ms | 2000x |",
		"| CPU | Test CPU |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	var svg bytes.Buffer
	Plot(&svg, run, false)
	if !strings.HasPrefix(svg.String(), "<svg") || !strings.Contains(svg.String(), "not measured in this run") {
		t.Errorf("plot without cluster figures:\n%s", svg.String())
	}
}
