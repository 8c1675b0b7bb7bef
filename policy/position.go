package policy

import (
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// docPos is the YAML text of one document and the file line it starts
// on, parsed into nodes only when a problem needs a position.
type docPos struct {
	raw    []byte
	start  int
	parsed bool
	root   *yamlv3.Node
}

// locate returns the file line and column of the field at path (such as
// spec.ingress[0].destination.ports[1] or metadata.labels["a.b"]), or of
// the nearest enclosing field that exists; the document's start when
// path is empty or nothing of it is found.
func (d *docPos) locate(path string) (line, column int) {
	if !d.parsed {
		d.parsed = true
		var doc yamlv3.Node
		if yamlv3.Unmarshal(d.raw, &doc) == nil && len(doc.Content) == 1 {
			d.root = doc.Content[0]
		}
	}
	n := d.root
	if n == nil {
		return d.start, 0
	}
	line, column = n.Line, n.Column
	for _, seg := range pathSegments(path) {
		n = child(n, seg)
		if n == nil {
			break
		}
		line, column = n.Line, n.Column
	}
	return d.start + line - 1, column
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
