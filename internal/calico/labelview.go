package calico

import (
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// EndpointLabelView is an endpoint's labels as EndpointLabels gives them,
// read in place: Get looks a key up where VisitEndpointLabels would first
// yield it, so matching one selector against every endpoint of a large
// set builds no map per endpoint. It satisfies selector.Labels.
type EndpointLabelView struct {
	Endpoint *model.Endpoint
	// Profiles gives the labels a profile applies, nil for a profile
	// that does not exist.
	Profiles func(name string) map[string]string
}

// Get returns the value the endpoint's effective labels hold for key.
func (v *EndpointLabelView) Get(key string) (string, bool) {
	ep := v.Endpoint
	// The order of VisitEndpointLabels: the first to yield a key wins.
	switch {
	case key == model.LabelNamespace && ep.Namespace != "":
		return ep.Namespace, true
	case key == model.LabelOrchestrator && ep.Orchestrator != "":
		return ep.Orchestrator, true
	case key == model.LabelServiceAccount && ep.ServiceAccount != "":
		return ep.ServiceAccount, true
	}
	if !strings.HasPrefix(key, model.PrefixNamespaceLabel) && !strings.HasPrefix(key, model.PrefixServiceAccountLabel) {
		if val, ok := ep.Labels[key]; ok {
			return val, true
		}
	}
	for _, name := range ep.Profiles {
		if val, ok := v.Profiles(name)[key]; ok {
			return val, true
		}
	}
	return "", false
}
