package ui

import (
	"net/http"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

// stagedPolicy is one staged policy's share of the pending replay: the
// changes whose pending decision it made (a page of them, in the
// report's order).
type stagedPolicy struct {
	analysis.Ref
	Tier         string     `json:"tier"`
	NewlyDenied  uint64     `json:"newlyDenied"`
	NewlyAllowed uint64     `json:"newlyAllowed"`
	Changes      changePage `json:"changes"`
	all          []analysis.Change
}

// changePage is a page of changes: Total of them from Offset on.
type changePage struct {
	Total  int               `json:"total"`
	Offset int               `json:"offset"`
	Items  []analysis.Change `json:"items"`
}

func pageOfChanges(all []analysis.Change, offset, limit int) changePage {
	lo, hi := window(len(all), offset, limit)
	return changePage{Total: len(all), Offset: offset, Items: append([]analysis.Change{}, all[lo:hi]...)}
}

// impactFiling is the pending replay's report with its changes filed
// under the staged policy whose hit decides them (the rest, decided by
// an enforced policy or the profiles once a staged policy passed or
// ended its tier, under other). The replay is done once, at load, so
// this is made once too.
type impactFiling struct {
	summary    analysis.Summary
	staged     []*stagedPolicy // in tier order, as the board lists them
	byKey      map[model.Key]*stagedPolicy
	safe       int // staged policies newly denying no flow
	other      []analysis.Change
	unresolved []analysis.UnresolvedPeer
}

func (s *Server) filedImpact() *impactFiling {
	s.impactOnce.Do(func() {
		rep := s.impact.Report(string(analysis.ModePending), 0)
		f := &impactFiling{summary: rep.Summary, byKey: map[model.Key]*stagedPolicy{}, other: []analysis.Change{}, unresolved: rep.Unresolved}
		for _, t := range s.tiers {
			for _, p := range t.Policies {
				if p.Staged {
					sp := &stagedPolicy{Ref: p.Ref, Tier: t.Tier}
					f.staged = append(f.staged, sp)
					f.byKey[p.Key()] = sp
				}
			}
		}
		for _, c := range rep.Changes {
			var sp *stagedPolicy
			if c.Hit != nil {
				sp = f.byKey[model.Key{Kind: c.Hit.Kind, Namespace: c.Hit.Namespace, Name: c.Hit.Name}]
			}
			if sp == nil {
				f.other = append(f.other, c)
				continue
			}
			sp.all = append(sp.all, c)
			if c.Change == analysis.NewlyDenied {
				sp.NewlyDenied += c.Connections
			} else {
				sp.NewlyAllowed += c.Connections
			}
		}
		for _, sp := range f.staged {
			if sp.NewlyDenied == 0 {
				f.safe++
			}
		}
		if f.unresolved == nil {
			f.unresolved = []analysis.UnresolvedPeer{}
		}
		s.filed = f
	})
	return s.filed
}

// stagedImpact answers the staged-impact page: the summary of the
// replay of every record against the enforced and the pending verdict,
// and a page of the staged policies (offset, limit), each with its
// counts and the first changes it makes (changes=N of them), then the
// first of the other changes and of the unresolved peers. The rest of
// a list is paged by /api/impact/changes.
func (s *Server) stagedImpact(r *http.Request) (any, error) {
	if s.impact == nil {
		return nil, badf("staged impact needs flow records: start verdict ui with --flows")
	}
	offset, limit, err := page(r, 50)
	if err != nil {
		return nil, err
	}
	changes, err := intParam(r, "changes", 25, maxPage)
	if err != nil {
		return nil, err
	}
	f := s.filedImpact()
	lo, hi := window(len(f.staged), offset, limit)
	staged := make([]stagedPolicy, 0, hi-lo)
	for _, sp := range f.staged[lo:hi] {
		p := *sp
		p.Changes = pageOfChanges(sp.all, 0, changes)
		staged = append(staged, p)
	}
	lo, hi = window(len(f.unresolved), 0, maxPage)
	return struct {
		Summary analysis.Summary `json:"summary"`
		// StagedTotal staged policies, StagedSafe of them newly denying
		// no observed flow; Staged are those from Offset on.
		StagedTotal     int                       `json:"stagedTotal"`
		StagedSafe      int                       `json:"stagedSafe"`
		Offset          int                       `json:"offset"`
		Staged          []stagedPolicy            `json:"staged"`
		Other           changePage                `json:"other"`
		UnresolvedTotal int                       `json:"unresolvedTotal"`
		Unresolved      []analysis.UnresolvedPeer `json:"unresolved"`
	}{f.summary, len(f.staged), f.safe, offset, staged, pageOfChanges(f.other, 0, changes), len(f.unresolved), f.unresolved[lo:hi]}, nil
}

// stagedChanges answers a page of one staged policy's changes (kind,
// namespace and name), or of the other changes without them.
func (s *Server) stagedChanges(r *http.Request) (any, error) {
	if s.impact == nil {
		return nil, badf("staged impact needs flow records: start verdict ui with --flows")
	}
	offset, limit, err := page(r, 100)
	if err != nil {
		return nil, err
	}
	f := s.filedImpact()
	q := r.URL.Query()
	if !q.Has("kind") && !q.Has("name") {
		return pageOfChanges(f.other, offset, limit), nil
	}
	p, err := s.policyKey(r)
	if err != nil {
		return nil, err
	}
	sp := f.byKey[p.Key()]
	if sp == nil {
		return nil, badf("%s is not a staged policy", p.Key())
	}
	return pageOfChanges(sp.all, offset, limit), nil
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
