package policy

import "encoding/json"

// ObjectMeta is the metadata of a Kubernetes object. Verdict reads the
// name, namespace and labels; the other fields of Kubernetes' metadata are
// accepted so that objects exported with kubectl decode strictly, and are
// otherwise ignored.
type ObjectMeta struct {
	Name        string            `json:"name,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`

	GenerateName               string            `json:"generateName,omitempty"`
	SelfLink                   string            `json:"selfLink,omitempty"`
	UID                        string            `json:"uid,omitempty"`
	ResourceVersion            string            `json:"resourceVersion,omitempty"`
	Generation                 int64             `json:"generation,omitempty"`
	CreationTimestamp          json.RawMessage   `json:"creationTimestamp,omitempty"`
	DeletionTimestamp          json.RawMessage   `json:"deletionTimestamp,omitempty"`
	DeletionGracePeriodSeconds *int64            `json:"deletionGracePeriodSeconds,omitempty"`
	OwnerReferences            []json.RawMessage `json:"ownerReferences,omitempty"`
	Finalizers                 []string          `json:"finalizers,omitempty"`
	ManagedFields              []json.RawMessage `json:"managedFields,omitempty"`
}

// kubeDefaultNamespace is where kubectl puts a namespaced object whose
// manifest names no namespace.
const kubeDefaultNamespace = "default"

// namespaceOrDefault returns the object's namespace, or "default" when the
// manifest leaves it out, as kubectl applies it.
func (m *ObjectMeta) namespaceOrDefault() string {
	if m.Namespace == "" {
		return kubeDefaultNamespace
	}
	return m.Namespace
}

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
	kubeProtocolTCP  = "TCP"
	kubeProtocolUDP  = "UDP"
	kubeProtocolSCTP = "SCTP"
)
