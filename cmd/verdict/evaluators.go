package main

import (
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/internal/conformance"
	"github.com/verdictlabs/verdict/model"
)

// evaluators are the evaluators --engine names, for eval and conformance
// alike: the compiled engine embedders use, and the reference evaluator,
// the executable specification.
var evaluators = map[string]func(model.Set) (eval.Evaluator, error){
	"compiled":  conformance.CompiledEngine,
	"reference": conformance.ReferenceEngine,
}

// evaluatorNamed returns the constructor of the evaluator --engine names,
// or a usage error.
func evaluatorNamed(name string) (func(model.Set) (eval.Evaluator, error), error) {
	if e, ok := evaluators[name]; ok {
		return e, nil
	}
	names := make([]string, 0, len(evaluators))
	for n := range evaluators {
		names = append(names, n)
	}
	slices.Sort(names)
	return nil, usageError("--engine must be %s, not %q", strings.Join(names, " or "), name)
}
