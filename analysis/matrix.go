package analysis

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Access is what a cell of the matrix says: every flow it stands for is
// allowed, every one denied, or some of each (partial).
type Access uint8

// Accesses. The zero value is no answer: the cell stands for no flow.
const (
	AccessNone Access = iota
	AccessAllow
	AccessDeny
	AccessPartial
)

// String gives "allow", "deny", "partial" or "".
func (a Access) String() string {
	switch a {
	case AccessAllow:
		return "allow"
	case AccessDeny:
		return "deny"
	case AccessPartial:
		return "partial"
	}
	return ""
}

// MarshalText writes String.
func (a Access) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText reads String's output.
func (a *Access) UnmarshalText(b []byte) error {
	switch string(b) {
	case "allow":
		*a = AccessAllow
	case "deny":
		*a = AccessDeny
	case "partial":
		*a = AccessPartial
	case "":
		*a = AccessNone
	default:
		return fmt.Errorf("access %q is not allow, deny or partial", b)
	}
	return nil
}

// merge adds one more answer.
func (a Access) merge(allowed bool) Access {
	b := AccessDeny
	if allowed {
		b = AccessAllow
	}
	switch a {
	case AccessNone:
		return b
	case b:
		return a
	}
	return AccessPartial
}

// MatrixOptions choose what Matrix computes.
type MatrixOptions struct {
	// GroupBy merges classes into rows and columns by these label keys
	// (see GroupName); empty groups by each class's own labels.
	GroupBy []string
	// Ports are asked about; nil means DefaultPorts of the set.
	Ports []Port
	// From and To select the rows and the columns by effective labels;
	// nil selects all.
	From, To *selector.Selector
	// Namespace, when set, keeps only the endpoints and network sets of
	// that namespace on both sides.
	Namespace string
	// Staged uses the pending verdict (staged policies enforced).
	Staged bool
	// Workers bounds the goroutines evaluating cells; 0 means GOMAXPROCS.
	Workers int
}

// Matrix is who can reach whom: per source group, destination group and
// port, egress at the source, ingress at the destination and both.
type Matrix struct {
	Sources      []ClassGroup
	Destinations []ClassGroup
	Ports        []Port
	// Cells are in the order of sources, then destinations, then ports;
	// a cell that stands for no flow (no common IP family) is left out.
	Cells  []Cell
	Staged bool
	// rows and cols are the peers of Sources and Destinations, for
	// MatrixBase.Update.
	rows, cols []peer
}

// Cell is one source group, destination group and port.
type Cell struct {
	Source, Destination, Port int // indexes into Sources, Destinations, Ports
	Egress, Ingress, Verdict  Access
}

// peer is one row or column as flows see it: the addresses, per family,
// standing for each class or network set of the group.
type peer struct {
	group ClassGroup
	addrs [][2]netip.Addr
	// eps are the members of the group's classes.
	eps []*model.Endpoint
}

// NewMatrix computes the matrix of a set. Every cell is the verdict of
// real flows: for each class pair of the two groups and each IP family
// both have, one flow between the first members' addresses (from source
// port 49152, the start of the dynamic range). Network sets are peers
// only: flows from and to an address in each of their CIDRs that no
// endpoint owns.
func NewMatrix(set model.Set, opts MatrixOptions) (*Matrix, error) {
	eng, err := eval.New(set)
	if err != nil {
		return nil, err
	}
	return NewMatrixBase(set).Matrix(eng, opts)
}

// NewMatrixWith is NewMatrix with the verdicts of set from an evaluator
// already built, for callers that keep one: building the engine of a
// large set costs more than many matrices. An eval.Snapshot with a change
// applied is the cheap evaluator of a changed set.
func NewMatrixWith(set model.Set, eng eval.Evaluator, opts MatrixOptions) (*Matrix, error) {
	return NewMatrixBase(set).Matrix(eng, opts)
}

// matrix computes the matrix of b's set with eng's verdicts. With before
// and touched (see MatrixBase.Update) the cells between untouched groups
// are before's, when before has the same rows, columns and ports.
func (b *MatrixBase) matrix(eng eval.Evaluator, opts MatrixOptions, before *Matrix, touched func(*model.Endpoint) bool) (*Matrix, error) {
	ports := b.defaults
	if opts.Ports != nil {
		ports = resolveOtherBy(opts.Ports, b.defaults)
	}
	if len(ports) == 0 {
		return nil, errors.New("no ports to ask about")
	}
	var classes []Class
	if opts.Namespace == "" {
		classes = b.w.classes()
	} else {
		// A class's members share its namespace (an effective label),
		// so the namespace's classes are those of its endpoints.
		classes = b.w.classesOf(b.byNamespace[opts.Namespace])
	}
	rows := b.w.peers(classes, opts.GroupBy, opts.From, opts.Namespace)
	cols := b.w.peers(classes, opts.GroupBy, opts.To, opts.Namespace)
	m := &Matrix{Ports: ports, Staged: opts.Staged, rows: rows, cols: cols}
	for _, p := range rows {
		m.Sources = append(m.Sources, p.group)
	}
	for _, p := range cols {
		m.Destinations = append(m.Destinations, p.group)
	}
	reuse := before != nil && touched != nil && before.Staged == opts.Staged && slices.Equal(before.Ports, ports) &&
		samePeers(before.rows, rows) && samePeers(before.cols, cols)
	var rowTouched, colTouched []bool
	var prev [][]Cell
	if reuse {
		rowTouched, colTouched = touchedPeers(rows, touched), touchedPeers(cols, touched)
		prev = make([][]Cell, len(rows))
		for lo := 0; lo < len(before.Cells); {
			hi := lo
			for hi < len(before.Cells) && before.Cells[hi].Source == before.Cells[lo].Source {
				hi++
			}
			prev[before.Cells[lo].Source] = before.Cells[lo:hi]
			lo = hi
		}
	}

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Each row's cells go straight to their place in one slice sized for
	// every cell; the cells that stand for no flow are squeezed out
	// after. No per-row slices, no copy: a million cells are 32 MB once.
	stride := len(cols) * len(ports)
	all := make([]Cell, len(rows)*stride)
	kept := make([]int, len(rows))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				out := all[r*stride : (r+1)*stride]
				if reuse && !rowTouched[r] {
					kept[r] = rowCellsReusing(out, eng, r, &rows[r], cols, ports, opts.Staged, prev[r], colTouched)
				} else {
					kept[r] = rowCells(out, eng, r, &rows[r], cols, ports, opts.Staged)
				}
			}
		}()
	}
	for r := range rows {
		next <- r
	}
	close(next)
	wg.Wait()
	n := 0
	for r, k := range kept {
		n += copy(all[n:], all[r*stride:r*stride+k])
	}
	m.Cells = slices.Clip(all[:n])
	return m, nil
}

// samePeers reports whether two sides of matrices are the same groups of
// the same endpoints and addresses.
func samePeers(a, b []peer) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].group.Name != b[i].group.Name || a[i].group.NetworkSet != b[i].group.NetworkSet ||
			a[i].group.Members != b[i].group.Members || !slices.Equal(a[i].addrs, b[i].addrs) || !slices.Equal(a[i].eps, b[i].eps) {
			return false
		}
	}
	return true
}

// touchedPeers tells which groups have a member touched says a change
// touches.
func touchedPeers(ps []peer, touched func(*model.Endpoint) bool) []bool {
	out := make([]bool, len(ps))
	for i := range ps {
		out[i] = slices.ContainsFunc(ps[i].eps, touched)
	}
	return out
}

// rowCells computes the cells of one source group into out, those that
// stand for a flow first, and returns how many those are.
func rowCells(out []Cell, eng eval.Evaluator, r int, src *peer, cols []peer, ports []Port, staged bool) int {
	n := 0
	for c := range cols {
		n += pairCells(out[n:], eng, r, c, src, &cols[c], ports, staged)
	}
	return n
}

// rowCellsReusing is rowCells for an untouched source group: the cells
// of untouched destination groups are copied from prev, the row's cells
// in a matrix before the change.
func rowCellsReusing(out []Cell, eng eval.Evaluator, r int, src *peer, cols []peer, ports []Port, staged bool, prev []Cell, colTouched []bool) int {
	n, j := 0, 0
	for c := range cols {
		for j < len(prev) && prev[j].Destination < c {
			j++
		}
		if colTouched[c] {
			n += pairCells(out[n:], eng, r, c, src, &cols[c], ports, staged)
			continue
		}
		for ; j < len(prev) && prev[j].Destination == c; j++ {
			out[n] = prev[j]
			n++
		}
	}
	return n
}

// pairCells computes the cells of one source and destination group into
// out, those that stand for a flow only, and returns how many those are.
func pairCells(out []Cell, eng eval.Evaluator, r, c int, src, dst *peer, ports []Port, staged bool) int {
	if src.group.NetworkSet != nil && dst.group.NetworkSet != nil {
		return 0 // outside to outside: nothing is enforced either way
	}
	n := 0
	for pi, port := range ports {
		cell := Cell{Source: r, Destination: c, Port: pi}
		for _, sa := range src.addrs {
			for _, da := range dst.addrs {
				for f := range 2 {
					if !sa[f].IsValid() || !da[f].IsValid() {
						continue
					}
					if want := port.family(); want != 0 && want != 4+2*f {
						continue
					}
					v := eng.Evaluate(model.Flow{Src: sa[f], Dst: da[f], Protocol: port.Protocol, SrcPort: matrixSourcePort, DstPort: port.Number})
					eg, in := v.Egress.Allowed(), v.Ingress.Allowed()
					if staged {
						eg, in = v.Egress.PendingAllowed(), v.Ingress.PendingAllowed()
					}
					cell.Egress = cell.Egress.merge(eg)
					cell.Ingress = cell.Ingress.merge(in)
					cell.Verdict = cell.Verdict.merge(eg && in)
				}
			}
		}
		if cell.Verdict != AccessNone {
			out[n] = cell
			n++
		}
	}
	return n
}

// matrixSourcePort is the source port of every flow the matrix asks
// about: the first port of the dynamic range, as a client would use.
const matrixSourcePort = 49152

// peers gives the groups of one side of the matrix, endpoints' first,
// then network sets', each selected by sel and ns.
func (w *world) peers(classes []Class, by []string, sel *selector.Selector, ns string) []peer {
	var keep []int
	for i := range classes {
		c := &classes[i]
		if ns != "" && c.Namespace != ns {
			continue
		}
		if sel != nil && !sel.Matches(selector.Map(c.Labels)) {
			continue
		}
		keep = append(keep, i)
	}
	var out []peer
	for _, g := range groupClasses(classes, keep, by) {
		p := peer{group: g}
		for _, ci := range g.Classes {
			p.addrs = append(p.addrs, classes[ci].Addrs)
			p.eps = append(p.eps, classes[ci].endpoints...)
		}
		out = append(out, p)
	}
	for i := range w.netsets {
		e := &w.netsets[i]
		if ns != "" && e.ns.Namespace != ns {
			continue
		}
		if sel != nil && !sel.Matches(e.labels) {
			continue
		}
		p := peer{group: ClassGroup{Group: networkSetGroup(e.ns)}}
		for _, n := range e.ns.Nets {
			if a, ok := w.freeAddress(n); ok {
				var fa [2]netip.Addr
				fa[familyIndex(a)] = a
				p.addrs = append(p.addrs, fa)
			}
		}
		if len(p.addrs) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// freeAddress picks an address of the CIDR that no endpoint owns: its
// first host address, else its last.
func (w *world) freeAddress(n netip.Prefix) (netip.Addr, bool) {
	n = n.Masked()
	first := n.Addr()
	if n.Bits() < first.BitLen()-1 {
		first = first.Next()
	}
	last := lastAddr(n)
	for _, a := range []netip.Addr{first, last} {
		if len(w.owners[a]) == 0 {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func lastAddr(n netip.Prefix) netip.Addr {
	b := n.Addr().AsSlice()
	for i := n.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
