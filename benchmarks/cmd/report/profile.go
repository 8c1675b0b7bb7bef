package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// A Profile is the top of a CPU or heap profile of one benchmark, taken
// because a target on it was not met: what the time or memory goes to.
type Profile struct {
	Bench string
	Kind  string // "cpu" or "heap"
	File  string // the pprof text, relative to the report's directory
	Top   string // the first lines of it
}

// profileFocus narrows a benchmark's profile to the code the target is
// about, leaving out the setup that builds its input.
var profileFocus = map[string]string{
	"BenchmarkCluster/compiled/100k":       `compile\.\(\*Program\)\.Evaluate`,
	"BenchmarkClusterRepeat/compiled/100k": `compile\.\(\*Program\)\.Evaluate`,
	"BenchmarkApply/policy":                `compile\.\(\*Program\)\.Apply`,
	"BenchmarkApply/policy100k":            `compile\.\(\*Program\)\.Apply`,
	"BenchmarkCompile/coldstart":           `compile\.Compile`,
}

// unmet returns the benchmarks with a target the run did not meet, each
// once, with whether memory (heap-MB) is among the unmet figures.
func unmet(r *Run) (benches []string, memory map[string]bool) {
	memory = map[string]bool{}
	seen := map[string]bool{}
	for _, t := range targets {
		v, ok := figure(r, t.bench, t.unit)
		if !ok {
			continue
		}
		if t.met(v) {
			continue
		}
		if t.unit == "heap-MB" {
			memory[t.bench] = true
		}
		if !seen[t.bench] {
			seen[t.bench] = true
			benches = append(benches, t.bench)
		}
	}
	return benches, memory
}

// benchPattern turns a benchmark's full name into a -bench pattern that
// runs it alone.
func benchPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

// profileUnmet runs each benchmark with an unmet target again under the
// CPU profiler (and the heap profiler for an unmet memory target) and
// keeps the top of each profile in dir, so that the report shows what
// limits the target.
func profileUnmet(r *Run, dir string) ([]Profile, error) {
	benches, memory := unmet(r)
	if len(benches) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "verdict-profile")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "benchmarks.test")
	if out, err := exec.Command("go", "test", "-c", "-o", bin, "./benchmarks").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the benchmarks: %v\n%s", err, out)
	}
	var profiles []Profile
	for _, b := range benches {
		kinds := []string{"cpu"}
		if memory[b] {
			kinds = append(kinds, "heap")
		}
		// A fast benchmark runs long enough for the profiler to sample it;
		// a slow one (a cold compile) once.
		benchtime := "1x"
		if ns, ok := r.Metric(b, "ns/op"); ok && ns < 1e8 {
			benchtime = "3s"
		}
		for _, kind := range kinds {
			p, err := profileOne(bin, tmp, dir, b, kind, benchtime)
			if err != nil {
				return nil, err
			}
			profiles = append(profiles, p)
		}
	}
	return profiles, nil
}

// profileLines is how much of each profile the report shows.
const profileLines = 25

func profileOne(bin, tmp, dir, bench, kind, benchtime string) (Profile, error) {
	name := strings.ReplaceAll(strings.TrimPrefix(bench, "Benchmark"), "/", "-")
	raw := filepath.Join(tmp, name+"."+kind)
	flag := "-test.cpuprofile"
	if kind == "heap" {
		flag = "-test.memprofile"
	}
	run := exec.Command(bin, "-test.run", "^$", "-test.bench", benchPattern(bench), "-test.benchtime", benchtime, flag, raw)
	// The benchmarks expect to run in their package's directory.
	run.Dir = "benchmarks"
	fmt.Fprintf(os.Stderr, "profiling %s (%s)\n", bench, kind)
	if out, err := run.CombinedOutput(); err != nil {
		return Profile{}, fmt.Errorf("profiling %s: %v\n%s", bench, err, out)
	}
	args := []string{"tool", "pprof", "-top", "-nodecount", fmt.Sprint(profileLines)}
	if kind == "heap" {
		args = append(args, "-sample_index=alloc_space")
	}
	if f, ok := profileFocus[bench]; ok {
		args = append(args, "-focus", f)
	}
	args = append(args, bin, raw)
	text, err := exec.Command("go", args...).Output()
	if err != nil {
		return Profile{}, fmt.Errorf("reading the %s profile of %s: %w", kind, bench, err)
	}
	file := filepath.Join(dir, name+"."+kind+".txt")
	if err := os.WriteFile(file, text, 0o644); err != nil {
		return Profile{}, err
	}
	return Profile{Bench: bench, Kind: kind, File: file, Top: pprofTable(string(text))}, nil
}

// pprofTable returns the table of pprof's -top output, without the header
// lines naming the binary and the time of the run.
func pprofTable(text string) string {
	var keep []string
	table := false
	for line := range strings.Lines(text) {
		if strings.HasPrefix(strings.TrimSpace(line), "flat") {
			table = true
		}
		if table || strings.HasPrefix(line, "Showing") || strings.HasPrefix(line, "Active filters") || strings.HasPrefix(line, "   focus") {
			keep = append(keep, strings.TrimRight(line, "\n"))
		}
	}
	return strings.Join(keep, "\n")
}
