// Command report runs Verdict's benchmark suite and writes BENCHMARKS.md:
// every figure, the speed-up of the compiled engine over the reference
// evaluator from the same run, each target of the engine with met or not
// met, Calico's figures for comparison, and the machine; beside it an SVG
// plot of latency and memory against cluster size.
//
// Usage, from the module root:
//
//	go run ./benchmarks/cmd/report [-short] [-benchtime d] [-o benchmarks/BENCHMARKS.md] [-svg benchmarks.svg] [-input file]
//
// -short runs the small sizes, in a few minutes; without it the full
// sizes take far longer (100k-endpoint clusters are generated and
// compiled). -input reads saved `go test -bench` output instead of
// running the suite. The raw output of a run is kept beside the report
// (with the extension .txt) so that a report can be regenerated.
//
// After a full run, each benchmark with a target the run did not meet is
// run once more under the CPU profiler (and the heap profiler for a memory
// target); the top of each profile goes into the report and the whole of
// it into benchmarks/profiles, to show what limits the target. -profile=false
// skips this.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	short := flag.Bool("short", false, "run the small sizes")
	benchtime := flag.String("benchtime", "", "passed to go test -benchtime")
	out := flag.String("o", "BENCHMARKS.md", "report to write")
	svg := flag.String("svg", "benchmarks/benchmarks.svg", "plot to write, relative to the report's directory")
	input := flag.String("input", "", "read go test -bench output from this file instead of running the suite")
	profile := flag.Bool("profile", true, "after a full run, profile the benchmarks of unmet targets")
	livesync := flag.Bool("livesync", false, "measure only the live-sync figures (needs scripts/test.sh's kube-apiserver and etcd) and update their section of the report")
	flag.Parse()
	if *livesync {
		if err := updateLiveSync(*out); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*short, *benchtime, *out, *svg, *input, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(short bool, benchtime, out, svg, input string, profile bool) error {
	var raw []byte
	var took time.Duration
	if input != "" {
		b, err := os.ReadFile(input)
		if err != nil {
			return err
		}
		raw = b
	} else {
		args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-timeout", "0"}
		if short {
			args = append(args, "-short")
		}
		if benchtime != "" {
			args = append(args, "-benchtime", benchtime)
		}
		args = append(args, "./benchmarks")
		var buf bytes.Buffer
		cmd := exec.Command("go", args...)
		// The run takes minutes; echoing it shows it is alive.
		cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		took = time.Since(start)
		raw = buf.Bytes()
		if err := os.WriteFile(strings.TrimSuffix(out, filepath.Ext(out))+".txt", raw, 0o644); err != nil {
			return err
		}
	}
	parsed, err := Parse(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	if len(parsed.Results) == 0 {
		return fmt.Errorf("no benchmark results in the output")
	}
	m := machine(parsed)
	var profiles []Profile
	if profile && !short && input == "" {
		dir := filepath.Join(filepath.Dir(out), "benchmarks", "profiles")
		if profiles, err = profileUnmet(parsed, dir); err != nil {
			return err
		}
		for i := range profiles {
			if rel, err := filepath.Rel(filepath.Dir(out), profiles[i].File); err == nil {
				profiles[i].File = rel
			}
		}
	}
	var doc bytes.Buffer
	Write(&doc, parsed, Context{Short: short, Machine: m, Took: took, Plot: svg, Profiles: profiles})
	// The Beam pipeline's figures come from its own module's tests; the
	// report carries them over as they are.
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(out), "beam", "BENCHMARKS.md")); err == nil {
		doc.WriteString("\n")
		doc.Write(b)
	}
	// The live-sync figures are measured apart (-livesync); a run of the
	// suite keeps the last ones.
	report := doc.Bytes()
	if old, err := os.ReadFile(out); err == nil {
		if kept := keptLiveSync(old); kept != nil {
			report = withLiveSync(report, kept)
		}
	}
	if err := os.WriteFile(out, report, 0o644); err != nil {
		return err
	}
	var plot bytes.Buffer
	Plot(&plot, parsed, short)
	return os.WriteFile(filepath.Join(filepath.Dir(out), svg), plot.Bytes(), 0o644)
}

// machine describes the machine the figures come from.
func machine(r *Run) Machine {
	m := Machine{CPU: r.Header["cpu"], Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if model := cpuModel(string(b)); model != "" {
			// Virtual machines often name the CPU differently to Go,
			// which reads CPUID; both help to compare machines.
			if m.CPU != "" && m.CPU != model {
				model += " (Go reports " + m.CPU + ")"
			}
			m.CPU = model
		}
	}
	// The suite ran under the go command on PATH, which may differ from
	// the toolchain that built this command.
	if v, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(v))
	}
	return m
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo string) string {
	for line := range strings.Lines(cpuinfo) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
