package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Result is one line of `go test -bench` output.
type Result struct {
	// Name is the benchmark's name without the GOMAXPROCS suffix, such as
	// "BenchmarkCluster/compiled/1k".
	Name string
	// Procs is the GOMAXPROCS suffix, 1 when the line had none.
	Procs int
	// Iterations is how many operations the figures average over.
	Iterations int
	// Metrics holds each figure by unit: "ns/op", "B/op", "allocs/op"
	// and custom ones such as "heap-MB".
	Metrics map[string]float64
	// Units lists the units in the order the line gave them.
	Units []string
}

// Run is a parsed `go test -bench` run.
type Run struct {
	// Header holds the goos, goarch, pkg and cpu lines by key.
	Header  map[string]string
	Results []Result
}

// Find returns the result of the named benchmark.
func (r *Run) Find(name string) (Result, bool) {
	for _, res := range r.Results {
		if res.Name == name {
			return res, true
		}
	}
	return Result{}, false
}

// Metric returns the named benchmark's figure in the unit.
func (r *Run) Metric(name, unit string) (float64, bool) {
	res, ok := r.Find(name)
	if !ok {
		return 0, false
	}
	v, ok := res.Metrics[unit]
	return v, ok
}

// Parse reads `go test -bench` output. Lines that are neither header
// lines nor results (PASS, ok, logs of skipped benchmarks) are ignored,
// since go test mixes them in; a line that starts like a result but does
// not parse is an error, so that a change of format is noticed rather
// than giving an empty report.
func Parse(r io.Reader) (*Run, error) {
	run := &Run{Header: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if k, v, ok := strings.Cut(text, ": "); ok && !strings.ContainsAny(k, " \t") && !strings.HasPrefix(k, "Benchmark") {
			switch k {
			case "goos", "goarch", "pkg", "cpu":
				run.Header[k] = strings.TrimSpace(v)
			}
			continue
		}
		fields := strings.Fields(text)
		// A benchmark's name alone on a line is printed before its
		// result when the benchmark logs; only full lines are results.
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		res, err := parseResult(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		run.Results = append(run.Results, res)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return run, nil
}

// parseResult parses the fields of a result line: name, iterations, then
// value and unit pairs.
func parseResult(fields []string) (Result, error) {
	res := Result{Name: fields[0], Procs: 1, Metrics: map[string]float64{}}
	if i := strings.LastIndexByte(res.Name, '-'); i > 0 {
		if p, err := strconv.Atoi(res.Name[i+1:]); err == nil {
			res.Name, res.Procs = res.Name[:i], p
		}
	}
	n, err := strconv.Atoi(fields[1])
	if err != nil {
		return Result{}, fmt.Errorf("%s: iteration count %q: %w", res.Name, fields[1], err)
	}
	res.Iterations = n
	rest := fields[2:]
	if len(rest)%2 != 0 {
		return Result{}, fmt.Errorf("%s: figures do not come in value and unit pairs: %q", res.Name, strings.Join(rest, " "))
	}
	for i := 0; i < len(rest); i += 2 {
		v, err := strconv.ParseFloat(rest[i], 64)
		if err != nil {
			return Result{}, fmt.Errorf("%s: value %q: %w", res.Name, rest[i], err)
		}
		unit := rest[i+1]
		if _, dup := res.Metrics[unit]; !dup {
			res.Units = append(res.Units, unit)
		}
		res.Metrics[unit] = v
	}
	return res, nil
}
