package policy

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// Every problem carries the line and column of its field, in YAML and in
// JSON, for a resource alone, in a sequence, and in a List read whole or
// one item at a time. Each input names the bad protocols XA, XB, ...;
// where they stand in the text is where the problems must point.
func TestProblemPositions(t *testing.T) {
	gnpYAML := func(indent, name, proto string) string {
		return strings.TrimSuffix(strings.ReplaceAll(fmt.Sprintf("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: %s\nspec:\n  ingress:\n  - action: Allow\n    protocol: %s\n", name, proto), "\n", "\n"+indent), indent)
	}
	gnpJSON := func(name, proto string) string {
		return fmt.Sprintf(`{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": %q}, "spec": {"ingress": [{"action": "Allow", "protocol": %q}]}}`, name, proto)
	}
	tests := []struct {
		name     string
		text     string
		streamed bool // read a large List one item at a time
	}{
		{"YAML documents", gnpYAML("", "a", "XA") + "---\n# second\n" + gnpYAML("", "b", "XB"), false},
		{"YAML flow mapping", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: a}\nspec: {ingress: [{action: Allow, protocol: XA}]}\n", false},
		{"YAML sequence", "- " + gnpYAML("  ", "a", "XA") + "- " + gnpYAML("  ", "b", "XB"), false},
		{"YAML List", "apiVersion: v1\nkind: List\nitems:\n- " + gnpYAML("  ", "a", "XA") + "- " + gnpYAML("  ", "b", "XB"), false},
		{"YAML List read one item at a time", "apiVersion: v1\nkind: List\nitems:\n- " + gnpYAML("  ", "a", "XA") + "- " + gnpYAML("  ", "b", "XB"), true},
		{"YAML typed List", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicyList\nitems:\n- metadata: {name: a}\n  spec:\n    ingress: [{action: Allow, protocol: XA}]\n", false},
		{"JSON object", "\n  " + strings.ReplaceAll(gnpJSON("a", "XA"), ", ", ",\n    "), false},
		{"JSON values", gnpJSON("a", "XA") + "\n\n" + gnpJSON("b", "XB"), false},
		{"JSON array on one line", "[" + gnpJSON("a", "XA") + ", " + gnpJSON("b", "XB") + "]", false},
		{"JSON array", "[\n\t" + gnpJSON("a", "XA") + ",\n\t" + strings.ReplaceAll(gnpJSON("b", "XB"), "{", "{\n\t\t") + "\n]\n", false},
		{"JSON List", `{"kind": "List", "apiVersion": "v1", "items": [` + "\n" + gnpJSON("a", "XA") + ",\n" + gnpJSON("b", "XB") + "]}", false},
		{"JSON List read one item at a time", `{"apiVersion": "v1", "metadata": {"note": "é€😀"}, "items": [` + gnpJSON("a", "XA") + ",\n\t" + strings.ReplaceAll(gnpJSON("b", "XB"), ", ", ",\n\t  ") + "\n], \"kind\": \"List\"}", true},
		{"JSON typed List read one item at a time", "[\n" + `{"apiVersion": "projectcalico.org/v3", "items": [{"metadata": {"name": "a"}, "spec": {"ingress": [{"action": "Allow", "protocol": "XA"}]}}], "kind": "GlobalNetworkPolicyList"}, ` + gnpJSON("b", "XB") + "]", true},
		{"JSON escapes and wide characters", `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "a", "annotations": {"n\/ote": "é€😀"}}, "spec": {"ingress": [{"action": "Allow", "protocol": "XA"}]}}`, false},
	}
	for _, tt := range tests {
		for _, slow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/one byte reads %v", tt.name, slow), func(t *testing.T) {
				if tt.streamed {
					defer func(old int) { streamListMin = old }(streamListMin)
					streamListMin = 1
				}
				var in io.Reader = strings.NewReader(tt.text)
				if slow {
					in = iotest.OneByteReader(in)
				}
				l := NewLoader()
				if err := l.Add("in", in); err != nil {
					t.Fatal(err)
				}
				_, err := l.Finish()
				probs, _ := err.(Problems)
				markers := strings.Count(tt.text, "X")
				if len(probs) != markers {
					t.Fatalf("%d problems, want %d: %v", len(probs), markers, err)
				}
				for i, p := range probs {
					marker := fmt.Sprintf("X%c", 'A'+i)
					at := strings.Index(tt.text, marker)
					if tt.text[at-1] == '"' {
						at-- // a JSON string starts at its quote
					}
					line := strings.Count(tt.text[:at], "\n") + 1
					column := utf8.RuneCountInString(tt.text[strings.LastIndex(tt.text[:at], "\n")+1:at]) + 1
					if p.Line != line || p.Column != column || !strings.Contains(p.Msg, marker) {
						t.Errorf("problem %s, want it at %d:%d about %s", p, line, column, marker)
					}
					if want := fmt.Sprintf("in:%d:%d: ", line, column); !strings.HasPrefix(p.String(), want) {
						t.Errorf("problem %q, want it to start with %q", p, want)
					}
				}
			})
		}
	}
}

// A problem of a field the resource lacks points at the nearest field it
// has, and the message that names an earlier definition gives its line.
func TestPositionOfMissingFieldAndEarlierDefinition(t *testing.T) {
	text := "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: a\n  namespace: x\nspec:\n  tier: nosuch\n---\n\n" +
		"apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  name: a\n  namespace: x\n"
	_, probs := loadOne(t, text)
	var got []string
	for _, p := range probs {
		got = append(got, p.String())
	}
	want := []string{
		"test.yaml:13:9: document 2: NetworkPolicy x/a: metadata.name: NetworkPolicy x/a is defined twice: first at test.yaml:1, document 1",
		"test.yaml:7:9: document 1: NetworkPolicy x/a: spec.tier:",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %q, want %q...", got[i], want[i])
		}
	}
}
