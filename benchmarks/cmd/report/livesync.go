package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// The live-sync figures need a real API server (scripts/test.sh builds
// one), so they are measured only with -livesync; otherwise the section
// of the last such run is carried over from the old report, between these
// markers.
const (
	liveSyncBegin = "<!-- live sync: begin -->"
	liveSyncEnd   = "<!-- live sync: end -->"
)

// liveSyncArgs runs kubesync's benchmarks once each.
var liveSyncArgs = []string{"test", "-run", "^$", "-bench", "^Benchmark(InitialSync|WriteLag)$", "-benchtime", "1x", "-timeout", "0", "./kubesync"}

// measureLiveSync runs kubesync's benchmarks and returns the section, with
// the machine's load average before and after, since the figures of a
// shared machine depend on it.
func measureLiveSync() ([]byte, error) {
	before := loadAverage()
	var buf bytes.Buffer
	cmd := exec.Command("go", liveSyncArgs...)
	cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s: %w", strings.Join(liveSyncArgs, " "), err)
	}
	r, err := Parse(&buf)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := WriteLiveSync(&out, r, before, loadAverage()); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// WriteLiveSync writes the live-sync section from kubesync's benchmark
// output.
func WriteLiveSync(w io.Writer, r *Run, loadBefore, loadAfter string) error {
	fig := func(bench, unit string) (float64, error) {
		v, ok := r.Metric(bench, unit)
		if !ok {
			return 0, fmt.Errorf("live sync: no %s figure of %s in the output", unit, bench)
		}
		return v, nil
	}
	syncS, err := fig("BenchmarkInitialSync", "sync-s")
	if err != nil {
		return err
	}
	heap, err := fig("BenchmarkInitialSync", "heap-MB")
	if err != nil {
		return err
	}
	p50, err := fig("BenchmarkWriteLag", "p50-ms")
	if err != nil {
		return err
	}
	p99, err := fig("BenchmarkWriteLag", "p99-ms")
	if err != nil {
		return err
	}
	status := "met"
	if p99 >= 100 {
		status = "**not met**"
	}
	fmt.Fprintf(w, "%s\n## Live sync from a real API server (`kubesync`)\n\n", liveSyncBegin)
	fmt.Fprintf(w, "Measured by `go run ./benchmarks/cmd/report -livesync` (`go %s`), against etcd and kube-apiserver on loopback (`internal/kubetest`), on the same machine as the API server. The machine is shared with other work: load average %s before the run, %s after, on %s cores; the figures are slower than on an idle machine.\n\n",
		strings.Join(liveSyncArgs, " "), orUnknown(loadBefore), orUnknown(loadAfter), strconv.Itoa(runtime.NumCPU()))
	fmt.Fprintf(w, "| figure | benchmark | value | target |\n|---|---|---|---|\n")
	fmt.Fprintf(w, "| first sync of %s pods and %s NetworkPolicies: New to ready | `InitialSync` | %s s | — |\n", "10,000", "1,000", trim(syncS))
	fmt.Fprintf(w, "| live heap the first sync adds | `InitialSync` | %s MB | — |\n", trim(heap))
	fmt.Fprintf(w, "| API write to engine answering with it, p50 of 1,000 changes | `WriteLag` | %s ms | — |\n", trim(p50))
	fmt.Fprintf(w, "| API write to engine answering with it, p99 of 1,000 changes | `WriteLag` | %s ms | under 100 ms: %s |\n", trim(p99), status)
	fmt.Fprintf(w, "%s\n", liveSyncEnd)
	return nil
}

// keptLiveSync returns the live-sync section of an old report, or nil.
func keptLiveSync(old []byte) []byte {
	i := bytes.Index(old, []byte(liveSyncBegin))
	j := bytes.Index(old, []byte(liveSyncEnd))
	if i < 0 || j < i {
		return nil
	}
	return append(old[i:j+len(liveSyncEnd):j+len(liveSyncEnd)], '\n')
}

// loadAverage reads the one-, five- and fifteen-minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], ", ")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// updateLiveSync measures the live-sync figures and puts their section in
// the report at out in place of the old one, leaving the rest as it is.
func updateLiveSync(out string) error {
	old, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	section, err := measureLiveSync()
	if err != nil {
		return err
	}
	return os.WriteFile(out, withLiveSync(old, section), 0o644)
}

// withLiveSync returns the report with section in place of its live-sync
// section, or at its end when it has none.
func withLiveSync(report, section []byte) []byte {
	i := bytes.Index(report, []byte(liveSyncBegin))
	j := bytes.Index(report, []byte(liveSyncEnd))
	if i < 0 || j < i {
		return append(append(bytes.TrimRight(report, "\n"), "\n\n"...), section...)
	}
	rest := bytes.TrimLeft(report[j+len(liveSyncEnd):], "\n")
	out := append(append([]byte{}, report[:i]...), section...)
	if len(rest) > 0 {
		out = append(append(out, '\n'), rest...)
	}
	return out
}
