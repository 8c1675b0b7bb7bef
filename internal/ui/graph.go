package ui

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/verdictlabs/verdict/analysis"
)

// edge is every judged record between two groups.
type edge struct {
	id       string
	src, dst *analysis.Group
	// Counts are of flows (records' counts, a flow logged at both ends
	// once), as the impact report counts them.
	flows, enforcedDenied, pendingDenied, newlyDenied, newlyAllowed uint64
	rows                                                            []int32
}

// buildEdges groups the records by source and destination group, most
// flows first. Records with an unresolved side are on no edge.
func buildEdges(recs []record) ([]*edge, map[string]*edge) {
	type pair struct{ src, dst *analysis.Group }
	byPair := map[pair]*edge{}
	var out []*edge
	for i := range recs {
		r := &recs[i]
		if r.srcGroup == nil || r.dstGroup == nil {
			continue
		}
		k := pair{r.srcGroup, r.dstGroup}
		e := byPair[k]
		if e == nil {
			e = &edge{src: r.srcGroup, dst: r.dstGroup}
			byPair[k] = e
			out = append(out, e)
		}
		e.rows = append(e.rows, int32(i))
		if !r.primary || !r.judged {
			continue
		}
		e.flows += r.count
		if !r.enforced {
			e.enforcedDenied += r.count
		}
		if !r.pending {
			e.pendingDenied += r.count
		}
		switch {
		case r.enforced && !r.pending:
			e.newlyDenied += r.count
		case !r.enforced && r.pending:
			e.newlyAllowed += r.count
		}
	}
	slices.SortStableFunc(out, func(a, b *edge) int {
		return cmp.Or(cmp.Compare(b.flows, a.flows), cmp.Compare(a.src.Name, b.src.Name), cmp.Compare(a.dst.Name, b.dst.Name))
	})
	byID := make(map[string]*edge, len(out))
	for i, e := range out {
		e.id = "e" + strconv.Itoa(i)
		byID[e.id] = e
	}
	return out, byID
}

type graphNode struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Outside   bool   `json:"outside,omitempty"`
}

type graphEdge struct {
	ID     string `json:"id"`
	Source string `json:"source"`
	Target string `json:"target"`
	// Verdict colours the edge: denied when enforced policy denies some
	// of its flows, pending when only the pending verdict (staged
	// policies) does, allowed otherwise.
	Verdict        string   `json:"verdict"`
	Flows          uint64   `json:"flows"`
	EnforcedDenied uint64   `json:"enforcedDenied"`
	PendingDenied  uint64   `json:"pendingDenied"`
	Records        int      `json:"records"`
	Ports          []string `json:"ports,omitempty"`
}

type graphAnswer struct {
	// Source is "flows" (observed) or "matrix" (allowed paths, without
	// flows).
	Source     string      `json:"source"`
	Namespaces []string    `json:"namespaces"`
	Nodes      []graphNode `json:"nodes"`
	Edges      []graphEdge `json:"edges"`
	TotalEdges int         `json:"totalEdges"`
}

// graph answers the service graph: groups as nodes grouped by namespace,
// observed flows as edges (the busiest limit of them, of the namespace
// when given), or without flows the matrix's allowed and partial paths.
func (s *Server) graph(r *http.Request) (any, error) {
	ns := r.URL.Query().Get("namespace")
	limit, err := intParam(r, "limit", 200, maxPage)
	if err != nil {
		return nil, err
	}
	if ns != "" && !s.hasNamespace(ns) {
		return nil, badf("namespace %q is not in the input", ns)
	}
	ans := graphAnswer{Namespaces: s.namespaces(), Nodes: []graphNode{}, Edges: []graphEdge{}}
	nodes := map[string]bool{}
	addNode := func(g *analysis.Group) string {
		if !nodes[g.Name] {
			nodes[g.Name] = true
			ans.Nodes = append(ans.Nodes, graphNode{ID: g.Name, Name: g.Name, Namespace: g.Namespace, Outside: g.NetworkSet != nil || g.Addr.IsValid()})
		}
		return g.Name
	}
	in := func(a, b *analysis.Group) bool { return ns == "" || a.Namespace == ns || b.Namespace == ns }
	if s.replayer != nil {
		ans.Source = "flows"
		for _, e := range s.edges {
			if !in(e.src, e.dst) {
				continue
			}
			ans.TotalEdges++
			if len(ans.Edges) == limit {
				continue
			}
			v := "allowed"
			switch {
			case e.enforcedDenied > 0:
				v = "denied"
			case e.pendingDenied > 0:
				v = "pending"
			}
			ans.Edges = append(ans.Edges, graphEdge{ID: e.id, Source: addNode(e.src), Target: addNode(e.dst), Verdict: v,
				Flows: e.flows, EnforcedDenied: e.enforcedDenied, PendingDenied: e.pendingDenied, Records: len(e.rows)})
		}
		return ans, nil
	}
	ans.Source = "matrix"
	if err := s.scope(ns); err != nil {
		return nil, err
	}
	m, err := s.baseMatrix(ns)
	if err != nil {
		return nil, err
	}
	type pair struct{ src, dst int }
	index := map[pair]int{}
	var pairs []pair
	var ports [][]string
	for _, c := range m.Cells {
		if c.Verdict != analysis.AccessAllow && c.Verdict != analysis.AccessPartial {
			continue
		}
		k := pair{c.Source, c.Destination}
		i, ok := index[k]
		if !ok {
			i = len(pairs)
			index[k] = i
			pairs = append(pairs, k)
			ports = append(ports, nil)
		}
		l := m.Ports[c.Port].String()
		if c.Verdict == analysis.AccessPartial {
			l += " (partial)"
		}
		ports[i] = append(ports[i], l)
	}
	for i, k := range pairs {
		src, dst := &m.Sources[k.src].Group, &m.Destinations[k.dst].Group
		if !in(src, dst) {
			continue
		}
		ans.TotalEdges++
		if len(ans.Edges) == limit {
			continue
		}
		ans.Edges = append(ans.Edges, graphEdge{ID: "m" + strconv.Itoa(i), Source: addNode(src), Target: addNode(dst), Verdict: "allowed", Ports: ports[i]})
	}
	return ans, nil
}

func (s *Server) namespaces() []string {
	if s.nsList == nil {
		return []string{}
	}
	return s.nsList
}

func (s *Server) hasNamespace(ns string) bool {
	_, ok := slices.BinarySearch(s.namespaces(), ns)
	return ok
}

// edgeFlows answers one edge of the graph: a page of its records and the
// explain of the first judged one.
func (s *Server) edge(r *http.Request) (any, error) {
	e := s.edgeByID[r.URL.Query().Get("id")]
	if e == nil {
		return nil, badf("id: no edge %q (edges exist with --flows only)", r.URL.Query().Get("id"))
	}
	offset, limit, err := page(r, 50)
	if err != nil {
		return nil, err
	}
	lo, hi := window(len(e.rows), offset, limit)
	rows := make([]flowRow, 0, hi-lo)
	for _, i := range e.rows[lo:hi] {
		rows = append(rows, s.row(int(i)))
	}
	var first any
	for _, i := range e.rows {
		if s.records[i].judged {
			if first, err = s.explainRow(int(i)); err != nil {
				return nil, err
			}
			break
		}
	}
	return struct {
		Source      string    `json:"source"`
		Destination string    `json:"destination"`
		Total       int       `json:"total"`
		Rows        []flowRow `json:"rows"`
		Explain     any       `json:"explain"`
	}{e.src.Name, e.dst.Name, len(e.rows), rows, first}, nil
}
