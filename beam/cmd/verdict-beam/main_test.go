package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis"
)

// TestRun: the command checks its flags and inputs before any job (exit
// 2), runs the pipeline on prism, writes the report in each format asked
// and exits 1 when a flow is newly denied.
func TestRun(t *testing.T) {
	ex, err := filepath.Abs("../../../examples/tiers-staged")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base := []string{"-f", ex + "/cluster.yaml", "-f", ex + "/tiers.yaml", "-f", ex + "/staged-default-deny.yaml", "--flows", ex + "/flows.calico.*"}
	for _, c := range []struct {
		name string
		cmd  string
		args []string
		want int
		err  string
	}{
		{"no out", "impact", base, exitUsage, "--out is required"},
		{"bad format", "impact", append([]string{"-o", "html", "--out", dir + "/x"}, base...), exitUsage, "-o must be"},
		{"both modes", "impact", append([]string{"--as-applied", "--candidate", ex, "--out", dir + "/x"}, base...), exitUsage, "cannot be given together"},
		{"no flows match", "impact", []string{"-f", ex + "/cluster.yaml", "--flows", dir + "/none*", "--out", dir + "/x"}, exitUsage, "matches no file"},
		{"bad resources", "impact", []string{"-f", ex + "/app-policies.yaml", "--flows", ex + "/flows.calico.jsonl", "--out", dir + "/x"}, exitUsage, "have problems"},
		{"no namespace", "recommend", append([]string{"--out", dir + "/x"}, base...), exitUsage, "--namespace is required"},
		{"unknown flag", "impact", []string{"--nope"}, exitUsage, "nope"},
		{"impact", "impact", append([]string{"-o", "json,markdown", "--out", dir + "/impact"}, base...), exitNo, "impact (pending)"},
		{"recommend", "recommend", append([]string{"--namespace", "vote", "--out", dir + "/vote.yaml"}, base...), exitYes, "policies for namespace vote"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if got := run(context.Background(), c.cmd, c.args, &stderr); got != c.want || !strings.Contains(stderr.String(), c.err) {
				t.Errorf("exit %d, stderr %q; want %d and %q", got, stderr.String(), c.want, c.err)
			}
		})
	}
	var rep analysis.ImpactReport
	b, err := os.ReadFile(dir + "/impact.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || rep.Summary.NewlyDenied == 0 {
		t.Errorf("impact.json: %v, %+v", err, rep.Summary)
	}
	for _, f := range []string{"impact.md", "impact.problems.json", "vote.yaml"} {
		if info, err := os.Stat(filepath.Join(dir, f)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
