package ui

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

type groupInfo struct {
	Name     string `json:"name"`
	Selector string `json:"selector"`
	Members  int    `json:"members"`
}

// groups answers the recommend page's choices: namespaces, the workload
// groups of one, and the tiers.
func (s *Server) groups(r *http.Request) (any, error) {
	ns := r.URL.Query().Get("namespace")
	if ns != "" && !s.hasNamespace(ns) {
		return nil, badf("namespace %q is not in the input", ns)
	}
	groups := []groupInfo{}
	if ns != "" {
		for _, g := range s.grouper.Groups(ns) {
			groups = append(groups, groupInfo{Name: g.Name, Selector: g.Selector(), Members: len(s.grouper.Members(g))})
		}
	}
	var tiers []string
	for _, t := range s.tiers {
		tiers = append(tiers, t.Tier)
	}
	return struct {
		Namespaces []string    `json:"namespaces"`
		Groups     []groupInfo `json:"groups"`
		Tiers      []string    `json:"tiers"`
	}{s.namespaces(), groups, tiers}, nil
}

// recommendation is what the recommend page shows for one choice.
type recommendation struct {
	Namespace string `json:"namespace"`
	Group     string `json:"group,omitempty"`
	Tier      string `json:"tier"`
	YAML      string `json:"yaml"`
	Policies  []struct {
		Kind      model.Kind `json:"kind"`
		Namespace string     `json:"namespace"`
		Name      string     `json:"name"`
		Selector  string     `json:"selector"`
		Ingress   int        `json:"ingressRules"`
		Egress    int        `json:"egressRules"`
	} `json:"policies"`
	Records    uint64 `json:"records"`
	Used       uint64 `json:"used"`
	Unresolved uint64 `json:"unresolved"`
	// Impact is the pending replay with the recommendation staged beside
	// the input's staged policies: what they would newly deny together.
	Impact *analysis.ImpactReport `json:"impact"`

	staged []model.Policy
	// ch is the change staging the recommendation: enforcing it starts
	// from its compiled state (see enforceChange).
	ch *change
}

// recommendFor reads the choice, recommends from the flow records as
// verdict recommend does (staged policies) and replays its impact.
// Answers are kept: a page asks for the same choice several times.
func (s *Server) recommendFor(r *http.Request) (*recommendation, error) {
	if len(s.cfg.Flows) == 0 {
		return nil, badf("recommend needs flow records: start verdict ui with --flows")
	}
	q := r.URL.Query()
	ns, group, tier := q.Get("namespace"), q.Get("group"), q.Get("tier")
	if tier == "" {
		tier = model.TierDefault
	}
	if ns == "" {
		return nil, badf("namespace is required")
	}
	if !s.hasNamespace(ns) {
		return nil, badf("namespace %q is not in the input", ns)
	}
	if !hasTier(s.set, tier) {
		return nil, badf("tier %q is not in the input", tier)
	}
	opts := analysis.RecommendOptions{Namespace: ns, Tier: tier, GroupKeys: s.cfg.GroupBy}
	if group != "" {
		var g *analysis.Group
		for _, c := range s.grouper.Groups(ns) {
			if c.Name == group {
				g = c
			}
		}
		if g == nil {
			return nil, badf("group %q is not a workload group of namespace %s", group, ns)
		}
		sel, err := selector.Parse(g.Selector())
		if err != nil {
			return nil, err
		}
		opts.Selector = sel
	}
	key := fmt.Sprintf("%s\x00%s\x00%s", ns, group, tier)
	s.recommendMu.Lock()
	defer s.recommendMu.Unlock()
	if rec := s.recommendations[key]; rec != nil {
		return rec, nil
	}
	rec, err := s.recommendNew(opts)
	if err != nil {
		return nil, err
	}
	rec.Group = group
	s.recommendations[key] = rec
	return rec, nil
}

func (s *Server) recommendNew(opts analysis.RecommendOptions) (*recommendation, error) {
	// Observed from the records kept at load, as verdict recommend
	// observes them from the files.
	rc, err := s.replayer.Recommender(s.set, opts)
	if err != nil {
		return nil, badf("%v", err)
	}
	obs := analysis.NewObserved()
	s.kept.Observe(rc, obs, analysis.Options{Workers: s.cfg.Workers})
	rec := &recommendation{Namespace: opts.Namespace, Tier: opts.Tier, Records: obs.Records, Used: obs.Used, Unresolved: obs.Unresolved}
	rec.staged = rc.Policies(obs)
	var yaml bytes.Buffer
	if err := policy.Encode(&yaml, model.Set{Policies: rec.staged}, "yaml"); err != nil {
		return nil, err
	}
	rec.YAML = yaml.String()
	for _, p := range rec.staged {
		sel := "all()"
		if p.Selector != nil {
			sel = p.Selector.String()
		}
		rec.Policies = append(rec.Policies, struct {
			Kind      model.Kind `json:"kind"`
			Namespace string     `json:"namespace"`
			Name      string     `json:"name"`
			Selector  string     `json:"selector"`
			Ingress   int        `json:"ingressRules"`
			Egress    int        `json:"egressRules"`
		}{p.Kind, p.Namespace, p.Name, sel, len(p.Ingress), len(p.Egress)})
	}
	if rec.ch, err = s.newChange(model.Set{Policies: rec.staged}); err != nil {
		return nil, err
	}
	if rec.Impact, err = s.replay(rec.ch, analysis.ModePending); err != nil {
		return nil, err
	}
	return rec, nil
}

func (s *Server) recommend(r *http.Request) (any, error) { return s.recommendFor(r) }

// recommendEnforce is the what-if of enforcing the recommendation: the
// matrix diff (of the recommendation's namespace unless scope says
// otherwise), the replay against the enforced verdicts before and
// after, and what the staged policies left would still deny.
func (s *Server) recommendEnforce(r *http.Request) (any, error) {
	rec, err := s.recommendFor(r)
	if err != nil {
		return nil, err
	}
	scope := rec.Namespace
	if r.URL.Query().Has("scope") {
		scope = r.URL.Query().Get("scope")
	}
	if err := s.scope(scope); err != nil {
		return nil, err
	}
	ch, err := s.enforceChange(rec)
	if err != nil {
		return nil, err
	}
	// As whatIfOf answers the change, from the compiled state enforceChange
	// reached.
	d, err := s.diff(ch, scope)
	if err != nil {
		return nil, err
	}
	ans := &whatIfAnswer{Diff: d, Scope: scope}
	if ans.Impact, err = s.replay(ch, analysis.ModeCandidate); err != nil {
		return nil, err
	}
	if ans.Staged, err = s.replay(ch, analysis.ModePending); err != nil {
		return nil, err
	}
	return ans, nil
}

// enforceChange is the change enforcing a recommendation: its policies
// upserted as NetworkPolicy into the loaded set. Its compiled state is
// reached from the recommendation's (staged) rather than from the loaded
// set's: a recommendation's selectors often read label keys no policy of
// the input reads (a peer namespace's name), and a key starting to be
// read classes every endpoint again, which the staged change has paid
// for already. The staged policies go again: each is deleted, or put
// back as the input has it where the recommendation replaced one.
func (s *Server) enforceChange(rec *recommendation) (*change, error) {
	enforced := analysis.AsApplied(model.Set{Policies: rec.staged}, nil).Policies
	ch := &change{c: model.Change{Upserts: model.Set{Policies: enforced}}}
	// The loaded set is valid: Apply checks what the change can make
	// invalid, as the engine would, without checking the whole set again.
	var err error
	if ch.after, err = s.set.Apply(ch.c); err != nil {
		return nil, badf("the set after the change is not valid: %v", err)
	}
	if ch.snap, err = rec.ch.snap.Apply(enforceSwap(s.set, rec.staged, enforced)); err != nil {
		return nil, badf("the set after the change: %v", err)
	}
	return ch, nil
}

// enforceSwap is the change from the loaded set with the staged policies
// upserted to the loaded set with the enforced ones upserted: the
// enforced ones upserted, each staged one deleted, or put back as the
// loaded set has it where it replaced one of the same key.
func enforceSwap(set model.Set, staged, enforced []model.Policy) model.Change {
	keys := map[model.Key]bool{}
	for _, p := range staged {
		keys[p.Key()] = true
	}
	swap := model.Change{Upserts: model.Set{Policies: slices.Clone(enforced)}}
	for _, p := range set.Policies {
		if keys[p.Key()] {
			swap.Upserts.Policies = append(swap.Upserts.Policies, p)
			delete(keys, p.Key())
		}
	}
	for _, p := range staged {
		if keys[p.Key()] {
			swap.Deletes = append(swap.Deletes, p.Key())
		}
	}
	return swap
}

// recommendDownload sends the recommendation's YAML as a file.
func (s *Server) recommendDownload(w http.ResponseWriter, r *http.Request) {
	rec, err := s.recommendFor(r)
	if err != nil {
		jsonHandler(func(*http.Request) (any, error) { return nil, err }).ServeHTTP(w, r)
		return
	}
	name := "recommended-" + rec.Namespace + ".yaml"
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write([]byte(rec.YAML))
}
