package reference

import (
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// endpointLabels returns the labels policies and rule selectors see on an
// endpoint (SPEC 3): its own labels without the pcns./pcsa. ones, the
// labels Calico adds, then what its profiles apply, the endpoint's own and
// the earlier profile winning (calico.EndpointLabels).
func endpointLabels(ep *model.Endpoint, profiles map[string]*model.Profile) selector.Map {
	return calico.EndpointLabels(ep, profileLabels(profiles))
}

// networkSetLabels returns a network set's labels as rule selectors see
// them: a global set has only its own; a namespaced set also gets its
// namespace and inherits from its namespace's profile kns.<namespace>
// (calico.NetworkSetLabels).
func networkSetLabels(ns *model.NetworkSet, profiles map[string]*model.Profile) selector.Map {
	return calico.NetworkSetLabels(ns, profileLabels(profiles))
}

// profileLabels looks up the labels a profile applies. A profile that does
// not exist gives nothing, as in Felix, where the endpoint simply has no
// such parent yet.
func profileLabels(profiles map[string]*model.Profile) func(name string) map[string]string {
	return func(name string) map[string]string {
		if p := profiles[name]; p != nil {
			return p.LabelsToApply
		}
		return nil
	}
}
