package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
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

// Parse reads `go test -bench` output with golang.org/x/perf/benchfmt,
// the reader of benchstat, keeping each figure in the unit and the exact
// value the line gave (benchfmt's tidied units, sec/op for ns/op, are
// not the report's). Lines that are neither configuration lines nor
// results (PASS, ok, logs of skipped benchmarks) are ignored, since go
// test mixes them in; a line that starts like a result but does not parse
// is an error, so that a change of format is noticed rather than giving
// an empty report.
func Parse(r io.Reader) (*Run, error) {
	run := &Run{Header: map[string]string{}}
	br := benchfmt.NewReader(r, "")
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("line %d: %s", rec.Line, rec.Msg)
		case *benchfmt.Result:
			res := result(rec)
			for _, k := range []string{"goos", "goarch", "pkg", "cpu"} {
				if v := rec.GetConfig(k); v != "" {
					run.Header[k] = strings.TrimSpace(v)
				}
			}
			run.Results = append(run.Results, res)
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	return run, nil
}

// result is one benchfmt result as the report reads it: the name with
// its "Benchmark" prefix and without the GOMAXPROCS suffix, and the
// figures as the line gave them.
func result(rec *benchfmt.Result) Result {
	res := Result{Name: "Benchmark" + rec.Name.String(), Procs: 1, Iterations: rec.Iters, Metrics: map[string]float64{}}
	if _, parts := rec.Name.Parts(); len(parts) > 0 {
		if last := parts[len(parts)-1]; last[0] == '-' {
			if p, err := strconv.Atoi(string(last[1:])); err == nil {
				res.Name, res.Procs = strings.TrimSuffix(res.Name, string(last)), p
			}
		}
	}
	for _, v := range rec.Values {
		value, unit := v.Value, v.Unit
		if v.OrigUnit != "" {
			value, unit = v.OrigValue, v.OrigUnit
		}
		if _, dup := res.Metrics[unit]; !dup {
			res.Units = append(res.Units, unit)
		}
		res.Metrics[unit] = value
	}
	return res
}
