package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/eval"
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

// change is a what-if: resources upserted into the loaded set, the set
// after, and its compiled state (the loaded one with the change applied,
// which costs a fraction of compiling the set after anew).
type change struct {
	c     model.Change
	after model.Set
	snap  *eval.Snapshot
	// touched says at which endpoints the change can alter verdicts, nil
	// at every one (see analysis.Touched); found on first use.
	touchedOnce sync.Once
	touched     func(*model.Endpoint) bool
}

// newChange upserts resources into the loaded set. The loaded set was
// checked; the compiled state checks the change as model.Set.Apply does,
// which is the check of the set after that costs the change's size.
func (s *Server) newChange(upserts model.Set) (*change, error) {
	ch := &change{c: model.Change{Upserts: upserts}, after: analysis.WithUpserts(s.set, upserts)}
	var err error
	if ch.snap, err = s.snap.Apply(ch.c); err != nil {
		var bad *model.CheckError
		if errors.As(err, &bad) {
			return nil, badf("the set after the change is not valid: %v", err)
		}
		return nil, badf("the set after the change: %v", err)
	}
	return ch, nil
}

// touchedIn is Touched of the change to set, found once.
func (ch *change) touchedIn(set *model.Set) func(*model.Endpoint) bool {
	ch.touchedOnce.Do(func() {
		if t, ok := analysis.Touched(set, ch.c); ok {
			ch.touched = t
		}
	})
	return ch.touched
}

// resolvesAlike reports whether records resolve and group after the
// change as they did: it changes policies and tiers only.
func (ch *change) resolvesAlike() bool {
	u := ch.c.Upserts
	return len(u.Profiles)+len(u.NetworkSets)+len(u.Namespaces)+len(u.ServiceAccounts)+len(u.Endpoints)+len(u.Services) == 0
}

// replay replays the records against a change: the enforced against the
// pending verdicts of the set after (ModePending), or the loaded set's
// enforced verdicts against the set after's (ModeCandidate). The records
// are kept judged, and only those the change can alter are judged again
// (analysis.Kept, Touched); a change to what records resolve to reads
// the files again.
func (s *Server) replay(ch *change, mode analysis.Mode) (*analysis.ImpactReport, error) {
	var imp *analysis.Impact
	if ch.resolvesAlike() {
		var r *analysis.Replayer
		var err error
		if mode == analysis.ModePending {
			r, err = s.replayer.Against(mode, ch.snap, nil)
		} else {
			r, err = s.replayer.Against(mode, s.snap, ch.snap)
		}
		if err != nil {
			return nil, err
		}
		imp = s.kept.Replay(r, ch.touchedIn(&s.set), analysis.Options{Workers: s.cfg.Workers})
	} else {
		start, after := s.set, &ch.after
		if mode == analysis.ModePending {
			start, after = ch.after, nil
		}
		r, err := analysis.NewReplayer(start, mode, after, s.cfg.GroupBy)
		if err != nil {
			return nil, badf("%v", err)
		}
		readers, closeAll, err := openFlows(s.cfg.Flows, s.cfg.Format)
		defer closeAll()
		if err != nil {
			return nil, err
		}
		if imp, err = r.Run(readers, analysis.Options{Workers: s.cfg.Workers}); err != nil {
			return nil, err
		}
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

// diff is the matrix diff from the loaded set to the one after a change,
// on the ports either names, of the endpoints of namespace ns (all when
// ""). The matrix before is kept (the graph without flows shares it),
// and of the one after only the cells of groups the change touches are
// asked.
func (s *Server) diff(ch *change, ns string) (*analysis.MatrixDiff, error) {
	if err := s.scope(ns); err != nil {
		return nil, err
	}
	base := s.matrixBase()
	after := base.With(ch.c.Upserts)
	opts := analysis.MatrixOptions{GroupBy: s.cfg.GroupBy, Workers: s.cfg.Workers, Ports: base.DefaultPorts(after), Namespace: ns}
	before, err := s.cachedMatrix(opts)
	if err != nil {
		return nil, err
	}
	am, err := after.Update(before, ch.touchedIn(&s.set), ch.snap, opts)
	if err != nil {
		return nil, badf("the set after the change: %v", err)
	}
	return analysis.DiffMatrices(before, am), nil
}

// whatIfOf answers a change: its matrix diff in scope (a namespace, or
// "" for the whole set) and, with flows, the enforced verdicts replayed
// before and after.
func (s *Server) whatIfOf(upserts model.Set, scope string) (*whatIfAnswer, *change, error) {
	ch, err := s.newChange(upserts)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.diff(ch, scope)
	if err != nil {
		return nil, nil, err
	}
	ans := &whatIfAnswer{Diff: d, Scope: scope}
	if len(s.cfg.Flows) > 0 {
		if ans.Impact, err = s.replay(ch, analysis.ModeCandidate); err != nil {
			return nil, nil, err
		}
	}
	return ans, ch, nil
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
	var moved []model.Policy
	k := model.Key{Kind: req.Kind, Namespace: req.Namespace, Name: req.Name}
	for _, p := range s.set.Policies {
		if p.Key() == k {
			if req.Tier != "" {
				p.Tier = req.Tier
			}
			p.Order = req.Order
			moved = append(moved, p)
		}
	}
	if moved == nil {
		return nil, badf("%s is not in the input", k)
	}
	if req.Tier != "" && !hasTier(s.set, req.Tier) {
		return nil, badf("tier %q is not in the input", req.Tier)
	}
	ans, ch, err := s.whatIfOf(model.Set{Policies: moved}, req.Scope)
	if err != nil {
		return nil, err
	}
	ans.Tiers = analysis.TierOrder(ch.after)
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
	ans, ch, err := s.whatIfOf(res.Set, scope)
	if err != nil {
		return nil, err
	}
	ans.Tiers = analysis.TierOrder(ch.after)
	return ans, nil
}
