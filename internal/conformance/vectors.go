package conformance

import (
	"fmt"
	"path/filepath"
	"testing"
)

// Vector is one of Calico's verdict vector files, copied unchanged from
// conformance/ into this package's testdata (never edit an expected
// value), with the number of cases it holds.
type Vector struct {
	Name  string
	Cases int
}

// Vectors are Calico's verdict vectors, in the order of
// conformance/README.md.
var Vectors = []Vector{
	{"verdicts.jsonl", 734},
	{"verdicts-extended.jsonl", 1143},
	{"verdicts-cnp-http.jsonl", 456},
	{"verdicts-ports-services.jsonl", 660},
}

// VectorReport is what one vector file gave.
type VectorReport struct {
	Vector
	Report
}

// Lines gives the file's summary for a log: one line per family and the
// file's total, each starting with the file's name.
func (v VectorReport) Lines() []string {
	lines := make([]string, 0, len(v.Families)+1)
	for _, l := range v.Summary() {
		lines = append(lines, v.Name+": "+l)
	}
	return lines
}

// RunVectors runs every vector, read from dir (this package's testdata
// directory as seen from the caller), through the engine. A file that
// cannot be read, or that does not hold the number of cases Vectors says,
// is an error.
func RunVectors(dir string, engine Engine) ([]VectorReport, error) {
	out := make([]VectorReport, 0, len(Vectors))
	for _, v := range Vectors {
		cases, err := ReadFile(filepath.Join(dir, v.Name))
		if err != nil {
			return nil, err
		}
		if len(cases) != v.Cases {
			return nil, fmt.Errorf("%s: read %d cases, want the %d of Calico's vectors", v.Name, len(cases), v.Cases)
		}
		out = append(out, VectorReport{Vector: v, Report: Run(cases, engine)})
	}
	return out, nil
}

// TestVectors runs every vector file in dir through engine, reports each
// failing case as a test error and prints the per-file counts behind
// label, so a CI log shows how many Calico cases were checked. It is the
// one body of the conformance tests of both evaluators.
func TestVectors(t testing.TB, dir, label string, engine Engine) {
	t.Helper()
	reports, err := RunVectors(dir, engine)
	if err != nil {
		t.Fatal(err)
	}
	passed, total := 0, 0
	for _, r := range reports {
		for _, f := range r.Failures {
			t.Error(f)
		}
		for _, line := range r.Lines() {
			fmt.Printf("%s: %s\n", label, line)
		}
		passed, total = passed+r.Passed, total+r.Passed+r.Failed
	}
	fmt.Printf("%s: all files: %d of %d cases agree\n", label, passed, total)
}
