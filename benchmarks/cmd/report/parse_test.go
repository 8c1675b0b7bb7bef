package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleOutput = `goos: linux
goarch: amd64
pkg: github.com/verdictlabs/verdict/benchmarks
cpu: Oxide Virtual Turin-like Processor             
BenchmarkCompile/coldstart-2 	       1	 220181198 ns/op	        11.92 heap-MB	41483016 B/op	  292021 allocs/op
BenchmarkCheckerBaseline/compiled/fullwalk-2         	  500000	     2332.5 ns/op	       0 B/op	       0 allocs/op
BenchmarkCluster/reference/10k
    sizes_test.go:31: full size only; run without -short
BenchmarkCluster/reference/10k-2                     	       1	    680546 ns/op	     184 B/op	       4 allocs/op
BenchmarkLoad/100k 	       3	 400000000 ns/op	  55.20 MB/s
BenchmarkSelectorMatch-16-4 	 1000	 12 ns/op
PASS
ok  	github.com/verdictlabs/verdict/benchmarks	6.415s
`

func TestParse(t *testing.T) {
	run, err := Parse(strings.NewReader(sampleOutput))
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := map[string]string{
		"goos": "linux", "goarch": "amd64", "pkg": "github.com/verdictlabs/verdict/benchmarks",
		"cpu": "Oxide Virtual Turin-like Processor",
	}
	if d := cmp.Diff(wantHeader, run.Header); d != "" {
		t.Errorf("header (-want +got):\n%s", d)
	}
	want := []Result{
		{Name: "BenchmarkCompile/coldstart", Procs: 2, Iterations: 1,
			Metrics: map[string]float64{"ns/op": 220181198, "heap-MB": 11.92, "B/op": 41483016, "allocs/op": 292021},
			Units:   []string{"ns/op", "heap-MB", "B/op", "allocs/op"}},
		{Name: "BenchmarkCheckerBaseline/compiled/fullwalk", Procs: 2, Iterations: 500000,
			Metrics: map[string]float64{"ns/op": 2332.5, "B/op": 0, "allocs/op": 0},
			Units:   []string{"ns/op", "B/op", "allocs/op"}},
		{Name: "BenchmarkCluster/reference/10k", Procs: 2, Iterations: 1,
			Metrics: map[string]float64{"ns/op": 680546, "B/op": 184, "allocs/op": 4},
			Units:   []string{"ns/op", "B/op", "allocs/op"}},
		// Without GOMAXPROCS suffix (GOMAXPROCS=1), the name keeps its
		// own "-N"-free form; with a name ending in a number, only the
		// last suffix is GOMAXPROCS.
		{Name: "BenchmarkLoad/100k", Procs: 1, Iterations: 3,
			Metrics: map[string]float64{"ns/op": 4e8, "MB/s": 55.2}, Units: []string{"ns/op", "MB/s"}},
		{Name: "BenchmarkSelectorMatch-16", Procs: 4, Iterations: 1000,
			Metrics: map[string]float64{"ns/op": 12}, Units: []string{"ns/op"}},
	}
	if d := cmp.Diff(want, run.Results); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if v, ok := run.Metric("BenchmarkCompile/coldstart", "heap-MB"); !ok || v != 11.92 {
		t.Errorf("Metric(coldstart, heap-MB) = %v, %v", v, ok)
	}
	if _, ok := run.Metric("BenchmarkCluster/compiled/100k", "ns/op"); ok {
		t.Error("Metric found a benchmark that did not run")
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"BenchmarkX-2 \t many \t 3 ns/op\n",
		"BenchmarkX-2 \t 10 \t 3 ns/op 4\n",
		"BenchmarkX-2 \t 10 \t fast ns/op\n",
	} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) gave no error", in)
		}
	}
}
