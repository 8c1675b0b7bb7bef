package policy

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// docIndices loads text whose resources each carry one deliberate error
// and returns "name@document" for each problem, so that the document
// index of every resource shows.
func docIndices(t *testing.T, text string) []string {
	t.Helper()
	_, probs := loadOne(t, text)
	var out []string
	for _, p := range probs {
		out = append(out, p.Name+"@"+strconv.Itoa(p.Document))
	}
	return out
}

// badGNP is a GlobalNetworkPolicy with one error (an unknown field), so it
// shows up in problems with its document index.
func badGNP(name string) string {
	return "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: " + name + "\nspec:\n  colour: blue\n"
}

func TestInputForms(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"one document", badGNP("a"), []string{"a@1"}},
		{"stream", badGNP("a") + "---\n" + badGNP("b") + "---\n" + badGNP("c"), []string{"a@1", "b@2", "c@3"}},
		{"leading marker and comments", "# policies\n---\n" + badGNP("a") + "--- # next\n" + badGNP("b"), []string{"a@1", "b@2"}},
		{"end markers and empty documents", badGNP("a") + "...\n---\n---\n\n" + badGNP("b") + "...\n", []string{"a@1", "b@2"}},
		{"content on the marker line", "--- {apiVersion: projectcalico.org/v3, kind: GlobalNetworkPolicy, metadata: {name: a}, spec: {x: 1}}\n", []string{"a@1"}},
		{"CRLF line ends", strings.ReplaceAll(badGNP("a")+"---\n"+badGNP("b"), "\n", "\r\n"), []string{"a@1", "b@2"}},
		{"indented document", "  apiVersion: projectcalico.org/v3\n  kind: GlobalNetworkPolicy\n  metadata: {name: a}\n  spec: {x: 1}\n", []string{"a@1"}},
		{"byte-order mark", "\xEF\xBB\xBF" + badGNP("a"), []string{"a@1"}},
		{"bare sequence", "- " + strings.ReplaceAll(badGNP("a"), "\n", "\n  ") + "\n- " + strings.ReplaceAll(badGNP("b"), "\n", "\n  "), []string{"a@1", "b@2"}},
		{"List", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: projectcalico.org/v3, kind: GlobalNetworkPolicy, metadata: {name: a}, spec: {x: 1}}\n- {apiVersion: projectcalico.org/v3, kind: GlobalNetworkPolicy, metadata: {name: b}, spec: {x: 1}}\n---\n" + badGNP("c"),
			[]string{"a@1", "b@2", "c@3"}},
		{"typed List with bare items", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicyList\nitems:\n- {metadata: {name: a}, spec: {x: 1}}\n- {metadata: {name: b}, spec: {x: 1}}\n",
			[]string{"a@1", "b@2"}},
		{"JSON object", `{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a"},"spec":{"x":1}}`, []string{"a@1"}},
		{"JSON objects one after another", `{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a"},"spec":{"x":1}}
			{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"b"},"spec":{"x":1}}`, []string{"a@1", "b@2"}},
		{"JSON array", ` [{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a"},"spec":{"x":1}},
			{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"b"},"spec":{"x":1}}]`, []string{"a@1", "b@2"}},
		{"JSON List", `{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a"},"spec":{"x":1}}]}`, []string{"a@1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := docIndices(t, tt.text)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestItemThatIsNotAResource(t *testing.T) {
	_, probs := loadOne(t, "- "+strings.ReplaceAll(badGNP("a"), "\n", "\n  ")+"\n- just text\n- [1, 2]\n")
	if len(probs) != 3 {
		t.Fatalf("got %v", probs)
	}
	for i, want := range []string{"unknown field", `got the string "just text"`, "got a list"} {
		if !strings.Contains(probs[i].Msg, want) || probs[i].Document != i+1 {
			t.Errorf("problem %d = %s, want document %d and %q", i, probs[i], i+1, want)
		}
	}
}

func TestEmptyInput(t *testing.T) {
	for _, text := range []string{"", "\n\n", "# nothing\n", "---\n...\n", "[]", "  \n"} {
		res := mustLoad(t, text)
		if len(res.Counts) != 0 || len(res.Set.Policies) != 0 {
			t.Errorf("%q: got %v", text, res.Counts)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       io.Reader
		doc      int
		line     int
		contains string
	}{
		{"YAML syntax", strings.NewReader(badGNP("a") + "---\n# x\napiVersion: v1\nkind: [a\n"), 2, 10, "yaml: did not find expected ',' or ']'"},
		{"YAML tab indentation", strings.NewReader("a:\n\tb: c\n"), 1, 0, "yaml"},
		{"duplicate key", strings.NewReader("kind: A\nkind: B\n"), 1, 0, "already set"},
		// JSON refuses what YAML refuses, with the key's path.
		{"JSON duplicate key", strings.NewReader(`{"kind": "GlobalNetworkPolicy", "spec": {"ingress": [{"action": "Allow"}], "ingress": [{"action": "Deny"}]}}`),
			1, 0, `spec.ingress: key "ingress" is given twice in one object (byte 75)`},
		{"JSON duplicate key in an array element", strings.NewReader(`[{"kind": "A"}, {"kind": "B", "metadata": {"labels": {"a": "1"}, "name": "x", "labels": {}}}]`),
			2, 0, `metadata.labels: key "labels" is given twice`},
		{"JSON duplicate key in a later value", strings.NewReader(`{"kind": "A"} {"kind": "B", "kind": "C"}`), 2, 0, `kind: key "kind" is given twice in one object (byte 28)`},
		{"plain text", strings.NewReader("This is a README, not policy.\n"), 1, 1, "not a resource"},
		{"JSON syntax", strings.NewReader(`{"apiVersion": "v1",, }`), 1, 0, "invalid JSON at byte 20: invalid character ','"},
		{"JSON cut short", strings.NewReader(`[{"apiVersion": "v1"`), 1, 0, "ends inside a value"},
		{"JSON element broken", strings.NewReader(`[{"kind": "A"}, {"kind": "B"}, {"kind" "C"}]`), 3, 0, "invalid JSON at byte 39: invalid character '\"' after object key"},
		{"JSON after a value", strings.NewReader(`{"kind":"X"} ]`), 2, 0, "invalid JSON at byte 13: invalid character ']'"},
		{"JSON bad escape in a key", strings.NewReader(`{"a\q":1}`), 1, 0, "invalid JSON at byte 4: invalid character 'q' in string escape code"},
		{"JSON scalar after an object", strings.NewReader(`{"kind":"X"} 42`), 2, 0, "not a resource"},
		{"binary", strings.NewReader("\x00\x01\x02\xff\xfe"), 1, 0, ""},
		{"unreadable", failingReader{}, 0, 0, "disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewLoader().Add("in.yaml", tt.in)
			var re *ReadError
			if !errors.As(err, &re) {
				t.Fatalf("got %v (%T), want a *ReadError", err, err)
			}
			if re.File != "in.yaml" || re.Document != tt.doc {
				t.Errorf("located at %q document %d, want in.yaml document %d: %v", re.File, re.Document, tt.doc, re)
			}
			if tt.line != 0 && re.Line != tt.line {
				t.Errorf("line %d, want %d: %v", re.Line, tt.line, re)
			}
			prefix := "in.yaml: "
			if re.Line != 0 {
				prefix = fmt.Sprintf("in.yaml:%d: ", re.Line)
			}
			if !strings.Contains(re.Error(), tt.contains) || !strings.HasPrefix(re.Error(), prefix) || strings.Count(re.Error(), "line") > 0 {
				t.Errorf("error %q does not start with %q, lacks %q or gives a second line number", re.Error(), prefix, tt.contains)
			}
		})
	}
}

func TestAddFileMissing(t *testing.T) {
	err := NewLoader().AddFile("testdata/no-such-file.yaml")
	var re *ReadError
	if !errors.As(err, &re) || re.File != "testdata/no-such-file.yaml" {
		t.Fatalf("got %v", err)
	}
}

func TestLoaderIsOneShot(t *testing.T) {
	l := NewLoader()
	if _, err := l.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := l.Add("x", strings.NewReader("")); err == nil {
		t.Error("Add after Finish succeeded")
	}
	if _, err := l.Finish(); err == nil {
		t.Error("second Finish succeeded")
	}
}

// Each input is read up to a bound: an input of exactly the bound loads,
// one byte more is an *InputTooLargeError naming the bound, for YAML and
// JSON alike. The default bound holds unless an option changes it.
func TestMaxInputSize(t *testing.T) {
	doc := badGNP("a")
	json := `{"apiVersion":"projectcalico.org/v3","kind":"GlobalNetworkPolicy","metadata":{"name":"a"},"spec":{"x":1}}`
	for _, in := range []string{doc, json} {
		n := int64(len(in))
		if err := NewLoader(MaxInputSize(n)).Add("in", strings.NewReader(in)); err != nil {
			t.Errorf("input of exactly the bound: %v", err)
		}
		err := NewLoader(MaxInputSize(n-1)).Add("in", strings.NewReader(in))
		var big *InputTooLargeError
		var re *ReadError
		if !errors.As(err, &big) || big.Limit != n-1 || !errors.As(err, &re) || re.File != "in" {
			t.Errorf("input over the bound: %v", err)
		}
		if err := NewLoader(MaxInputSize(0)).Add("in", strings.NewReader(in)); err != nil {
			t.Errorf("no bound: %v", err)
		}
	}
	huge := io.MultiReader(strings.NewReader("a: "), &endless{b: 'x'})
	err := NewLoader(MaxInputSize(3<<20)).Add("endless", huge)
	var big *InputTooLargeError
	if !errors.As(err, &big) || big.Limit != 3<<20 || !strings.Contains(err.Error(), "larger than 3 MiB") {
		t.Errorf("endless input: %v", err)
	}
	if l := NewLoader(); l.maxInput != DefaultMaxInputSize || DefaultMaxInputSize != 256<<20 {
		t.Errorf("default bound %d", l.maxInput)
	}
	if got := (&InputTooLargeError{Limit: DefaultMaxInputSize}).Error(); !strings.Contains(got, "256 MiB") {
		t.Errorf("message %q", got)
	}
}

// A NUL byte ends the read at once: YAML text never holds one.
func TestBinaryInputFailsAtOnce(t *testing.T) {
	r := &endless{b: 0}
	err := NewLoader().Add("zero", r)
	var re *ReadError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "NUL byte") {
		t.Fatalf("got %v", err)
	}
	if r.n > 1<<20 {
		t.Errorf("read %d bytes before refusing the input", r.n)
	}
}

// endless is an input that never ends, every byte b.
type endless struct {
	b byte
	n int
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	e.n += len(p)
	return len(p), nil
}

// Every YAML error names the line of the file where the problem is: also
// errors in the text's encoding and unknown anchors, which go-yaml gives
// no line, and parser errors, which go-yaml numbers from 0. A problem
// found at the end of a document (an unclosed bracket or quote) is on its
// last line.
func TestYAMLErrorLines(t *testing.T) {
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n"
	tests := []struct {
		name string
		in   string
		doc  int
		line int
		msg  string
	}{
		{"invalid UTF-8", "a: 1\n---\n" + ns + "  name: x\n  labels: {a: \"\xff\"}\n", 2, 7, "invalid leading UTF-8 octet"},
		{"control character", ns + "  name: x\n\x01\n", 1, 5, "control characters are not allowed"},
		{"unknown anchor", ns + "  name: *x\n", 1, 4, "unknown anchor 'x'"},
		{"extra brace", ns + "  name: x\n  labels: {a: b}}\n", 1, 5, "yaml: did not find expected key"},
		{"bad indentation", ns + "  name: x\n  labels:\n    a: b\n   c: d\n", 1, 7, "did not find expected key"},
		{"unclosed quote", ns + "  name: \"x\n", 1, 4, "found unexpected end of stream"},
		{"unclosed flow map in a later document", ns + "  name: x\n---\n\n# c\n" + ns + "  name: y\n  labels: {a: b\n", 2, 12, "did not find expected ',' or '}'"},
		{"unclosed flow list", ns + "  name: x\n  labels: [a\n", 1, 5, "did not find expected ',' or ']'"},
		{"scanner error", ns + "  name: x\n    bad: indent\n", 1, 5, "yaml: mapping values are not allowed"},
		{"tab", ns + "\tname: x\n", 1, 4, "yaml: found character that cannot start any token"},
		{"duplicate keys", "a: 1\n---\nx: 1\nz: 2\nx: 3\nz: 4\n", 2, 5, "line 5: key \"x\" already set in map\n  line 6: key \"z\" already set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewLoader().Add("in.yaml", strings.NewReader(tt.in))
			var re *ReadError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *ReadError", err)
			}
			if re.Document != tt.doc || re.Line != tt.line || !strings.Contains(re.Error(), tt.msg) {
				t.Errorf("got document %d line %d %q, want document %d line %d and %q", re.Document, re.Line, re.Error(), tt.doc, tt.line, tt.msg)
			}
		})
	}
}

// A file that cannot be opened is named once, without the system call.
func TestReadErrorOfMissingFile(t *testing.T) {
	missing := t.TempDir() + "/nosuch.yaml"
	err := NewLoader().AddPath(missing)
	if err == nil || err.Error() != missing+": no such file or directory" {
		t.Errorf("got %v", err)
	}
}
