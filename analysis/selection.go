package analysis

import (
	"cmp"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// PolicySelection is QueryPolicy's answer without its Rules (nil): the
// policy's tier, selector and the endpoints it applies to per direction,
// for a policy already found (FindPolicy). It reads each endpoint's
// labels in place rather than preparing the whole set as QueryPolicy
// does, so on a large set it costs one selector match per endpoint: what
// a console asks again and again.
func PolicySelection(set *model.Set, p *model.Policy) (*PolicyAnswer, error) {
	if p.Kind.Staged() && p.StagedAction == model.StagedDelete {
		return nil, &NotFoundError{What: "policy " + p.Key().String() + " (a staged Delete takes part in nothing)"}
	}
	pi := &policyInfo{p: p}
	if pi.selects, pi.err = calico.PolicySelector(p); pi.err != nil {
		return nil, pi.err
	}
	ans := &PolicyAnswer{Policy: refOf(p.Key()), Tier: cmp.Or(p.Tier, model.TierDefault), Staged: p.Kind.Staged(), Selector: pi.selects.String()}
	profiles := make(map[string]map[string]string, len(set.Profiles))
	for i := range set.Profiles {
		profiles[set.Profiles[i].Name] = set.Profiles[i].LabelsToApply
	}
	view := &calico.EndpointLabelView{Profiles: func(name string) map[string]string { return profiles[name] }}
	for _, d := range []model.Direction{model.Ingress, model.Egress} {
		if !p.Governs(d) {
			continue
		}
		sel := []Ref{}
		if d == model.Egress && ans.Ingress != nil {
			// applies differs by direction only in Governs; clipped, so
			// that appending to one answer leaves the other.
			sel = slices.Clip(ans.Ingress)
		} else {
			for i := range set.Endpoints {
				view.Endpoint = &set.Endpoints[i]
				if pi.applies(view, d) {
					sel = append(sel, refOf(set.Endpoints[i].Key()))
				}
			}
		}
		if d == model.Ingress {
			ans.Ingress = sel
		} else {
			ans.Egress = sel
		}
	}
	return ans, nil
}
