package analysis

import (
	"net/netip"
	"runtime"
	"slices"
	"sync"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Kept is records judged once and kept in memory, compactly, so that a
// change to the policies can be replayed over them again without
// reading, parsing or resolving them, judging again only the records
// whose verdicts the change can alter (see Touched). A console that asks
// many what-ifs of a million records pays for judging them once.
//
// Kept values merge, like tallies, so that records judged on several
// goroutines are kept together. The zero value is not ready: use NewKept.
type Kept struct {
	// fixed is what the records that were not judged count: how a record
	// resolves does not depend on policies, so a replay counts them as
	// they were.
	fixed *Impact
	// fixedDenied counts the records not judged that were logged as
	// denied, which a recommendation leaves out of its count of
	// unresolved records unless it includes denied ones.
	fixedDenied uint64
	// rows are the judged records in blocks of up to keptBlock: a million
	// rows grow by adding blocks, not by copying all there are each time
	// the slice outgrows its array; n counts them.
	rows [][]keptRow
	n    int
	// changes are the distinct (side, decision) of the rows whose pending
	// verdict differs from the enforced one; keptRow.change indexes them
	// from 1.
	changes []sideDecision
	index   map[sideDecision]uint32
}

type sideDecision struct {
	side     model.Direction
	decision model.Decision
}

// keptRow is a judged record: what a tally counts of it, its sides, and
// the enforced and pending verdicts of the set it was judged with.
type keptRow struct {
	srcEP, dstEP       *model.Endpoint
	srcGroup, dstGroup *Group
	flow               model.Flow
	c                  counted
	primary            bool
	// allowed, egress and ingress are the enforced verdict and its sides;
	// pending the pending verdict, decided at changes[change-1] when it
	// differs from allowed.
	allowed, egress, ingress, pending bool
	change                            uint32
}

// NewKept returns an empty Kept.
func NewKept() *Kept {
	return &Kept{fixed: NewImpact(), index: map[sideDecision]uint32{}}
}

// Add keeps a record and its judgement by r (from r.Judge).
func (k *Kept) Add(r *Replayer, rec *flowlog.Record, j *Judgement) {
	if !j.Judged {
		r.AddJudgement(k.fixed, rec, j)
		if rec.Action == flowlog.Deny {
			k.fixedDenied++
		}
		return
	}
	o := pendingOutcome(j.Verdict)
	row := keptRow{
		srcEP: j.Src.Endpoint, dstEP: j.Dst.Endpoint, srcGroup: j.SrcGroup, dstGroup: j.DstGroup,
		flow:    j.Flow,
		c:       counted{count: rec.Count, action: rec.Action, reporter: rec.Reporter, proto: rec.Protocol, port: rec.DstPort, start: rec.Start, end: rec.End},
		primary: j.Primary,
		allowed: o.before, egress: o.egress, ingress: o.ingress, pending: o.after,
	}
	if o.before != o.after {
		row.change = k.intern(sideDecision{o.side, o.decision})
	}
	k.push(row)
}

// keptBlock is how many rows a block of Kept.rows holds.
const keptBlock = 4096

// push adds a row to the last block, or to a new one when it is full:
// the first block grows as a slice does, so a few rows take little room,
// and the others are made whole.
func (k *Kept) push(row keptRow) {
	n := len(k.rows)
	if n == 0 || len(k.rows[n-1]) >= keptBlock {
		size := 0
		if n > 0 {
			size = keptBlock
		}
		k.rows = append(k.rows, make([]keptRow, 0, size))
		n++
	}
	k.rows[n-1] = append(k.rows[n-1], row)
	k.n++
}

func (k *Kept) intern(sd sideDecision) uint32 {
	if i, ok := k.index[sd]; ok {
		return i
	}
	k.changes = append(k.changes, sd)
	i := uint32(len(k.changes))
	k.index[sd] = i
	return i
}

// Merge adds o's records to k. It takes o's blocks of rows rather than
// copying them: o is not to be used afterwards.
func (k *Kept) Merge(o *Kept) {
	k.fixed.Merge(o.fixed)
	k.fixedDenied += o.fixedDenied
	for _, block := range o.rows {
		for i := range block {
			if c := block[i].change; c != 0 {
				block[i].change = k.intern(o.changes[c-1])
			}
		}
		if len(block) < keptBlock/2 {
			for _, row := range block {
				k.push(row)
			}
			continue
		}
		// Before the last block, which push goes on filling.
		k.rows = slices.Insert(k.rows, max(len(k.rows)-1, 0), block)
		k.n += len(block)
	}
	o.rows, o.n = nil, 0
}

// Records is how many records k holds.
func (k *Kept) Records() uint64 { return k.fixed.Records + uint64(k.n) }

// Replay tallies the kept records as r would replay the records they were
// kept from. r must resolve as the replayer that judged them did (see
// Replayer.Against). touched says at which endpoints r's verdicts may
// differ from those of the set the records were judged with (see
// Touched): a record with neither side touched is counted with the
// verdicts it was judged with, the others are judged again. A nil
// touched judges every record again.
func (k *Kept) Replay(r *Replayer, touched func(*model.Endpoint) bool, opts Options) *Impact {
	tallies := inChunks(k.rows, k.n, opts.Workers, NewImpact, func(t *Impact, row *keptRow) {
		k.tally(t, r, row, touched)
	})
	total := k.fixed.Clone()
	for _, t := range tallies {
		total.Merge(t)
	}
	return total
}

func (k *Kept) tally(t *Impact, r *Replayer, row *keptRow, touched func(*model.Endpoint) bool) {
	t.Records++
	var o outcome
	switch {
	case touched == nil || (row.srcEP != nil && touched(row.srcEP)) || (row.dstEP != nil && touched(row.dstEP)):
		o = r.judge(row.flow)
	case r.after == nil:
		o = outcome{before: row.allowed, after: row.pending, egress: row.egress, ingress: row.ingress}
		if row.change != 0 {
			sd := k.changes[row.change-1]
			o.side, o.decision = sd.side, sd.decision
		}
	default:
		// Both sets give the verdict the records were judged with.
		o = outcome{before: row.allowed, after: row.allowed, egress: row.egress, ingress: row.ingress}
	}
	tallyJudged(t, &row.c, row.primary, &o, row.srcGroup, row.dstGroup)
}

// Observe observes the kept records for a recommendation into t, as
// rc.Add would observe the records they were kept from. rc must resolve
// as the replayer that judged them (see Replayer.Recommender).
func (k *Kept) Observe(rc *Recommender, t *Observed, opts Options) {
	t.Records += k.Records()
	t.Unresolved += k.fixed.Records
	if !rc.opts.IncludeDenied {
		t.Unresolved -= k.fixedDenied
	}
	parts := inChunks(k.rows, k.n, opts.Workers, NewObserved, func(o *Observed, row *keptRow) {
		if row.c.action == flowlog.Deny && !rc.opts.IncludeDenied {
			return
		}
		src, dst := resolvedSide(row.srcEP, row.flow.Src), resolvedSide(row.dstEP, row.flow.Dst)
		rc.observeFlow(o, &src, &dst, row.c.proto, row.c.port)
	})
	for _, o := range parts {
		t.Merge(o)
	}
}

// inChunks splits the n rows of blocks among workers (GOMAXPROCS when
// workers <= 0), each folding its share into a part of its own, so the
// parts merge without locks.
func inChunks[P any](blocks [][]keptRow, n, workers int, newPart func() P, each func(P, *keptRow)) []P {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	share := (n + workers - 1) / workers
	parts := make([]P, workers)
	var wg sync.WaitGroup
	b, off := 0, 0 // where the next share starts: block and row in it
	for w := range workers {
		parts[w] = newPart()
		var segments [][]keptRow
		for need := share; need > 0 && b < len(blocks); {
			rest := blocks[b][off:]
			take := min(need, len(rest))
			if take > 0 {
				segments = append(segments, rest[:take])
			}
			need -= take
			if off += take; off == len(blocks[b]) {
				b, off = b+1, 0
			}
		}
		wg.Add(1)
		go func(p P, segments [][]keptRow) {
			defer wg.Done()
			for _, rows := range segments {
				for i := range rows {
					each(p, &rows[i])
				}
			}
		}(parts[w], segments)
	}
	wg.Wait()
	return parts
}

// resolvedSide is a judged side again: an endpoint, else the outside
// address.
func resolvedSide(ep *model.Endpoint, addr netip.Addr) Resolved {
	if ep != nil {
		return Resolved{Kind: EndpointPeer, Endpoint: ep, Addr: addr}
	}
	return Resolved{Kind: OutsidePeer, Addr: addr}
}

// Touched returns at which endpoints of set a change can alter verdicts:
// those that a policy it upserts or deletes selects, as the policy is in
// set or as upserted; a flow's verdict is decided by the policies that
// select its source (egress) and its destination (ingress) only. ok is
// false when that cannot be said so narrowly, and every verdict may
// change: the change holds something besides policies (a tier, profile,
// endpoint or network set), a staged delete (which stands for another
// policy), or a selector that does not build.
func Touched(set *model.Set, c model.Change) (touched func(*model.Endpoint) bool, ok bool) {
	u := c.Upserts
	if len(u.Tiers)+len(u.Profiles)+len(u.NetworkSets)+len(u.Namespaces)+len(u.ServiceAccounts)+len(u.Endpoints)+len(u.Services) > 0 {
		return nil, false
	}
	byKey := make(map[model.Key]*model.Policy, len(set.Policies))
	for i := range set.Policies {
		byKey[set.Policies[i].Key()] = &set.Policies[i]
	}
	var changed []*model.Policy
	for i := range u.Policies {
		p := &u.Policies[i]
		changed = append(changed, p)
		if old := byKey[p.Key()]; old != nil {
			changed = append(changed, old)
		}
	}
	for _, key := range c.Deletes {
		if !key.Kind.IsPolicy() {
			return nil, false
		}
		if old := byKey[key]; old != nil {
			changed = append(changed, old)
		}
	}
	var sels []*selector.Selector
	namespaces := map[string]bool{}
	global := false
	for _, p := range changed {
		if p.Kind.Staged() && p.StagedAction == model.StagedDelete {
			return nil, false
		}
		sel, err := calico.PolicySelector(p)
		if err != nil {
			return nil, false
		}
		sels = append(sels, sel)
		if p.Kind.Namespaced() {
			namespaces[p.Namespace] = true
		} else {
			global = true
		}
	}
	profiles := make(map[string]map[string]string, len(set.Profiles))
	for _, p := range set.Profiles {
		profiles[p.Name] = p.LabelsToApply
	}
	keys := map[model.Key]bool{}
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		// A namespaced policy selects only endpoints of its namespace.
		if !global && !namespaces[ep.Namespace] {
			continue
		}
		labels := selector.Map(calico.EndpointLabels(ep, func(n string) map[string]string { return profiles[n] }))
		for _, sel := range sels {
			if sel.Matches(labels) {
				keys[ep.Key()] = true
				break
			}
		}
	}
	// A replay asks this of both sides of every record, a million times
	// and more: the records' endpoints are nearly always set's own, found
	// here by address rather than by hashing their names; others (a copy
	// of set) by name.
	own := make(map[*model.Endpoint]bool, len(set.Endpoints))
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		own[ep] = len(keys) > 0 && keys[ep.Key()]
	}
	return func(ep *model.Endpoint) bool {
		if t, ok := own[ep]; ok {
			return t
		}
		return keys[ep.Key()]
	}, true
}
