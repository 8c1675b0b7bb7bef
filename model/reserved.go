package model

// Names Calico reserves for itself. Calico adds labels of its own to every
// endpoint and namespaced network set, and passes the labels of a
// Kubernetes namespace or service account to its endpoints through a
// profile it generates, with the keys prefixed so that they cannot be
// mistaken for (or forged by) the endpoint's own labels.
const (
	// LabelNamespace holds the namespace of an endpoint or network set.
	LabelNamespace = "projectcalico.org/namespace"
	// LabelOrchestrator holds Endpoint.Orchestrator, "k8s" for pods.
	LabelOrchestrator = "projectcalico.org/orchestrator"
	// LabelServiceAccount holds a workload's service account name.
	LabelServiceAccount = "projectcalico.org/serviceaccount"
	// LabelName, behind PrefixNamespaceLabel or PrefixServiceAccountLabel,
	// holds the name of the namespace or service account itself.
	LabelName = "projectcalico.org/name"

	// PrefixNamespaceLabel prefixes the keys of a namespace's labels as
	// its endpoints inherit them; namespace selectors match them.
	PrefixNamespaceLabel = "pcns."
	// PrefixServiceAccountLabel prefixes the keys of a service account's
	// labels as its endpoints inherit them.
	PrefixServiceAccountLabel = "pcsa."

	// PrefixNamespaceProfile starts the name of a namespace's profile,
	// "kns.<namespace>".
	PrefixNamespaceProfile = "kns."
	// PrefixServiceAccountProfile starts the name of a service account's
	// profile, "ksa.<namespace>.<account>".
	PrefixServiceAccountProfile = "ksa."

	// OrchestratorKubernetes is the orchestrator of Kubernetes pods.
	OrchestratorKubernetes = "k8s"
)

// NamespaceProfile names the profile through which a namespace gives its
// labels (and, for Kubernetes, its allow-all rules) to its endpoints.
func NamespaceProfile(namespace string) string { return PrefixNamespaceProfile + namespace }

// ServiceAccountProfile names the profile through which a service account
// gives its labels to its endpoints.
func ServiceAccountProfile(namespace, account string) string {
	return PrefixServiceAccountProfile + namespace + "." + account
}
