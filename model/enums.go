package model

// Action is what a rule does when it matches, spelled as Calico v3 spells it.
type Action string

// Rule actions.
const (
	Allow Action = "Allow"
	Deny  Action = "Deny"
	Pass  Action = "Pass"
	Log   Action = "Log"
)

// Direction is the side of an endpoint a policy governs.
type Direction string

// Directions.
const (
	Ingress Direction = "Ingress"
	Egress  Direction = "Egress"
)

// Kind names a kind of resource as Calico and Kubernetes spell it. Keys
// carry it to tell resources of one name apart, and hits carry the kind
// of the policy or profile that decided.
type Kind string

// Policy kinds, as Felix names them.
const (
	KindGlobalNetworkPolicy            Kind = "GlobalNetworkPolicy"
	KindNetworkPolicy                  Kind = "NetworkPolicy"
	KindStagedGlobalNetworkPolicy      Kind = "StagedGlobalNetworkPolicy"
	KindStagedNetworkPolicy            Kind = "StagedNetworkPolicy"
	KindStagedKubernetesNetworkPolicy  Kind = "StagedKubernetesNetworkPolicy"
	KindKubernetesNetworkPolicy        Kind = "KubernetesNetworkPolicy"
	KindKubernetesClusterNetworkPolicy Kind = "KubernetesClusterNetworkPolicy"
)

// The kinds of every other resource. A NetworkSet has a namespace and a
// GlobalNetworkSet has none; both are NetworkSet values.
const (
	KindTier             Kind = "Tier"
	KindProfile          Kind = "Profile"
	KindNetworkSet       Kind = "NetworkSet"
	KindGlobalNetworkSet Kind = "GlobalNetworkSet"
	KindNamespace        Kind = "Namespace"
	KindServiceAccount   Kind = "ServiceAccount"
	KindService          Kind = "Service"
	KindWorkloadEndpoint Kind = "WorkloadEndpoint"
	KindHostEndpoint     Kind = "HostEndpoint"
)

// kindScopes says, for every known kind, whether its resources live in a
// namespace; Namespaced gives the same answer faster.
var kindScopes = map[Kind]scope{
	KindGlobalNetworkPolicy:            global,
	KindNetworkPolicy:                  namespaced,
	KindStagedGlobalNetworkPolicy:      global,
	KindStagedNetworkPolicy:            namespaced,
	KindStagedKubernetesNetworkPolicy:  namespaced,
	KindKubernetesNetworkPolicy:        namespaced,
	KindKubernetesClusterNetworkPolicy: global,
	KindTier:                           global,
	KindProfile:                        global,
	KindNetworkSet:                     namespaced,
	KindGlobalNetworkSet:               global,
	KindNamespace:                      global,
	KindServiceAccount:                 namespaced,
	KindService:                        namespaced,
	// A pod's endpoint lives in its namespace; a Docker container's has
	// none.
	KindWorkloadEndpoint: eitherScope,
	KindHostEndpoint:     global,
}

// scope is where resources of a kind live.
type scope int

const (
	global      scope = iota + 1 // never in a namespace
	namespaced                   // always in one
	eitherScope                  // in one or not
)

// Known reports whether k is one of the kinds above.
func (k Kind) Known() bool { return kindScopes[k] != 0 }

// IsPolicy reports whether k is a kind of policy.
func (k Kind) IsPolicy() bool {
	switch k {
	case KindGlobalNetworkPolicy, KindNetworkPolicy, KindStagedGlobalNetworkPolicy, KindStagedNetworkPolicy,
		KindStagedKubernetesNetworkPolicy, KindKubernetesNetworkPolicy, KindKubernetesClusterNetworkPolicy:
		return true
	}
	return false
}

// Staged reports whether policies of this kind only take part in the
// pending verdict.
func (k Kind) Staged() bool {
	switch k {
	case KindStagedGlobalNetworkPolicy, KindStagedNetworkPolicy, KindStagedKubernetesNetworkPolicy:
		return true
	}
	return false
}

// Namespaced reports whether resources of this kind always live in a
// namespace. A namespaced policy selects only endpoints of its own
// namespace. Workload endpoints are not counted: a pod's has a namespace,
// a Docker container's none.
func (k Kind) Namespaced() bool {
	switch k {
	case KindNetworkPolicy, KindStagedNetworkPolicy, KindStagedKubernetesNetworkPolicy, KindKubernetesNetworkPolicy,
		KindNetworkSet, KindServiceAccount, KindService:
		return true
	}
	return false
}

// StagedAction says what a staged policy would do if it were enforced.
type StagedAction string

// Staged actions. Set, Learn and Ignore all stage the policy as an
// additional policy; a staged Delete never reaches the evaluator.
const (
	StagedSet    StagedAction = "Set"
	StagedDelete StagedAction = "Delete"
	StagedLearn  StagedAction = "Learn"
	StagedIgnore StagedAction = "Ignore"
)
