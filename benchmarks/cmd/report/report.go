package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Machine is what the figures were measured on.
type Machine struct {
	CPU   string
	Cores int
	Go    string
}

// Context is what the report says about the run besides its figures.
type Context struct {
	Short   bool
	Machine Machine
	// Took is how long the run lasted; zero when the output was read
	// from a file.
	Took time.Duration
	// Plot is the SVG file the report links to.
	Plot string
	// Profiles are the profiles of the benchmarks whose targets were not
	// met.
	Profiles []Profile
}

// A target is one of the engine's goals: a figure of a benchmark that
// must stay within a bound.
type target struct {
	what  string
	bench string
	unit  string // a metric unit, or "speedup" for reference ÷ compiled
	max   float64
	min   float64
	// shrinks is set when a short run builds the benchmark's shape
	// smaller than the size the target is stated at.
	shrinks bool
}

// targets are the engine issues' targets, in their words.
var targets = []target{
	{what: "checker shape under 10 µs", bench: "BenchmarkCheckerBaseline/compiled/fullwalk", unit: "ns/op", max: 10_000, shrinks: true},
	{what: "checker shape at least 100x the reference", bench: "BenchmarkCheckerBaseline/compiled/fullwalk", unit: "speedup", min: 100, shrinks: true},
	{what: "100k cluster at most 1 µs per flow", bench: "BenchmarkCluster/compiled/100k", unit: "ns/op", max: 1000},
	{what: "100k cluster at most 12x the floor", bench: "BenchmarkCluster/compiled/100k", unit: "floor", max: 12},
	{what: "100k cluster with zero allocations", bench: "BenchmarkCluster/compiled/100k", unit: "allocs/op", max: 0},
	{what: "100k cluster at least 100x the reference", bench: "BenchmarkCluster/compiled/100k", unit: "speedup", min: 100},
	{what: "1k cluster no slower than before issue 23 (1.08 µs)", bench: "BenchmarkCluster/compiled/1k", unit: "ns/op", max: 1080},
	{what: "10k cluster no slower than before issue 23 (3.37 µs)", bench: "BenchmarkCluster/compiled/10k", unit: "ns/op", max: 3370},
	{what: "repeated 100k traffic at most 150 ns per flow", bench: "BenchmarkClusterRepeat/compiled/100k", unit: "ns/op", max: 150},
	{what: "repeated 100k traffic at most 2x the floor", bench: "BenchmarkClusterRepeat/compiled/100k", unit: "floor", max: 2},
	{what: "relabel among 10,000 selectors sharing a label under 200 µs", bench: "BenchmarkRelabel/10000", unit: "ns/op", max: 200_000},
	{what: "cold start at most 1.5 s", bench: "BenchmarkCompile/coldstart", unit: "ns/op", max: 1.5e9, shrinks: true},
	{what: "cold start at most 220 MB", bench: "BenchmarkCompile/coldstart", unit: "heap-MB", max: 220, shrinks: true},
	{what: "a policy change at most 1 ms on the 100k cluster", bench: "BenchmarkApply/policy100k", unit: "ns/op", max: 1e6},
	{what: "impact at least 250,000 records/s from JSON lines (1M records, 100k cluster)", bench: "BenchmarkImpact", unit: "records/s", min: 250_000, shrinks: true},
	{what: "impact's peak heap at 1M records within 64 MB of that at 100k", bench: "BenchmarkImpact", unit: "heap-growth-MB", max: 64, shrinks: true},
	{what: "recommend at least 100,000 records/s", bench: "BenchmarkRecommend", unit: "records/s", min: 100_000, shrinks: true},
	{what: "recommend's peak heap at 1M records within 64 MB of that at 100k", bench: "BenchmarkRecommend", unit: "heap-growth-MB", max: 64, shrinks: true},
	{what: "1M connectivity matrix cells of the 100k cluster under 10 s", bench: "BenchmarkMatrix/100k", unit: "ns/op", max: 10e9},
	{what: "ext_authz at least 20,000 checks/s over loopback (the load generator on the same 2 cores)", bench: "BenchmarkAuthz/10k", unit: "checks/s", min: 20_000},
	{what: "ext_authz p99 under 2 ms at that load", bench: "BenchmarkAuthz/10k", unit: "p99-µs", max: 2000},
}

// met reports whether figure v meets the target: at least min for the
// units that grow with speed, at most max for the rest.
func (t target) met(v float64) bool {
	switch t.unit {
	case "speedup", "records/s", "checks/s":
		return v >= t.min
	}
	return v <= t.max
}

// An anchor is Calico's figure for what one of our benchmarks measures,
// from Calico's own benchmarks on this machine class.
type anchor struct {
	what   string
	calico string
	bench  string
	unit   string
}

var anchors = []anchor{
	{"selector parse", "5-7 µs", "BenchmarkSelectorParse", "ns/op"},
	{"selector match", "55-320 ns", "BenchmarkSelectorMatch", "ns/op"},
	{"per-flow checker, full walk", "5.5-11.5 ms", "BenchmarkCheckerBaseline/compiled/fullwalk", "ns/op"},
	{"label index, 10,000 selectors sharing a label", "11.1 ms", "BenchmarkRelabel/10000", "ns/op"},
	{"cold start, time", "15.7 s", "BenchmarkCompile/coldstart", "ns/op"},
	{"cold start, memory", "283 MB", "BenchmarkCompile/coldstart", "heap-MB"},
}

// speedup returns how many times faster the compiled sub-benchmark of
// name is than its reference counterpart in the same run.
func speedup(r *Run, compiled string) (float64, bool) {
	ref := strings.Replace(compiled, "/compiled/", "/reference/", 1)
	if ref == compiled {
		return 0, false
	}
	c, ok1 := r.Metric(compiled, "ns/op")
	f, ok2 := r.Metric(ref, "ns/op")
	if !ok1 || !ok2 || c == 0 {
		return 0, false
	}
	return f / c, true
}

// floorBench is the benchmark whose ns/op is the floor: one
// cache-missing probe of a large map.
const floorBench = "BenchmarkFloor"

// floorMultiple returns how many floors a benchmark's ns/op is, both
// from the same run: on a loaded machine both slow down alike, so the
// multiple compares across runs where the nanoseconds do not.
func floorMultiple(r *Run, bench string) (float64, bool) {
	v, ok1 := r.Metric(bench, "ns/op")
	f, ok2 := r.Metric(floorBench, "ns/op")
	if !ok1 || !ok2 || f == 0 {
		return 0, false
	}
	return v / f, true
}

// figure returns a target's or anchor's figure.
func figure(r *Run, bench, unit string) (float64, bool) {
	switch unit {
	case "speedup":
		return speedup(r, bench)
	case "floor":
		return floorMultiple(r, bench)
	}
	return r.Metric(bench, unit)
}

// Write writes the report in Markdown.
func Write(w io.Writer, r *Run, c Context) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Benchmarks\n\n")
	p("Generated by `go run ./benchmarks/cmd/report")
	if c.Short {
		p(" -short")
	}
	p("`; do not edit by hand.\n\n")
	if c.Short {
		p("**Short run.** Shapes are built at their small sizes (checker shape with 30 policies, " +
			"cold start with 10k endpoints, Apply on a 1k cluster, ClusterParallel on 1k) and the " +
			"100k benchmarks are skipped, so targets stated at full size are not measured here: " +
			"their status below is marked *(short size)* or *not measured*, and the checker and cold start figures do not compare with Calico's.\n\n")
	}
	p("## Machine\n\n")
	p("| | |\n|---|---|\n| CPU | %s |\n| cores | %d |\n| Go | %s |\n", c.Machine.CPU, c.Machine.Cores, c.Machine.Go)
	if c.Took > 0 {
		p("| run time | %s |\n", c.Took.Round(time.Second))
	}
	p("\n")

	p("## Targets\n\n| target | benchmark | figure | status |\n|---|---|---|---|\n")
	for _, t := range targets {
		v, ok := figure(r, t.bench, t.unit)
		status, fig := "not measured", "—"
		if ok {
			fig = formatUnit(v, t.unit)
			status = map[bool]string{true: "met", false: "**not met**"}[t.met(v)]
			if c.Short && t.shrinks {
				status += " *(short size)*"
			}
		}
		p("| %s | `%s` | %s | %s |\n", t.what, strings.TrimPrefix(t.bench, "Benchmark"), fig, status)
	}
	p("\n")

	if len(c.Profiles) > 0 {
		p("## What limits the unmet targets\n\n")
		p("Each benchmark with an unmet target, run once more under the profiler " +
			"(narrowed to the code the target measures, leaving out the setup that builds its input).\n\n")
		for _, pr := range c.Profiles {
			what := "CPU time"
			if pr.Kind == "heap" {
				what = "bytes allocated"
			}
			p("### `%s`: %s\n\nWhole profile: [%s](%s)\n\n```\n%s\n```\n\n", strings.TrimPrefix(pr.Bench, "Benchmark"), what, pr.File, pr.File, pr.Top)
		}
	}

	p("## Calico on this machine class\n\n| measure | Calico | Verdict | benchmark |\n|---|---|---|---|\n")
	for _, a := range anchors {
		fig := "not measured"
		if v, ok := figure(r, a.bench, a.unit); ok {
			fig = formatUnit(v, a.unit)
		}
		p("| %s | %s | %s | `%s` |\n", a.what, a.calico, fig, strings.TrimPrefix(a.bench, "Benchmark"))
	}
	p("\n")

	if f, ok := r.Metric(floorBench, "ns/op"); ok {
		p("## Against the floor\n\n")
		p("The floor is `Floor`, one random lookup in a Go map of 700k struct keys (%s in this run): "+
			"the cost of one cache-missing probe. Each Cluster figure is shown as a multiple of it "+
			"from the same run, which holds steadier than nanoseconds on a loaded machine.\n\n", formatNs(f))
		p("| benchmark | ns/op | floors |\n|---|---:|---:|\n")
		for _, res := range r.Results {
			if !strings.HasPrefix(res.Name, "BenchmarkCluster") {
				continue
			}
			if m, ok := floorMultiple(r, res.Name); ok {
				p("| `%s` | %s | %.1fx |\n", strings.TrimPrefix(res.Name, "Benchmark"), formatNs(res.Metrics["ns/op"]), m)
			}
		}
		p("\n")
	}

	p("## Compiled against reference\n\n")
	p("Speed-up is the reference's ns/op divided by the compiled engine's, from the same run. " +
		"The reference cycles over the first 256 flows of a cluster where the compiled engine " +
		"cycles over all of them (both figures are per flow); on the checker shape both evaluate " +
		"the same single flow.\n\n")
	p("| benchmark | compiled ns/op | reference ns/op | speed-up |\n|---|---:|---:|---:|\n")
	for _, res := range r.Results {
		if !strings.Contains(res.Name, "/compiled/") {
			continue
		}
		s, ok := speedup(r, res.Name)
		if !ok {
			continue
		}
		refNs, _ := r.Metric(strings.Replace(res.Name, "/compiled/", "/reference/", 1), "ns/op")
		p("| `%s` | %s | %s | %.0fx |\n", strings.TrimPrefix(strings.Replace(res.Name, "/compiled/", "/*/", 1), "Benchmark"),
			formatNs(res.Metrics["ns/op"]), formatNs(refNs), s)
	}
	p("\n")

	p("## Growth with cluster size\n\n")
	p("![latency and memory against cluster size](%s)\n\n", c.Plot)
	p("| endpoints | compiled ns/op | reference ns/op |\n|---|---:|---:|\n")
	for _, size := range []string{"1k", "10k", "100k"} {
		cv, cok := r.Metric("BenchmarkCluster/compiled/"+size, "ns/op")
		rv, rok := r.Metric("BenchmarkCluster/reference/"+size, "ns/op")
		if !cok && !rok {
			continue
		}
		p("| %s | %s | %s |\n", size, orDash(cv, cok, formatNs), orDash(rv, rok, formatNs))
	}
	p("\n")

	p("## Every figure\n\n| benchmark | runs | ns/op | B/op | allocs/op | other |\n|---|---:|---:|---:|---:|---|\n")
	for _, res := range r.Results {
		var other []string
		for _, u := range res.Units {
			switch u {
			case "ns/op", "B/op", "allocs/op":
			default:
				other = append(other, fmt.Sprintf("%s %s", trim(res.Metrics[u]), u))
			}
		}
		get := func(u string) string {
			v, ok := res.Metrics[u]
			return orDash(v, ok, trim)
		}
		p("| `%s` | %d | %s | %s | %s | %s |\n", strings.TrimPrefix(res.Name, "Benchmark"), res.Iterations,
			get("ns/op"), get("B/op"), get("allocs/op"), strings.Join(other, ", "))
	}
}

func orDash(v float64, ok bool, format func(float64) string) string {
	if !ok {
		return "—"
	}
	return format(v)
}

// formatUnit formats a figure for reading: durations in their natural
// unit, speed-ups as a multiple.
func formatUnit(v float64, unit string) string {
	switch unit {
	case "ns/op":
		return formatNs(v)
	case "speedup":
		return fmt.Sprintf("%.0fx", v)
	case "floor":
		return fmt.Sprintf("%.1fx the floor", v)
	default:
		return trim(v) + " " + unit
	}
}

// formatNs formats nanoseconds as a duration with three significant
// digits.
func formatNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3g s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	default:
		return fmt.Sprintf("%.3g ns", ns)
	}
}

// trim formats v without a fraction when it has none.
func trim(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}
