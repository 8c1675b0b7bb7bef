package resource

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

// DefaultNamespace is where kubectl puts a namespaced object whose
// manifest names no namespace.
const DefaultNamespace = "default"

// NamespaceOrDefault returns the object's namespace, or "default" when the
// manifest leaves it out, as kubectl applies it.
func (m *ObjectMeta) NamespaceOrDefault() string {
	if m.Namespace == "" {
		return DefaultNamespace
	}
	return m.Namespace
}
