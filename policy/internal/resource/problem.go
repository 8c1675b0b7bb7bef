package resource

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/internal/printable"
)

// Severity tells problems, which make a load fail, from warnings, which do
// not.
type Severity int

// Severities.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// Problem is one thing wrong (or worth a warning) in the input, located as
// precisely as the input allows: file, document, resource and field path.
type Problem struct {
	Severity  Severity
	File      string // empty when the input had no name
	Document  int    // 1-based index of the document (or list item) in the file; 0 when unknown
	Kind      string
	Namespace string
	Name      string
	Path      string // field path such as spec.ingress[2].destination.ports[0]
	Msg       string
	// Line and Column locate the field (or, when the field is missing,
	// the nearest enclosing one) in the file, YAML or JSON, 1-based;
	// 0 when unknown, as for resources made by program.
	Line, Column int
}

// String formats the problem on one line, its position first as
// compilers write it, so that editors and terminals can jump to it:
//
//	policies.yaml:14:19: document 2: NetworkPolicy prod/db: spec.ingress[0].protocol: unknown protocol "TPC"
//
// Names, paths and messages carry text from the input, so the line is
// escaped (printable.String): a name holding a newline cannot forge a
// second problem, nor an escape sequence reach the terminal.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(Position(p.File, p.Line, p.Column))
	if p.Document > 0 {
		b.WriteString("document ")
		b.WriteString(strconv.Itoa(p.Document))
		b.WriteString(": ")
	}
	if p.Kind != "" || p.Name != "" {
		b.WriteString(p.Kind)
		if p.Name != "" || p.Namespace != "" {
			b.WriteByte(' ')
			if p.Namespace != "" {
				b.WriteString(p.Namespace)
				b.WriteByte('/')
			}
			b.WriteString(p.Name)
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Msg)
	return printable.String(b.String())
}

// Position writes where something is in a file as compilers do, ending
// in ": ": "file:line:column: ", "file:line: " when the column is
// unknown, "file: " when the line is; "line L, column C: " for an
// unnamed input; "" when nothing is known.
func Position(file string, line, column int) string {
	var b strings.Builder
	switch {
	case file != "" && line > 0:
		b.WriteString(file)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(line))
		if column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(column))
		}
	case file != "":
		b.WriteString(file)
	case line > 0:
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(line))
		if column > 0 {
			b.WriteString(", column ")
			b.WriteString(strconv.Itoa(column))
		}
	default:
		return ""
	}
	b.WriteString(": ")
	return b.String()
}

// Problems is every problem and warning of a load. As an error it reports
// the problems only.
type Problems []Problem

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityWarning {
			out = append(out, p)
		}
	}
	return out
}

// Error lists every problem, one per line.
func (ps Problems) Error() string {
	errs := ps.Errors()
	lines := make([]string, 0, len(errs)+1)
	if len(errs) != 1 {
		lines = append(lines, fmt.Sprintf("%d problems:", len(errs)))
	}
	for _, p := range errs {
		lines = append(lines, p.String())
	}
	return strings.Join(lines, "\n")
}
