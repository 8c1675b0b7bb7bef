package eval

import (
	"sync"
	"sync/atomic"

	"github.com/verdictlabs/verdict/model"
)

// Engine decides flows against a compiled set of resources and takes
// changes to it. It is safe for concurrent use: any number of goroutines
// may evaluate while one applies a change.
type Engine struct {
	current atomic.Pointer[Snapshot]
	writer  sync.Mutex // one Apply at a time; readers never take it
}

// New compiles the set into an engine. The built-in tiers are added when
// the set does not define them. The engine trusts nothing it is given: it
// checks every value with model.Set.Check, the rules the policy package's
// loader also enforces, and fails with a *model.CheckError naming every
// problem (among others a bogus kind, an empty name, a namespace on a
// global resource, a rule without an action, a policy in a tier that does
// not exist, two resources of one kind with the same key). The reference
// evaluator refuses exactly the same sets.
//
// The engine keeps references to the set's selectors and slices; the
// caller must not modify them afterwards.
func New(set model.Set) (*Engine, error) {
	s, err := Compile(set)
	if err != nil {
		return nil, err
	}
	e := &Engine{}
	e.current.Store(s)
	return e, nil
}

// Snapshot returns the snapshot the engine answers from now. Several calls
// on one snapshot see one state of the resources even while changes are
// applied; the snapshot itself never changes.
func (e *Engine) Snapshot() *Snapshot { return e.current.Load() }

// Evaluate decides a flow from the current snapshot; see Evaluator. For
// registered endpoints it allocates nothing.
func (e *Engine) Evaluate(f model.Flow) model.Verdict {
	return e.current.Load().prog.Evaluate(f)
}

// Explain is Evaluate with the trace of each side (SPEC 6).
func (e *Engine) Explain(f model.Flow) model.Explanation {
	return e.current.Load().prog.Explain(f)
}

// EvaluateEndpoints decides a flow with endpoints given inline, from the
// current snapshot; see Evaluator.
func (e *Engine) EvaluateEndpoints(f model.Flow, src, dst *model.Endpoint) model.Verdict {
	return e.current.Load().prog.EvaluateEndpoints(f, src, dst)
}

// ExplainEndpoints is EvaluateEndpoints with the trace of each side.
func (e *Engine) ExplainEndpoints(f model.Flow, src, dst *model.Endpoint) model.Explanation {
	return e.current.Load().prog.ExplainEndpoints(f, src, dst)
}

// EvaluateDirection decides one direction for one endpoint, from the
// current snapshot; see Evaluator.
func (e *Engine) EvaluateDirection(ep *model.Endpoint, d model.Direction, f model.Flow) model.DirectionVerdict {
	return e.current.Load().prog.EvaluateDirection(ep, d, f)
}

// ExplainDirection is EvaluateDirection with the trace of that side.
func (e *Engine) ExplainDirection(ep *model.Endpoint, d model.Direction, f model.Flow) (model.DirectionVerdict, model.Trace) {
	return e.current.Load().prog.ExplainDirection(ep, d, f)
}

// Apply makes a change: every upsert adds a resource or replaces the one
// with the same key, then every delete removes one (deleting what does not
// exist does nothing). It refuses what model.Set.Apply refuses on the
// engine's set, with the same *model.CheckError naming every problem:
// the change is checked with model.Change.Check, and the policies it
// touches for their tiers. It is atomic: the whole change
// is checked before anything is published, and on any error the engine
// keeps answering exactly as before. Readers are never
// blocked; they see the old snapshot or the new one, never a mixture.
//
// The cost is proportional to the change: a relabelled endpoint touches
// only the selectors its labels can satisfy, a policy only the label sets
// its selector can match.
func (e *Engine) Apply(c model.Change) error {
	e.writer.Lock()
	defer e.writer.Unlock()
	next, err := e.current.Load().Apply(c)
	if err != nil {
		return err
	}
	e.current.Store(next)
	return nil
}
