package eval

import "github.com/verdictlabs/verdict/model"

// Evaluator is what every evaluator of Verdict answers: the Engine, one
// of its Snapshots, and reference.Evaluator, the executable
// specification. Code written against it runs on any of them, which is
// how the differential and conformance tests hold the engine to the
// specification, and how a tool offers both.
//
// Each question comes in two forms: an Evaluate form gives the verdict,
// and the Explain form of the same name gives that verdict with the full
// trace (every policy hit in order, and the Log rules that matched),
// which allocates.
//
// Every method decides the flow as model.Flow.Normalized gives it: a
// zoned address (fe80::1%eth0) without its zone and an IPv4-mapped one
// (::ffff:10.0.0.5) as IPv4, the addresses a packet carries, so neither
// can skip a rule.
//
// reference.Evaluator satisfies the interface without importing this
// package: the specification depends on nothing of the engine, so that
// neither can pass on a mistake to the other.
type Evaluator interface {
	// Evaluate decides a flow: egress at the workload endpoint owning the
	// source address and ingress at the one owning the destination
	// address, each with the enforced and the pending (staged policies
	// enforced) decision. A side that no workload endpoint owns is not
	// enforced.
	Evaluate(f model.Flow) model.Verdict
	// Explain is Evaluate with the trace of each side.
	Explain(f model.Flow) model.Explanation

	// EvaluateEndpoints decides a flow with endpoints given inline, which
	// need not be registered: src is judged for egress and dst for
	// ingress, and for this call each owns its own addresses and its
	// side's flow address, hiding a registered endpoint with the same
	// key. A nil endpoint is found by address, as in Evaluate.
	EvaluateEndpoints(f model.Flow, src, dst *model.Endpoint) model.Verdict
	// ExplainEndpoints is EvaluateEndpoints with the trace of each side.
	ExplainEndpoints(f model.Flow, src, dst *model.Endpoint) model.Explanation

	// EvaluateDirection decides one direction for one endpoint: egress
	// with the endpoint at the flow's source, or ingress with it at the
	// destination. A non-nil endpoint takes part inline, as in
	// EvaluateEndpoints; a nil one is found by the address on that side.
	EvaluateDirection(ep *model.Endpoint, d model.Direction, f model.Flow) model.DirectionVerdict
	// ExplainDirection is EvaluateDirection with the trace of that side.
	ExplainDirection(ep *model.Endpoint, d model.Direction, f model.Flow) (model.DirectionVerdict, model.Trace)
}

// Every evaluator of this package is an Evaluator.
var (
	_ Evaluator = (*Engine)(nil)
	_ Evaluator = (*Snapshot)(nil)
)
