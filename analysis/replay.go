package analysis

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// Mode says which two verdicts a replay compares.
type Mode string

// Replay modes.
const (
	// ModePending compares the enforced and the pending verdict of one
	// engine, as Calico's staged policies report: staged Set, Learn and
	// Ignore policies take part in the pending verdict, staged Deletes
	// in neither.
	ModePending Mode = "pending"
	// ModeAsApplied compares the enforced verdict with that of the set
	// AsApplied makes.
	ModeAsApplied Mode = "as-applied"
	// ModeCandidate compares the enforced verdict with that of the set
	// with candidate resources upserted.
	ModeCandidate Mode = "candidate"
)

// Replayer replays flow records against the verdicts of a mode. It is
// safe for concurrent use.
type Replayer struct {
	mode     Mode
	engine   *eval.Engine // the engine before is, when NewReplayer built it
	before   eval.Evaluator
	after    eval.Evaluator // nil in ModePending
	resolver *Resolver
	grouper  *Grouper
}

// NewReplayer prepares a replay of set. after is the set the verdicts
// change to in ModeAsApplied and ModeCandidate (see AsApplied and
// WithUpserts), and is ignored in ModePending. groupKeys are --group-by's
// keys, nil for the default.
func NewReplayer(set model.Set, mode Mode, after *model.Set, groupKeys []string) (*Replayer, error) {
	r := &Replayer{mode: mode}
	if err := checkMode(mode, after != nil); err != nil {
		return nil, err
	}
	var err error
	if r.engine, err = eval.New(set); err != nil {
		return nil, err
	}
	r.before = r.engine
	if mode != ModePending {
		if r.after, err = eval.New(*after); err != nil {
			return nil, fmt.Errorf("the set after the change: %w", err)
		}
	}
	r.resolver = NewResolver(&set)
	r.grouper = NewGrouper(&set, groupKeys)
	return r, nil
}

func checkMode(mode Mode, hasAfter bool) error {
	switch mode {
	case ModePending:
	case ModeAsApplied, ModeCandidate:
		if !hasAfter {
			return fmt.Errorf("analysis: mode %s needs the set after the change", mode)
		}
	default:
		return fmt.Errorf("analysis: unknown replay mode %q", mode)
	}
	return nil
}

// Against returns a replayer in mode that resolves and groups records as
// r does, with the verdicts of before and after (ignored in ModePending;
// see NewReplayer). It is for sets that differ from r's only in policies
// (a changed set's endpoints, network sets and profiles decide how records
// resolve and group): typically snapshots of r's Engine with a change
// applied (eval.Snapshot.Apply), which cost a fraction of a new engine.
// Its Engine is nil.
func (r *Replayer) Against(mode Mode, before, after eval.Evaluator) (*Replayer, error) {
	if err := checkMode(mode, after != nil); err != nil {
		return nil, err
	}
	if before == nil {
		return nil, errors.New("analysis: a replay needs the verdicts before")
	}
	a := &Replayer{mode: mode, before: before, resolver: r.resolver, grouper: r.grouper}
	if mode != ModePending {
		a.after = after
	}
	return a, nil
}

// Engine returns the engine of the set the replay starts from, for
// callers that also explain or tabulate that set: building the engine of
// a large set costs more than many questions.
func (r *Replayer) Engine() *eval.Engine { return r.engine }

// Grouper returns the grouper the replay names groups with, for callers
// that also list groups: building one for a large set costs a pass over
// every endpoint.
func (r *Replayer) Grouper() *Grouper { return r.grouper }

// Mode returns the replay's mode.
func (r *Replayer) Mode() Mode { return r.mode }

// outcome is what one flow's verdicts say.
type outcome struct {
	enforced      model.Verdict
	before, after bool
	// egress and ingress say whether each side allows the flow before
	// (enforced's sides), for comparing with the logged action.
	egress, ingress bool
	side            model.Direction
	decision        model.Decision
}

func (r *Replayer) judge(f model.Flow) outcome {
	v := r.before.Evaluate(f)
	if r.after == nil {
		return pendingOutcome(v)
	}
	o := outcome{enforced: v, before: v.Allowed(), egress: v.Egress.Allowed(), ingress: v.Ingress.Allowed()}
	a := r.after.Evaluate(f)
	o.after = a.Allowed()
	o.side, o.decision = changeSide(o.before, o.after,
		func(d model.Direction) (bool, model.Decision) {
			dv := side(a, d)
			return dv.Allowed(), dv.Decision
		}, func(d model.Direction) bool { return side(v, d).Allowed() })
	return o
}

// pendingOutcome is what ModePending makes of a verdict: the enforced
// against the pending decision.
func pendingOutcome(v model.Verdict) outcome {
	o := outcome{enforced: v, before: v.Allowed(), after: v.PendingAllowed(), egress: v.Egress.Allowed(), ingress: v.Ingress.Allowed()}
	o.side, o.decision = changeSide(o.before, o.after,
		func(d model.Direction) (bool, model.Decision) {
			dv := side(v, d)
			return dv.PendingAllowed(), dv.Pending
		}, func(d model.Direction) bool { return side(v, d).Allowed() })
	return o
}

func side(v model.Verdict, d model.Direction) model.DirectionVerdict {
	if d == model.Egress {
		return v.Egress
	}
	return v.Ingress
}

// changeSide finds where a change is decided: for a flow newly denied,
// the first side (egress, then ingress) that denies after; for one newly
// allowed, the first side that denied before.
func changeSide(before, after bool, afterSide func(model.Direction) (bool, model.Decision), beforeAllowed func(model.Direction) bool) (model.Direction, model.Decision) {
	if before == after {
		return "", model.Decision{}
	}
	for _, d := range []model.Direction{model.Egress, model.Ingress} {
		allowed, dec := afterSide(d)
		if (!after && !allowed) || (after && !beforeAllowed(d)) {
			return d, dec
		}
	}
	return "", model.Decision{}
}

// Add replays one record into t.
func (r *Replayer) Add(t *Impact, rec *flowlog.Record) {
	src, dst := r.resolver.Resolve(&rec.Src), r.resolver.Resolve(&rec.Dst)
	var o outcome
	judged := src.Kind != Unresolved && dst.Kind != Unresolved && addresses(&src, &dst)
	if judged {
		o = r.judge(rec.Flow(src.Addr, dst.Addr))
	}
	r.fold(t, rec, &src, &dst, judged, &o, nil, nil)
}

// AddJudgement folds into t a record Judge has already judged, as Add
// would replay it, without judging it again.
func (r *Replayer) AddJudgement(t *Impact, rec *flowlog.Record, j *Judgement) {
	o := outcome{enforced: j.Verdict, before: j.Before, after: j.After, side: j.Side, decision: j.Decision,
		egress: j.Verdict.Egress.Allowed(), ingress: j.Verdict.Ingress.Allowed()}
	r.fold(t, rec, &j.Src, &j.Dst, j.Judged, &o, j.SrcGroup, j.DstGroup)
}

// fold counts a record whose sides resolved to src and dst, judged (both
// resolved to addresses of one family) with outcome o. The sides' groups
// are looked up when a change needs them and not given.
func (r *Replayer) fold(t *Impact, rec *flowlog.Record, src, dst *Resolved, judged bool, o *outcome, srcGroup, dstGroup *Group) {
	t.Records++
	primary := primaryRecord(rec, src)
	if !judged {
		if primary {
			t.Unresolved += rec.Count
			switch {
			case src.Kind == Unresolved:
				t.UnresolvedPeers[peerText(&rec.Src)] += rec.Count
			case dst.Kind == Unresolved:
				t.UnresolvedPeers[peerText(&rec.Dst)] += rec.Count
			default:
				t.UnresolvedPeers[peerText(&rec.Src)+" -> "+peerText(&rec.Dst)+" (no shared IP family)"] += rec.Count
			}
		}
		return
	}
	if primary && o.before != o.after {
		if srcGroup == nil {
			srcGroup = r.group(src)
		}
		if dstGroup == nil {
			dstGroup = r.group(dst)
		}
	}
	c := counted{count: rec.Count, action: rec.Action, reporter: rec.Reporter, proto: rec.Protocol, port: rec.DstPort, start: rec.Start, end: rec.End}
	tallyJudged(t, &c, primary, o, srcGroup, dstGroup)
}

// counted is what a tally takes of a judged record besides its verdicts.
type counted struct {
	count      uint64
	action     flowlog.Action
	reporter   flowlog.Reporter
	proto      uint8
	port       uint16
	start, end time.Time
}

// tallyJudged counts a judged record with outcome o (but not in
// t.Records); the groups are needed only for a primary record whose
// verdict changes.
func tallyJudged(t *Impact, c *counted, primary bool, o *outcome, srcGroup, dstGroup *Group) {
	if c.action != flowlog.NoAction {
		enforced := o.before
		switch c.reporter {
		case flowlog.Source:
			enforced = o.egress
		case flowlog.Dest:
			enforced = o.ingress
		}
		if enforced != (c.action == flowlog.Allow) {
			t.ObservedMismatch += c.count
		}
	}
	if !primary {
		return
	}
	t.Flows += c.count
	if o.before == o.after {
		return
	}
	k := ChangeKey{
		Change:      NewlyAllowed,
		Source:      srcGroup.Name,
		Destination: dstGroup.Name,
		Protocol:    c.proto,
		Port:        c.port,
		Side:        o.side,
		Hit:         o.decision.Hit,
	}
	k.EndOfProfiles = o.decision.EndOfProfiles
	if o.before {
		k.Change = NewlyDenied
		t.NewlyDenied += c.count
	} else {
		t.NewlyAllowed += c.count
	}
	t.add(k, c.count, c.start, c.end)
}

// Options tune a replay.
type Options struct {
	// Workers is how many goroutines parse and judge records; 0 means one
	// per CPU.
	Workers int
	// Progress, when not nil, is added to as records are read.
	Progress *atomic.Uint64
}

// batchLines is how many lines a worker takes at a time.
const batchLines = 512

// batch is lines of one reader, copied out of its buffer.
type batch struct {
	buf   []byte
	ends  []int
	lines []int
}

// Run reads every record of the readers and replays it, on
// opts.Workers goroutines. It stops at the first bad record and returns
// its error (a *flowlog.Error naming file and line). Memory stays flat:
// each worker holds a batch and its tally.
func (r *Replayer) Run(readers []*flowlog.Reader, opts Options) (*Impact, error) {
	return Stream(readers, opts, NewImpact, func(t *Impact, rec *flowlog.Record) { r.Add(t, rec) }, func(a, b *Impact) { a.Merge(b) })
}

// Stream parses the readers' records on several goroutines and folds
// them into one accumulator per worker, merged at the end. It is Run's
// machinery, shared with Recommend.
func Stream[T any](readers []*flowlog.Reader, opts Options, fresh func() T, add func(T, *flowlog.Record), merge func(a, b T)) (T, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type job struct {
		rd *flowlog.Reader
		b  *batch
	}
	jobs := make(chan job, workers*2)
	pool := sync.Pool{New: func() any { return &batch{buf: make([]byte, 0, 64<<10)} }}
	var stop atomic.Bool
	var errMu sync.Mutex
	var firstErr error
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if firstErr == nil || earlier(err, firstErr) {
			firstErr = err
		}
		stop.Store(true)
	}

	results := make([]T, workers)
	var wg sync.WaitGroup
	for w := range workers {
		results[w] = fresh()
		wg.Add(1)
		go func(acc T) {
			defer wg.Done()
			var rec flowlog.Record
			for j := range jobs {
				start := 0
				for i, end := range j.b.ends {
					if stop.Load() {
						break
					}
					if err := j.rd.Parse(j.b.buf[start:end], j.b.lines[i], &rec); err != nil {
						fail(err)
						break
					}
					add(acc, &rec)
					start = end
				}
				j.b.buf, j.b.ends, j.b.lines = j.b.buf[:0], j.b.ends[:0], j.b.lines[:0]
				pool.Put(j.b)
			}
		}(results[w])
	}

read:
	for _, rd := range readers {
		b := pool.Get().(*batch)
		for !stop.Load() {
			line, n, err := rd.NextLine()
			if err == io.EOF {
				break
			}
			if err != nil {
				fail(err)
				break read
			}
			b.buf = append(b.buf, line...)
			b.ends = append(b.ends, len(b.buf))
			b.lines = append(b.lines, n)
			if len(b.ends) == batchLines {
				if opts.Progress != nil {
					opts.Progress.Add(uint64(len(b.ends)))
				}
				jobs <- job{rd, b}
				b = pool.Get().(*batch)
			}
		}
		if len(b.ends) > 0 {
			if opts.Progress != nil {
				opts.Progress.Add(uint64(len(b.ends)))
			}
			jobs <- job{rd, b}
		}
	}
	close(jobs)
	wg.Wait()
	var zero T
	if firstErr != nil {
		return zero, firstErr
	}
	total := results[0]
	for _, t := range results[1:] {
		merge(total, t)
	}
	return total, nil
}

// earlier reports whether a is at an earlier line of the same file than
// b, so that the error reported does not depend on scheduling.
func earlier(a, b error) bool {
	var ea, eb *flowlog.Error
	if !errors.As(a, &ea) || !errors.As(b, &eb) {
		return false
	}
	return ea.File == eb.File && ea.Line < eb.Line
}
