package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files with the current output")

// checkGolden compares got with the golden file, or rewrites it under
// -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after an intended change)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// Each output format of matrix, golden-tested: two frontends grouped by
// app, one of which the API refuses (a partial cell), and a network set.
func TestMatrixFormats(t *testing.T) {
	for _, format := range []string{"table", "csv", "json", "yaml", "dot", "svg"} {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run([]string{"matrix", "-f", "testdata/matrix/shop.yaml", "--group-by", "app", "-o", format}, strings.NewReader(""), &stdout, &stderr)
			if code != exitYes {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			checkGolden(t, "testdata/matrix/shop."+format+".golden", stdout.String())
		})
	}
}

func TestMatrixFlags(t *testing.T) {
	rows := func(args ...string) []matrixRow {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"matrix", "-f", "testdata/matrix/shop.yaml", "-o", "json"}, args...), strings.NewReader(""), &stdout, &stderr)
		if code != exitYes {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		var out struct {
			Cells []matrixRow `json:"cells"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return out.Cells
	}
	// Without --group-by each class is its own group, named by its own
	// labels: the canary is apart and refused.
	for _, r := range rows("--ports", "tcp/8080", "--to", "app == 'api'") {
		want := map[string]string{
			"shop/app=frontend":             "allow",
			"shop/app=frontend,canary=true": "deny",
			"shop/app=api":                  "deny",
			"globalnetworkset partners":     "allow",
		}[r.Source]
		if r.Destination != "shop/app=api" || r.Verdict != want || r.Port != "8080" || r.Protocol != "tcp" {
			t.Errorf("cell %+v, want verdict %q", r, want)
		}
	}
	// --from and --to select by effective labels; --namespace drops the
	// global network set.
	for _, r := range rows("--namespace", "shop", "--from", "app == 'frontend'", "--group-by", "app", "--ports", "udp/53,icmp") {
		if r.Source != "shop/app=frontend" || strings.HasPrefix(r.Destination, "globalnetworkset") {
			t.Errorf("cell %+v outside the selection", r)
		}
		if r.Protocol == "icmp" && r.Port != "" {
			t.Errorf("ICMP cell with port %q", r.Port)
		}
	}
	// --staged uses the pending verdict; with no staged policy it equals
	// the enforced one.
	if a, b := rows("--group-by", "app"), rows("--group-by", "app", "--staged"); len(a) != len(b) {
		t.Errorf("staged matrix has %d cells, enforced %d", len(b), len(a))
	}
	for _, args := range [][]string{
		{"matrix"},
		{"matrix", "-f", "testdata/matrix/shop.yaml", "-o", "png"},
		{"matrix", "-f", "testdata/matrix/shop.yaml", "--ports", "tcp"},
		{"matrix", "-f", "testdata/matrix/shop.yaml", "--ports", "icmp/8"},
		{"matrix", "-f", "testdata/matrix/shop.yaml", "--from", "app =="},
		{"matrix", "-f", "testdata/eval/broken.yaml"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitUsage || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a reason", args, code, stderr.String())
		}
	}
}
