package kube

import (
	"maps"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// Namespace is a core v1 Namespace; only its metadata matters to
// Verdict, and other fields are ignored when decoding.
type Namespace struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
}

// ServiceAccount is a core v1 ServiceAccount; only its metadata
// matters to Verdict, and other fields are ignored when decoding.
type ServiceAccount struct {
	APIVersion string     `json:"apiVersion,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Metadata   ObjectMeta `json:"metadata"`
}

// namespaceNameLabel is the label the API server gives every namespace,
// holding its name.
const namespaceNameLabel = "kubernetes.io/metadata.name"

// ConvertNamespace returns the namespace with its labels, plus
// kubernetes.io/metadata.name: <name>, which the API server sets on every
// namespace whatever the manifest says. Validate reports what is wrong
// with the object.
func ConvertNamespace(n *Namespace) model.Namespace {
	if n == nil {
		return model.Namespace{}
	}
	labels := maps.Clone(n.Metadata.Labels)
	if labels == nil {
		labels = make(map[string]string, 1)
	}
	labels[namespaceNameLabel] = n.Metadata.Name
	return model.Namespace{Name: n.Metadata.Name, Labels: labels}
}

// Validate checks the namespace as the API server would: a name that is an
// RFC 1123 label, and valid labels.
func (n *Namespace) Validate() Problems {
	r := newReport(kindNamespace, "", n.Metadata.Name)
	r.validateMeta(&n.Metadata, false, resource.DNS1123Label)
	return r.Problems
}

// ConvertServiceAccount returns the service account with its labels, in
// namespace "default" when the manifest gives none. Validate reports what
// is wrong with the object.
func ConvertServiceAccount(s *ServiceAccount) model.ServiceAccount {
	if s == nil {
		return model.ServiceAccount{}
	}
	return model.ServiceAccount{
		Name:      s.Metadata.Name,
		Namespace: s.Metadata.NamespaceOrDefault(),
		Labels:    maps.Clone(s.Metadata.Labels),
	}
}

// Validate checks the service account as the API server would: a name
// that is an RFC 1123 subdomain, a valid namespace, and valid labels.
func (s *ServiceAccount) Validate() Problems {
	r := newReport(kindServiceAccount, s.Metadata.NamespaceOrDefault(), s.Metadata.Name)
	r.validateMeta(&s.Metadata, true, resource.DNS1123Subdomain)
	return r.Problems
}
