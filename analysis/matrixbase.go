package analysis

import (
	"sync"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// MatrixBase is what the matrices of one set share, computed once: who
// owns which address, the CIDRs rules name, the ports they name and the
// endpoints of each namespace. A matrix of one namespace made from it
// (MatrixOptions.Namespace) classes that namespace's endpoints only, so
// it costs what its rows and columns do, not what the set does: a console
// asking many matrices of a hundred thousand endpoints keeps one.
//
// A MatrixBase is never changed once made and is safe for concurrent use.
type MatrixBase struct {
	set model.Set
	w   *world
	// byNamespace indexes the endpoints of each namespace, in the set's
	// order.
	byNamespace map[string][]int
	declared    map[string][]model.EndpointPort
	services    map[model.Key]*model.Service
	ports       *portSet
	defaults    []Port

	indexOnce sync.Once
	index     map[model.Key]int
}

// NewMatrixBase prepares the matrices of set.
func NewMatrixBase(set model.Set) *MatrixBase {
	b := &MatrixBase{set: set, byNamespace: map[string][]int{}}
	b.w = newLazyWorld(&b.set)
	for i := range b.set.Endpoints {
		ns := b.set.Endpoints[i].Namespace
		b.byNamespace[ns] = append(b.byNamespace[ns], i)
	}
	b.declared, b.services = declaredPorts(&b.set), servicesByKey(&b.set)
	b.setPorts()
	return b
}

func (b *MatrixBase) setPorts() {
	b.ports = newPortSet()
	b.ports.addSet(&b.set, b.declared, b.services)
	b.defaults = b.ports.list()
}

// With prepares the matrices of the set with upserts (see WithUpserts).
// When they are policies and tiers only, as a what-if of moving or
// enforcing a policy is, the endpoints', network sets' and services'
// tables are b's and only the rules are read again.
func (b *MatrixBase) With(upserts model.Set) *MatrixBase {
	after := WithUpserts(b.set, upserts)
	if !policiesOnly(upserts) {
		return NewMatrixBase(after)
	}
	o := &MatrixBase{set: after, byNamespace: b.byNamespace, declared: b.declared, services: b.services}
	// What each upsert replaces: a policy of b's set, or an earlier
	// upsert of the same key.
	index := b.policyIndex()
	replaced := map[model.Key]*model.Policy{}
	var removed, added []*model.Policy
	for i := range upserts.Policies {
		p := &upserts.Policies[i]
		k := p.Key()
		old := replaced[k]
		if j, ok := index[k]; ok && old == nil {
			old = &b.set.Policies[j]
		}
		if old != nil {
			removed = append(removed, old)
		}
		added = append(added, p)
		replaced[k] = p
	}
	o.w = b.w.withRules(&o.set, removed, added)
	o.ports = b.ports.clone()
	visit := o.ports.visitor(b.declared, b.services)
	o.ports.sign = -1
	for _, p := range removed {
		o.ports.addPolicy(p, visit)
	}
	o.ports.sign = 1
	for _, p := range added {
		o.ports.addPolicy(p, visit)
	}
	o.defaults = o.ports.list()
	return o
}

// policyIndex maps each policy's key to its place in the set, made on
// first use.
func (b *MatrixBase) policyIndex() map[model.Key]int {
	b.indexOnce.Do(func() {
		b.index = make(map[model.Key]int, len(b.set.Policies))
		for i := range b.set.Policies {
			b.index[b.set.Policies[i].Key()] = i
		}
	})
	return b.index
}

// policiesOnly reports whether a set holds policies and tiers only.
func policiesOnly(u model.Set) bool {
	return len(u.Profiles)+len(u.NetworkSets)+len(u.Namespaces)+len(u.ServiceAccounts)+len(u.Endpoints)+len(u.Services) == 0
}

// Set is the set the matrices are of.
func (b *MatrixBase) Set() model.Set { return b.set }

// DefaultPorts is DefaultPorts of b's set and of the others' sets,
// without reading any of them again.
func (b *MatrixBase) DefaultPorts(others ...*MatrixBase) []Port {
	if len(others) == 0 {
		return b.defaults
	}
	ps := newPortSet()
	ps.union(b.ports)
	for _, o := range others {
		ps.union(o.ports)
	}
	return ps.list()
}

// Matrix is NewMatrixWith of b's set: eng gives the set's verdicts.
func (b *MatrixBase) Matrix(eng eval.Evaluator, opts MatrixOptions) (*Matrix, error) {
	return b.matrix(eng, opts, nil, nil)
}

// Update is Matrix after a change to the policies, given the matrix
// before it with the same options: touched says at which endpoints the
// change can alter verdicts (see Touched). A flow's verdict is decided by
// the policies selecting its source and destination, so a cell whose
// groups have no touched member keeps its answer and is not asked again:
// a what-if of one policy asks only the rows and columns it selects. With
// a nil touched, or when the rows, columns or ports are not before's (the
// change split a class), every cell is asked.
func (b *MatrixBase) Update(before *Matrix, touched func(*model.Endpoint) bool, eng eval.Evaluator, opts MatrixOptions) (*Matrix, error) {
	return b.matrix(eng, opts, before, touched)
}
