package conformance_test

import (
	"fmt"
	"testing"

	"github.com/verdictlabs/verdict/internal/conformance"
)

// TestCalicoVerdicts runs every case of Calico's vectors through the
// reference evaluator: both verdicts and both traces must equal Calico's,
// hit for hit.
func TestCalicoVerdicts(t *testing.T) {
	reports, err := conformance.RunVectors("testdata", conformance.ReferenceEngine)
	if err != nil {
		t.Fatal(err)
	}
	passed, total := 0, 0
	for _, r := range reports {
		for _, f := range r.Failures {
			t.Error(f)
		}
		for _, line := range r.Lines() {
			fmt.Printf("conformance: %s\n", line)
		}
		passed, total = passed+r.Passed, total+r.Passed+r.Failed
	}
	fmt.Printf("conformance: all files: %d of %d cases agree\n", passed, total)
}
