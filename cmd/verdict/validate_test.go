package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeInputFiles writes name/content pairs into a temporary directory and
// returns their paths.
func writeInputFiles(t *testing.T, files ...string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

const (
	inputPolicyDoc = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: database}
spec:
  selector: role == 'database'
  ingress: [{action: allow, protocol: tcp, destination: {ports: [3306]}}]
`
	inputPodsDoc = `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: prod}
`
	inputBrokenDoc = `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  tier: platform
  ingress: [{action: Allow, protocol: TCP, destination: {ports: [0]}}]
`
)

func runVerdict(stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestValidateCommand(t *testing.T) {
	files := writeInputFiles(t, "policy.yaml", inputPolicyDoc, "pods.yaml", inputPodsDoc, "broken.yaml", inputBrokenDoc, "readme.txt", "Just some notes.\n")
	policyFile, podsFile, brokenFile, textFile := files[0], files[1], files[2], files[3]

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout []string // lines, in order
		stderr string
	}{
		{"valid with warnings", "", []string{"validate", policyFile, podsFile}, 0, []string{
			policyFile + `:6:22: document 1: GlobalNetworkPolicy database: spec.ingress[0].action: warning: action "allow" is spelled "Allow" in Calico v3`,
			policyFile + `:6:39: document 1: GlobalNetworkPolicy database: spec.ingress[0].protocol: warning: protocol "tcp" is spelled "TCP" in Calico v3`,
			"ok: 1 GlobalNetworkPolicy, 1 Namespace, 2 Pod",
		}, ""},
		{"problems", "", []string{"validate", podsFile, brokenFile}, 1, []string{
			brokenFile + ":6:66: document 1: NetworkPolicy prod/db: spec.ingress[0].destination.ports[0]: port 0 is out of range: ports are 1 to 65535",
			brokenFile + `:5:9: document 1: NetworkPolicy prod/db: spec.tier: NetworkPolicy prod/db is in tier "platform", which does not exist: no Tier "platform" is in the load (the built-in tiers are default, kube-admin and kube-baseline)`,
		}, ""},
		{"stdin", inputPodsDoc, []string{"validate", "-"}, 0, []string{"ok: 1 Namespace, 2 Pod"}, ""},
		{"stdin problems are named", inputBrokenDoc, []string{"validate", "-"}, 1, nil, ""},
		{"empty input", "", []string{"validate", "-"}, 0, []string{"ok: no resources"}, ""},
		{"not YAML at all", "", []string{"validate", textFile}, 2, nil, textFile + ":1: document 1: not a resource"},
		{"missing file", "", []string{"validate", filepath.Join(filepath.Dir(textFile), "nope.yaml")}, 2, nil, "nope.yaml"},
		{"stdin twice", "", []string{"validate", "-", "-"}, 2, nil, "only once"},
		{"no arguments", "", []string{"validate"}, 2, nil, "no policy files: give at least one FILE or -f FILE|DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runVerdict(tt.stdin, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if tt.stdout != nil {
				want := strings.Join(tt.stdout, "\n") + "\n"
				if stdout != want {
					t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
				}
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
		})
	}
}

func TestValidateNamesStdin(t *testing.T) {
	_, stdout, _ := runVerdict(inputBrokenDoc, "validate", "-")
	if !strings.HasPrefix(stdout, "<stdin>:6:66: document 1: NetworkPolicy prod/db: ") {
		t.Errorf("stdout: %s", stdout)
	}
}

// An endless or binary input fails at once, and an input larger than the
// bound is refused with the bound; --max-input-size changes it.
func TestValidateInputBounds(t *testing.T) {
	start := time.Now()
	code, _, stderr := runVerdict("", "validate", "/dev/zero")
	if code != 2 || !strings.Contains(stderr, "NUL byte") {
		t.Errorf("validate /dev/zero: exit %d, stderr %q", code, stderr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("validate /dev/zero took %v", d)
	}

	paths := writeInputFiles(t, "p.yaml", inputPolicyDoc)
	code, _, stderr = runVerdict("", "validate", "--max-input-size", "100", paths[0])
	if code != 2 || !strings.Contains(stderr, "larger than 100 bytes") || !strings.Contains(stderr, "--max-input-size") {
		t.Errorf("bounded: exit %d, stderr %q", code, stderr)
	}
	if code, stdout, stderr := runVerdict("", "validate", "--max-input-size", "1KiB", paths[0]); code != 0 {
		t.Errorf("within the bound: exit %d, %q %q", code, stdout, stderr)
	}
	if code, stdout, stderr := runVerdict(inputPolicyDoc, "eval", "--max-input-size", "0", "-f", "-", "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80"); code == 2 {
		t.Errorf("no bound: exit %d, %q %q", code, stdout, stderr)
	}
	for _, bad := range []string{"1.5G", "-1", "lots", "12XB"} {
		if code, _, stderr := runVerdict("", "validate", "--max-input-size", bad, paths[0]); code != 2 || !strings.Contains(stderr, "not a size") {
			t.Errorf("--max-input-size %s: exit %d, stderr %q", bad, code, stderr)
		}
	}
}

// What convert refuses, validate reports: a Kubernetes and a Calico
// NetworkPolicy of one namespace and name load and evaluate, but convert
// would write both as NetworkPolicy prod/db.
func TestValidateReportsWhatConvertRefuses(t *testing.T) {
	twins := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec: {podSelector: {}}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec: {selector: all()}
`
	path := writeInputFiles(t, "twins.yaml", twins)[0]
	code, _, stderr := runVerdict("", "convert", path)
	if code != exitUsage {
		t.Fatalf("convert: exit %d, want 2: %s", code, stderr)
	}
	code, stdout, stderr := runVerdict("", "validate", path)
	want := path + ":8:18: document 2: NetworkPolicy prod/db: metadata.name: KubernetesNetworkPolicy prod/db (at " + path + ":1, document 1) is written as NetworkPolicy prod/db too, so convert cannot write both; rename one\n"
	if code != exitNo || stdout != want {
		t.Errorf("validate: exit %d, want 1; stdout:\n%s\nwant:\n%s%s", code, stdout, want, stderr)
	}
}

// -o json gives problems and warnings field by field; -f takes files and
// directories as the other commands do, and & stays &.
func TestValidateStructuredOutput(t *testing.T) {
	files := writeInputFiles(t, "policy.yaml", inputPolicyDoc, "broken.yaml", inputBrokenDoc)
	code, stdout, stderr := runVerdict("", "validate", "-o", "json", "-f", files[0], files[1])
	if code != exitNo {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	var r struct {
		Valid    bool
		Problems []struct {
			File, Kind, Namespace, Name, Path, Message string
			Document                                   int
		}
		Warnings []struct{ Path, Message string }
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if r.Valid || len(r.Problems) != 2 || r.Problems[0].File != files[1] || r.Problems[0].Document != 1 ||
		r.Problems[0].Name != "db" || r.Problems[0].Path != "spec.ingress[0].destination.ports[0]" || len(r.Warnings) != 2 {
		t.Errorf("report %+v", r)
	}

	// A file that is not YAML, or not there, is a problem in the report
	// too, with its line; the exit status stays 2.
	bad := writeInputFiles(t, "bad.yaml", "a: 1\n---\nb: [1,\nc: 2\n")
	for _, tt := range []struct {
		file string
		line int
		msg  string
	}{{bad[0], 4, "did not find expected"}, {bad[0] + ".missing", 0, "no such file or directory"}} {
		code, stdout, stderr = runVerdict("", "validate", "-o", "json", tt.file)
		var r struct {
			Valid    bool
			Problems []struct {
				File, Message  string
				Document, Line int
			}
		}
		if err := json.Unmarshal([]byte(stdout), &r); err != nil || code != exitUsage || r.Valid || len(r.Problems) != 1 ||
			r.Problems[0].File != tt.file || r.Problems[0].Line != tt.line || !strings.Contains(r.Problems[0].Message, tt.msg) || !strings.Contains(stderr, tt.msg) {
			t.Errorf("validate -o json %s: exit %d, %v, report %+v\nstdout:\n%s\nstderr:\n%s", tt.file, code, err, r, stdout, stderr)
		}
	}

	sel := writeInputFiles(t, "and.yaml", `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: x}
spec: {selector: a == 'b' && c == 'd', types: [Ingress]}
`)
	dir := filepath.Dir(sel[0])
	for _, args := range [][]string{{"validate", "-o", "yaml", "-f", dir}, {"convert", "-o", "json", "-f", dir}} {
		code, stdout, stderr = runVerdict("", args...)
		if code != exitYes || strings.Contains(stdout, `\u0026`) {
			t.Errorf("%v: exit %d, escaped or failed:\n%s%s", args, code, stdout, stderr)
		}
	}
	if !strings.Contains(stdout, `c == \"d\")"`) || !strings.Contains(stdout, "&&") {
		t.Errorf("convert -o json: the selector is not as written:\n%s", stdout)
	}
	if code, _, stderr := runVerdict("", "validate", "-o", "xml", files[0]); code != exitUsage || !strings.Contains(stderr, "-o must be table, json or yaml") {
		t.Errorf("-o xml: exit %d %s", code, stderr)
	}
}

// An unknown kind suggests the nearest; a wrong apiVersion is blamed on
// the apiVersion.
func TestValidateKindSuggestions(t *testing.T) {
	path := writeInputFiles(t, "kinds.yaml", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicyy\nmetadata: {name: x}\n---\napiVersion: projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: y}\n")[0]
	code, out, _ := runVerdict("", "validate", path)
	want := path + `:2:7: document 1: kind: unknown kind "GlobalNetworkPolicyy" of apiVersion "projectcalico.org/v3"; did you mean GlobalNetworkPolicy?` + "\n" +
		path + `:5:13: document 2: apiVersion: "projectcalico.org/v1" is not an apiVersion of kind GlobalNetworkPolicy, which is projectcalico.org/v3` + "\n"
	if code != exitNo || out != want {
		t.Errorf("exit %d:\n%s\nwant:\n%s", code, out, want)
	}
}

// Problems in a YAML file carry the line and column of their field.
func TestValidateProblemLines(t *testing.T) {
	path := writeInputFiles(t, "lines.yaml", "# two documents\napiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n"+inputBrokenDoc)[0]
	_, out, _ := runVerdict("", "validate", "-o", "json", path)
	var r struct {
		Problems []struct {
			Path         string
			Line, Column int
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	want := map[string][2]int{
		"spec.ingress[0].destination.ports[0]": {11, 66},
		"spec.tier":                            {10, 9},
	}
	for _, p := range r.Problems {
		if w, ok := want[p.Path]; !ok || w != [2]int{p.Line, p.Column} {
			t.Errorf("%s at %d:%d, want %v", p.Path, p.Line, p.Column, w)
		}
	}
	if len(r.Problems) != 2 {
		t.Errorf("problems %+v", r.Problems)
	}
}
