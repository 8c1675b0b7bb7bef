package policy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// docPos is the text of one document (a YAML document, or a top-level
// JSON value or element of a top-level JSON array) and where in its file
// it starts, parsed only when a problem needs a position: most loads have
// no problems, and a parse per document would double their cost.
type docPos struct {
	raw []byte
	// line and column are where raw starts in the file, 1-based. A YAML
	// document starts at the start of a line; a JSON value may start
	// anywhere, so the column counts for positions on its first line.
	line, column int
	isJSON       bool

	parsed bool
	root   *yamlv3.Node
}

// srcPos is where one resource is: a document, and the path to the
// resource inside it (such as items[3] for the fourth item of a List, or
// [2] for the third element of a sequence); empty when the resource is
// the document.
type srcPos struct {
	doc    *docPos
	prefix string
}

// index is the position of element i of the sequence at p.
func (p *srcPos) index(i int) *srcPos {
	if p == nil {
		return nil
	}
	return &srcPos{doc: p.doc, prefix: p.prefix + "[" + strconv.Itoa(i) + "]"}
}

// field is the position of the value of key at p.
func (p *srcPos) field(key string) *srcPos {
	if p == nil {
		return nil
	}
	return &srcPos{doc: p.doc, prefix: p.prefix + "." + key}
}

// locate returns the file line and column of the field at path, relative
// to the resource, or of the nearest enclosing field that exists.
func (p *srcPos) locate(path string) (line, column int) {
	return p.doc.locate(p.prefix + "." + path)
}

// locate returns the file line and column of the field at path (such as
// spec.ingress[0].destination.ports[1] or metadata.labels["a.b"]), or of
// the nearest enclosing field that exists; the document's start when
// path is empty or nothing of it is found.
func (d *docPos) locate(path string) (line, column int) {
	if d.isJSON {
		return d.fileOffset(jsonOffset(d.raw, pathSegments(path)))
	}
	if !d.parsed {
		d.parsed = true
		var doc yamlv3.Node
		if yamlv3.Unmarshal(d.raw, &doc) == nil && len(doc.Content) == 1 {
			d.root = doc.Content[0]
		}
	}
	n := d.root
	if n == nil {
		return d.line, 0
	}
	line, column = n.Line, n.Column
	for _, seg := range pathSegments(path) {
		n = child(n, seg)
		if n == nil {
			break
		}
		line, column = n.Line, n.Column
	}
	if line == 1 {
		column += d.column - 1
	}
	return d.line + line - 1, column
}

// fileOffset turns a byte offset in a JSON document's text into a file
// line and column (counting characters, as for YAML).
func (d *docPos) fileOffset(off int) (line, column int) {
	before := d.raw[:off]
	nl := bytes.Count(before, []byte("\n"))
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	column = utf8.RuneCount(before[lineStart:]) + 1
	if nl == 0 {
		column += d.column - 1
	}
	return d.line + nl, column
}

// jsonOffset returns the byte offset in raw, a JSON value, of the value
// that segs lead to, or of the deepest one of them that exists. It walks
// the tokens of the value, skipping the values off the path whole.
func jsonOffset(raw []byte, segs []pathSegment) int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	best := jsonValueStart(raw, 0)
	for _, seg := range segs {
		tok, err := dec.Token()
		if err != nil {
			return best
		}
		found := false
		switch {
		case seg.isIndex && tok == json.Delim('['):
			for i := 0; dec.More(); i++ {
				if i == seg.index {
					found = true
					break
				}
				if !skipJSONValue(dec) {
					return best
				}
			}
		case !seg.isIndex && tok == json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return best
				}
				if k == seg.key {
					found = true
					break
				}
				if !skipJSONValue(dec) {
					return best
				}
			}
		}
		if !found {
			return best
		}
		best = jsonValueStart(raw, int(dec.InputOffset()))
	}
	return best
}

// skipJSONValue reads the next value whole.
func skipJSONValue(dec *json.Decoder) bool {
	var skip json.RawMessage
	return dec.Decode(&skip) == nil
}

// jsonValueStart is where the value after off starts: past white space
// and the separators , and : that the decoder reads lazily.
func jsonValueStart(raw []byte, off int) int {
	for off < len(raw) && strings.IndexByte(" \t\r\n,:", raw[off]) >= 0 {
		off++
	}
	return off
}

// pathSegment is one step of a field path: a key, or an index when
// isIndex.
type pathSegment struct {
	key     string
	index   int
	isIndex bool
}

func pathSegments(path string) []pathSegment {
	var out []pathSegment
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case strings.HasPrefix(path, `["`):
			end := strings.Index(path[1:], `"]`)
			if end < 0 {
				return out
			}
			key, err := strconv.Unquote(path[1 : end+2])
			if err != nil {
				return out
			}
			out = append(out, pathSegment{key: key})
			path = path[end+3:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(end, 1)])
			if end < 0 || err != nil {
				return out
			}
			out = append(out, pathSegment{index: i, isIndex: true})
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			out = append(out, pathSegment{key: path[:end]})
			path = path[end:]
		}
	}
	return out
}

// child is the node a segment leads to from n, or nil: for a key, the
// value of the mapping entry (the key's own node when the value is on
// later lines would be as good; the value is where the problem is).
func child(n *yamlv3.Node, seg pathSegment) *yamlv3.Node {
	for n.Kind == yamlv3.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case seg.isIndex && n.Kind == yamlv3.SequenceNode:
		if seg.index >= 0 && seg.index < len(n.Content) {
			return n.Content[seg.index]
		}
	case !seg.isIndex && n.Kind == yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == seg.key {
				return n.Content[i+1]
			}
		}
	}
	return nil
}
