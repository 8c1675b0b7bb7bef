package pipeline

import (
	"bytes"
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

// RecommendConfig is what "verdict-beam recommend" was asked: the
// options of "verdict recommend", the selector as text.
type RecommendConfig struct {
	Namespace     string
	Selector      string
	Tier          string
	Enforce       bool
	Exact         bool
	IncludeDenied bool
	GroupBy       []string
	// Format is yaml or json; Out the path the policies go to.
	Format string
	Out    string
	// Problems and Sample as ImpactConfig's.
	Problems string
	Sample   int
}

// Options returns the analysis options the configuration stands for.
func (c RecommendConfig) Options() (analysis.RecommendOptions, error) {
	opts := analysis.RecommendOptions{
		Namespace: c.Namespace, Tier: c.Tier, Enforce: c.Enforce, Exact: c.Exact,
		IncludeDenied: c.IncludeDenied, GroupKeys: c.GroupBy,
	}
	if c.Selector != "" {
		sel, err := selector.Parse(c.Selector)
		if err != nil {
			return opts, fmt.Errorf("--selector: %w", err)
		}
		opts.Selector = sel
	}
	return opts, nil
}

// NewRecommender builds the recommender from the documents, as "verdict
// recommend" does from its files.
func NewRecommender(docs []ResourceDoc, c RecommendConfig) (*analysis.Recommender, error) {
	opts, err := c.Options()
	if err != nil {
		return nil, err
	}
	res, err := LoadResources(docs, RoleResources)
	if err != nil {
		return nil, err
	}
	return analysis.NewRecommender(res.Set, opts)
}

func init() {
	register.DoFn5x1[context.Context, Batch, func(*ResourceDoc) bool, func(string, *analysis.Observed), func(Problem), error]((*observeFn)(nil))
	register.Emitter2[string, *analysis.Observed]()
	register.Combiner1[*analysis.Observed](&mergeCombine[analysis.Observed, *analysis.Observed]{})
	register.DoFn3x1[context.Context, *analysis.Observed, func(*ResourceDoc) bool, error]((*writePoliciesFn)(nil))
}

// Recommend adds the recommendation to the pipeline: observe each record,
// key the observations by workload group, combine with Merge, and write
// the policies.
func Recommend(s beam.Scope, in Input, cfg RecommendConfig) {
	s = s.Scope("Recommend")
	docs := ReadResources(s, in.Resources)
	total := tallies(s, in, docs, &observeFn{Config: cfg}, &mergeCombine[analysis.Observed, *analysis.Observed]{}, analysis.NewObserved(), cfg.Problems, cfg.Sample)
	beam.ParDo0(s, &writePoliciesFn{Config: cfg}, total, beam.SideInput{Input: docs})
}

func recommender(c RecommendConfig, docs func(*ResourceDoc) bool) (*analysis.Recommender, error) {
	r, err := buildOnce([]any{"recommend", c.Namespace, c.Selector, c.Tier, c.Enforce, c.Exact, c.IncludeDenied, c.GroupBy}, docs, func(d []ResourceDoc) (any, error) {
		return NewRecommender(d, c)
	})
	if err != nil {
		return nil, err
	}
	return r.(*analysis.Recommender), nil
}

type observeFn struct {
	Config RecommendConfig

	rec    *analysis.Recommender
	parser parser
}

func (fn *observeFn) ProcessElement(ctx context.Context, b Batch, docs func(*ResourceDoc) bool, emit func(string, *analysis.Observed), problem func(Problem)) error {
	if fn.rec == nil {
		r, err := recommender(fn.Config, docs)
		if err != nil {
			return err
		}
		fn.rec = r
	}
	return fn.parser.each(&b, func(rec *flowlog.Record) {
		o := analysis.NewObserved()
		fn.rec.Add(o, rec)
		recordsRead.Inc(ctx, 1)
		if o.Unresolved > 0 {
			problem(Problem{Kind: Unresolved, File: b.File, Line: int64(rec.Line), Detail: peerText(&rec.Src) + " -> " + peerText(&rec.Dst)})
		}
		// The counts travel alone; each workload group's edges under
		// its own key, so that a group's observations meet in one place.
		emit("", &analysis.Observed{Records: o.Records, Used: o.Used, Unresolved: o.Unresolved})
		byGroup := map[string]*analysis.Observed{}
		for e := range o.Edges {
			g := byGroup[e.Group]
			if g == nil {
				g = analysis.NewObserved()
				byGroup[e.Group] = g
			}
			g.Edges[e] = true
		}
		for name, g := range byGroup {
			emit(name, g)
		}
	}, problem)
}

func peerText(p *flowlog.Peer) string {
	switch {
	case p.Addr.IsValid():
		return p.Addr.String()
	case p.Namespace != "":
		return p.Namespace + "/" + p.Name
	case p.Name != "":
		return p.Name
	}
	return "(no name or address)"
}

type writePoliciesFn struct {
	Config RecommendConfig
}

func (fn *writePoliciesFn) ProcessElement(ctx context.Context, o *analysis.Observed, docs func(*ResourceDoc) bool) error {
	r, err := recommender(fn.Config, docs)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := policy.Encode(&b, model.Set{Policies: r.Policies(o)}, fn.Config.Format); err != nil {
		return err
	}
	recordsUsed.Inc(ctx, int64(o.Used))
	unresolved.Inc(ctx, int64(o.Unresolved))
	return WriteFile(ctx, fn.Config.Out, b.Bytes())
}
