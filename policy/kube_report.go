package policy

import (
	"fmt"
	"strings"
)

// Kinds of Kubernetes objects, as problems name them.
const (
	kubeKindNetworkPolicy       = "NetworkPolicy"
	kubeKindClusterPolicy       = "ClusterNetworkPolicy"
	kubeKindStagedNetworkPolicy = "StagedKubernetesNetworkPolicy"
	kubeKindPod                 = "Pod"
	kubeKindNamespace           = "Namespace"
	kubeKindServiceAccount      = "ServiceAccount"
	kubeKindService             = "Service"
	kubeKindEndpointSlice       = "EndpointSlice"
)

// kubeReport collects the problems of one Kubernetes object, each located
// by the object's kind, namespace, name and a field path.
type kubeReport struct {
	kind, namespace, name string
	problems              Problems
}

func newKubeReport(kind, namespace, name string) *kubeReport {
	return &kubeReport{kind: kind, namespace: namespace, name: name}
}

func (r *kubeReport) add(sev Severity, path *fieldPath, format string, args ...any) {
	r.problems = append(r.problems, Problem{
		Severity:  sev,
		Kind:      r.kind,
		Namespace: r.namespace,
		Name:      r.name,
		Path:      path.String(),
		Msg:       fmt.Sprintf(format, args...),
	})
}

func (r *kubeReport) errorf(path *fieldPath, format string, args ...any) {
	r.add(SeverityError, path, format, args...)
}

func (r *kubeReport) warnf(path *fieldPath, format string, args ...any) {
	r.add(SeverityWarning, path, format, args...)
}

// hasErrorsUnder reports whether an error was already reported at path or
// below it, so that a conversion failure is not reported a second time
// after validation has named its cause.
func (r *kubeReport) hasErrorsUnder(path *fieldPath) bool {
	prefix := path.String()
	for _, p := range r.problems {
		if p.Severity != SeverityError {
			continue
		}
		if p.Path == prefix || strings.HasPrefix(p.Path, prefix+".") || strings.HasPrefix(p.Path, prefix+"[") {
			return true
		}
	}
	return false
}
