package main

import (
	"fmt"
	"strings"
	"testing"
)

// Many warnings are counted, not printed, except by validate or with
// --warnings; -q silences them everywhere.
func TestWarningsQuietAndCounted(t *testing.T) {
	var many strings.Builder
	for i := range 6 {
		fmt.Fprintf(&many, "---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p%d}\nspec: {selector: all(), egress: [{action: allow}]}\n", i)
	}
	files := writeInputFiles(t, "many.yaml", many.String())
	flow := []string{"eval", "-f", files[0], "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80"}

	_, out, errs := runCmd(t, "", flow...)
	if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "verdict: 6 warnings about the input, not shown: --warnings (or verdict validate) prints them, -q silences this line") {
		t.Errorf("default: stderr\n%s", errs)
	}
	if !strings.Contains(out, "verdict  ") {
		t.Errorf("default: no verdict:\n%s", out)
	}
	if _, _, errs = runCmd(t, "", append(flow, "--warnings")...); strings.Count(errs, "warning: action") != 6 {
		t.Errorf("--warnings: stderr\n%s", errs)
	}
	for _, q := range []string{"-q", "--quiet"} {
		if code, out, errs := runCmd(t, "", append(flow, q)...); errs != "" || code != exitYes || out == "" {
			t.Errorf("%s: exit %d, stderr %q", q, code, errs)
		}
	}
	if _, out, _ := runCmd(t, "", "validate", files[0]); strings.Count(out, "warning: action") != 6 {
		t.Errorf("validate lists them all:\n%s", out)
	}
	if _, out, _ := runCmd(t, "", "validate", "-q", files[0]); out != "ok: 6 GlobalNetworkPolicy\n" {
		t.Errorf("validate -q:\n%s", out)
	}
	// A few warnings are printed as they are.
	_, _, errs = runCmd(t, "", "eval", "-f", "testdata/eval/lowercase.yaml", "-f", "testdata/eval/cluster.yaml", "--src", "prod/web", "--dst", "prod/db", "--dport", "3306")
	if strings.Count(errs, "warning: ") != 2 {
		t.Errorf("two warnings: stderr\n%s", errs)
	}
}
