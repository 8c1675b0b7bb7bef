package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestLiveSyncSection renders the section from benchmark output, puts it
// into a report without one, replaces it in one that has it, and keeps it
// across a regenerated report.
func TestLiveSyncSection(t *testing.T) {
	out := `BenchmarkInitialSync-2   1   0 ns/op   4.5 sync-s   80.25 heap-MB
BenchmarkWriteLag-2      1   0 ns/op   7.1 p50-ms   120.5 p99-ms
`
	r, err := Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var section bytes.Buffer
	if err := WriteLiveSync(&section, r, "3.0, 2.0, 1.0", "4.0, 3.0, 2.0"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 4.5 s |", "| 80.25 MB |", "| 7.1 ms |", "| 120.5 ms | under 100 ms: **not met** |", "load average 3.0, 2.0, 1.0 before"} {
		if !strings.Contains(section.String(), want) {
			t.Errorf("section lacks %q:\n%s", want, section.String())
		}
	}
	if err := WriteLiveSync(&section, &Run{}, "", ""); err == nil {
		t.Error("a run without the figures gave a section")
	}

	report := []byte("# Benchmarks\n\n## Every figure\n\nx\n")
	with := withLiveSync(report, section.Bytes())
	if !bytes.HasPrefix(with, report[:len(report)-1]) || !bytes.Contains(with, section.Bytes()) {
		t.Fatalf("added section:\n%s", with)
	}
	kept := keptLiveSync(with)
	if !bytes.Equal(kept, section.Bytes()) {
		t.Fatalf("kept section differs:\n%s\nwant\n%s", kept, section.Bytes())
	}
	newer := bytes.Replace(section.Bytes(), []byte("4.5 s"), []byte("3.9 s"), 1)
	replaced := withLiveSync(append(with, "## After\n"...), newer)
	if bytes.Contains(replaced, []byte("4.5 s")) || !bytes.Contains(replaced, []byte("3.9 s")) || !bytes.HasSuffix(replaced, []byte("## After\n")) {
		t.Fatalf("replaced section:\n%s", replaced)
	}
	if keptLiveSync(report) != nil {
		t.Error("a report without the section kept one")
	}
}
