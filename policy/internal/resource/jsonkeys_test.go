package resource

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCheckDuplicateKeys(t *testing.T) {
	many := `{`
	for i := range 40 {
		many += `"k` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `": 1, `
	}
	tests := []struct {
		name, in  string
		path, key string // "" key: no duplicate
	}{
		{"none", `{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}`, "", ""},
		{"top level", `{"a": 1, "a": 2}`, "a", "a"},
		{"nested", `{"spec": {"ingress": [], "egress": [], "ingress": [1]}}`, "spec.ingress", "ingress"},
		{"in a list", `{"items": [{"x": 1}, {"y": 1, "y": 2}]}`, "items[1].y", "y"},
		{"escaped", `{"ab": 1, "a\u0062": 2}`, "ab", "ab"},
		{"strings hold braces", `{"a": "}{\"a\": 1", "b": "[", "a": 3}`, "a", "a"},
		{"large object", many + `"kaa": 2}`, "kaa", "kaa"},
		{"large object without", many + `"zz": 2}`, "", ""},
		{"scalars", `[1, true, null, "x"]`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckDuplicateKeys([]byte(tc.in))
			var de *DuplicateKeyError
			switch {
			case tc.key == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.key == "":
			case !errors.As(err, &de):
				t.Fatalf("error %v, want a duplicate %q", err, tc.key)
			case de.Path != tc.path || de.Key != tc.key || !strings.HasPrefix(tc.in[de.Offset:], `"`):
				t.Errorf("got %+v, want path %q key %q at a key", de, tc.path, tc.key)
			}
		})
	}
}

// FuzzCheckDuplicateKeys compares the scanner with encoding/json's
// tokenizer on every valid JSON input: they agree on whether some object
// gives a key twice.
func FuzzCheckDuplicateKeys(f *testing.F) {
	for _, s := range []string{`{"a": 1, "a": 2}`, `{"a": {"b": [1, {"c": 2, "c": 3}]}}`, `[{"x\u0041": 1, "xA": 2}]`, `"s"`, `{"a": "}", "b": "\""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		want := tokenDuplicate(t, data)
		err := CheckDuplicateKeys(data)
		if (err != nil) != want {
			t.Fatalf("CheckDuplicateKeys(%q) = %v, tokenizer says duplicate: %v", data, err, want)
		}
	})
}

// tokenDuplicate reports whether some object of valid JSON data gives a
// key twice, by encoding/json's tokens.
func tokenDuplicate(t *testing.T, data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	// Numbers stay text: valid JSON such as 1E700 overflows a float64.
	dec.UseNumber()
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatalf("tokenizing valid JSON %q: %v", data, err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.isObject && top.wantKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] {
				return true
			}
			top.keys[k] = true
			top.wantKey = false
			continue
		}
		if top != nil && top.isObject {
			top.wantKey = true
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, isObject: true, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
	}
}
