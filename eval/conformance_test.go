package eval_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/internal/conformance"
)

// TestCalicoVerdicts runs every case of Calico's verdict vectors through
// the compiled engine: both verdicts and both traces must equal Calico's,
// hit for hit, whichever form of the question is asked (conformance.Answer).
func TestCalicoVerdicts(t *testing.T) {
	reports, err := conformance.RunVectors(filepath.Join("..", "internal", "conformance", "testdata"), conformance.CompiledEngine)
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
