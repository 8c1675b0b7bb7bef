package ui

import (
	"net/http"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

// stagedPolicy is one staged policy's share of the pending replay: the
// changes whose pending decision it made.
type stagedPolicy struct {
	analysis.Ref
	Tier         string            `json:"tier"`
	NewlyDenied  uint64            `json:"newlyDenied"`
	NewlyAllowed uint64            `json:"newlyAllowed"`
	Changes      []analysis.Change `json:"changes"`
}

// stagedImpact answers the staged-impact page: the replay of every record
// against the enforced and the pending verdict, its changes filed under
// the staged policy whose hit decides them (the rest, decided by an
// enforced policy or the profiles once a staged policy passed or ended
// its tier, under Other).
func (s *Server) stagedImpact(*http.Request) (any, error) {
	if s.impact == nil {
		return nil, badf("staged impact needs flow records: start verdict ui with --flows")
	}
	rep := s.impact.Report(string(analysis.ModePending), 0)
	var staged []*stagedPolicy
	byKey := map[model.Key]*stagedPolicy{}
	for _, t := range s.tiers {
		for _, p := range t.Policies {
			if p.Staged {
				sp := &stagedPolicy{Ref: p.Ref, Tier: t.Tier, Changes: []analysis.Change{}}
				staged = append(staged, sp)
				byKey[p.Key()] = sp
			}
		}
	}
	other := []analysis.Change{}
	for _, c := range rep.Changes {
		var sp *stagedPolicy
		if c.Hit != nil {
			sp = byKey[model.Key{Kind: c.Hit.Kind, Namespace: c.Hit.Namespace, Name: c.Hit.Name}]
		}
		if sp == nil {
			other = append(other, c)
			continue
		}
		sp.Changes = append(sp.Changes, c)
		if c.Change == analysis.NewlyDenied {
			sp.NewlyDenied += c.Connections
		} else {
			sp.NewlyAllowed += c.Connections
		}
	}
	if staged == nil {
		staged = []*stagedPolicy{}
	}
	unresolved := rep.Unresolved
	if unresolved == nil {
		unresolved = []analysis.UnresolvedPeer{}
	}
	return struct {
		Summary    analysis.Summary          `json:"summary"`
		Staged     []*stagedPolicy           `json:"staged"`
		Other      []analysis.Change         `json:"other"`
		Unresolved []analysis.UnresolvedPeer `json:"unresolved"`
	}{rep.Summary, staged, other, unresolved}, nil
}

// impactEnforce is the what-if of enforcing one staged policy: it
// replaces the enforced policy of its kind, namespace and name. The
// matrix diff is of the policy's namespace, or of scope when given.
func (s *Server) impactEnforce(r *http.Request) (any, error) {
	p, err := s.policyKey(r)
	if err != nil {
		return nil, err
	}
	if !p.Kind.Staged() {
		return nil, badf("%s is not a staged policy", p.Key())
	}
	scope := p.Namespace
	if r.URL.Query().Has("scope") {
		scope = r.URL.Query().Get("scope")
	}
	enforced := analysis.AsApplied(model.Set{Policies: []model.Policy{*p}}, nil)
	ans, _, err := s.whatIfOf(model.Set{Policies: enforced.Policies}, scope)
	return ans, err
}
