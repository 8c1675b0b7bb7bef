package calico

import (
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// EndpointLabels returns the labels policies and rule selectors see on an
// endpoint (SPEC 3): its own labels without the pcns./pcsa. ones (which only
// profiles may give, so a pod cannot claim another namespace's labels), the
// labels Calico adds, then what its profiles apply, the endpoint's own and
// the earlier profile winning. profileLabels gives the labels a profile
// applies, nil for a profile that does not exist.
func EndpointLabels(ep *model.Endpoint, profileLabels func(name string) map[string]string) map[string]string {
	labels := make(map[string]string, len(ep.Labels)+3)
	VisitEndpointLabels(ep, profileLabels, firstWins(labels))
	return labels
}

// VisitEndpointLabels calls yield with the labels EndpointLabels returns,
// without building a map: highest precedence first, so that a key may come
// more than once and its first value is the one that counts. Calico's
// conversion writes the labels it adds after copying the pod's, so they
// overwrite a label of the same key the pod carries itself; the pod's own
// then win over its profiles', and an earlier profile over a later one.
func VisitEndpointLabels(ep *model.Endpoint, profileLabels func(name string) map[string]string, yield func(key, value string)) {
	if ep.Namespace != "" {
		yield(model.LabelNamespace, ep.Namespace)
	}
	if ep.Orchestrator != "" {
		yield(model.LabelOrchestrator, ep.Orchestrator)
	}
	if ep.ServiceAccount != "" {
		yield(model.LabelServiceAccount, ep.ServiceAccount)
	}
	for k, v := range ep.Labels {
		if strings.HasPrefix(k, model.PrefixNamespaceLabel) || strings.HasPrefix(k, model.PrefixServiceAccountLabel) {
			continue
		}
		yield(k, v)
	}
	visitProfiles(ep.Profiles, profileLabels, yield)
}

// NetworkSetLabels returns a network set's labels as rule selectors see
// them: a global set has only its own; a namespaced set also gets
// projectcalico.org/namespace and inherits from its namespace's profile
// kns.<namespace>, which is how namespace selectors reach it.
func NetworkSetLabels(ns *model.NetworkSet, profileLabels func(name string) map[string]string) map[string]string {
	labels := make(map[string]string, len(ns.Labels)+1)
	VisitNetworkSetLabels(ns, profileLabels, firstWins(labels))
	return labels
}

// VisitNetworkSetLabels calls yield with the labels NetworkSetLabels
// returns, highest precedence first, as VisitEndpointLabels does.
func VisitNetworkSetLabels(ns *model.NetworkSet, profileLabels func(name string) map[string]string, yield func(key, value string)) {
	if ns.Namespace != "" {
		yield(model.LabelNamespace, ns.Namespace)
	}
	for k, v := range ns.Labels {
		yield(k, v)
	}
	visitProfiles(NetworkSetProfiles(ns), profileLabels, yield)
}

// firstWins returns a yield function keeping the first value of each key
// in labels.
func firstWins(labels map[string]string) func(key, value string) {
	return func(k, v string) {
		if _, taken := labels[k]; !taken {
			labels[k] = v
		}
	}
}

// NetworkSetProfiles names the profiles a network set inherits from: none
// for a global set, kns.<namespace> for a namespaced one.
func NetworkSetProfiles(ns *model.NetworkSet) []string {
	if ns.Namespace == "" {
		return nil
	}
	return []string{model.NamespaceProfile(ns.Namespace)}
}

// visitProfiles yields the labels the named profiles apply, in order. A
// profile that does not exist gives none.
func visitProfiles(profiles []string, profileLabels func(name string) map[string]string, yield func(key, value string)) {
	for _, name := range profiles {
		for k, v := range profileLabels(name) {
			yield(k, v)
		}
	}
}
