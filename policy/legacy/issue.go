package legacy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Issue is one problem found in a legacy document. Path locates the field
// in the legacy document, in the form spec.ingress[0].source.tag; it is
// empty when the problem concerns the document as a whole.
type Issue struct {
	Path string
	Msg  string
}

// String formats the issue as "path: message".
func (i Issue) String() string {
	if i.Path == "" {
		return i.Msg
	}
	return i.Path + ": " + i.Msg
}

// Issues is a list of problems that is also an error, for the functions
// of the profile tool that return one error for a whole input.
type Issues []Issue

// Error lists the problems, one per line after a count when there are
// several.
func (is Issues) Error() string {
	switch len(is) {
	case 0:
		return "no problems"
	case 1:
		return is[0].String()
	}
	lines := make([]string, 0, len(is)+1)
	lines = append(lines, fmt.Sprintf("%d problems:", len(is)))
	for _, i := range is {
		lines = append(lines, "  "+i.String())
	}
	return strings.Join(lines, "\n")
}

// issueList collects issues while a document is read.
type issueList struct {
	list []Issue
}

func (l *issueList) addf(path, format string, args ...any) {
	l.list = append(l.list, Issue{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// count lets a caller tell whether a part of a document added issues, so
// that a resource with problems is left out of the output.
func (l *issueList) count() int { return len(l.list) }

// child is the path of the field name below path.
func child(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index is the path of element i of the list at path.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// plainKey matches map keys that read unambiguously after a dot in a path.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// key is the path of the entry k of the map at path. Keys that hold dots,
// slashes or spaces (Docker network names, label keys) are quoted so the
// path stays readable: Networks["my.net"].
func key(path, k string) string {
	if plainKey.MatchString(k) {
		return child(path, k)
	}
	return path + "[" + strconv.Quote(k) + "]"
}
