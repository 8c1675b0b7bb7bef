package reference

import (
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Labels Calico adds to endpoints and namespaced network sets, and the
// prefixes under which namespace and service-account labels are inherited.
const (
	labelNamespace      = "projectcalico.org/namespace"
	labelOrchestrator   = "projectcalico.org/orchestrator"
	labelServiceAccount = "projectcalico.org/serviceaccount"

	prefixNamespace      = "pcns."
	prefixServiceAccount = "pcsa."

	// namespaceProfilePrefix names the profile a namespace gives its
	// endpoints and network sets: "kns.<namespace>".
	namespaceProfilePrefix = "kns."
)

// endpointLabels returns the labels policies and rule selectors see on an
// endpoint (SPEC 3): its own labels without the pcns./pcsa. ones (which only
// profiles may give, so a pod cannot claim another namespace's labels), the
// labels Calico adds, then what its profiles apply, the endpoint's own and
// the earlier profile winning.
func endpointLabels(ep *model.Endpoint, profiles map[string]*model.Profile) selector.Map {
	labels := make(selector.Map, len(ep.Labels)+3)
	for k, v := range ep.Labels {
		if strings.HasPrefix(k, prefixNamespace) || strings.HasPrefix(k, prefixServiceAccount) {
			continue
		}
		labels[k] = v
	}
	// Calico's conversion writes these after copying the pod's labels, so
	// they overwrite a label of the same key the pod carries itself.
	if ep.Namespace != "" {
		labels[labelNamespace] = ep.Namespace
	}
	if ep.Orchestrator != "" {
		labels[labelOrchestrator] = ep.Orchestrator
	}
	if ep.ServiceAccount != "" {
		labels[labelServiceAccount] = ep.ServiceAccount
	}
	inherit(labels, ep.Profiles, profiles)
	return labels
}

// networkSetLabels returns a network set's labels as rule selectors see
// them: a global set has only its own; a namespaced set also gets
// projectcalico.org/namespace and inherits from its namespace's profile
// kns.<namespace>, which is how namespace selectors reach it.
func networkSetLabels(ns *model.NetworkSet, profiles map[string]*model.Profile) selector.Map {
	labels := make(selector.Map, len(ns.Labels)+1)
	for k, v := range ns.Labels {
		labels[k] = v
	}
	if ns.Namespace == "" {
		return labels
	}
	labels[labelNamespace] = ns.Namespace
	inherit(labels, []string{namespaceProfilePrefix + ns.Namespace}, profiles)
	return labels
}

// inherit adds the labels the named profiles apply, in order, without
// overwriting a key already present. A profile that does not exist gives
// nothing, as in Felix, where the endpoint simply has no such parent yet.
func inherit(labels selector.Map, names []string, profiles map[string]*model.Profile) {
	for _, name := range names {
		p := profiles[name]
		if p == nil {
			continue
		}
		for k, v := range p.LabelsToApply {
			if _, taken := labels[k]; !taken {
				labels[k] = v
			}
		}
	}
}
