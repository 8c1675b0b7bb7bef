package ui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
)

// record is one flow record as the pages need it: where it was read,
// what its sides resolved to and the two verdicts the replay gave. The
// logged labels are not kept, so a million records fit in memory.
type record struct {
	file, line int32
	// srcGroup and dstGroup are nil for an unresolved side, whose logged
	// name is then in srcText or dstText.
	srcGroup, dstGroup *analysis.Group
	srcEP, dstEP       *model.Endpoint
	srcText, dstText   string
	flow               model.Flow
	count              uint64
	start, end         int64
	action             flowlog.Action
	reporter           flowlog.Reporter
	// judged: both sides resolved to addresses of one family, so
	// enforced and pending are verdicts; primary: the record stands for
	// its flow in counts (see analysis.Judgement).
	judged, primary, enforced, pending bool
	// srcName and dstName index the server's sideNames: the sides' names
	// (side), which the table sorts and searches by.
	srcName, dstName uint32
}

// tally is what the loader folds the records into, per worker.
type tally struct {
	impact *analysis.Impact
	kept   *analysis.Kept
	// runs are the workers' records, in blocks: one run per worker, in
	// line order, since a worker takes the batches of lines in order.
	runs []run
}

// run is records in line order, in blocks of up to recordBlock: a
// million grow by adding blocks, not by copying all there are each time
// a slice outgrows its array.
type run [][]record

const recordBlock = 4096

func (r *run) add(rec record) {
	n := len(*r)
	if n == 0 || len((*r)[n-1]) == recordBlock {
		*r = append(*r, make([]record, 0, recordBlock))
		n++
	}
	(*r)[n-1] = append((*r)[n-1], rec)
}

// loadRecords replays every record of the files once: into the pending
// impact the staged-impact page shows, into the table the flows and
// graph pages page through, and into the kept judgements the what-ifs
// replay again. Files are read one after another (each on every worker)
// so that each record knows its file.
func loadRecords(r *analysis.Replayer, files []string, format flowlog.Format, workers int) (*analysis.Impact, *analysis.Kept, []record, error) {
	total, kept := analysis.NewImpact(), analysis.NewKept()
	byFile := make([][]run, len(files))
	for i, path := range files {
		rd, err := flowlog.Open(path, format)
		if err != nil {
			return nil, nil, nil, err
		}
		t, err := analysis.Stream([]*flowlog.Reader{rd}, analysis.Options{Workers: workers},
			func() *tally {
				return &tally{impact: analysis.NewImpact(), kept: analysis.NewKept(), runs: make([]run, 1)}
			},
			func(t *tally, rec *flowlog.Record) {
				// Judged once: the judgement is both the row and what
				// the impact counts.
				j := r.Judge(rec)
				r.AddJudgement(t.impact, rec, &j)
				t.kept.Add(r, rec, &j)
				nr := newRecord(j, rec)
				nr.file = int32(i)
				t.runs[0].add(nr)
			},
			func(a, b *tally) {
				a.impact.Merge(b.impact)
				a.kept.Merge(b.kept)
				a.runs = append(a.runs, b.runs...)
			})
		rd.Close()
		if err != nil {
			return nil, nil, nil, err
		}
		total.Merge(t.impact)
		kept.Merge(t.kept)
		byFile[i] = t.runs
	}
	return total, kept, inLineOrder(byFile), nil
}

// inLineOrder merges the workers' runs of each file into one table in
// file and line order, so that row numbers are stable across runs: one
// array of the records, made once.
func inLineOrder(byFile [][]run) []record {
	n := 0
	for _, runs := range byFile {
		for _, r := range runs {
			for _, b := range r {
				n += len(b)
			}
		}
	}
	all := make([]record, 0, n)
	type cursor struct {
		r          run
		block, row int
	}
	for _, runs := range byFile {
		cursors := make([]cursor, 0, len(runs))
		for _, r := range runs {
			if len(r) > 0 && len(r[0]) > 0 {
				cursors = append(cursors, cursor{r: r})
			}
		}
		for len(cursors) > 0 {
			first := 0
			for c := 1; c < len(cursors); c++ {
				if cursors[c].r[cursors[c].block][cursors[c].row].line < cursors[first].r[cursors[first].block][cursors[first].row].line {
					first = c
				}
			}
			c := &cursors[first]
			all = append(all, c.r[c.block][c.row])
			if c.row++; c.row == len(c.r[c.block]) {
				c.block, c.row = c.block+1, 0
				if c.block == len(c.r) || len(c.r[c.block]) == 0 {
					cursors = slices.Delete(cursors, first, first+1)
				}
			}
		}
	}
	// Each run is in line order as the workers take batches in order; if
	// that ever failed, sorting still gives the order.
	byPlace := func(a, b record) int { return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.line, b.line)) }
	if !slices.IsSortedFunc(all, byPlace) {
		slices.SortFunc(all, byPlace)
	}
	return all
}

func newRecord(j analysis.Judgement, rec *flowlog.Record) record {
	out := record{
		line: int32(rec.Line), count: rec.Count, action: rec.Action, reporter: rec.Reporter,
		srcGroup: j.SrcGroup, dstGroup: j.DstGroup, srcEP: j.Src.Endpoint, dstEP: j.Dst.Endpoint,
		judged: j.Judged, primary: j.Primary,
	}
	if !rec.Start.IsZero() {
		out.start = rec.Start.Unix()
	}
	if !rec.End.IsZero() {
		out.end = rec.End.Unix()
	}
	if j.SrcGroup == nil {
		out.srcText = peerText(&rec.Src)
	}
	if j.DstGroup == nil {
		out.dstText = peerText(&rec.Dst)
	}
	if j.Judged {
		out.flow = j.Flow
		out.enforced, out.pending = j.Before, j.After
	} else {
		out.flow = rec.Flow(rec.Src.Addr, rec.Dst.Addr)
	}
	return out
}

// peerText names a logged side that resolved to nothing, as the impact
// report's unresolved list does.
func peerText(p *flowlog.Peer) string {
	switch {
	case p.Namespace != "" && p.Name != "":
		return p.Namespace + "/" + p.Name
	case p.Name != "":
		return p.Name
	case p.Addr.IsValid():
		return p.Addr.String()
	}
	return "(no name or address)"
}

// side names one side of a record for the table: the endpoint, else the
// outside group (address or network set), else the logged name.
func (r *record) side(src bool) string {
	ep, g, text := r.srcEP, r.srcGroup, r.srcText
	if !src {
		ep, g, text = r.dstEP, r.dstGroup, r.dstText
	}
	switch {
	case ep != nil && ep.Namespace != "":
		return ep.Namespace + "/" + ep.Name
	case ep != nil:
		return ep.Name
	case g != nil:
		return g.Name
	}
	return text
}

// nameSides gives each record the rank of its sides' names among all of
// them, so that sorting by a side compares two numbers, and returns the
// names in order, lower-cased for searching.
func nameSides(records []record) []string {
	rank := map[string]uint32{}
	for i := range records {
		rank[records[i].side(true)] = 0
		rank[records[i].side(false)] = 0
	}
	names := make([]string, 0, len(rank))
	for n := range rank {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		rank[n] = uint32(i)
	}
	for i := range records {
		r := &records[i]
		r.srcName, r.dstName = rank[r.side(true)], rank[r.side(false)]
	}
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(n)
	}
	return lower
}

func unixTime(s int64) *time.Time {
	if s == 0 {
		return nil
	}
	t := time.Unix(s, 0).UTC()
	return &t
}
