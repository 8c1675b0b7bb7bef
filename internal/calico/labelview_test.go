package calico

import (
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// TestEndpointLabelView holds the view to EndpointLabels: every key the
// endpoint, its profiles or Calico could name, present or not, reads the
// same from both.
func TestEndpointLabelView(t *testing.T) {
	profiles := map[string]*model.Profile{
		"kns.ns1":     {Name: "kns.ns1", LabelsToApply: map[string]string{"pcns.projectcalico.org/name": "ns1", "pcns.team": "a", "shared": "ns"}},
		"ksa.ns1.sa1": {Name: "ksa.ns1.sa1", LabelsToApply: map[string]string{"pcsa.projectcalico.org/name": "sa1", "pcsa.role": "frontend"}},
		"p1":          {Name: "p1", LabelsToApply: map[string]string{"app": "from-profile", "shared": "p1", "only1": "x", model.LabelOrchestrator: "p1"}},
		"p2":          {Name: "p2", LabelsToApply: map[string]string{"shared": "p2", "only2": "y", model.LabelNamespace: "p2"}},
	}
	endpoints := []model.Endpoint{
		{Name: "a", Namespace: "ns1", Orchestrator: "k8s", ServiceAccount: "sa1",
			Labels: map[string]string{"app": "web"}, Profiles: []string{"kns.ns1", "ksa.ns1.sa1"}},
		{Name: "a", Namespace: "ns1", Labels: map[string]string{"pcns.team": "spoofed", "pcsa.role": "admin", "pcnsx": "kept"}, Profiles: []string{"kns.ns1"}},
		{Name: "a", Namespace: "ns1", Labels: map[string]string{"app": "web"}},
		{Name: "a", Labels: map[string]string{"app": "web"}, Profiles: []string{"p1", "p2"}},
		{Name: "a", Profiles: []string{"p2", "p1"}},
		{Name: "a", Profiles: []string{"nosuch", "p2"}},
		{Name: "a", Namespace: "ns1", Labels: map[string]string{model.LabelNamespace: "other", model.LabelServiceAccount: "own"}},
		{Name: "a", Labels: map[string]string{model.LabelNamespace: "own", model.LabelOrchestrator: "own"}, Profiles: []string{"p1", "p2"}},
		{Name: "c1", Labels: map[string]string{"app": "web"}},
		{Name: "empty"},
	}
	keys := map[string]bool{model.LabelNamespace: true, model.LabelOrchestrator: true, model.LabelServiceAccount: true, "nosuch": true, "pcns.nosuch": true, "pcsa.nosuch": true}
	for _, p := range profiles {
		for k := range p.LabelsToApply {
			keys[k] = true
		}
	}
	for _, ep := range endpoints {
		for k := range ep.Labels {
			keys[k] = true
		}
	}
	for i := range endpoints {
		ep := &endpoints[i]
		want := EndpointLabels(ep, labelsOf(profiles))
		view := &EndpointLabelView{Endpoint: ep, Profiles: labelsOf(profiles)}
		for k := range keys {
			wv, wok := want[k]
			gv, gok := view.Get(k)
			if gv != wv || gok != wok {
				t.Errorf("endpoint %d (%v), key %q: view %q %v, EndpointLabels %q %v", i, ep.Labels, k, gv, gok, wv, wok)
			}
		}
	}
}
