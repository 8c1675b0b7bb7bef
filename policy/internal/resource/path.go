package resource

import (
	"strconv"
	"strings"
)

// Path is a field path such as spec.ingress[2].destination.ports[0].
// A nil *Path is the resource itself. Steps share their parents, so a
// path costs nothing to extend and is rendered only when a problem needs
// it.
type Path struct {
	parent *Path
	name   string // a field name, or "" for an index or key step
	index  int
	key    string // a map key, when isKey
	isKey  bool
}

// Child returns the path of a named field below p.
func (p *Path) Child(name string) *Path { return &Path{parent: p, name: name} }

// Index returns the path of element i of the list at p.
func (p *Path) Index(i int) *Path { return &Path{parent: p, index: i} }

// Key returns the path of the entry with key k in the map at p, rendered
// in brackets (metadata.labels[app.kubernetes.io/name]) because keys hold
// dots.
func (p *Path) Key(k string) *Path { return &Path{parent: p, key: k, isKey: true} }

// String renders the path.
func (p *Path) String() string {
	if p == nil {
		return ""
	}
	var steps []*Path
	for q := p; q != nil; q = q.parent {
		steps = append(steps, q)
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		s := steps[i]
		switch {
		case s.isKey:
			b.WriteByte('[')
			b.WriteString(s.key)
			b.WriteByte(']')
		case s.name != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// Root returns the empty path that field paths start from: the
// resource itself.
func Root() *Path { return nil }

// Under reports whether the field path path is prefix or lies below it,
// comparing rendered paths; the empty prefix, the resource itself, covers
// every path.
func Under(path, prefix string) bool {
	if prefix == "" || path == prefix {
		return true
	}
	return strings.HasPrefix(path, prefix) && (path[len(prefix)] == '.' || path[len(prefix)] == '[')
}
