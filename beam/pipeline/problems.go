package pipeline

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// Problems is what the problems output holds: how many records were not
// replayed, by kind, and the first of them by file and line.
type Problems struct {
	Malformed  uint64    `json:"malformed"`
	Unresolved uint64    `json:"unresolved"`
	Unreadable uint64    `json:"unreadable"`
	Sample     []Problem `json:"sample"`
}

func init() {
	register.Function1x1(toProblems)
	register.Combiner1[Problems](&problemsCombine{})
	register.DoFn2x1[context.Context, Problems, error]((*writeProblemsFn)(nil))
}

// WriteProblems counts the problems of the collections and writes the
// counts and a sample of sample problems, the first by file and line, as
// JSON at path ("" writes nothing but still counts them in the metrics).
func WriteProblems(s beam.Scope, path string, sample int, cols ...beam.PCollection) {
	s = s.Scope("Problems")
	each := beam.ParDo(s, toProblems, beam.Flatten(s, cols...))
	total := beam.Combine(s, &problemsCombine{Sample: sample}, beam.Flatten(s, each, beam.Create(s, Problems{})))
	beam.ParDo0(s, &writeProblemsFn{Path: path}, total)
}

func toProblems(p Problem) Problems {
	ps := Problems{Sample: []Problem{p}}
	switch p.Kind {
	case Malformed:
		ps.Malformed = 1
	case Unresolved:
		ps.Unresolved = 1
	default:
		ps.Unreadable = 1
	}
	return ps
}

// problemsCombine adds counts and keeps the Sample first problems, an
// order that does not depend on how the runner combines.
type problemsCombine struct {
	Sample int
}

func (c *problemsCombine) CreateAccumulator() Problems { return Problems{} }

func (c *problemsCombine) AddInput(a, b Problems) Problems { return c.MergeAccumulators(a, b) }

func (c *problemsCombine) MergeAccumulators(a, b Problems) Problems {
	out := Problems{Malformed: a.Malformed + b.Malformed, Unresolved: a.Unresolved + b.Unresolved, Unreadable: a.Unreadable + b.Unreadable}
	out.Sample = append(append(make([]Problem, 0, len(a.Sample)+len(b.Sample)), a.Sample...), b.Sample...)
	slices.SortFunc(out.Sample, compareProblems)
	if len(out.Sample) > c.Sample {
		out.Sample = out.Sample[:c.Sample]
	}
	return out
}

func (c *problemsCombine) ExtractOutput(a Problems) Problems {
	if a.Sample == nil {
		a.Sample = []Problem{}
	}
	return a
}

func compareProblems(a, b Problem) int {
	return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Detail, b.Detail))
}

type writeProblemsFn struct {
	Path string
}

func (fn *writeProblemsFn) ProcessElement(ctx context.Context, p Problems) error {
	problemsN.Inc(ctx, int64(p.Malformed+p.Unresolved+p.Unreadable))
	if fn.Path == "" {
		return nil
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(ctx, fn.Path, append(b, '\n'))
}
