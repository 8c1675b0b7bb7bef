package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/internal/selectorio"
)

// zeros is /dev/zero: an input that never ends and holds no newline.
type zeros struct{ read int }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.read += len(p)
	return len(p), nil
}

// Issue 20, point 8: a --jsonl line is bounded; an endless line stops the
// run with a usage error after the answers before it, having read little
// more than the bound.
func TestSelectorJSONLLineBound(t *testing.T) {
	z := &zeros{}
	in := io.MultiReader(strings.NewReader(`{"selector": "has(a)", "labels": {"a": "1"}}`+"\n"), z)
	var stdout, stderr bytes.Buffer
	code := run([]string{"selector", "--jsonl"}, in, &stdout, &stderr)
	if code != exitUsage {
		t.Errorf("exit status %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stdout.String(), `"match":true`) {
		t.Errorf("the first line's answer is missing:\n%s", stdout.String())
	}
	if want := "standard input line 2 is longer than 1048576 bytes"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	if z.read > 2*selectorio.MaxLine {
		t.Errorf("read %d bytes of the endless line, want at most about %d", z.read, selectorio.MaxLine)
	}

	// A line under the bound is answered, however long its selector: the
	// selector's own limit speaks.
	long := `{"selector": "a == '` + strings.Repeat("x", 900_000) + `'"}` + "\n"
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"selector", "--jsonl"}, strings.NewReader(long+long), &stdout, &stderr); code != exitYes {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", code, stderr.String())
	}
	if n := strings.Count(stdout.String(), "more than the limit of 65536"); n != 2 {
		t.Errorf("%d answers name the selector limit, want 2:\n%.500s", n, stdout.String())
	}
}
