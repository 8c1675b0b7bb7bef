package policy

import "github.com/verdictlabs/verdict/model"

// Calico's API fills in some fields on the way in; the loader does the
// same, so that the model is what Calico's dataplane would see:
//
//   - a policy without types governs Ingress, plus Egress when it has
//     egress rules, and Egress alone when it has only egress rules
//     (defaultPolicyTypes);
//   - a policy without a tier is in tier default;
//   - a Tier without an order has order 1,000,000 and without a default
//     action Deny, except the built-in tiers, which keep their own;
//   - a namespaced Calico resource without a namespace (NetworkPolicy,
//     StagedNetworkPolicy, NetworkSet) is in namespace default, as
//     calicoctl puts it there; a WorkloadEndpoint is the exception (see
//     workloadEndpoint);
//   - a staged policy without a stagedAction is Set;
//   - the built-in tiers always exist, and every Namespace and
//     ServiceAccount gives its kns. or ksa. profile (Loader.Finish).

// defaultPolicyTypes is the types Calico gives a policy that lists none.
func defaultPolicyTypes(hasIngress, hasEgress bool) []model.Direction {
	switch {
	case hasEgress && hasIngress:
		return []model.Direction{model.Ingress, model.Egress}
	case hasEgress:
		return []model.Direction{model.Egress}
	}
	return []model.Direction{model.Ingress}
}
