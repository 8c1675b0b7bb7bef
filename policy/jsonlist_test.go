package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// kubectlJSONList writes the items of bigList as kubectl get -o json does: one
// List, indented, its keys in order (apiVersion, items, kind, metadata),
// so that kind comes after the items.
func kubectlJSONList(t testing.TB, n int) []byte {
	t.Helper()
	j, err := yaml.YAMLToJSONStrict([]byte(bigList(n, "")))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.MarshalIndent(v, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A JSON List read one item at a time gives what decoding it whole
// gives: the same model, warnings and problems, whichever order its keys
// come in and whatever its items hold.
func TestJSONListMatchesWhole(t *testing.T) {
	list := string(kubectlJSONList(t, 30))
	kindFirst := `{"kind": "List", "apiVersion": "v1", "items": ` + list[strings.Index(list, "["):strings.LastIndex(list, `"kind"`)-len(",\n    ")] + "}"
	tests := map[string]string{
		"kubectl order":  list,
		"kind first":     kindFirst,
		"invalid item":   strings.Replace(list, `"containerPort": 8080`, `"containerPort": 0`, 1),
		"typed list":     `{"apiVersion": "projectcalico.org/v3", "items": [{"metadata": {"name": "a"}, "spec": {"selector": "all()"}}, {"metadata": {"name": "b"}, "spec": {"order": 2}}], "kind": "GlobalNetworkPolicyList"}`,
		"nested list":    `{"apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "in"}}]}, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "out"}}], "kind": "List"}`,
		"empty items":    `{"apiVersion": "v1", "items": [], "kind": "List"}`,
		"null items":     `{"apiVersion": "v1", "items": null, "kind": "List"}`,
		"items object":   `{"apiVersion": "v1", "items": {"a": 1}, "kind": "List"}`,
		"not a List":     `{"apiVersion": "v1", "items": [{"a": 1}], "kind": "Namespace", "metadata": {"name": "x"}}`,
		"item not a map": `{"apiVersion": "v1", "items": ["text", [1]], "kind": "List"}`,
		"two values":     `{"apiVersion": "v1", "items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}], "kind": "List"} [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}}]`,
	}
	for name, text := range tests {
		t.Run(name, func(t *testing.T) {
			streamed, whole := loadBoth(t, text)
			if streamed != whole {
				t.Errorf("read one item at a time:\n%.3000s\nread whole:\n%.3000s", streamed, whole)
			}
		})
	}
}

// What is wrong in a List is refused with its path in the List and its
// offset in the input, whether it is read one item at a time or not.
func TestJSONListReadErrors(t *testing.T) {
	defer func(old int) { streamListMin = old }(streamListMin)
	streamListMin = 1
	items := `"items": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b", "labels": {}, "name": "c"}}]`
	tests := []struct {
		name, in, want string
	}{
		{"duplicate key in an item", `{"apiVersion": "v1", ` + items + `, "kind": "List"}`, `items[1].metadata.name: key "name" is given twice in one object`},
		{"items twice", `{"kind": "List", "items": [], "items": []}`, `items: key "items" is given twice in one object`},
		{"kind twice after items", `{"kind": "List", "items": [{}], "kind": "X"}`, `kind: key "kind" is given twice in one object`},
		{"cut short in the items", `{"kind": "List", "items": [{"a": 1}, {"b"`, "the input ends inside a value"},
		{"cut short after the items", `{"kind": "List", "items": [{"a": 1}]`, "the input ends inside a value"},
		{"syntax error in an item", `{"kind": "List", "items": [{"a": 1}, {"b" 2}]}`, "invalid JSON at byte 42: invalid character '2' after object key"},
		{"syntax error between items", `{"kind": "List", "items": [{"a": 1} {"b": 2}]}`, "invalid JSON at byte 36: invalid character '{' after array element"},
		{"syntax error after the items", `{"kind": "List", "items": [{"a": 1}], "metadata" {}}`, "invalid JSON at byte 49: invalid character '{' after object key"},
		{"items as an object, broken", `{"kind": "List", "items": {"a": 1 "b": 2}}`, "invalid JSON at byte 34: invalid character '\"' after object key:value pair"},
		{"duplicate key in items as an object", `{"kind": "List", "items": {"a": 1, "b": {"c": 1, "c": 2}}}`, `items.b.c: key "c" is given twice in one object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewLoader().Add("in.json", strings.NewReader(tt.in))
			var re *ReadError
			if !errors.As(err, &re) || re.File != "in.json" || re.Document != 1 || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a read error of document 1 saying %q", err, tt.want)
			}
			// The offset is that of the key's second occurrence.
			var de *resource.DuplicateKeyError
			if errors.As(err, &de) {
				if at := strings.LastIndex(tt.in, `"`+de.Key+`"`); de.Offset != at {
					t.Errorf("offset %d, want %d", de.Offset, at)
				}
			}
		})
	}
	// The bound on an input holds inside a List.
	list := kubectlJSONList(t, 50)
	err := NewLoader(MaxInputSize(int64(len(list)/2))).Add("in.json", bytes.NewReader(list))
	var big *InputTooLargeError
	if !errors.As(err, &big) {
		t.Errorf("a List over the bound: %v", err)
	}
}

// listMemoryChild names the environment variable that makes
// TestJSONListMemory the process that loads the List, and gives its file.
const listMemoryChild = "VERDICT_TEST_LIST_MEMORY"

// peakRSS returns the most memory the process has held resident (Linux's
// VmHWM), or false where the system does not say.
func peakRSS() (int64, bool) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// Loading a JSON List holds about one item's decoded tree at a time, not
// the whole List's, which costs some ten times the text, and holds its
// text once: each item's, kept for positions. The load runs in a process
// of its own, whose peak resident memory then measures it and nothing
// else; the collector runs often there, so that the peak is close to
// what is live. Read whole, the List below raised the peak by 8.5 bytes
// per byte of text; its items decoded one at a time from the List's
// text read whole, by 5.2; read one at a time as the decoder reads them,
// by 3.8 to 4.1 (the rest is the model and the decoded item).
func TestJSONListMemory(t *testing.T) {
	if file := os.Getenv(listMemoryChild); file != "" {
		list, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		debug.SetGCPercent(10)
		runtime.GC()
		before, _ := peakRSS()
		l := NewLoader()
		if err := l.Add("list.json", bytes.NewReader(list)); err != nil {
			t.Fatal(err)
		}
		res, err := l.Finish()
		if err != nil {
			t.Fatal(err)
		}
		after, _ := peakRSS()
		runtime.KeepAlive(list)
		fmt.Printf("endpoints=%d growth=%d\n", len(res.Set.Endpoints), after-before)
		return
	}
	if testing.Short() {
		t.Skip("loads a 4 MB List in a process of its own")
	}
	if raceEnabled {
		t.Skip("the race detector multiplies the memory it measures")
	}
	if _, ok := peakRSS(); !ok {
		t.Skip("the system does not report peak resident memory")
	}
	const n = 4000
	list := kubectlJSONList(t, n)
	file := filepath.Join(t.TempDir(), "list.json")
	if err := os.WriteFile(file, list, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestJSONListMemory$")
	cmd.Env = append(os.Environ(), listMemoryChild+"="+file)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var endpoints, growth int64
	if _, err := fmt.Sscanf(string(out), "endpoints=%d growth=%d", &endpoints, &growth); err != nil || endpoints != n {
		t.Fatalf("the loading process did not load the List: %v\n%s", err, out)
	}
	perByte := float64(growth) / float64(len(list))
	t.Logf("a %d-byte JSON List raised the peak resident memory by %.2f bytes per byte", len(list), perByte)
	if perByte > 4.8 {
		t.Errorf("loading a %d-byte JSON List raised the peak resident memory by %.1f bytes per byte, want at most 4.8", len(list), perByte)
	}
}

// An object with an items array is known not to be a List only at its
// end; its text, read in pieces around the items, is put back together
// exactly, so that its problems keep their lines and columns.
func TestJSONObjectWithItems(t *testing.T) {
	defer func(old int) { streamListMin = old }(streamListMin)
	streamListMin = 1
	text := `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "items": [{"a": "é"},` + "\n  " +
		`{"b": 1}], "metadata": {"name": "a"}, "spec": {"ingress": [{"action": "Allow", "protocol": "XA"}]}}`
	place := func(at int) string {
		line := strings.Count(text[:at], "\n") + 1
		column := utf8.RuneCountInString(text[strings.LastIndex(text[:at], "\n")+1:at]) + 1
		return fmt.Sprintf("in:%d:%d: ", line, column)
	}
	want := []string{
		place(strings.Index(text, "[{")) + `document 1: GlobalNetworkPolicy a: items: unknown field "items"`,
		place(strings.Index(text, `"XA"`)) + `document 1: GlobalNetworkPolicy a: spec.ingress[0].protocol: unknown protocol "XA"`,
	}
	for _, slow := range []bool{false, true} {
		var in io.Reader = strings.NewReader(text)
		if slow {
			in = iotest.OneByteReader(in)
		}
		l := NewLoader()
		if err := l.Add("in", in); err != nil {
			t.Fatal(err)
		}
		_, err := l.Finish()
		var probs Problems
		if !errors.As(err, &probs) || len(probs) != len(want) {
			t.Fatalf("one byte reads %v: got %v, want %d problems", slow, err, len(want))
		}
		for i, p := range probs {
			if !strings.HasPrefix(p.String(), want[i]) {
				t.Errorf("one byte reads %v: got %q, want it to start with %q", slow, p, want[i])
			}
		}
	}
}
