package conformance_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/verdictlabs/verdict/internal/conformance"
)

// vectorFiles are Calico's verdict vectors, copied unchanged from
// conformance/ (never edit an expected value).
var vectorFiles = []string{"verdicts.jsonl", "verdicts-extended.jsonl", "verdicts-cnp-http.jsonl"}

// TestCalicoVerdicts runs every case of Calico's vectors through the
// reference evaluator: both verdicts and both traces must equal Calico's,
// hit for hit.
func TestCalicoVerdicts(t *testing.T) {
	var cases []conformance.Case
	for _, name := range vectorFiles {
		cs, err := conformance.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, cs...)
	}
	if len(cases) != 2333 {
		t.Errorf("read %d cases, want the 2333 of Calico's vectors", len(cases))
	}
	r := conformance.Run(cases, conformance.ReferenceEngine)
	for _, f := range r.Failures {
		t.Error(f)
	}
	for _, line := range r.Summary() {
		fmt.Printf("conformance: %s\n", line)
	}
}
