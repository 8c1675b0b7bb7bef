package ui

import (
	"bytes"
	"errors"
	"net/http"
	"slices"
	"strings"

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

// boardTier is a tier and a page of its policies: Total of them (those
// matching the search, when there is one) from Offset on.
type boardTier struct {
	Tier          string        `json:"tier"`
	DefaultAction model.Action  `json:"defaultAction"`
	Total         int           `json:"total"`
	Offset        int           `json:"offset"`
	Policies      []boardPolicy `json:"policies"`
}

// findingCounts are the lint findings by severity; the findings
// themselves are paged (/api/findings).
type findingCounts struct {
	Total    int `json:"total"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

// board answers the policies board: tiers in order and a page of each
// tier's policies in order (of one tier with tier=; those whose
// [namespace/]name contains q), staged ones marked, with their lint
// findings counted. A large input has thousands of policies, most in
// one tier, so the page asks for the next page of a tier as it is
// scrolled to.
func (s *Server) board(r *http.Request) (any, error) {
	q := r.URL.Query()
	offset, limit, err := page(r, 100)
	if err != nil {
		return nil, err
	}
	only := q.Get("tier")
	if only != "" && !slices.ContainsFunc(s.tiers, func(t analysis.TierAnswer) bool { return t.Tier == only }) {
		return nil, badf("tier: %q is not a tier of the input", only)
	}
	text := strings.ToLower(q.Get("q"))
	idx := s.index()
	tiers := []boardTier{}
	for _, t := range s.tiers {
		if only != "" && t.Tier != only {
			continue
		}
		bt := boardTier{Tier: t.Tier, DefaultAction: t.DefaultAction, Offset: offset, Policies: []boardPolicy{}}
		for _, pt := range t.Policies {
			if text != "" && !strings.Contains(strings.ToLower(qualified(pt.Namespace, pt.Name)), text) {
				continue
			}
			bt.Total++
			if bt.Total > offset && len(bt.Policies) < limit {
				bt.Policies = append(bt.Policies, s.boardPolicy(idx, pt))
			}
		}
		tiers = append(tiers, bt)
	}
	deletes := []string{}
	for _, k := range s.cfg.Result.StagedDeletes {
		deletes = append(deletes, k.String())
	}
	return struct {
		Tiers         []boardTier   `json:"tiers"`
		StagedDeletes []string      `json:"stagedDeletes"`
		Findings      findingCounts `json:"findingCounts"`
	}{tiers, deletes, idx.counts}, nil
}

func (s *Server) boardPolicy(idx *index, pt analysis.PolicyInTier) boardPolicy {
	p := idx.byKey[pt.Key()]
	bp := boardPolicy{PolicyInTier: pt, Order: p.Order, Selector: "all()", Types: []string{}, Ingress: len(p.Ingress), Egress: len(p.Egress)}
	if p.Selector != nil {
		bp.Selector = p.Selector.String()
	}
	for _, d := range p.Types {
		bp.Types = append(bp.Types, string(d))
	}
	for _, i := range idx.findings[pt.Key()] {
		if s.findings[i].Severity == analysis.Warning {
			bp.Warnings++
		} else {
			bp.Infos++
		}
	}
	return bp
}

// findingsPage answers a page of the lint findings, in lint's order.
func (s *Server) findingsPage(r *http.Request) (any, error) {
	offset, limit, err := page(r, 100)
	if err != nil {
		return nil, err
	}
	lo, hi := window(len(s.findings), offset, limit)
	return struct {
		Total    int                `json:"total"`
		Offset   int                `json:"offset"`
		Findings []analysis.Finding `json:"findings"`
	}{len(s.findings), offset, append([]analysis.Finding{}, s.findings[lo:hi]...)}, nil
}

// policy answers one policy: its YAML, where it was read, the endpoints
// it selects per direction (a page of them, and how many) and its lint
// findings.
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
	ans, err := analysis.PolicySelection(&s.set, p)
	var missing *analysis.NotFoundError
	if errors.As(err, &missing) {
		return nil, badf("%s", err)
	} else if err != nil {
		return nil, err
	}
	pageOf := func(refs []analysis.Ref) refPage {
		lo, hi := window(len(refs), offset, limit)
		return refPage{Total: len(refs), Offset: offset, Governed: refs != nil, Items: append([]analysis.Ref{}, refs[lo:hi]...)}
	}
	findings := []analysis.Finding{}
	for _, i := range s.index().findings[p.Key()] {
		findings = append(findings, s.findings[i])
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

// refPage is a page of endpoints: Total of them from Offset on.
// Governed is false for a direction the policy does not govern.
type refPage struct {
	Total    int            `json:"total"`
	Offset   int            `json:"offset"`
	Governed bool           `json:"governed"`
	Items    []analysis.Ref `json:"items"`
}

// index is what the board and the policy page look up by policy, made
// once: the policies by key and their lint findings (indexes into
// s.findings), counted by severity.
type index struct {
	byKey    map[model.Key]*model.Policy
	findings map[model.Key][]int
	counts   findingCounts
}

func (s *Server) index() *index {
	s.indexOnce.Do(func() {
		x := &index{byKey: make(map[model.Key]*model.Policy, len(s.set.Policies)), findings: map[model.Key][]int{}}
		for i := range s.set.Policies {
			if k := s.set.Policies[i].Key(); x.byKey[k] == nil {
				x.byKey[k] = &s.set.Policies[i]
			}
		}
		x.counts.Total = len(s.findings)
		for i, f := range s.findings {
			if f.Severity == analysis.Warning {
				x.counts.Warnings++
			} else {
				x.counts.Infos++
			}
			if f.Name != "" {
				k := model.Key{Kind: f.Kind, Namespace: f.Namespace, Name: f.Name}
				x.findings[k] = append(x.findings[k], i)
			}
		}
		s.idx = x
	})
	return s.idx
}
