package calico

import (
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// Labels Calico adds to endpoints and namespaced network sets, and the
// prefixes under which namespace and service-account labels are inherited.
const (
	LabelNamespace      = "projectcalico.org/namespace"
	LabelOrchestrator   = "projectcalico.org/orchestrator"
	LabelServiceAccount = "projectcalico.org/serviceaccount"

	PrefixNamespace      = "pcns."
	PrefixServiceAccount = "pcsa."

	// NamespaceProfilePrefix names the profile a namespace gives its
	// endpoints and network sets: "kns.<namespace>".
	NamespaceProfilePrefix = "kns."
)

// EndpointLabels returns the labels policies and rule selectors see on an
// endpoint (SPEC 3): its own labels without the pcns./pcsa. ones (which only
// profiles may give, so a pod cannot claim another namespace's labels), the
// labels Calico adds, then what its profiles apply, the endpoint's own and
// the earlier profile winning. profileLabels gives the labels a profile
// applies, nil for a profile that does not exist.
func EndpointLabels(ep *model.Endpoint, profileLabels func(name string) map[string]string) map[string]string {
	labels := make(map[string]string, len(ep.Labels)+3)
	for k, v := range ep.Labels {
		if strings.HasPrefix(k, PrefixNamespace) || strings.HasPrefix(k, PrefixServiceAccount) {
			continue
		}
		labels[k] = v
	}
	// Calico's conversion writes these after copying the pod's labels, so
	// they overwrite a label of the same key the pod carries itself.
	if ep.Namespace != "" {
		labels[LabelNamespace] = ep.Namespace
	}
	if ep.Orchestrator != "" {
		labels[LabelOrchestrator] = ep.Orchestrator
	}
	if ep.ServiceAccount != "" {
		labels[LabelServiceAccount] = ep.ServiceAccount
	}
	inherit(labels, ep.Profiles, profileLabels)
	return labels
}

// NetworkSetLabels returns a network set's labels as rule selectors see
// them: a global set has only its own; a namespaced set also gets
// projectcalico.org/namespace and inherits from its namespace's profile
// kns.<namespace>, which is how namespace selectors reach it.
func NetworkSetLabels(ns *model.NetworkSet, profileLabels func(name string) map[string]string) map[string]string {
	labels := make(map[string]string, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		labels[k] = v
	}
	if ns.Namespace == "" {
		return labels
	}
	labels[LabelNamespace] = ns.Namespace
	inherit(labels, NetworkSetProfiles(ns), profileLabels)
	return labels
}

// NetworkSetProfiles names the profiles a network set inherits from: none
// for a global set, kns.<namespace> for a namespaced one.
func NetworkSetProfiles(ns *model.NetworkSet) []string {
	if ns.Namespace == "" {
		return nil
	}
	return []string{NamespaceProfilePrefix + ns.Namespace}
}

// inherit adds the labels the named profiles apply, in order, without
// overwriting a key already present. A profile that does not exist gives
// nothing, as in Felix, where the endpoint simply has no such parent yet.
func inherit(labels map[string]string, profiles []string, profileLabels func(name string) map[string]string) {
	for _, name := range profiles {
		for k, v := range profileLabels(name) {
			if _, taken := labels[k]; !taken {
				labels[k] = v
			}
		}
	}
}
