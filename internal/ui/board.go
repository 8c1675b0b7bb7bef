package ui

import (
	"bytes"
	"net/http"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// boardPolicy is a policy as the board lists it.
type boardPolicy struct {
	analysis.PolicyInTier
	Order    *float64 `json:"order,omitempty"`
	Selector string   `json:"selector"`
	Types    []string `json:"types"`
	Ingress  int      `json:"ingressRules"`
	Egress   int      `json:"egressRules"`
	Warnings int      `json:"warnings"`
	Infos    int      `json:"infos"`
}

type boardTier struct {
	Tier          string        `json:"tier"`
	DefaultAction model.Action  `json:"defaultAction"`
	Policies      []boardPolicy `json:"policies"`
}

// board answers the policies board: tiers in order, policies in order,
// staged ones marked, with their lint findings counted, and every
// finding (the page shows those of the policy opened).
func (s *Server) board(*http.Request) (any, error) {
	byKey := map[model.Key]*model.Policy{}
	for i := range s.set.Policies {
		byKey[s.set.Policies[i].Key()] = &s.set.Policies[i]
	}
	type counts struct{ warnings, infos int }
	perPolicy := map[model.Key]counts{}
	for _, f := range s.findings {
		k := model.Key{Kind: f.Kind, Namespace: f.Namespace, Name: f.Name}
		c := perPolicy[k]
		if f.Severity == analysis.Warning {
			c.warnings++
		} else {
			c.infos++
		}
		perPolicy[k] = c
	}
	tiers := make([]boardTier, 0, len(s.tiers))
	for _, t := range s.tiers {
		bt := boardTier{Tier: t.Tier, DefaultAction: t.DefaultAction, Policies: []boardPolicy{}}
		for _, pt := range t.Policies {
			p := byKey[pt.Key()]
			bp := boardPolicy{PolicyInTier: pt, Order: p.Order, Selector: "all()", Types: []string{}, Ingress: len(p.Ingress), Egress: len(p.Egress)}
			if p.Selector != nil {
				bp.Selector = p.Selector.String()
			}
			for _, d := range p.Types {
				bp.Types = append(bp.Types, string(d))
			}
			c := perPolicy[pt.Key()]
			bp.Warnings, bp.Infos = c.warnings, c.infos
			bt.Policies = append(bt.Policies, bp)
		}
		tiers = append(tiers, bt)
	}
	deletes := []string{}
	for _, k := range s.cfg.Result.StagedDeletes {
		deletes = append(deletes, k.String())
	}
	findings := s.findings
	if findings == nil {
		findings = []analysis.Finding{}
	}
	return struct {
		Tiers         []boardTier        `json:"tiers"`
		StagedDeletes []string           `json:"stagedDeletes"`
		Findings      []analysis.Finding `json:"findings"`
	}{tiers, deletes, findings}, nil
}

// policy answers one policy: its YAML, where it was read, the endpoints
// it selects per direction (a page of them) and its lint findings.
func (s *Server) policy(r *http.Request) (any, error) {
	p, err := s.policyKey(r)
	if err != nil {
		return nil, err
	}
	offset, limit, err := page(r, 100)
	if err != nil {
		return nil, err
	}
	var yaml bytes.Buffer
	if err := policy.Encode(&yaml, model.Set{Policies: []model.Policy{*p}}, "yaml"); err != nil {
		return nil, err
	}
	arg := p.Name
	if p.Namespace != "" {
		arg = p.Namespace + "/" + p.Name
	}
	ans, err := analysis.QueryPolicy(s.set, arg, string(p.Kind))
	if err != nil {
		return nil, err
	}
	pageOf := func(refs []analysis.Ref) refPage {
		lo, hi := window(len(refs), offset, limit)
		return refPage{Total: len(refs), Governed: refs != nil, Items: append([]analysis.Ref{}, refs[lo:hi]...)}
	}
	findings := []analysis.Finding{}
	for _, f := range s.findings {
		if f.Kind == p.Kind && f.Namespace == p.Namespace && f.Name == p.Name {
			findings = append(findings, f)
		}
	}
	o := s.cfg.Result.Origins[p.Key()]
	return struct {
		YAML     string             `json:"yaml"`
		Origin   policy.Origin      `json:"origin"`
		Tier     string             `json:"tier"`
		Staged   bool               `json:"staged"`
		Selector string             `json:"selector"`
		Ingress  refPage            `json:"ingress"`
		Egress   refPage            `json:"egress"`
		Findings []analysis.Finding `json:"findings"`
	}{yaml.String(), o, ans.Tier, ans.Staged, ans.Selector, pageOf(ans.Ingress), pageOf(ans.Egress), findings}, nil
}

// refPage is a page of endpoints; Governed is false for a direction the
// policy does not govern.
type refPage struct {
	Total    int            `json:"total"`
	Governed bool           `json:"governed"`
	Items    []analysis.Ref `json:"items"`
}
