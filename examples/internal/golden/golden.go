// Package golden compares the output of the runnable examples with the
// golden files beside them. Run the example tests with -update to rewrite
// the golden files after an intended change, and review the diff.
package golden

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Check fails t when got differs from the golden file at path (relative to
// the test's package), or rewrites the file under -update.
func Check(t testing.TB, path string, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after an intended change)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// CheckRun runs an example's run function and checks everything it prints
// against testdata/output.golden.
func CheckRun(t testing.TB, run func(io.Writer) error) {
	t.Helper()
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	Check(t, "testdata/output.golden", out.String())
}
