package policy

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// bigList writes a kubectl-style List of n items at the given indentation
// of its entries, with the shapes such output holds: block scalars,
// comments, blank lines, nested lists, quoted values, and keys after the
// items.
func bigList(n int, indent string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nitems:\n")
	for i := range n {
		fmt.Fprintf(&b, `%[2]s- apiVersion: v1
%[2]s  kind: Pod
%[2]s  metadata:
%[2]s    name: pod-%[1]d
%[2]s    namespace: ns-%[3]d
%[2]s    labels: {app: "app-%[4]d", version: v%[5]d}
%[2]s    annotations:
%[2]s      note: |
%[2]s        - not an item
%[2]s        items:
%[2]s
%[2]s  # a comment
%[2]s  spec:
%[2]s    containers:
%[2]s    - name: main
%[2]s      ports:
%[2]s      - {name: http, containerPort: 8080}
%[2]s  status:
%[2]s    podIP: "10.%[6]d.%[7]d.%[8]d"
`, i, indent, i%5, i%7, i%3, i>>16&255, i>>8&255, i&255)
		if i == 3 {
			fmt.Fprintf(&b, "%s- apiVersion: v1\n%s  kind: Namespace\n%s  metadata: {name: extra}\n", indent, indent, indent)
		}
	}
	b.WriteString("kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	return b.String()
}

// loadBoth loads text with its Lists read one item at a time and read
// whole, and returns both results written out.
func loadBoth(t *testing.T, text string) (streamed, whole string) {
	t.Helper()
	load := func() string {
		l := NewLoader()
		var out bytes.Buffer
		if err := l.Add("list.yaml", strings.NewReader(text)); err != nil {
			return "read error: " + err.Error()
		}
		res, err := l.Finish()
		if err != nil {
			return "problems: " + err.Error()
		}
		if err := Encode(&out, res.Set, "yaml"); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(res.Counts, res.Warnings) + "\n" + out.String()
	}
	defer func(old int) { streamListMin = old }(streamListMin)
	streamListMin = 1
	streamed = load()
	streamListMin = 1 << 62
	whole = load()
	return streamed, whole
}

// A List read one item at a time gives what reading it whole gives:
// the same model, warnings, problems and read errors, with the same lines.
func TestListStreamMatchesWhole(t *testing.T) {
	bad := strings.Replace(bigList(40, ""), "name: pod-31\n", "name: pod-31\n    name: again\n", 1)
	badSyntax := strings.Replace(bigList(40, "  "), "name: pod-17\n", "name: pod-17\n   stray: [\n", 1)
	invalid := strings.Replace(bigList(40, ""), "containerPort: 8080}", "containerPort: 0}", 1)
	tests := map[string]string{
		"entries at column 0": bigList(40, ""),
		"entries indented":    bigList(40, "  "),
		"duplicate key":       bad,
		"syntax error":        badSyntax,
		"invalid item":        invalid,
		"anchors":             "apiVersion: v1\nkind: List\nitems:\n- &a {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: s, namespace: a}}\n",
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			streamed, whole := loadBoth(t, text)
			if streamed != whole {
				t.Errorf("read one item at a time:\n%.2000s\nread whole:\n%.2000s", streamed, whole)
			}
		})
	}
}

// A List is split only where nothing can tie one item to another or cut
// a value in two.
func TestSplitList(t *testing.T) {
	defer func(old int) { streamListMin = old }(streamListMin)
	streamListMin = 1
	tests := []struct {
		name  string
		text  string
		items int // 0: not split
	}{
		{"kubectl style", bigList(3, ""), 3},
		{"indented entries", bigList(5, "  "), 6},
		{"not a List", strings.Replace(bigList(3, ""), "kind: List", "kind: Thing", 1), 0},
		{"alias", "kind: List\nitems:\n- &x {a: 1}\n- *x\n", 0},
		{"flow list across lines", "kind: List\nitems:\n- a: [1,\n- 2]\n", 0},
		{"quoted string across lines", "kind: List\nitems:\n- a: \"x\n- y\"\n", 0},
		{"flow items", "kind: List\nitems: [{a: 1}]\n", 0},
		{"odd indentation", "kind: List\nitems:\n  - a: 1\n - b: 2\n", 0},
		{"items twice", "kind: List\nitems:\n- a: 1\nitems:\n- b: 2\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := splitList([]byte(tt.text), 1, 1)
			got := 0
			if ls != nil {
				got = len(ls.items)
			}
			if got != tt.items {
				t.Errorf("split into %d items, want %d", got, tt.items)
			}
		})
	}
}

// An error in an item read on its own names the line of the file.
func TestListStreamErrorLine(t *testing.T) {
	defer func(old int) { streamListMin = old }(streamListMin)
	streamListMin = 1
	text := "# pods\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n    name: c\n"
	err := NewLoader().Add("in.yaml", strings.NewReader(text))
	var re *ReadError
	if !errors.As(err, &re) || re.File != "in.yaml" || re.Document != 1 || re.Line != 12 || !strings.HasPrefix(err.Error(), "in.yaml:12: document 1: yaml: key \"name\" already set") {
		t.Errorf("got %v", err)
	}
}
