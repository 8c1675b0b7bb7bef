package conformance_test

import (
	"testing"

	"github.com/verdictlabs/verdict/internal/conformance"
)

// TestCalicoVerdicts runs every case of Calico's vectors through the
// reference evaluator: both verdicts and both traces must equal Calico's,
// hit for hit.
func TestCalicoVerdicts(t *testing.T) {
	conformance.TestVectors(t, "testdata", "conformance", conformance.ReferenceEngine)
}
