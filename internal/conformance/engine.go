package conformance

import (
	"fmt"
	"slices"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// Engine builds the evaluator that answers a case from the case's set.
// An error counts as a disagreement.
type Engine func(model.Set) (eval.Evaluator, error)

// The two evaluators of Verdict, as engines.
var (
	// CompiledEngine is the compiled engine that embedders use.
	CompiledEngine Engine = func(set model.Set) (eval.Evaluator, error) {
		e, err := eval.New(set)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	// ReferenceEngine is the reference evaluator, the executable
	// specification.
	ReferenceEngine Engine = func(set model.Set) (eval.Evaluator, error) {
		e, err := reference.New(set)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
)

// Answer gives an evaluator's outcome for a case: the judged endpoint
// takes part inline in the judged direction (ExplainDirection). The other
// forms of the question must agree with it, and a difference is an error:
// EvaluateDirection, and the judged side of Evaluate and Explain, which
// find the judged endpoint by its address since the case registers it.
func Answer(ev eval.Evaluator, s *Scenario) (Outcome, error) {
	dv, tr := ev.ExplainDirection(s.Judged, s.Direction, s.Flow)
	if got := ev.EvaluateDirection(s.Judged, s.Direction, s.Flow); got != dv {
		return Outcome{}, fmt.Errorf("the verdict of EvaluateDirection %+v differs from ExplainDirection %+v", got, dv)
	}
	v, x := ev.Evaluate(s.Flow), ev.Explain(s.Flow)
	side, xside, trace := v.Ingress, x.Verdict.Ingress, x.Ingress
	if s.Direction == model.Egress {
		side, xside, trace = v.Egress, x.Verdict.Egress, x.Egress
	}
	if side != dv || xside != dv {
		return Outcome{}, fmt.Errorf("the verdicts of Evaluate %+v and Explain %+v differ from ExplainDirection %+v", side, xside, dv)
	}
	if !slices.Equal(trace.Hits, tr.Hits) || !slices.Equal(trace.PendingHits, tr.PendingHits) {
		return Outcome{}, fmt.Errorf("the trace of Explain %+v differs from ExplainDirection trace %+v", trace, tr)
	}
	return OutcomeOf(dv, tr), nil
}
