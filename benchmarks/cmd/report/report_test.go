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
BenchmarkCluster/compiled/100k-2 	 1000	 2000 ns/op	 0 B/op	 0 allocs/op
BenchmarkClusterRepeat/compiled/100k-2 	 1000	 150 ns/op	 0 B/op	 0 allocs/op
BenchmarkFloor-2 	 1000	 100 ns/op	 0 B/op	 0 allocs/op
BenchmarkImpact-2 	 1	 4000000000 ns/op	 300000 records/s	 10 heap-growth-MB
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
		"| cold start at most 1.5 s | `Compile/coldstart` | 4 s | **not met** |",
		"| cold start at most 220 MB | `Compile/coldstart` | 120 heap-MB | met |",
		"| 100k cluster at least 100x the reference | `Cluster/compiled/100k` | — | not measured |",
		"| 100k cluster at most 12x the floor | `Cluster/compiled/100k` | 20.0x the floor | **not met** |",
		"| repeated 100k traffic at most 2x the floor | `ClusterRepeat/compiled/100k` | 1.5x the floor | met |",
		"| repeated 100k traffic at most 150 ns per flow | `ClusterRepeat/compiled/100k` | 150 ns | met |",
		"| impact at least 250,000 records/s from JSON lines (1M records, 100k cluster) | `Impact` | 300000 records/s | met |",
		"| `Cluster/compiled/100k` | 2 µs | 20.0x |",
		"| `ClusterRepeat/compiled/100k` | 150 ns | 1.5x |",
		"| `CheckerBaseline/*/fullwalk` | 2 µs | 4 ms | 2000x |",
		"| CPU | Test CPU |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	noClusters, err := Parse(strings.NewReader("BenchmarkCompile/coldstart-2 \t 1\t 4000000000 ns/op\t 120 heap-MB\n"))
	if err != nil {
		t.Fatal(err)
	}
	var svg bytes.Buffer
	Plot(&svg, noClusters, false)
	if !strings.HasPrefix(svg.String(), "<svg") || !strings.Contains(svg.String(), "not measured in this run") {
		t.Errorf("plot without cluster figures:\n%s", svg.String())
	}
}

func TestBenchPattern(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"BenchmarkCluster/compiled/100k", "^BenchmarkCluster$/^compiled$/^100k$"},
		{"BenchmarkCompile/coldstart", "^BenchmarkCompile$/^coldstart$"},
	} {
		if got := benchPattern(tt.name); got != tt.want {
			t.Errorf("benchPattern(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Only unmet targets are profiled, each benchmark once, the heap only for
// an unmet memory target.
func TestUnmet(t *testing.T) {
	run, err := Parse(strings.NewReader(`BenchmarkCluster/compiled/100k-2 	 1000	 5000 ns/op	 0 B/op	 0 allocs/op
BenchmarkCluster/reference/100k-2 	 10	 50000000 ns/op	 0 B/op	 0 allocs/op
BenchmarkCompile/coldstart-2 	 1	 4000000000 ns/op	 320 heap-MB	 9 B/op	 9 allocs/op
BenchmarkRelabel/10000-2 	 1000	 10000 ns/op	 0 B/op	 0 allocs/op
`))
	if err != nil {
		t.Fatal(err)
	}
	benches, memory := unmet(run)
	want := []string{"BenchmarkCluster/compiled/100k", "BenchmarkCompile/coldstart"}
	if strings.Join(benches, ",") != strings.Join(want, ",") {
		t.Errorf("unmet = %v, want %v", benches, want)
	}
	if !memory["BenchmarkCompile/coldstart"] || memory["BenchmarkCluster/compiled/100k"] {
		t.Errorf("memory = %v, want only the cold start", memory)
	}
}

func TestProfilesInReport(t *testing.T) {
	top := pprofTable("File: benchmarks.test\nType: cpu\nTime: 2026\nShowing nodes accounting for 1s\n      flat  flat%   sum%        cum   cum%\n     0.50s 50% 50% 1s 100%  compile.(*flowCtx).decide\n")
	if strings.Contains(top, "Time:") || !strings.Contains(top, "compile.(*flowCtx).decide") {
		t.Fatalf("pprofTable kept the wrong lines:\n%s", top)
	}
	run, err := Parse(strings.NewReader("BenchmarkCluster/compiled/100k-2 \t 1000\t 5000 ns/op\n"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	Write(&buf, run, Context{Plot: "p.svg", Profiles: []Profile{{Bench: "BenchmarkCluster/compiled/100k", Kind: "cpu", File: "benchmarks/profiles/Cluster-compiled-100k.cpu.txt", Top: top}}})
	out := buf.String()
	for _, want := range []string{"## What limits the unmet targets", "### `Cluster/compiled/100k`: CPU time", "compile.(*flowCtx).decide", "(benchmarks/profiles/Cluster-compiled-100k.cpu.txt)"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
