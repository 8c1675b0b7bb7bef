// Command verdict-beam runs "verdict impact" and "verdict recommend" as
// an Apache Beam pipeline, on prism in process (the default) or on
// Dataflow, Flink or Spark, with Beam's usual flags (--runner,
// --endpoint, --job_name, --project, --region, ...) beside the flows
// commands' own.
//
//	verdict-beam impact -f DIR --flows 'logs/*.jsonl.gz' [--as-applied | --candidate DIR] -o json,markdown --out report
//	verdict-beam recommend -f DIR --flows 'logs/*' --namespace NS --out policies.yaml
//
// The report and the policies are those the single-process commands
// print for the same input. Records that cannot be read or resolved are
// counted and sampled, with file and line, into --problems (default: the
// output's path with .problems.json), and do not fail the job.
//
// Exit status: as "verdict impact", 1 when a flow allowed before is
// denied after, else 0; 2 for bad flags, unreadable resources or a failed
// pipeline.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/beam/pipeline"
	"github.com/verdictlabs/verdict/policy"
)

const (
	exitYes   = 0
	exitNo    = 1
	exitUsage = 2
)

func main() {
	// A worker started by a runner gets Beam's worker flags, no
	// subcommand; beam.Init runs the harness and exits.
	if len(os.Args) < 2 || (os.Args[1] != "impact" && os.Args[1] != "recommend") {
		flag.Parse()
		beam.Init()
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(exitUsage)
	}
	os.Exit(run(context.Background(), os.Args[1], os.Args[2:], os.Stderr))
}

const usage = `usage: verdict-beam impact|recommend [flags]; verdict-beam impact -help lists the flags`

// listFlag is a repeatable flag; with split, each value is a
// comma-separated list too.
type listFlag struct {
	vals  *[]string
	split bool
}

func (l listFlag) String() string {
	if l.vals == nil {
		return ""
	}
	return strings.Join(*l.vals, ",")
}

func (l listFlag) Set(s string) error {
	if l.split {
		*l.vals = append(*l.vals, strings.Split(s, ",")...)
	} else {
		*l.vals = append(*l.vals, s)
	}
	return nil
}

type options struct {
	files, flows, groupBy []string
	format                string
	out, problems         string
	sample                int

	asApplied bool
	candidate []string
	maxGroups int
	output    []string

	rec pipeline.RecommendConfig
}

// newFlags holds Beam's flags (flag.CommandLine, where Beam's packages
// define them) and the command's own.
func newFlags(cmd string, o *options, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("verdict-beam "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flag.CommandLine.VisitAll(func(f *flag.Flag) { fs.Var(f.Value, f.Name, f.Usage) })
	fs.Var(listFlag{vals: &o.files}, "f", "file or directory of policy resources (repeatable); gs:// and other Beam filesystems take globs")
	fs.Var(listFlag{vals: &o.flows}, "flows", "file or glob of flow records (repeatable); gzip is read as such")
	fs.StringVar(&o.format, "flows-format", "auto", "format of the flow records: auto, verdict, csv, calico or goldmane")
	fs.Var(listFlag{vals: &o.groupBy, split: true}, "group-by", "label keys that name a workload group (default: the first of app.kubernetes.io/name, app, k8s-app, else every label but hashes)")
	fs.StringVar(&o.out, "out", "", "path the output is written at, in any Beam filesystem (required)")
	fs.StringVar(&o.problems, "problems", "", "path of the counts and sample of records not replayed (default: --out's path with .problems.json)")
	fs.IntVar(&o.sample, "sample", 100, "how many records not replayed the problems output lists")
	switch cmd {
	case "impact":
		fs.BoolVar(&o.asApplied, "as-applied", false, "compare with the staged policies applied instead of the pending verdict")
		fs.Var(listFlag{vals: &o.candidate}, "candidate", "file or directory of candidate resources to compare with (repeatable)")
		fs.IntVar(&o.maxGroups, "max-groups", 50, "most groups named in the changes; the rest are \"other\" (0 for no limit)")
		fs.Var(listFlag{vals: &o.output, split: true}, "o", "output formats, comma-separated: json, markdown, yaml or table (default json); with several, each at --out with its extension")
	case "recommend":
		fs.StringVar(&o.rec.Namespace, "namespace", "", "namespace whose workloads get policies (required)")
		fs.StringVar(&o.rec.Selector, "selector", "", "only the workloads of the namespace this selector selects")
		fs.StringVar(&o.rec.Tier, "tier", "default", "tier of the policies")
		fs.BoolVar(&o.rec.Enforce, "enforce", false, "write NetworkPolicy instead of StagedNetworkPolicy")
		fs.BoolVar(&o.rec.Exact, "exact", false, "admit exactly the observed address, protocol and port tuples")
		fs.BoolVar(&o.rec.IncludeDenied, "include-denied", false, "also learn from records logged as denied")
		fs.StringVar(&o.rec.Format, "o", "yaml", "output format: yaml or json")
	}
	return fs
}

type usageErr struct{ error }

func usagef(format string, args ...any) error { return usageErr{fmt.Errorf(format, args...)} }

// run runs one subcommand and returns the exit status.
func run(ctx context.Context, cmd string, args []string, stderr io.Writer) int {
	var o options
	fs := newFlags(cmd, &o, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitYes
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "verdict-beam %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return exitUsage
	}
	beam.Init()
	p, finish, err := build(ctx, cmd, &o, stderr)
	if err == nil {
		var res beam.PipelineResult
		res, err = beamx.RunWithMetrics(ctx, p)
		if err == nil {
			return finish(res)
		}
		err = fmt.Errorf("the pipeline failed: %w", err)
	}
	fmt.Fprintf(stderr, "verdict-beam %s: %v\n", cmd, err)
	return exitUsage
}

// build checks the flags and inputs and builds the pipeline; finish
// reports its outcome.
func build(ctx context.Context, cmd string, o *options, stderr io.Writer) (*beam.Pipeline, func(beam.PipelineResult) int, error) {
	if o.out == "" {
		return nil, nil, usagef("--out is required")
	}
	if len(o.flows) == 0 {
		return nil, nil, usagef("no flow records: give at least one --flows FILE|GLOB")
	}
	if _, err := flowlog.ParseFormat(o.format); err != nil {
		return nil, nil, usagef("--flows-format: %v", err)
	}
	if o.sample < 0 {
		return nil, nil, usagef("--sample must not be negative")
	}
	if o.problems == "" {
		o.problems = o.out + ".problems.json"
	}
	if len(o.groupBy) == 0 {
		o.groupBy = nil
	}
	in := pipeline.Input{Flows: o.flows, Format: o.format}
	var err error
	if in.Resources, err = expand(ctx, pipeline.RoleResources, "-f", o.files); err != nil {
		return nil, nil, err
	}
	for _, glob := range o.flows {
		if err := matches(ctx, glob); err != nil {
			return nil, nil, err
		}
	}
	p, s := beam.NewPipelineWithRoot()
	switch cmd {
	case "impact":
		cfg, err := impactConfig(ctx, o, &in, stderr)
		if err != nil {
			return nil, nil, err
		}
		pipeline.Impact(s, in, cfg)
		return p, func(res beam.PipelineResult) int {
			denied, ok := counter(res, pipeline.CounterNewlyDenied)
			records, _ := counter(res, pipeline.CounterRecords)
			problems, _ := counter(res, pipeline.CounterProblems)
			fmt.Fprintf(stderr, "impact (%s): %d records replayed, %d not (see %s); report at %s\n", cfg.Mode, records, problems, o.problems, strings.Join(slices.Sorted(mapValues(cfg.Outputs)), ", "))
			switch {
			case !ok:
				fmt.Fprintln(stderr, "verdict-beam impact: the runner reported no newlyDenied counter; read the report")
				return exitNo
			case denied > 0:
				return exitNo
			}
			return exitYes
		}, nil
	default:
		cfg := o.rec
		cfg.GroupBy, cfg.Out, cfg.Problems, cfg.Sample = o.groupBy, o.out, o.problems, o.sample
		switch {
		case cfg.Namespace == "":
			return nil, nil, usagef("--namespace is required")
		case cfg.Format != "yaml" && cfg.Format != "json":
			return nil, nil, usagef("-o must be yaml or json, not %q", cfg.Format)
		}
		docs, err := check(ctx, in.Resources, "-f", stderr)
		if err != nil {
			return nil, nil, err
		}
		r, err := pipeline.NewRecommender(docs, cfg)
		if err != nil {
			return nil, nil, usagef("%v", err)
		}
		pipeline.Recommend(s, in, cfg)
		return p, func(res beam.PipelineResult) int {
			records, _ := counter(res, pipeline.CounterRecords)
			used, _ := counter(res, pipeline.CounterUsed)
			unresolved, _ := counter(res, pipeline.CounterUnresolved)
			problems, _ := counter(res, pipeline.CounterProblems)
			fmt.Fprintf(stderr, "recommend: %d records read, %d used, %d unresolved, %d not read (see %s); %d policies for namespace %s at %s\n",
				records, used, unresolved, problems, o.problems, len(r.Targets()), cfg.Namespace, cfg.Out)
			return exitYes
		}, nil
	}
}

func impactConfig(ctx context.Context, o *options, in *pipeline.Input, stderr io.Writer) (pipeline.ImpactConfig, error) {
	cfg := pipeline.ImpactConfig{Mode: analysis.ModePending, GroupBy: o.groupBy, MaxGroups: o.maxGroups, Problems: o.problems, Sample: o.sample, Outputs: map[string]string{}}
	switch {
	case o.asApplied && len(o.candidate) > 0:
		return cfg, usagef("--as-applied and --candidate cannot be given together")
	case o.maxGroups < 0:
		return cfg, usagef("--max-groups must not be negative")
	case o.asApplied:
		cfg.Mode = analysis.ModeAsApplied
	case len(o.candidate) > 0:
		cfg.Mode = analysis.ModeCandidate
		cand, err := expand(ctx, pipeline.RoleCandidate, "--candidate", o.candidate)
		if err != nil {
			return cfg, err
		}
		in.Resources = append(in.Resources, cand...)
	}
	formats := o.output
	if len(formats) == 0 {
		formats = []string{"json"}
	}
	for _, f := range formats {
		if !slices.Contains(analysis.ImpactFormats, f) {
			return cfg, usagef("-o must be json, markdown, yaml or table, not %q", f)
		}
		cfg.Outputs[f] = pipeline.OutputPath(o.out, f, len(formats) > 1)
	}
	docs, err := check(ctx, in.Resources, "-f", stderr)
	if err != nil {
		return cfg, err
	}
	if _, err := pipeline.NewReplayer(docs, cfg.Mode, cfg.GroupBy); err != nil {
		return cfg, usagef("%v", err)
	}
	return cfg, nil
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// expand lists the resource files of the arguments as "verdict" reads
// them: a local directory's *.yaml, *.yml and *.json files, a local file,
// or, in another filesystem, every file a glob matches.
func expand(ctx context.Context, role, flagName string, args []string) ([]pipeline.Resource, error) {
	if len(args) == 0 {
		return nil, usagef("no policy files: give at least one %s FILE|DIR", flagName)
	}
	var out []pipeline.Resource
	add := func(p string) { out = append(out, pipeline.Resource{Role: role, Index: len(out), Path: p}) }
	for _, arg := range args {
		if strings.Contains(arg, "://") {
			files, err := list(ctx, arg)
			if err != nil {
				return nil, usagef("%s %s: %v", flagName, arg, err)
			}
			for _, f := range files {
				add(f)
			}
			continue
		}
		info, err := os.Stat(arg)
		if err != nil {
			return nil, usagef("%s: %v", flagName, err)
		}
		if !info.IsDir() {
			add(arg)
			continue
		}
		files, err := policy.ResourceFiles(arg)
		if err != nil {
			return nil, usagef("%s: %v", flagName, err)
		}
		for _, f := range files {
			add(f)
		}
	}
	return out, nil
}

func list(ctx context.Context, glob string) ([]string, error) {
	fs, err := filesystem.New(ctx, glob)
	if err != nil {
		return nil, err
	}
	defer fs.Close()
	files, err := fs.List(ctx, glob)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("matches no file")
	}
	slices.Sort(files)
	return files, nil
}

func matches(ctx context.Context, glob string) error {
	if _, err := list(ctx, glob); err != nil {
		return usagef("--flows %s: %v", glob, err)
	}
	return nil
}

// check reads and loads the resource files here, before any job starts,
// printing problems and warnings as "verdict" does; problems are a usage
// error.
func check(ctx context.Context, resources []pipeline.Resource, flagName string, stderr io.Writer) ([]pipeline.ResourceDoc, error) {
	var docs []pipeline.ResourceDoc
	for _, r := range resources {
		data, err := pipeline.ReadFile(ctx, r.Path)
		if err != nil {
			return nil, usagef("%s: %v", flagName, err)
		}
		docs = append(docs, pipeline.ResourceDoc{Role: r.Role, Index: r.Index, Path: r.Path, Data: data})
	}
	for _, role := range []string{pipeline.RoleResources, pipeline.RoleCandidate} {
		l := policy.NewLoader()
		n := 0
		for _, d := range docs {
			if d.Role == role {
				n++
				if err := l.Add(d.Path, strings.NewReader(string(d.Data))); err != nil {
					return nil, usagef("%v", err)
				}
			}
		}
		if n == 0 {
			continue
		}
		res, err := l.Finish()
		var probs policy.Problems
		if err != nil && !errors.As(err, &probs) {
			return nil, usagef("%v", err)
		}
		for _, p := range probs {
			fmt.Fprintln(stderr, p)
		}
		if res != nil {
			for _, w := range res.Warnings {
				fmt.Fprintln(stderr, w)
			}
		}
		if len(probs) > 0 {
			name := flagName
			if role == pipeline.RoleCandidate {
				name = "--candidate"
			}
			return nil, usagef("the policy files given with %s have problems; nothing was done", name)
		}
	}
	return docs, nil
}

// counter reads a counter of the pipeline's metrics.
func counter(res beam.PipelineResult, name string) (int64, bool) {
	if res == nil {
		return 0, false
	}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Namespace() == pipeline.CounterNamespace && c.Name() == name {
			return c.Result(), true
		}
	}
	return 0, false
}
