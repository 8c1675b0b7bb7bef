package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// maxGroups is how many groups impact reports name; the rest are "other".
const maxGroups = 50

// whatIfAnswer is what a change would do: the matrix diff always, and
// with flows the replay of the records against the enforced verdicts
// before and after (and, where asked, the pending verdicts after).
type whatIfAnswer struct {
	Diff   *analysis.MatrixDiff   `json:"diff"`
	Impact *analysis.ImpactReport `json:"impact,omitempty"`
	// Staged is the pending replay of the set after, where asked: what
	// its staged policies would still deny.
	Staged *analysis.ImpactReport `json:"stagedAfter,omitempty"`
	Tiers  []analysis.TierAnswer  `json:"tiers,omitempty"`
	// Scope is the namespace the matrix diff is of, "" for every one.
	Scope string `json:"scope"`
}

// openFlows opens every flow file, for a replay.
func openFlows(files []string, format flowlog.Format) ([]*flowlog.Reader, func(), error) {
	var readers []*flowlog.Reader
	closeAll := func() {
		for _, r := range readers {
			r.Close()
		}
	}
	for _, f := range files {
		r, err := flowlog.Open(f, format)
		if err != nil {
			return readers, closeAll, err
		}
		readers = append(readers, r)
	}
	return readers, closeAll, nil
}

// replay replays the flow files in a mode; after is the set the verdicts
// change to (ignored when pending).
func (s *Server) replay(set model.Set, mode analysis.Mode, after *model.Set) (*analysis.ImpactReport, error) {
	r, err := analysis.NewReplayer(set, mode, after, s.cfg.GroupBy)
	if err != nil {
		return nil, badf("%v", err)
	}
	readers, closeAll, err := openFlows(s.cfg.Flows, s.cfg.Format)
	defer closeAll()
	if err != nil {
		return nil, err
	}
	imp, err := r.Run(readers, analysis.Options{Workers: s.cfg.Workers})
	if err != nil {
		return nil, err
	}
	rep := imp.Report(string(mode), maxGroups)
	return &rep, nil
}

// defaultMatrixLimit is Config.MatrixLimit's default.
const defaultMatrixLimit = 2000

func (s *Server) matrixLimit() int {
	if s.cfg.MatrixLimit > 0 {
		return s.cfg.MatrixLimit
	}
	return defaultMatrixLimit
}

// scope checks a matrix scope: a namespace of the input, or "" for the
// whole set when it is small enough.
func (s *Server) scope(ns string) error {
	if ns == "" {
		if len(s.set.Endpoints) > s.matrixLimit() {
			return badf("the input has %d endpoints, too many for one connectivity matrix: choose a namespace (scope) to compare", len(s.set.Endpoints))
		}
		return nil
	}
	if !s.hasNamespace(ns) {
		return badf("scope: namespace %q is not in the input", ns)
	}
	return nil
}

// diff is the matrix diff from the loaded set to after, on the ports
// either names, of the endpoints of namespace ns (all when "").
func (s *Server) diff(after model.Set, ns string) (*analysis.MatrixDiff, error) {
	if err := s.scope(ns); err != nil {
		return nil, err
	}
	opts := analysis.MatrixOptions{GroupBy: s.cfg.GroupBy, Workers: s.cfg.Workers, Ports: analysis.DefaultPorts(s.set, after), Namespace: ns}
	before, err := analysis.NewMatrixWith(s.set, s.eng, opts)
	if err != nil {
		return nil, err
	}
	am, err := analysis.NewMatrix(after, opts)
	if err != nil {
		return nil, badf("the set after the change: %v", err)
	}
	return analysis.DiffMatrices(before, am), nil
}

// whatIfOf answers a changed set: its matrix diff in scope (a namespace,
// or "" for the whole set) and, with flows, the enforced verdicts
// replayed before and after.
func (s *Server) whatIfOf(after model.Set, scope string) (*whatIfAnswer, error) {
	if err := after.Check(); err != nil {
		return nil, badf("the set after the change is not valid: %v", err)
	}
	d, err := s.diff(after, scope)
	if err != nil {
		return nil, err
	}
	ans := &whatIfAnswer{Diff: d, Scope: scope}
	if len(s.cfg.Flows) > 0 {
		if ans.Impact, err = s.replay(s.set, analysis.ModeCandidate, &after); err != nil {
			return nil, err
		}
	}
	return ans, nil
}

// whatIfRequest moves a policy (Kind, Namespace, Name to Tier and
// Order) or adds a candidate file's resources (Candidate, as YAML or
// JSON text); exactly one of the two. Scope is the namespace whose matrix
// is compared, "" for the whole set.
type whatIfRequest struct {
	Kind      model.Kind `json:"kind"`
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Tier      string     `json:"tier"`
	Order     *float64   `json:"order"`
	Candidate string     `json:"candidate"`
	Scope     string     `json:"scope"`
}

// maxCandidate bounds a candidate file posted to what-if.
const maxCandidate = 8 << 20

func (s *Server) whatIf(r *http.Request) (any, error) {
	var req whatIfRequest
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxCandidate))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, badf("request body: want JSON {kind, namespace, name, tier, order} or {candidate}: %v", err)
	}
	switch {
	case req.Candidate != "" && req.Name != "":
		return nil, badf("give a policy to move or a candidate file, not both")
	case req.Candidate != "":
		return s.whatIfCandidate(req.Candidate, req.Scope)
	case req.Name == "":
		return nil, badf("give a policy to move (kind, namespace, name, tier, order) or a candidate file")
	}
	after := s.set
	after.Policies = append([]model.Policy(nil), s.set.Policies...)
	found := false
	k := model.Key{Kind: req.Kind, Namespace: req.Namespace, Name: req.Name}
	for i := range after.Policies {
		if after.Policies[i].Key() == k {
			found = true
			if req.Tier != "" {
				after.Policies[i].Tier = req.Tier
			}
			after.Policies[i].Order = req.Order
		}
	}
	if !found {
		return nil, badf("%s is not in the input", k)
	}
	if req.Tier != "" && !hasTier(after, req.Tier) {
		return nil, badf("tier %q is not in the input", req.Tier)
	}
	ans, err := s.whatIfOf(after, req.Scope)
	if err != nil {
		return nil, err
	}
	ans.Tiers = analysis.TierOrder(after)
	return ans, nil
}

func hasTier(set model.Set, name string) bool {
	for _, t := range set.WithBuiltinTiers().Tiers {
		if t.Name == name {
			return true
		}
	}
	return false
}

func (s *Server) whatIfCandidate(text, scope string) (any, error) {
	l := policy.NewLoader()
	if err := l.Add("candidate", strings.NewReader(text)); err != nil {
		return nil, badf("candidate: %v", err)
	}
	res, err := l.Finish()
	var probs policy.Problems
	if errors.As(err, &probs) {
		var msgs []string
		for _, p := range probs.Errors() {
			msgs = append(msgs, p.String())
		}
		return nil, badf("candidate has problems: %s", strings.Join(msgs, "; "))
	}
	if err != nil {
		return nil, badf("candidate: %v", err)
	}
	after := analysis.WithUpserts(s.set, res.Set)
	ans, err := s.whatIfOf(after, scope)
	if err != nil {
		return nil, err
	}
	ans.Tiers = analysis.TierOrder(after)
	return ans, nil
}
