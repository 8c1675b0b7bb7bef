package main

import (
	"testing"

	"github.com/verdictlabs/verdict/examples/internal/golden"
)

// TestOutput checks the walkthrough's whole printed output, verdicts and
// reasons included, against testdata/output.golden.
func TestOutput(t *testing.T) {
	golden.CheckRun(t, run)
	// The recommended policies, as "verdict recommend" writes them.
	golden.Check(t, "testdata/recommended.yaml", recommendedYAML)
}
