package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command that reads policy resources takes them as arguments as
// well as with -f/--filename (and the old --file): the same files give
// the same answer, output and exit status, whichever way they are given.
func TestPositionalFiles(t *testing.T) {
	const dir = "../../examples/tiers-staged"
	flows := dir + "/flows.calico.jsonl"
	tests := []struct {
		name  string
		flags []string // the command and its flags, without files
		files []string // arguments after the command, before the files (query's ARG)
	}{
		{name: "validate", flags: []string{"validate"}},
		{name: "convert", flags: []string{"convert"}},
		{name: "eval", flags: []string{"eval", "--src", "vote/worker-6c4d", "--dst", "vote/db-0", "--dport", "5432"}},
		{name: "explain", flags: []string{"explain", "--src", "vote/vote-7d9c", "--dst", "vote/db-0", "--dport", "5432"}},
		{name: "lint", flags: []string{"lint"}},
		{name: "matrix", flags: []string{"matrix", "-o", "json"}},
		{name: "impact", flags: []string{"impact", "--flows", flows, "--no-progress"}},
		{name: "recommend", flags: []string{"recommend", "--flows", flows, "--namespace", "vote", "--no-progress"}},
		{name: "query endpoint", flags: []string{"query", "endpoint"}, files: []string{"vote/db-0"}},
		{name: "query policy", flags: []string{"query", "policy"}, files: []string{"vote/db"}},
		{name: "query selector", flags: []string{"query", "selector"}, files: []string{"app == 'db'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withFlag := append(append(append([]string(nil), tt.flags...), tt.files...), "-f", dir)
			code, want, wantErr := runVerdict("", withFlag...)
			if code == exitUsage || want == "" {
				t.Fatalf("%q: exit %d, stdout %q, stderr:\n%s", withFlag, code, want, wantErr)
			}
			for _, args := range [][]string{
				append(append(append([]string(nil), tt.flags...), tt.files...), dir),
				append(append(append([]string(nil), tt.flags...), tt.files...), "--filename", dir),
				append(append(append([]string(nil), tt.flags...), tt.files...), "--file", dir),
			} {
				gotCode, got, gotErr := runVerdict("", args...)
				if gotCode != code || got != want || gotErr != wantErr {
					t.Errorf("%q: exit %d, stdout:\n%s\nstderr:\n%s\nwant as %q: exit %d, stdout:\n%s\nstderr:\n%s", args, gotCode, got, gotErr, withFlag, code, want, wantErr)
				}
			}
		})
	}
}

// A file argument and -f files together are all read, -f first; - is
// standard input in either place.
func TestPositionalFilesMix(t *testing.T) {
	const dir = "../../examples/tiers-staged"
	cluster, err := os.ReadFile(dir + "/cluster.yaml")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"eval", "--src", "vote/worker-6c4d", "--dst", "vote/db-0", "--dport", "5432"}
	var rest []string
	for _, f := range []string{"app-policies.yaml", "db-policy.yaml", "default-deny.yaml", "staged-default-deny.yaml", "tiers.yaml"} {
		rest = append(rest, filepath.Join(dir, f))
	}
	code, want, _ := runVerdict("", append(append([]string(nil), args...), "-f", dir)...)
	mixed := append(append(append([]string(nil), args...), "-f", "-"), rest...)
	gotCode, got, gotErr := runVerdict(string(cluster), mixed...)
	if gotCode != code || got != want {
		t.Errorf("%q with cluster.yaml on stdin: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s", mixed, gotCode, got, gotErr, code, want)
	}
	// - as an argument, the other files with -f.
	mixed = append(append(append([]string(nil), args...), "-"), "-f", strings.Join(rest[:1], ""))
	for _, f := range rest[1:] {
		mixed = append(mixed, "-f", f)
	}
	gotCode, got, gotErr = runVerdict(string(cluster), mixed...)
	if gotCode != code || got != want {
		t.Errorf("%q with cluster.yaml on stdin: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s", mixed, gotCode, got, gotErr, code, want)
	}
}

// A directory is its own *.yaml, *.yml and *.json files, as calicoctl and
// kubectl read -f DIR; -R/--recursive adds those below it. A directory
// whose files are all below it says -R reads them.
func TestRecursiveFlag(t *testing.T) {
	dir := t.TempDir()
	gnp := func(name string) string {
		return "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: " + name + "\nspec:\n  selector: all()\n  types: [Ingress]\n"
	}
	for name, text := range map[string]string{"a.yaml": gnp("a"), "sub/b.yaml": gnp("b"), "sub/deeper/c.json": gnp("c"), "only/d.yml": gnp("d")} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"validate", dir}, exitYes, "ok: 1 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", "-f", dir}, exitYes, "ok: 1 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", "-R", dir}, exitYes, "ok: 4 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", "--recursive", "-f", dir}, exitYes, "ok: 4 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", filepath.Join(dir, "sub")}, exitYes, "ok: 1 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", filepath.Join(dir, "only"), "-R"}, exitYes, "ok: 1 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", filepath.Join(dir, "sub", "deeper")}, exitYes, "ok: 1 GlobalNetworkPolicy\n", ""},
		{[]string{"validate", "-R", filepath.Join(dir, "sub")}, exitYes, "ok: 2 GlobalNetworkPolicy\n", ""},
		{[]string{"matrix", "-R", dir, "-o", "json"}, exitYes, "", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runVerdict("", tt.args...)
		if code != tt.code || (tt.stdout != "" && stdout != tt.stdout) || stderr != tt.stderr {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
	// A directory with files only below it.
	emptyTop := t.TempDir()
	if err := os.MkdirAll(filepath.Join(emptyTop, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(emptyTop, "sub", "a.yaml"), []byte(gnp("a")), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runVerdict("", "validate", emptyTop)
	if want := "verdict: " + emptyTop + ": directory holds no *.yaml, *.yml or *.json file (the directories below it are read only when reading recursively, -R)\n"; code != exitUsage || stderr != want {
		t.Errorf("validate %s: exit %d, stderr %q; want 2 and %q", emptyTop, code, stderr, want)
	}
}
