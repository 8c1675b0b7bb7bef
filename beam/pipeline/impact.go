package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
)

// ImpactConfig is what "verdict-beam impact" was asked.
type ImpactConfig struct {
	Mode      analysis.Mode
	GroupBy   []string
	MaxGroups int
	// Outputs maps each report format (json, markdown, yaml, table) to
	// the path it is written at.
	Outputs map[string]string
	// Problems is where the problems' counts and sample go; "" for
	// nowhere. Sample is how many problems it lists.
	Problems string
	Sample   int
}

// Counters the pipeline reports, which the command reads for its exit
// status and summary.
const (
	CounterNamespace   = "verdict"
	CounterNewlyDenied = "newlyDenied"
	CounterRecords     = "records"
	CounterUsed        = "used"
	CounterUnresolved  = "unresolved"
	CounterProblems    = "problems"
	// CounterReshuffled counts the bytes of the line batches the
	// reshuffle moves: the lines, their numbers, the file name and header.
	CounterReshuffled = "reshuffledBytes"
)

var (
	newlyDenied = beam.NewCounter(CounterNamespace, CounterNewlyDenied)
	recordsRead = beam.NewCounter(CounterNamespace, CounterRecords)
	recordsUsed = beam.NewCounter(CounterNamespace, CounterUsed)
	unresolved  = beam.NewCounter(CounterNamespace, CounterUnresolved)
	problemsN   = beam.NewCounter(CounterNamespace, CounterProblems)
	reshuffled  = beam.NewCounter(CounterNamespace, CounterReshuffled)
)

func init() {
	register.DoFn5x1[context.Context, Batch, func(*ResourceDoc) bool, func(string, *analysis.Impact), func(Problem), error]((*impactFn)(nil))
	register.Emitter2[string, *analysis.Impact]()
	register.Iter1[ResourceDoc]()
	register.Combiner1[*analysis.Impact](&mergeCombine[analysis.Impact, *analysis.Impact]{})
	register.DoFn2x1[context.Context, *analysis.Impact, error]((*writeImpactFn)(nil))
}

// Impact adds the impact replay to the pipeline: resolve and judge each
// record, key it by its source and destination groups, combine with
// Merge, and write the report in each format asked.
func Impact(s beam.Scope, in Input, cfg ImpactConfig) {
	s = s.Scope("Impact")
	docs := ReadResources(s, in.Resources)
	total := tallies(s, in, docs, &impactFn{Mode: string(cfg.Mode), GroupBy: cfg.GroupBy}, &mergeCombine[analysis.Impact, *analysis.Impact]{}, analysis.NewImpact(), cfg.Problems, cfg.Sample)
	beam.ParDo0(s, &writeImpactFn{Config: cfg}, total)
}

// tallies adds what impact and recommend share: read the flows, fold
// each batch's records with fn (the resources a side input), combine the
// keyed tallies per key and then into one, and write the problems. empty
// is the tally of no records, the combination's identity, which makes
// the total of no records an empty report rather than no report.
func tallies(s beam.Scope, in Input, docs beam.PCollection, fn, combine, empty any, problemsPath string, sample int) beam.PCollection {
	batches, readProblems := ReadFlows(s, in)
	keyed, problems := beam.ParDo2(s, fn, batches, beam.SideInput{Input: docs})
	perGroup := beam.DropKey(s, beam.CombinePerKey(s, combine, keyed))
	total := beam.Combine(s, combine, beam.Flatten(s, perGroup, beam.Create(s, empty)))
	WriteProblems(s, problemsPath, sample, readProblems, problems)
	return total
}

// mergeCombine combines the tallies of impact and recommend with their
// own Merge, which starts from a zero tally: both make their maps on the
// first merge.
type mergeCombine[T any, P interface {
	*T
	Merge(P)
}] struct{}

func (mergeCombine[T, P]) CreateAccumulator() P { return P(new(T)) }

func (mergeCombine[T, P]) AddInput(acc, t P) P {
	acc.Merge(t)
	return acc
}

func (mergeCombine[T, P]) MergeAccumulators(a, b P) P {
	a.Merge(b)
	return a
}

func (mergeCombine[T, P]) ExtractOutput(acc P) P { return acc }

type impactFn struct {
	Mode    string
	GroupBy []string

	replayer *analysis.Replayer
	parser   parser
}

func (fn *impactFn) ProcessElement(ctx context.Context, b Batch, docs func(*ResourceDoc) bool, emit func(string, *analysis.Impact), problem func(Problem)) error {
	if fn.replayer == nil {
		r, err := buildOnce([]any{"impact", fn.Mode, fn.GroupBy}, docs, func(d []ResourceDoc) (any, error) {
			return NewReplayer(d, analysis.Mode(fn.Mode), fn.GroupBy)
		})
		if err != nil {
			return err
		}
		fn.replayer = r.(*analysis.Replayer)
	}
	return fn.parser.each(&b, func(rec *flowlog.Record) {
		t := analysis.NewImpact()
		fn.replayer.Add(t, rec)
		recordsRead.Inc(ctx, 1)
		if t.Unresolved > 0 {
			for peer := range t.UnresolvedPeers {
				problem(Problem{Kind: Unresolved, File: b.File, Line: int64(rec.Line), Detail: peer})
			}
		}
		emit(impactKey(t), t)
	}, problem)
}

// impactKey is the impact grouping of a one-record tally: its change's
// source and destination groups, or "" for a record that changes
// nothing, whose counts only add to the summary.
func impactKey(t *analysis.Impact) string {
	for k := range t.Changes {
		return k.Source + " -> " + k.Destination
	}
	return ""
}

type writeImpactFn struct {
	Config ImpactConfig
}

func (fn *writeImpactFn) ProcessElement(ctx context.Context, t *analysis.Impact) error {
	report := t.Report(string(fn.Config.Mode), fn.Config.MaxGroups)
	for format, path := range fn.Config.Outputs {
		var b bytes.Buffer
		if err := analysis.WriteImpact(&b, report, format); err != nil {
			return err
		}
		if err := WriteFile(ctx, path, b.Bytes()); err != nil {
			return fmt.Errorf("writing the %s report: %w", format, err)
		}
	}
	newlyDenied.Inc(ctx, int64(report.Summary.NewlyDenied))
	unresolved.Inc(ctx, int64(report.Summary.Unresolved))
	return nil
}

// OutputPath is where a format goes when several are written: the path
// given, with the format's extension in place of its own.
func OutputPath(out, format string, several bool) string {
	if !several {
		return out
	}
	ext := map[string]string{"json": ".json", "yaml": ".yaml", "markdown": ".md", "table": ".txt"}[format]
	if i := strings.LastIndexByte(out, '.'); i > strings.LastIndexByte(out, '/') {
		out = out[:i]
	}
	return out + ext
}
