package resource

import (
	"fmt"
	"strings"
)

// Report collects the problems of one resource, each located by the
// resource's kind, namespace and name and a field path. The loader adds
// the file and document afterwards.
type Report struct {
	Kind, Namespace, Name string
	Problems              Problems
}

// NewReport returns an empty report for the named resource.
func NewReport(kind, namespace, name string) *Report {
	return &Report{Kind: kind, Namespace: namespace, Name: name}
}

func (r *Report) add(sev Severity, at *Path, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{
		Severity:  sev,
		Kind:      r.Kind,
		Namespace: r.Namespace,
		Name:      r.Name,
		Path:      at.String(),
		Msg:       fmt.Sprintf(format, args...),
	})
}

// Errorf reports an error at a field path.
func (r *Report) Errorf(at *Path, format string, args ...any) {
	r.add(SeverityError, at, format, args...)
}

// Warnf reports a warning at a field path.
func (r *Report) Warnf(at *Path, format string, args ...any) {
	r.add(SeverityWarning, at, format, args...)
}

// HasErrorsUnder reports whether an error was already reported at path or
// below it, so that a conversion failure is not reported a second time
// after validation has named its cause.
func (r *Report) HasErrorsUnder(at *Path) bool {
	prefix := at.String()
	for _, p := range r.Problems {
		if p.Severity != SeverityError {
			continue
		}
		if p.Path == prefix || strings.HasPrefix(p.Path, prefix+".") || strings.HasPrefix(p.Path, prefix+"[") {
			return true
		}
	}
	return false
}

// Named names the resource in problems that lack it, such as the strict
// decoder's, which knows only paths.
func (ps Problems) Named(kind, namespace, name string) Problems {
	for i := range ps {
		if ps[i].Kind == "" && ps[i].Name == "" {
			ps[i].Kind, ps[i].Namespace, ps[i].Name = kind, namespace, name
		}
	}
	return ps
}

// Covers reports whether path is the path of one of the problems, or lies
// below it; a problem with no path covers the whole resource. A field the
// strict decoder could not read holds its zero value, so what conversion
// then says about it is left out where the decoder has named the cause.
func (ps Problems) Covers(path string) bool {
	for _, p := range ps {
		if Under(path, p.Path) {
			return true
		}
	}
	return false
}
