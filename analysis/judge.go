package analysis

import (
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
)

// Judgement is what a replay makes of one record: its sides resolved and
// grouped, and, when both resolve, the flow and its two verdicts. It is
// the record-by-record view of what Add folds into an Impact.
type Judgement struct {
	Src, Dst Resolved
	// SrcGroup and DstGroup are the sides' groups; nil when unresolved.
	SrcGroup, DstGroup *Group
	// Primary is false for the destination's record of a flow between
	// two endpoints, which the source's record stands for: tallies count
	// only primary records.
	Primary bool
	// Judged is true when both sides resolved to addresses of one IP
	// family; the fields below are set only then.
	Judged bool
	Flow   model.Flow
	// Verdict is the enforced verdict of the set the replay starts from.
	Verdict model.Verdict
	// Before and After are the two verdicts the mode compares.
	Before, After bool
	// Side and Decision say where and by what a changed verdict is
	// decided after the change, as a ChangeKey does.
	Side     model.Direction
	Decision model.Decision
}

// Judge replays one record on its own, as Add does, and says what it
// found.
func (r *Replayer) Judge(rec *flowlog.Record) Judgement {
	j := Judgement{Src: r.resolver.Resolve(&rec.Src), Dst: r.resolver.Resolve(&rec.Dst)}
	j.Primary = primaryRecord(rec, &j.Src)
	if j.Src.Kind != Unresolved {
		j.SrcGroup = r.group(&j.Src)
	}
	if j.Dst.Kind != Unresolved {
		j.DstGroup = r.group(&j.Dst)
	}
	if j.Src.Kind == Unresolved || j.Dst.Kind == Unresolved || !addresses(&j.Src, &j.Dst) {
		return j
	}
	j.Judged = true
	j.Flow = rec.Flow(j.Src.Addr, j.Dst.Addr)
	o := r.judge(j.Flow)
	j.Verdict, j.Before, j.After, j.Side, j.Decision = o.enforced, o.before, o.after, o.side, o.decision
	return j
}

// primaryRecord reports whether a record stands for its flow in tallies:
// a flow between two workloads is logged at both ends, and the source's
// record stands for it.
func primaryRecord(rec *flowlog.Record, src *Resolved) bool {
	return rec.Reporter != flowlog.Dest || src.Kind != EndpointPeer
}

func (r *Replayer) group(p *Resolved) *Group {
	if p.Kind == EndpointPeer {
		return r.grouper.Endpoint(p.Endpoint)
	}
	return r.grouper.Outside(p.Addr)
}
