package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/beam/pipeline"
)

// verdictBin is the single-process CLI, built from the root module, that
// the pipeline's outputs are compared with.
var verdictBin string

func TestMain(m *testing.M) {
	// prism logs every job's start and end at INFO; failures still show.
	slog.SetLogLoggerLevel(slog.LevelWarn)
	beam.Init()
	dir, err := os.MkdirTemp("", "verdict-beam-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	verdictBin = filepath.Join(dir, "verdict")
	build := exec.Command("go", "build", "-o", verdictBin, "./cmd/verdict")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building verdict: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs verdict and returns its standard output; exit status 1 (a
// flow newly denied) is an answer, not a failure.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(verdictBin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("verdict %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
	}
	return stdout.String()
}

func resources(role string, paths ...string) []pipeline.Resource {
	var out []pipeline.Resource
	for i, p := range paths {
		out = append(out, pipeline.Resource{Role: role, Index: i, Path: p})
	}
	return out
}

func runPrism(t *testing.T, build func(beam.Scope)) beam.PipelineResult {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	build(s)
	res, err := prism.Execute(context.Background(), p)
	if err != nil {
		t.Fatalf("prism: %v", err)
	}
	return res
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// impactCase is one replay checked both ways.
type impactCase struct {
	files, candidate, flows []string
	asApplied               bool
}

// checkImpact runs the pipeline and "verdict impact" on the same input
// and wants the same JSON and Markdown, byte for byte (the report's own
// order is canonical: changes by kind, connections, then names).
func checkImpact(t *testing.T, c impactCase) analysis.ImpactReport {
	t.Helper()
	dir := t.TempDir()
	mode := analysis.ModePending
	args := []string{"impact", "--no-progress", "--max-groups", "0"}
	for _, f := range c.files {
		args = append(args, "-f", f)
	}
	for _, f := range c.flows {
		args = append(args, "--flows", f)
	}
	in := pipeline.Input{Resources: resources(pipeline.RoleResources, c.files...), Flows: c.flows}
	switch {
	case c.asApplied:
		mode = analysis.ModeAsApplied
		args = append(args, "--as-applied")
	case len(c.candidate) > 0:
		mode = analysis.ModeCandidate
		for _, f := range c.candidate {
			args = append(args, "--candidate", f)
		}
		in.Resources = append(in.Resources, resources(pipeline.RoleCandidate, c.candidate...)...)
	}
	cfg := pipeline.ImpactConfig{Mode: mode, Outputs: map[string]string{
		"json": filepath.Join(dir, "impact.json"), "markdown": filepath.Join(dir, "impact.md"),
	}, Problems: filepath.Join(dir, "problems.json"), Sample: 10}
	start := time.Now()
	res := runPrism(t, func(s beam.Scope) { pipeline.Impact(s, in, cfg) })
	onPrism := time.Since(start)
	records, reshuffled := counter(res, pipeline.CounterRecords), counter(res, pipeline.CounterReshuffled)
	for format, path := range cfg.Outputs {
		start := time.Now()
		want := cli(t, append(args, "-o", format)...)
		if format == "json" {
			single := time.Since(start)
			t.Logf("%s: %d records; prism %v (%.0f records/s), verdict impact %v (%.0f records/s); %.1f bytes reshuffled per record",
				mode, records, onPrism.Round(time.Millisecond), float64(records)/onPrism.Seconds(),
				single.Round(time.Millisecond), float64(records)/single.Seconds(), float64(reshuffled)/float64(max(records, 1)))
		}
		if got := read(t, path); got != want {
			t.Errorf("%s %s differs from verdict impact:\n%s", mode, format, firstDiff(got, want))
		}
	}
	var rep analysis.ImpactReport
	if err := json.Unmarshal([]byte(read(t, cfg.Outputs["json"])), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func checkRecommend(t *testing.T, files, flows []string, cfg pipeline.RecommendConfig, extra ...string) {
	t.Helper()
	dir := t.TempDir()
	cfg.Format, cfg.Out, cfg.Problems, cfg.Sample = "yaml", filepath.Join(dir, "policies.yaml"), filepath.Join(dir, "problems.json"), 10
	if cfg.Tier == "" {
		cfg.Tier = "default"
	}
	args := []string{"recommend", "--no-progress", "--namespace", cfg.Namespace}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	for _, f := range flows {
		args = append(args, "--flows", f)
	}
	if cfg.Selector != "" {
		args = append(args, "--selector", cfg.Selector)
	}
	args = append(args, extra...)
	runPrism(t, func(s beam.Scope) {
		pipeline.Recommend(s, pipeline.Input{Resources: resources(pipeline.RoleResources, files...), Flows: flows}, cfg)
	})
	want := cli(t, args...)
	if got := read(t, cfg.Out); got != want {
		t.Errorf("recommend differs from verdict recommend:\n%s", firstDiff(got, want))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n  pipeline: %q\n  verdict:  %q\n(%d and %d lines)", i+1, gl, wl, len(g), len(w))
		}
	}
	return "(equal lines, different bytes)"
}

// TestSeed004: the workshop's flow logs (Calico Cloud records: aggregated
// names, both reporters, DNS, outside visitors and a peer naming nothing)
// give the single-process commands' outputs in all three modes.
func TestSeed004(t *testing.T) {
	ex := examples(t)
	base := []string{ex + "cluster.yaml", ex + "tiers.yaml", ex + "staged-default-deny.yaml", ex + "db-policy.yaml"}
	flows := []string{ex + "flows.calico.jsonl"}
	t.Run("pending", func(t *testing.T) {
		rep := checkImpact(t, impactCase{files: base, flows: flows})
		if rep.Summary.NewlyDenied == 0 || len(rep.Unresolved) == 0 {
			t.Errorf("the staged default deny denies nothing new, or nothing is unresolved: %+v", rep.Summary)
		}
	})
	t.Run("as-applied", func(t *testing.T) { checkImpact(t, impactCase{files: base, flows: flows, asApplied: true}) })
	t.Run("candidate", func(t *testing.T) {
		checkImpact(t, impactCase{files: base, flows: flows, candidate: []string{ex + "tiers.yaml", ex + "app-policies.yaml", ex + "default-deny.yaml"}})
	})
	t.Run("recommend", func(t *testing.T) {
		checkRecommend(t, base, flows, pipeline.RecommendConfig{Namespace: "vote", Selector: "app in {'redis', 'worker', 'result', 'vote'}"})
	})
}

// TestProblems: malformed lines, a peer naming nothing and a corrupt gzip
// file are counted and sampled with file and line, and the job still
// writes the report of the records it could replay.
func TestProblems(t *testing.T) {
	ex := examples(t)
	dir := t.TempDir()
	good, err := os.ReadFile(ex + "flows.calico.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	mixed := filepath.Join(dir, "mixed.jsonl")
	lines := strings.SplitAfter(string(good), "\n")
	text := lines[0] + "{not json\n" + strings.Join(lines[1:], "") + `{"start_time":"soon"}` + "\n"
	if err := os.WriteFile(mixed, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "corrupt.jsonl.gz")
	if err := os.WriteFile(corrupt, []byte{0x1f, 0x8b, 8, 0, 0, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := pipeline.ImpactConfig{Mode: analysis.ModePending, Outputs: map[string]string{"json": filepath.Join(dir, "impact.json")},
		Problems: filepath.Join(dir, "problems.json"), Sample: 3}
	in := pipeline.Input{Resources: resources(pipeline.RoleResources, ex+"cluster.yaml", ex+"tiers.yaml", ex+"staged-default-deny.yaml"),
		Flows: []string{mixed, corrupt}}
	res := runPrism(t, func(s beam.Scope) { pipeline.Impact(s, in, cfg) })
	var probs pipeline.Problems
	if err := json.Unmarshal([]byte(read(t, cfg.Problems)), &probs); err != nil {
		t.Fatal(err)
	}
	if probs.Malformed != 2 || probs.Unresolved == 0 || probs.Unreadable != 1 {
		t.Errorf("problems %+v, want 2 malformed, some unresolved, 1 unreadable", probs)
	}
	if len(probs.Sample) != 3 || probs.Sample[0].File != corrupt || probs.Sample[1].File != mixed || probs.Sample[1].Line != 2 || probs.Sample[1].Kind != pipeline.Malformed {
		t.Errorf("sample %+v, want the corrupt file, then line 2 of the mixed one", probs.Sample)
	}
	var rep analysis.ImpactReport
	if err := json.Unmarshal([]byte(read(t, cfg.Outputs["json"])), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Records != uint64(len(lines)-1) {
		t.Errorf("%d records replayed, want the %d good ones", rep.Summary.Records, len(lines)-1)
	}
	var total int64
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Namespace() == pipeline.CounterNamespace && c.Name() == pipeline.CounterProblems {
			total = c.Result()
		}
	}
	if want := int64(probs.Malformed + probs.Unresolved + probs.Unreadable); total != want {
		t.Errorf("problems counter %d, want %d", total, want)
	}
}

func counter(res beam.PipelineResult, name string) int64 {
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Namespace() == pipeline.CounterNamespace && c.Name() == name {
			return c.Result()
		}
	}
	return 0
}

func examples(t *testing.T) string {
	dir, err := filepath.Abs("../../examples/tiers-staged")
	if err != nil {
		t.Fatal(err)
	}
	return dir + "/"
}
