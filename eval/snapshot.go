package eval

import (
	"net/netip"

	"github.com/verdictlabs/verdict/internal/compile"
	"github.com/verdictlabs/verdict/model"
)

// Snapshot is one state of an engine's resources, compiled: the engine
// answers from its current snapshot, and a caller that needs several
// answers from one state (a report, a comparison before and after a
// change) holds a snapshot instead. A snapshot never changes and is safe
// for concurrent use; it shares everything unchanged with the snapshots
// before and after it.
type Snapshot struct {
	prog *compile.Program
}

// Compile builds the snapshot of a set, as New does for an engine.
func Compile(set model.Set) (*Snapshot, error) {
	p, err := compile.Compile(set)
	if err != nil {
		return nil, err
	}
	return &Snapshot{prog: p}, nil
}

// Evaluate decides a flow; see Evaluator. For registered endpoints it
// allocates nothing.
func (s *Snapshot) Evaluate(f model.Flow) model.Verdict { return s.prog.Evaluate(f) }

// Explain is Evaluate with the trace of each side.
func (s *Snapshot) Explain(f model.Flow) model.Explanation { return s.prog.Explain(f) }

// EvaluateEndpoints decides a flow with endpoints given inline; see
// Evaluator.
func (s *Snapshot) EvaluateEndpoints(f model.Flow, src, dst *model.Endpoint) model.Verdict {
	return s.prog.EvaluateEndpoints(f, src, dst)
}

// ExplainEndpoints is EvaluateEndpoints with the trace of each side.
func (s *Snapshot) ExplainEndpoints(f model.Flow, src, dst *model.Endpoint) model.Explanation {
	return s.prog.ExplainEndpoints(f, src, dst)
}

// EvaluateDirection decides one direction for one endpoint; see
// Evaluator.
func (s *Snapshot) EvaluateDirection(ep *model.Endpoint, d model.Direction, f model.Flow) model.DirectionVerdict {
	return s.prog.EvaluateDirection(ep, d, f)
}

// ExplainDirection is EvaluateDirection with the trace of that side.
func (s *Snapshot) ExplainDirection(ep *model.Endpoint, d model.Direction, f model.Flow) (model.DirectionVerdict, model.Trace) {
	return s.prog.ExplainDirection(ep, d, f)
}

// Apply returns the snapshot with the change made, leaving s as it is:
// a what-if that publishes nothing. It fails as Engine.Apply does, naming
// the resource.
func (s *Snapshot) Apply(c model.Change) (*Snapshot, error) {
	next, err := s.prog.Apply(c)
	if err != nil {
		return nil, err
	}
	return &Snapshot{prog: next}, nil
}

// Set returns every resource the snapshot holds, endpoints and network
// sets in the order that decides which endpoint is judged when several
// own one address. Compiling it again gives the same answers.
func (s *Snapshot) Set() model.Set { return s.prog.Set() }

// Owners returns the keys of every entity owning addr: the endpoints with
// it among their addresses, in set order, then the network sets with a
// CIDR containing it, longest prefix first. These are the peers rule
// selectors are matched against for that address.
func (s *Snapshot) Owners(addr netip.Addr) []model.Key { return s.prog.Owners(addr) }

// Endpoint returns the endpoint with key k as the snapshot holds it, nil
// and false when there is none. The snapshot owns it: read it, never
// modify it.
func (s *Snapshot) Endpoint(k model.Key) (*model.Endpoint, bool) { return s.prog.Endpoint(k) }

// EndpointAt returns the endpoint judged at addr (in PacketAddr's form):
// the first workload endpoint owning it in set order, else the first host
// endpoint; nil and false when no endpoint owns it. This is the endpoint
// Evaluate judges on that side, and the peer whose identity rules match.
// The snapshot owns it: read it, never modify it. It allocates nothing.
func (s *Snapshot) EndpointAt(addr netip.Addr) (*model.Endpoint, bool) {
	return s.prog.EndpointAt(addr)
}
