package eval_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/model"
)

// compiledEngine answers a conformance case with the compiled engine: the
// judged endpoint takes part inline in the judged direction, as the
// reference engine has it. The judged endpoint is also registered in the
// case's set, so the same side of Evaluate and Explain, which find it by
// address, must give the same answer; a difference is an error.
func compiledEngine(s *conformance.Scenario) (conformance.Outcome, error) {
	e, err := eval.New(s.Set)
	if err != nil {
		return conformance.Outcome{}, err
	}
	dv, tr := e.ExplainDirection(s.Judged, s.Direction, s.Flow)
	if got := e.EvaluateDirection(s.Judged, s.Direction, s.Flow); got != dv {
		return conformance.Outcome{}, fmt.Errorf("EvaluateDirection %+v differs from ExplainDirection %+v", got, dv)
	}
	v, x := e.Evaluate(s.Flow), e.Explain(s.Flow)
	side, xside, trace := v.Ingress, x.Verdict.Ingress, x.Ingress
	if s.Direction == model.Egress {
		side, xside, trace = v.Egress, x.Verdict.Egress, x.Egress
	}
	if side != dv || xside != dv {
		return conformance.Outcome{}, fmt.Errorf("Evaluate %+v and Explain %+v differ from EvaluateDirection %+v", side, xside, dv)
	}
	if !slices.Equal(trace.Hits, tr.Hits) || !slices.Equal(trace.PendingHits, tr.PendingHits) {
		return conformance.Outcome{}, fmt.Errorf("Explain trace %+v differs from ExplainDirection trace %+v", trace, tr)
	}
	return conformance.OutcomeOf(dv, tr), nil
}

// TestCalicoVerdicts runs every case of Calico's verdict vectors through
// the compiled engine: both verdicts and both traces must equal Calico's,
// hit for hit.
func TestCalicoVerdicts(t *testing.T) {
	reports, err := conformance.RunVectors(filepath.Join("..", "internal", "conformance", "testdata"), compiledEngine)
	if err != nil {
		t.Fatal(err)
	}
	passed, total := 0, 0
	for _, r := range reports {
		for _, f := range r.Failures {
			t.Error(f)
		}
		for _, line := range r.Lines() {
			fmt.Printf("compiled engine conformance: %s\n", line)
		}
		passed, total = passed+r.Passed, total+r.Passed+r.Failed
	}
	fmt.Printf("compiled engine conformance: all files: %d of %d cases agree\n", passed, total)
}
