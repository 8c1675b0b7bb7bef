package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Every problem names its file, line and column besides the field path,
// in validate's and eval's human output and in validate -o json: for a
// YAML document, an item of a List or typed List, and JSON input. A YAML
// syntax error gives one line number, the right one.
func TestProblemLocations(t *testing.T) {
	files := writeInputFiles(t,
		"doc.yaml", "# one\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: a}\nspec:\n  ingress:\n  - action: Allow\n    protocol: TPC\n",
		"list.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: projectcalico.org/v3\n  kind: GlobalNetworkPolicy\n  metadata: {name: b}\n  spec: {selector: all()}\n- apiVersion: projectcalico.org/v3\n  kind: NetworkPolicy\n  metadata:\n    name: c\n    namespace: x\n  spec:\n    selector: \"a ==\"\n",
		"typed.yaml", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicyList\nitems:\n- metadata: {name: d}\n  spec:\n    egress: [{action: Alow}]\n",
		"doc.json", "[\n  {\n    \"apiVersion\": \"projectcalico.org/v3\",\n    \"kind\": \"GlobalNetworkPolicy\",\n    \"metadata\": {\"name\": \"e\"},\n    \"spec\": {\"order\": -1, \"types\": [\"Ingress\", \"Sideways\"]}\n  }\n]\n",
	)
	wants := []string{
		files[0] + `:8:15: document 1: GlobalNetworkPolicy a: spec.ingress[0].protocol: unknown protocol "TPC"`,
		files[1] + `:14:15: document 2: NetworkPolicy x/c: spec.selector: invalid selector "a =="`,
		files[2] + `:6:23: document 1: GlobalNetworkPolicy d: spec.egress[0].action: `,
		files[3] + `:6:48: document 1: GlobalNetworkPolicy e: spec.types[1]: `,
	}
	code, stdout, stderr := runVerdict("", append([]string{"validate"}, files...)...)
	if code != exitNo {
		t.Fatalf("validate: exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	hasAll(t, "validate", stdout, wants)

	args := []string{"eval", "--src", "1.1.1.1", "--dst", "2.2.2.2", "--proto", "tcp", "--dport", "80"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	code, stdout, stderr = runVerdict("", args...)
	if code != exitUsage {
		t.Fatalf("eval: exit %d, want 2\n%s%s", code, stdout, stderr)
	}
	hasAll(t, "eval", stderr, wants)

	code, stdout, stderr = runVerdict("", append([]string{"validate", "-o", "json"}, files...)...)
	var r struct {
		Problems []struct {
			File, Path   string
			Line, Column int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &r); code != exitNo || err != nil {
		t.Fatalf("validate -o json: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	var got []string
	for _, p := range r.Problems {
		got = append(got, fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Path))
	}
	for _, w := range wants {
		at, _, _ := strings.Cut(w, ": document")
		path := strings.SplitN(w, ": ", 5)[3]
		if !strings.Contains(strings.Join(got, "\n"), at+": "+path) {
			t.Errorf("validate -o json lacks %s: %s; got\n%s", at, path, strings.Join(got, "\n"))
		}
	}
}

func hasAll(t *testing.T, what, out string, wants []string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s output lacks\n  %s\ngot:\n%s", what, w, out)
		}
	}
}

// A YAML syntax error is placed once, on the line of the file where it
// is, whichever document it is in.
func TestYAMLSyntaxErrorLine(t *testing.T) {
	doc := "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"
	tests := []struct{ name, text, want string }{
		{"second document", doc + "---\n" + doc + "---\n# x\napiVersion: v1\nkind: [Namespace\n", ":11: document 3: yaml: "},
		{"unclosed flow mapping", doc + "spec: {a: b\n", ":4: document 1: yaml: "},
		{"key twice", doc + "---\n" + doc + "kind: Pod\n", ":8: document 2: yaml: key \"kind\" already set in map"},
		{"tab indentation", "apiVersion: v1\nkind: Namespace\nmetadata:\n\tname: a\n", ":4: document 1: yaml: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeInputFiles(t, "bad.yaml", tt.text)[0]
			code, _, stderr := runVerdict("", "validate", path)
			want := "verdict: " + path + tt.want
			if code != exitUsage || !strings.HasPrefix(stderr, want) || strings.Count(stderr, "line") != 0 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line number: %q...", code, stderr, want)
			}
		})
	}
}
