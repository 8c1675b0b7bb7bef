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

// Kind names what a policy is; hits in traces carry it.
type Kind string

// Policy kinds, as Felix names them, and the kind of a profile hit.
const (
	KindGlobalNetworkPolicy            Kind = "GlobalNetworkPolicy"
	KindNetworkPolicy                  Kind = "NetworkPolicy"
	KindStagedGlobalNetworkPolicy      Kind = "StagedGlobalNetworkPolicy"
	KindStagedNetworkPolicy            Kind = "StagedNetworkPolicy"
	KindStagedKubernetesNetworkPolicy  Kind = "StagedKubernetesNetworkPolicy"
	KindKubernetesNetworkPolicy        Kind = "KubernetesNetworkPolicy"
	KindKubernetesClusterNetworkPolicy Kind = "KubernetesClusterNetworkPolicy"
	KindProfile                        Kind = "Profile"
)

// Staged reports whether policies of this kind only take part in the
// pending verdict.
func (k Kind) Staged() bool {
	switch k {
	case KindStagedGlobalNetworkPolicy, KindStagedNetworkPolicy, KindStagedKubernetesNetworkPolicy:
		return true
	}
	return false
}

// Namespaced reports whether policies of this kind live in a namespace and
// select only endpoints of that namespace.
func (k Kind) Namespaced() bool {
	switch k {
	case KindNetworkPolicy, KindStagedNetworkPolicy, KindStagedKubernetesNetworkPolicy, KindKubernetesNetworkPolicy:
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

// EndpointKind tells workload endpoints from host endpoints.
type EndpointKind string

// Endpoint kinds.
const (
	WorkloadEndpoint EndpointKind = "WorkloadEndpoint"
	HostEndpoint     EndpointKind = "HostEndpoint"
)
