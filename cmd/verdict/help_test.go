package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verdict --help lists every command with what it does and an example
// of calling it.
func TestRootHelpListsEveryCommandWithExample(t *testing.T) {
	code, out, errs := runCmd(t, "", "--help")
	if code != exitYes {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, c := range newRootCmd().Commands() {
		if c.Name() == "help" {
			continue
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("command %s has no Example", c.Name())
			continue
		}
		if !strings.Contains(out, "\n  "+c.Name()+" ") || !strings.Contains(out, "$ "+firstExample(c)) {
			t.Errorf("--help lacks %s or its example %q:\n%s", c.Name(), firstExample(c), out)
		}
	}
	if !strings.Contains(out, "Policy files: -f/--filename FILE|DIR (repeatable) or as arguments;") {
		t.Errorf("--help does not say how policy files are given:\n%s", out)
	}
	for _, name := range []string{"profile", "completion", "validate"} {
		if !strings.Contains(out, "\n  "+name+" ") {
			t.Errorf("--help lacks %s", name)
		}
	}
	// A command's own help is cobra's, with its flags.
	if _, out, _ := runCmd(t, "", "eval", "--help"); !strings.Contains(out, "--dport") {
		t.Errorf("eval --help:\n%s", out)
	}
}

// Completion completes values: -o formats per command, protocol names,
// and endpoints of the files already given for --src and --dst.
func TestCompletionValues(t *testing.T) {
	tests := []struct {
		args []string
		want []string
		not  []string
	}{
		{[]string{"__complete", "eval", "-o", ""}, []string{"table\n", "json\n", "yaml\n"}, []string{"csv"}},
		{[]string{"__complete", "matrix", "-o", ""}, []string{"csv\n", "dot\n", "svg\n"}, nil},
		{[]string{"__complete", "eval", "--proto", ""}, []string{"tcp\n", "icmpv6\n", "udplite\n"}, nil},
		{[]string{"__complete", "eval", "-f", "testdata/eval/cluster.yaml", "--src", "prod/"}, []string{"prod/web\n", "prod/db\n"}, []string{"dev/tool"}},
		{[]string{"__complete", "explain", "-f", dockerDir + "seed002-networks.json", "-f", dockerDir + "seed002-containers.json", "--dst", "my"}, []string{"mysql-1\n", "mysql-2\n"}, []string{"app-1"}},
	}
	for _, tt := range tests {
		code, out, errs := runCmd(t, "", tt.args...)
		if code != exitYes {
			t.Errorf("%v: exit %d %s", tt.args, code, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: lacks %q:\n%s", tt.args, w, out)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(out, n) {
				t.Errorf("%v: offers %q:\n%s", tt.args, n, out)
			}
		}
	}
}

// The README's quick start decides a flow from one -f on a directory,
// and the command it shows works as shown.
func TestReadmeQuickStart(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "go run ./cmd/verdict "
	var args []string
	for line := range strings.Lines(string(readme)) {
		if strings.HasPrefix(line, prefix) {
			args = strings.Fields(strings.TrimPrefix(line, prefix))
			break
		}
	}
	var dirs []string
	for i, a := range args {
		if a == "-f" && i+1 < len(args) {
			dirs = append(dirs, args[i+1])
		}
	}
	if len(dirs) != 1 {
		t.Fatalf("the quick start %q gives %d -f, want one", args, len(dirs))
	}
	if info, err := os.Stat(filepath.Join("../..", dirs[0])); err != nil || !info.IsDir() {
		t.Fatalf("the quick start's -f %s is not a directory: %v", dirs[0], err)
	}
	for i, a := range args {
		if i > 0 && args[i-1] == "-f" {
			args[i] = filepath.Join("../..", a)
		}
	}
	if code, out, errs := runCmd(t, "", args...); code != exitYes || !strings.Contains(out, "verdict  ALLOWED") {
		t.Errorf("%q: exit %d:\n%s%s", args, code, out, errs)
	}
}
