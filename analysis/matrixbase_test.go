package analysis

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// namespacedCluster is a generated cluster of several namespaces, with
// namespaced and global network sets, global and staged policies.
func namespacedCluster(t *testing.T) model.Set {
	t.Helper()
	p := workload.DefaultClusterParams(60)
	p.Flows = 0
	set := workload.NewCluster(p).Set
	var globalPolicies, nsNetsets, globalNetsets int
	for _, p := range set.Policies {
		if !p.Kind.Namespaced() {
			globalPolicies++
		}
	}
	for _, n := range set.NetworkSets {
		if n.Namespace == "" {
			globalNetsets++
		} else {
			nsNetsets++
		}
	}
	if len(set.Namespaces) < 4 || globalPolicies == 0 || nsNetsets == 0 || globalNetsets == 0 {
		t.Fatalf("the cluster lacks what the test is about: %d namespaces, %d global policies, %d namespaced and %d global network sets",
			len(set.Namespaces), globalPolicies, nsNetsets, globalNetsets)
	}
	return set
}

// matrixLines writes a matrix's groups and cells of namespace ns (all when
// "") by name, as lines to compare.
func matrixLines(m *Matrix, ns string) []string {
	var out []string
	in := func(g *ClassGroup) bool { return ns == "" || g.Namespace == ns }
	group := func(side string, g *ClassGroup) string {
		return fmt.Sprintf("%s %q ns=%q members=%d netset=%v labels=%v missing=%v", side, g.Name, g.Namespace, g.Members, g.NetworkSet != nil, g.Labels, g.Missing)
	}
	for i := range m.Sources {
		if in(&m.Sources[i]) {
			out = append(out, group("source", &m.Sources[i]))
		}
	}
	for i := range m.Destinations {
		if in(&m.Destinations[i]) {
			out = append(out, group("destination", &m.Destinations[i]))
		}
	}
	for _, p := range m.Ports {
		out = append(out, fmt.Sprintf("port %s %d", p, p.Number))
	}
	for _, c := range m.Cells {
		src, dst := &m.Sources[c.Source], &m.Destinations[c.Destination]
		if in(src) && in(dst) {
			out = append(out, fmt.Sprintf("cell %s -> %s %s: %s %s %s", src.Name, dst.Name, m.Ports[c.Port], c.Egress, c.Ingress, c.Verdict))
		}
	}
	return out
}

// A matrix of one namespace, which classes that namespace's endpoints
// only, is the whole set's matrix restricted to the namespace: the same
// groups in the same order, with the same members and labels, and the
// same cells.
func TestNamespaceMatrixIsTheWholeSetsRestricted(t *testing.T) {
	set := namespacedCluster(t)
	eng, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	base := NewMatrixBase(set)
	from := selector.MustParse("has(app)")
	some := somePorts(DefaultPorts(set))
	for _, opts := range []MatrixOptions{{}, {GroupBy: []string{"app"}, Ports: some}, {Staged: true, Ports: some}, {From: from, Ports: some}} {
		whole, err := base.Matrix(eng, opts)
		if err != nil {
			t.Fatal(err)
		}
		netsetRows := 0
		for _, n := range set.Namespaces {
			o := opts
			o.Namespace = n.Name
			got, err := base.Matrix(eng, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range got.Destinations {
				if g.NetworkSet != nil {
					netsetRows++
				}
			}
			if d := cmp.Diff(matrixLines(whole, n.Name), matrixLines(got, "")); d != "" {
				t.Errorf("%+v, namespace %s: the namespace's matrix differs from the whole set's (-whole +namespace):\n%s", opts, n.Name, d)
			}
			if fresh, err := NewMatrix(set, o); err != nil || !slices.Equal(matrixLines(fresh, ""), matrixLines(got, "")) {
				t.Errorf("%+v, namespace %s: NewMatrix differs from the base's matrix (%v)", opts, n.Name, err)
			}
		}
		if netsetRows == 0 {
			t.Errorf("%+v: no namespace's matrix has a network set", opts)
		}
	}
}

// countingEvaluator counts the flows a matrix asks about.
type countingEvaluator struct {
	eval.Evaluator
	n *atomic.Int64
}

func (c countingEvaluator) Evaluate(f model.Flow) model.Verdict {
	c.n.Add(1)
	return c.Evaluator.Evaluate(f)
}

// Update gives the matrix computing it anew gives, for changes that touch
// some endpoints, none of a namespace, every one, or that split a class;
// and asks nothing of a namespace the change does not touch.
func TestMatrixUpdate(t *testing.T) {
	set := namespacedCluster(t)
	eng, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	snap := eng.Snapshot()
	base := NewMatrixBase(set)

	var namespaced, global, staged *model.Policy
	for i := range set.Policies {
		p := &set.Policies[i]
		switch {
		case p.Kind == model.KindNetworkPolicy && namespaced == nil && p.Tier != "" && p.Tier != model.TierDefault:
			namespaced = p
		case p.Kind == model.KindGlobalNetworkPolicy && global == nil && (p.Selector == nil || p.Selector.String() == "all()"):
			global = p
		case p.Kind == model.KindStagedGlobalNetworkPolicy && staged == nil:
			staged = p
		}
	}
	if namespaced == nil || global == nil || staged == nil {
		t.Fatalf("the cluster lacks a tiered network policy (%v), a global one for all() (%v) or a staged global one (%v)", namespaced, global, staged)
	}
	moved := *namespaced
	moved.Tier = model.TierDefault
	order := 0.5
	first := *global
	first.Order = &order
	split := *global
	split.Name = "split-a-class"
	split.Ingress = []model.Rule{{Action: model.Deny, Source: model.EntityRule{Nets: []netip.Prefix{netip.MustParsePrefix(firstAddress(set).String() + "/32")}}}}
	// A policy whose rules name ports and CIDRs, rewritten without them.
	var bare *model.Policy
	for i := range set.Policies {
		p := &set.Policies[i]
		nets, ports := 0, 0
		for _, r := range append(slices.Clone(p.Ingress), p.Egress...) {
			nets += len(r.Source.Nets) + len(r.Destination.Nets) + len(r.Source.NotNets) + len(r.Destination.NotNets)
			ports += len(r.Destination.Ports)
		}
		if nets > 0 && ports > 0 {
			q := *p
			q.Ingress, q.Egress = nil, nil
			bare = &q
			break
		}
	}
	if bare == nil {
		t.Fatal("no policy names both ports and CIDRs")
	}
	changes := map[string]model.Set{
		"a policy without its rules": {Policies: []model.Policy{*bare}},
		"move a network policy":      {Policies: []model.Policy{moved}},
		"reorder a global policy":    {Policies: []model.Policy{first}},
		"enforce a staged policy":    AsApplied(model.Set{Policies: []model.Policy{*staged}}, nil),
		"a rule naming one address":  {Policies: []model.Policy{split}},
	}
	names := make([]string, 0, len(changes))
	for n := range changes {
		names = append(names, n)
	}
	sort.Strings(names)
	untouchedAsked := false
	for _, name := range names {
		upserts := changes[name]
		c := model.Change{Upserts: upserts}
		after, err := snap.Apply(c)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		touched, ok := Touched(&set, c)
		if !ok {
			t.Fatalf("%s: Touched cannot say", name)
		}
		ab := base.With(upserts)
		ports := base.DefaultPorts(ab)
		if want := DefaultPorts(set, WithUpserts(set, upserts)); !slices.Equal(ports, want) {
			t.Errorf("%s: ports %v, DefaultPorts of both sets %v", name, ports, want)
		}
		if got, want := ab.DefaultPorts(), DefaultPorts(WithUpserts(set, upserts)); !slices.Equal(got, want) {
			t.Errorf("%s: ports after %v, DefaultPorts of the set after %v", name, got, want)
		}
		if name == "a policy without its rules" && slices.Equal(ab.DefaultPorts(), base.DefaultPorts()) && len(ab.w.ruleNets) == len(base.w.ruleNets) {
			t.Errorf("%s: the ports and CIDRs after are those before: nothing taken out is checked", name)
		}
		if got, want := ab.w.ruleNets, newWorld(&ab.set).ruleNets; len(got) != len(want) {
			t.Errorf("%s: %d rule CIDRs after, the set after names %d", name, len(got), len(want))
		} else {
			for n := range want {
				if _, ok := got[n]; !ok {
					t.Errorf("%s: rule CIDR %s of the set after is not counted", name, n)
				}
			}
		}
		for _, ns := range append([]string{""}, namespacesOf(set)...) {
			opts := MatrixOptions{Ports: somePorts(ports), Namespace: ns}
			before, err := base.Matrix(snap, opts)
			if err != nil {
				t.Fatal(err)
			}
			var asked atomic.Int64
			got, err := ab.Update(before, touched, countingEvaluator{after, &asked}, opts)
			if err != nil {
				t.Fatal(err)
			}
			want, err := NewMatrixWith(WithUpserts(set, upserts), after, opts)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(matrixLines(want, ""), matrixLines(got, "")); d != "" {
				t.Errorf("%s, namespace %q: Update differs from the matrix anew (-anew +update):\n%s", name, ns, d)
			}
			if d := cmp.Diff(DiffMatrices(before, want), DiffMatrices(before, got)); d != "" {
				t.Errorf("%s, namespace %q: diffs differ:\n%s", name, ns, d)
			}
			if name == "move a network policy" && ns != "" && ns != namespaced.Namespace {
				untouchedAsked = true
				if asked.Load() != 0 {
					t.Errorf("%s, namespace %q: %d flows asked of a namespace the change does not touch", name, ns, asked.Load())
				}
			}
		}
	}
	if !untouchedAsked {
		t.Error("no namespace untouched by the move was checked")
	}
}

// somePorts keeps every third port and the "other" ones, for tests that
// need not ask every port.
func somePorts(ports []Port) []Port {
	var out []Port
	for i, p := range ports {
		if i%3 == 0 || p.Other {
			out = append(out, p)
		}
	}
	return out
}

func namespacesOf(set model.Set) []string {
	var out []string
	for _, n := range set.Namespaces {
		out = append(out, n.Name)
	}
	return out
}

func firstAddress(set model.Set) netip.Addr {
	for _, ep := range set.Endpoints {
		if ep.Kind == model.KindWorkloadEndpoint && len(ep.Addresses) > 0 {
			return ep.Addresses[0]
		}
	}
	return netip.Addr{}
}

// The diff of matrices with the same groups and ports, which walks their
// cells together, is the diff matching cells by name.
func TestDiffByIndexIsByName(t *testing.T) {
	set := namespacedCluster(t)
	var staged *model.Policy
	for i := range set.Policies {
		if set.Policies[i].Kind.Staged() && set.Policies[i].StagedAction != model.StagedDelete {
			staged = &set.Policies[i]
			break
		}
	}
	after := WithUpserts(set, AsApplied(model.Set{Policies: []model.Policy{*staged}}, nil))
	ports := DefaultPorts(set, after)
	bm, err := NewMatrix(set, MatrixOptions{Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	am, err := NewMatrix(after, MatrixOptions{Ports: ports})
	if err != nil {
		t.Fatal(err)
	}
	if !sameAxes(bm, am) {
		t.Fatal("the matrices' groups or ports differ")
	}
	got := DiffMatrices(bm, am)
	want := &MatrixDiff{Removed: []CellChange{}, Added: []CellChange{}}
	diffByName(bm, am, want)
	sortChanges(want)
	if len(want.Removed)+len(want.Added) == 0 {
		t.Fatalf("enforcing %s changes no cell", staged.Key())
	}
	if d := cmp.Diff(want.Removed, got.Removed); d != "" {
		t.Errorf("removed (-by name +by index):\n%s", d)
	}
	if d := cmp.Diff(want.Added, got.Added); d != "" {
		t.Errorf("added (-by name +by index):\n%s", d)
	}
}
