package ui

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

// flowRow is a record as the flows table shows it.
type flowRow struct {
	ID               int        `json:"id"`
	File             string     `json:"file"`
	Line             int        `json:"line"`
	Source           string     `json:"source"`
	Destination      string     `json:"destination"`
	SourceGroup      string     `json:"sourceGroup,omitempty"`
	DestinationGroup string     `json:"destinationGroup,omitempty"`
	Protocol         string     `json:"protocol"`
	Port             uint16     `json:"port,omitempty"`
	Count            uint64     `json:"count"`
	Action           string     `json:"action,omitempty"`
	Reporter         string     `json:"reporter,omitempty"`
	Start            *time.Time `json:"start,omitempty"`
	// Enforced and Pending are "allow" or "deny", "unresolved" when a
	// side named nothing in the input.
	Enforced string `json:"enforced"`
	Pending  string `json:"pending"`
	// Primary is false for a destination's record of a flow its source
	// also logged; counts leave it out.
	Primary bool `json:"primary"`
}

func word(allowed bool) string {
	if allowed {
		return "allow"
	}
	return "deny"
}

func (s *Server) row(i int) flowRow {
	r := &s.records[i]
	out := flowRow{
		ID: i, File: s.cfg.Flows[r.file], Line: int(r.line), Source: r.side(true), Destination: r.side(false),
		Protocol: strings.ToLower(model.ProtocolName(r.flow.Protocol)), Port: r.flow.DstPort, Count: r.count,
		Action: string(r.action), Reporter: string(r.reporter), Start: unixTime(r.start),
		Enforced: "unresolved", Pending: "unresolved", Primary: r.primary,
	}
	if r.srcGroup != nil {
		out.SourceGroup = r.srcGroup.Name
	}
	if r.dstGroup != nil {
		out.DestinationGroup = r.dstGroup.Name
	}
	if r.judged {
		out.Enforced, out.Pending = word(r.enforced), word(r.pending)
	}
	return out
}

// verdictFilters are the flows table's verdict choices.
var verdictFilters = map[string]func(*record) bool{
	"":              func(*record) bool { return true },
	"all":           func(*record) bool { return true },
	"allowed":       func(r *record) bool { return r.judged && r.enforced },
	"denied":        func(r *record) bool { return r.judged && !r.enforced },
	"pending-deny":  func(r *record) bool { return r.judged && !r.pending },
	"newly-denied":  func(r *record) bool { return r.judged && r.enforced && !r.pending },
	"newly-allowed": func(r *record) bool { return r.judged && !r.enforced && r.pending },
	"unresolved":    func(r *record) bool { return !r.judged },
}

// sorts are the flows table's orders; each ties by file and line.
var sorts = map[string]func(s *Server, a, b int) int{
	"":      func(*Server, int, int) int { return 0 },
	"line":  func(*Server, int, int) int { return 0 },
	"count": func(s *Server, a, b int) int { return cmp.Compare(s.records[b].count, s.records[a].count) },
	// The sides by name: their ranks among the names, made at load.
	"source": func(s *Server, a, b int) int {
		return cmp.Compare(s.records[a].srcName, s.records[b].srcName)
	},
	"destination": func(s *Server, a, b int) int {
		return cmp.Compare(s.records[a].dstName, s.records[b].dstName)
	},
	"port": func(s *Server, a, b int) int {
		return cmp.Compare(s.records[a].flow.DstPort, s.records[b].flow.DstPort)
	},
	"time": func(s *Server, a, b int) int { return cmp.Compare(s.records[a].start, s.records[b].start) },
}

// flows answers the flows table: the records matching q (a substring of
// either side or group, or "port:N") and the verdict filter, in the
// order asked, a page at a time.
func (s *Server) flows(r *http.Request) (any, error) {
	q := r.URL.Query()
	keep, ok := verdictFilters[q.Get("verdict")]
	if !ok {
		return nil, badf("verdict: want all, allowed, denied, pending-deny, newly-denied, newly-allowed or unresolved, not %q", q.Get("verdict"))
	}
	order, ok := sorts[q.Get("sort")]
	if !ok {
		return nil, badf("sort: want line, count, source, destination, port or time, not %q", q.Get("sort"))
	}
	offset, limit, err := page(r, 100)
	if err != nil {
		return nil, err
	}
	text := strings.ToLower(q.Get("q"))
	port := -1
	if p, ok := strings.CutPrefix(text, "port:"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 65535 {
			return nil, badf("q: port:N wants a port 0-65535, not %q", p)
		}
		port, text = n, ""
	}
	var m *matcher
	if text != "" {
		m = s.newMatcher(text)
	}
	var ids []int
	for i := range s.records {
		rec := &s.records[i]
		if !keep(rec) || (port >= 0 && int(rec.flow.DstPort) != port) {
			continue
		}
		if m != nil && !m.mentions(rec) {
			continue
		}
		ids = append(ids, i)
	}
	slices.SortStableFunc(ids, func(a, b int) int { return order(s, a, b) })
	lo, hi := window(len(ids), offset, limit)
	rows := make([]flowRow, 0, hi-lo)
	for _, i := range ids[lo:hi] {
		rows = append(rows, s.row(i))
	}
	return struct {
		Total int       `json:"total"`
		All   int       `json:"all"`
		Rows  []flowRow `json:"rows"`
	}{len(ids), len(s.records), rows}, nil
}

// matcher finds a search text in records' sides and groups, deciding
// each distinct name once per search rather than once per record.
type matcher struct {
	text   string
	names  []bool // by record.srcName and dstName
	groups map[*analysis.Group]bool
}

func (s *Server) newMatcher(text string) *matcher {
	m := &matcher{text: text, names: make([]bool, len(s.sideNames)), groups: map[*analysis.Group]bool{}}
	for i, n := range s.sideNames {
		m.names[i] = strings.Contains(n, text)
	}
	return m
}

func (m *matcher) mentions(r *record) bool {
	return m.names[r.srcName] || m.names[r.dstName] || m.group(r.srcGroup) || m.group(r.dstGroup)
}

func (m *matcher) group(g *analysis.Group) bool {
	if g == nil {
		return false
	}
	hit, ok := m.groups[g]
	if !ok {
		hit = strings.Contains(strings.ToLower(g.Name), m.text)
		m.groups[g] = hit
	}
	return hit
}

// explain answers one record's verdicts with every tier, policy and rule
// looked at on each side.
func (s *Server) explain(r *http.Request) (any, error) {
	id, err := intParam(r, "row", -1, 0)
	if err != nil {
		return nil, err
	}
	if id < 0 || id >= len(s.records) {
		return nil, badf("row: want a record number below %d", len(s.records))
	}
	if !s.records[id].judged {
		return nil, badf("row %d: a side of the record names nothing in the input, so there is no verdict to explain", id)
	}
	return s.explainRow(id)
}
