package conformance

import (
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/eval/reference"
)

// ReferenceEngine answers a case with the reference evaluator, the
// executable specification: it evaluates the judged endpoint in the
// judged direction.
func ReferenceEngine(s *Scenario) (Outcome, error) {
	e, err := reference.New(s.Set)
	if err != nil {
		return Outcome{}, err
	}
	dv, tr := e.EvaluateDirection(s.Judged, s.Direction, s.Flow)
	return OutcomeOf(dv, tr), nil
}

// CompiledEngine answers a case with the compiled engine that embedders
// use, in the same way as ReferenceEngine.
func CompiledEngine(s *Scenario) (Outcome, error) {
	e, err := eval.New(s.Set)
	if err != nil {
		return Outcome{}, err
	}
	dv, tr := e.ExplainDirection(s.Judged, s.Direction, s.Flow)
	return OutcomeOf(dv, tr), nil
}
