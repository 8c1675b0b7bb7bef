package kube

import (
	"github.com/verdictlabs/verdict/model"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// StagedKubernetesNetworkPolicy is Calico's projectcalico.org/v3
// StagedKubernetesNetworkPolicy: a Kubernetes NetworkPolicy spec that only
// takes part in the pending verdict.
type StagedKubernetesNetworkPolicy struct {
	APIVersion string                            `json:"apiVersion,omitempty"`
	Kind       string                            `json:"kind,omitempty"`
	Metadata   ObjectMeta                        `json:"metadata"`
	Spec       StagedKubernetesNetworkPolicySpec `json:"spec"`
}

// StagedKubernetesNetworkPolicySpec is a NetworkPolicy spec with a staged
// action.
type StagedKubernetesNetworkPolicySpec struct {
	// StagedAction is Set (the default), Delete, Learn or Ignore.
	StagedAction string `json:"stagedAction,omitempty"`
	NetworkPolicySpec
}

// ConvertStagedKubernetesNetworkPolicy converts a staged Kubernetes policy
// exactly as ConvertNetworkPolicy converts a NetworkPolicy, with
// kind StagedKubernetesNetworkPolicy and its staged action (Set when not
// given). It returns false when nothing is staged: for stagedAction Delete,
// which Calico never hands to its dataplane (and whose spec must then be
// empty), and for an unknown staged action, which is an error.
func ConvertStagedKubernetesNetworkPolicy(s *StagedKubernetesNetworkPolicy) (model.Policy, bool, Problems) {
	if s == nil {
		r := newReport(kindStagedNetworkPolicy, "", "")
		r.Errorf(resource.Root(), "no object")
		return model.Policy{}, false, r.Problems
	}
	r := newReport(kindStagedNetworkPolicy, s.Metadata.NamespaceOrDefault(), s.Metadata.Name)
	r.validateMeta(&s.Metadata, true, resource.DNS1123Subdomain)
	spec := &s.Spec.NetworkPolicySpec
	action := model.StagedAction(s.Spec.StagedAction)
	switch action {
	case "":
		action = model.StagedSet
	case model.StagedSet, model.StagedLearn, model.StagedIgnore:
	case model.StagedDelete:
		r.validateStagedDeleteSpec(spec)
		return model.Policy{}, false, r.Problems
	default:
		r.Errorf(resource.Root().Child("spec").Child("stagedAction"), "%q is not a staged action (Set, Delete, Learn, Ignore)", s.Spec.StagedAction)
		return model.Policy{}, false, r.Problems
	}
	r.validateNetworkPolicySpec(spec)
	pol := r.convertNetworkPolicy(model.KindStagedKubernetesNetworkPolicy, &s.Metadata, spec)
	pol.StagedAction = action
	return pol, true, r.Problems
}

// validateStagedDeleteSpec checks that a staged Delete gives nothing but
// its action, as Calico's validator requires.
func (r *report) validateStagedDeleteSpec(s *NetworkPolicySpec) {
	spec := resource.Root().Child("spec")
	const msg = "must be empty when stagedAction is Delete"
	if !s.PodSelector.IsEmpty() {
		r.Errorf(spec.Child("podSelector"), msg)
	}
	if len(s.Ingress) > 0 {
		r.Errorf(spec.Child("ingress"), msg)
	}
	if len(s.Egress) > 0 {
		r.Errorf(spec.Child("egress"), msg)
	}
	if len(s.PolicyTypes) > 0 {
		r.Errorf(spec.Child("policyTypes"), msg)
	}
}
