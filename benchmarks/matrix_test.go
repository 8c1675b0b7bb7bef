package benchmarks

import (
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// matrixCells is the size of the matrix BenchmarkMatrix asks for: a
// million cells, as the matrix issue states its target.
const matrixCells = 1_000_000

// matrixPorts are the ports of BenchmarkMatrix's matrix.
var matrixPorts = []analysis.Port{
	{Protocol: model.ProtoTCP, Number: 80},
	{Protocol: model.ProtoTCP, Number: 5432},
	{Protocol: model.ProtoUDP, Number: 53},
	{Protocol: model.ProtoTCP, Other: true},
}

// BenchmarkMatrix computes a connectivity matrix of about a million cells
// (sources × destinations × 4 ports) over the 100k cluster (1k with
// -short, its whole matrix), classes included; the engine is built
// outside the timer. Rows and columns are the groups of the first
// namespaces, taken until each side holds enough groups.
func BenchmarkMatrix(b *testing.B) {
	n := pick(100_000, 1_000)
	b.Run(sizeName(n), func(b *testing.B) {
		defer forget(n)
		set := cluster(n).Set
		eng := clusterEngine(b, n)
		opts := analysis.MatrixOptions{Ports: matrixPorts}
		side := 1
		for side*side*len(matrixPorts) < matrixCells {
			side++
		}
		if sel := firstNamespaces(set, side); sel != nil {
			opts.From, opts.To = sel, sel
		}
		var cells int
		cpu0 := cpuTime()
		for b.Loop() {
			m, err := analysis.NewMatrixWith(set, eng, opts)
			if err != nil {
				b.Fatal(err)
			}
			cells = len(m.Cells)
		}
		b.ReportMetric(float64(cells), "cells")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(max(cells, 1)), "ns/cell")
		// On a shared machine the wall clock says more about the
		// neighbours than about the matrix; the CPU time it took does not.
		b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	})
}

// firstNamespaces returns a selector of the first namespaces (in the
// order of the set's endpoints) whose groups and network sets number at
// least want, or nil when the whole cluster has fewer. Deployments are
// spread over the namespaces round-robin, so the first want groups touch
// nearly every namespace: the namespaces are counted whole, else the
// matrix would hold every group of all of them.
func firstNamespaces(set model.Set, want int) *selector.Selector {
	groups := analysis.GroupClasses(analysis.Classes(set), nil)
	var order []string
	peers := map[string]int{}
	for _, g := range groups {
		if g.Namespace == "" {
			continue
		}
		if peers[g.Namespace] == 0 {
			order = append(order, g.Namespace)
		}
		peers[g.Namespace]++
	}
	for _, ns := range set.NetworkSets {
		if peers[ns.Namespace] > 0 {
			peers[ns.Namespace]++
		}
	}
	var names []string
	count := 0
	for _, n := range order {
		if count >= want {
			break
		}
		names = append(names, n)
		count += peers[n]
	}
	if count < want {
		return nil
	}
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return selector.MustParse("projectcalico.org/namespace in {" + strings.Join(quoted, ", ") + "}")
}
