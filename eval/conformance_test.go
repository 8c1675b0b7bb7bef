package eval_test

import (
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/model"
)

// TestCalicoVerdicts runs every case of Calico's verdict vectors through
// the compiled engine: both verdicts and both traces must equal Calico's,
// hit for hit, whichever form of the question is asked (conformance.Answer).
// Evaluate asks each flow twice and answers with the second verdict,
// which the memo gives.
func TestCalicoVerdicts(t *testing.T) {
	dir := filepath.Join("..", "internal", "conformance", "testdata")
	conformance.TestVectors(t, dir, "compiled engine conformance", memoAnswers)
}

// TestCalicoVerdictsWithoutMemo runs the vectors again with the memo off,
// so that every Evaluate walks.
func TestCalicoVerdictsWithoutMemo(t *testing.T) {
	dir := filepath.Join("..", "internal", "conformance", "testdata")
	conformance.TestVectors(t, dir, "compiled engine conformance without the memo", func(set model.Set) (eval.Evaluator, error) {
		e, err := eval.New(set)
		if err != nil {
			return nil, err
		}
		return eval.WithoutMemo(e), nil
	})
}

// askedTwice answers Evaluate with the second of two identical calls.
type askedTwice struct{ *eval.Engine }

func (a askedTwice) Evaluate(f model.Flow) model.Verdict {
	a.Engine.Evaluate(f)
	return a.Engine.Evaluate(f)
}

func memoAnswers(set model.Set) (eval.Evaluator, error) {
	e, err := eval.New(set)
	if err != nil {
		return nil, err
	}
	return askedTwice{e}, nil
}
