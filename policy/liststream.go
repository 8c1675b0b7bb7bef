package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// A large YAML List (kubectl get -o yaml of a whole cluster) is one
// document, and the YAML decoder holds its whole syntax tree and value
// tree at once: some twenty bytes of memory per byte of text. When the
// List is written in kubectl's plain block style, its items are decoded
// one at a time instead, each as it is loaded, so that only one item's
// trees exist at a time. Anything the splitting could misread (anchors
// and aliases, flow collections or quoted strings that span lines, items
// not at one indentation) keeps the whole-document path.

// streamListMin is the smallest document worth splitting: below it the
// whole-document path costs little.
var streamListMin = 1 << 20

// listStream is a List document whose items are decoded on demand: YAML
// text (items), or with isJSON spans of one JSON text (see jsonlist.go).
type listStream struct {
	list  map[string]any // the List without its items
	items []listChunk
	doc   int // the document's number in its input

	isJSON    bool
	jsonItems []*docPos // each item's JSON text and where it is
}

// len returns the number of items.
func (s *listStream) len() int {
	if s.isJSON {
		return len(s.jsonItems)
	}
	return len(s.items)
}

// listChunk is the text of one item, a YAML sequence of one entry, and
// the line of the file it starts on.
type listChunk struct {
	text []byte
	line int
}

// itemsKeyRE matches the line that opens a List's items, its line end
// trimmed.
var itemsKeyRE = regexp.MustCompile(`^items:[ \t]*(#.*)?$`)

// mayHoldAnchors reports whether doc may hold an anchor, an alias or a
// tag (&a, *a, !t after a space or an indicator), which can tie one item
// to another; strings that only look like one cost the streaming, never
// correctness.
func mayHoldAnchors(doc []byte) bool {
	for i, c := range doc {
		if c != '&' && c != '*' && c != '!' {
			continue
		}
		if i+1 >= len(doc) || doc[i+1] == ' ' || doc[i+1] == '\t' || doc[i+1] == '\r' || doc[i+1] == '\n' {
			continue
		}
		if i == 0 || strings.IndexByte(" \t\n[{,:-", doc[i-1]) >= 0 {
			return true
		}
	}
	return false
}

// splitList returns doc, which starts on line start, as a listStream, or
// nil when it is not a List this can split safely.
func splitList(doc []byte, start, docNum int) *listStream {
	if len(doc) < streamListMin || mayHoldAnchors(doc) {
		return nil
	}
	lines := bytes.SplitAfter(doc, []byte("\n"))
	at := -1
	for i, l := range lines {
		if itemsKeyRE.Match(bytes.TrimRight(l, " \t\r\n")) {
			if at >= 0 {
				return nil // items twice: the whole-document path reports it
			}
			at = i
		}
	}
	if at < 0 {
		return nil
	}
	// The entries are the lines at the first entry's indentation that
	// start with "- "; everything more indented, blank or a comment belongs
	// to the entry above it. The block ends at the next top-level key.
	indent, end := -1, len(lines)
	var starts []int
	for i := at + 1; i < len(lines); i++ {
		text := bytes.TrimRight(lines[i], " \t\r\n")
		trimmed := bytes.TrimLeft(text, " ")
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		n := len(text) - len(trimmed)
		entry := trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' ')
		if indent < 0 {
			if !entry {
				return nil
			}
			indent = n
		}
		switch {
		case n == indent && entry:
			starts = append(starts, i)
		case n > indent:
		case n == 0:
			end = i
		default:
			return nil
		}
		if end < len(lines) {
			break
		}
		if !plainLine(trimmed) {
			return nil
		}
	}
	if len(starts) == 0 {
		return nil
	}
	items := make([]listChunk, len(starts))
	for k, from := range starts {
		to := end
		if k+1 < len(starts) {
			to = starts[k+1]
		}
		items[k] = listChunk{text: bytes.Join(lines[from:to], nil), line: start + from}
	}
	head := bytes.Join(lines[:at], nil)
	head = append(head, "items: []\n"...)
	head = append(head, bytes.Join(lines[end:], nil)...)
	j, err := yaml.YAMLToJSONStrict(head)
	if err != nil {
		return nil
	}
	var list map[string]any
	if json.Unmarshal(j, &list) != nil {
		return nil
	}
	if kind, _ := list["kind"].(string); !strings.HasSuffix(kind, "List") {
		return nil
	}
	delete(list, "items")
	return &listStream{list: list, items: items, doc: docNum}
}

// plainLine reports whether a line can be split before or after without
// cutting a flow collection or a quoted string in two: its brackets and
// double quotes balance. A line that fails (a quote inside a plain value,
// say) only costs the streaming, never correctness.
func plainLine(s []byte) bool {
	depth := 0
	quotes := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case '"':
			if i == 0 || s[i-1] != '\\' {
				quotes++
			}
		case '\'':
			return false
		}
	}
	return depth == 0 && quotes%2 == 0
}

// item decodes entry i.
func (s *listStream) item(i int) (any, error) {
	if s.isJSON {
		var v any
		if err := json.Unmarshal(s.jsonItems[i].raw, &v); err != nil {
			return nil, &ReadError{Document: s.doc, Err: err}
		}
		return v, nil
	}
	c := s.items[i]
	j, err := yaml.YAMLToJSONStrict(c.text)
	if err != nil {
		return nil, &ReadError{Document: s.doc, Line: yamlErrorLine(err, c.text, c.line), Err: yamlFileLines(err, c.line)}
	}
	var v []any
	if err := json.Unmarshal(j, &v); err != nil || len(v) != 1 {
		return nil, &ReadError{Document: s.doc, Line: c.line, Err: errors.New("cannot read this item of the List")}
	}
	return v[0], nil
}
