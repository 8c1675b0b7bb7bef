package eval_test

import (
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/internal/conformance"
)

// TestCalicoVerdicts runs every case of Calico's verdict vectors through
// the compiled engine: both verdicts and both traces must equal Calico's,
// hit for hit, whichever form of the question is asked (conformance.Answer).
func TestCalicoVerdicts(t *testing.T) {
	dir := filepath.Join("..", "internal", "conformance", "testdata")
	conformance.TestVectors(t, dir, "compiled engine conformance", conformance.CompiledEngine)
}
