package policy

import "fmt"

// report collects the problems of one resource, each located by the
// resource's kind, namespace and name and a field path. The loader adds
// the file and document afterwards.
type report struct {
	kind, namespace, name string
	problems              Problems
}

func (r *report) add(sev Severity, at *fieldPath, format string, args ...any) {
	r.problems = append(r.problems, Problem{
		Severity:  sev,
		Kind:      r.kind,
		Namespace: r.namespace,
		Name:      r.name,
		Path:      at.String(),
		Msg:       fmt.Sprintf(format, args...),
	})
}

func (r *report) errorf(at *fieldPath, format string, args ...any) {
	r.add(SeverityError, at, format, args...)
}

func (r *report) warnf(at *fieldPath, format string, args ...any) {
	r.add(SeverityWarning, at, format, args...)
}
