package kube

import (
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// ObjectMeta is the metadata of a Kubernetes object (see resource.ObjectMeta).
type ObjectMeta = resource.ObjectMeta

// LabelSelector is a Kubernetes label selector. Where a selector is
// optional its field is a pointer, and the difference matters: a nil
// selector is absent, while an empty one ({}) selects everything.
type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// IsEmpty reports whether the selector has no terms, and so selects
// everything.
func (s *LabelSelector) IsEmpty() bool {
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// LabelSelectorRequirement is one term of a label selector's
// matchExpressions.
type LabelSelectorRequirement struct {
	Key string `json:"key"`
	// Operator is In, NotIn, Exists or DoesNotExist.
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

// Label selector operators.
const (
	LabelSelectorOpIn           = "In"
	LabelSelectorOpNotIn        = "NotIn"
	LabelSelectorOpExists       = "Exists"
	LabelSelectorOpDoesNotExist = "DoesNotExist"
)

// Kubernetes protocol names, as the API spells them.
const (
	protocolTCP  = "TCP"
	protocolUDP  = "UDP"
	protocolSCTP = "SCTP"
)

// validateMeta checks the name and namespace of an object and its labels
// and annotation keys. namespaced tells whether the kind lives in a
// namespace; nameCheck is the rule the kind's names follow.
func (r *report) validateMeta(m *ObjectMeta, namespaced bool, nameCheck func(string) string) {
	path := resource.Root().Child("metadata")
	if m.Name == "" {
		r.Errorf(path.Child("name"), "is required")
	} else if msg := nameCheck(m.Name); msg != "" {
		r.Errorf(path.Child("name"), "%q %s", m.Name, msg)
	}
	if namespaced && m.Namespace != "" {
		if msg := resource.DNS1123Label(m.Namespace); msg != "" {
			r.Errorf(path.Child("namespace"), "%q %s", m.Namespace, msg)
		}
	}
	if !namespaced && m.Namespace != "" {
		r.Warnf(path.Child("namespace"), "is ignored: a %s is not namespaced", r.Kind)
	}
	r.validateLabels(path.Child("labels"), m.Labels)
	for _, k := range resource.SortedKeys(m.Annotations) {
		if msg := resource.QualifiedName(k); msg != "" {
			r.Errorf(path.Child("annotations"), "key %q: %s", k, msg)
		}
	}
}

// validateLabels checks label keys and values.
func (r *report) validateLabels(path *resource.Path, labels map[string]string) {
	for _, k := range resource.SortedKeys(labels) {
		if msg := resource.QualifiedName(k); msg != "" {
			r.Errorf(path, "key %q: %s", k, msg)
		}
		if msg := resource.LabelValue(labels[k]); msg != "" {
			r.Errorf(path, "value %q of key %q: %s", labels[k], k, msg)
		}
	}
}

// validateLabelSelector checks a label selector as the API server does.
func (r *report) validateLabelSelector(path *resource.Path, s *LabelSelector) {
	if s == nil {
		return
	}
	r.validateLabels(path.Child("matchLabels"), s.MatchLabels)
	for i, e := range s.MatchExpressions {
		ep := path.Child("matchExpressions").Index(i)
		if e.Key == "" {
			r.Errorf(ep.Child("key"), "is required")
		} else if msg := resource.QualifiedName(e.Key); msg != "" {
			r.Errorf(ep.Child("key"), "%q: %s", e.Key, msg)
		}
		switch e.Operator {
		case LabelSelectorOpIn, LabelSelectorOpNotIn:
			if len(e.Values) == 0 {
				r.Errorf(ep.Child("values"), "must be given when the operator is %s", e.Operator)
			}
		case LabelSelectorOpExists, LabelSelectorOpDoesNotExist:
			if len(e.Values) > 0 {
				r.Errorf(ep.Child("values"), "must be empty when the operator is %s", e.Operator)
			}
		case "":
			r.Errorf(ep.Child("operator"), "is required")
		default:
			r.Errorf(ep.Child("operator"), "%q is not a selector operator (In, NotIn, Exists, DoesNotExist)", e.Operator)
		}
		for j, v := range e.Values {
			if msg := resource.LabelValue(v); msg != "" {
				r.Errorf(ep.Child("values").Index(j), "%q %s", v, msg)
			}
		}
	}
}

// parseCIDR reads a CIDR as Calico does: the address bits beyond the
// prefix are dropped, so 10.0.0.1/8 is 10.0.0.0/8.
func parseCIDR(s string) (netip.Prefix, bool) {
	p, err := model.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}
