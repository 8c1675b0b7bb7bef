package policy

import (
	"maps"

	"github.com/verdictlabs/verdict/model"
)

// KubeNamespace is a core v1 Namespace; only its metadata matters to
// Verdict, and other fields are ignored when decoding.
type KubeNamespace struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
}

// KubeServiceAccount is a core v1 ServiceAccount; only its metadata
// matters to Verdict, and other fields are ignored when decoding.
type KubeServiceAccount struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
}

// kubeNamespaceNameLabel is the label the API server gives every namespace,
// holding its name.
const kubeNamespaceNameLabel = "kubernetes.io/metadata.name"

// ConvertNamespace returns the namespace with its labels, plus
// kubernetes.io/metadata.name: <name>, which the API server sets on every
// namespace whatever the manifest says. Validate reports what is wrong
// with the object.
func ConvertNamespace(n *KubeNamespace) model.Namespace {
	if n == nil {
		return model.Namespace{}
	}
	labels := maps.Clone(n.Metadata.Labels)
	if labels == nil {
		labels = make(map[string]string, 1)
	}
	labels[kubeNamespaceNameLabel] = n.Metadata.Name
	return model.Namespace{Name: n.Metadata.Name, Labels: labels}
}

// Validate checks the namespace as the API server would: a name that is an
// RFC 1123 label, and valid labels.
func (n *KubeNamespace) Validate() Problems {
	r := newKubeReport(kubeKindNamespace, "", n.Metadata.Name)
	r.validateMeta(&n.Metadata, false, kubeDNS1123Label)
	return r.problems
}

// ConvertServiceAccount returns the service account with its labels, in
// namespace "default" when the manifest gives none. Validate reports what
// is wrong with the object.
func ConvertServiceAccount(s *KubeServiceAccount) model.ServiceAccount {
	if s == nil {
		return model.ServiceAccount{}
	}
	return model.ServiceAccount{
		Name:      s.Metadata.Name,
		Namespace: s.Metadata.namespaceOrDefault(),
		Labels:    maps.Clone(s.Metadata.Labels),
	}
}

// Validate checks the service account as the API server would: a name
// that is an RFC 1123 subdomain, a valid namespace, and valid labels.
func (s *KubeServiceAccount) Validate() Problems {
	r := newKubeReport(kubeKindServiceAccount, s.Metadata.namespaceOrDefault(), s.Metadata.Name)
	r.validateMeta(&s.Metadata, true, kubeDNS1123Subdomain)
	return r.problems
}
