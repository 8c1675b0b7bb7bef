package analysis

import (
	"testing"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/selector"
)

// TestLabelSetsNamespaceIndex: matching a selector against the label sets
// of its required namespace only finds what matching every set finds.
func TestLabelSetsNamespaceIndex(t *testing.T) {
	set := workload.NewCluster(workload.LargeClusterParams(500)).Set
	ls := newLabelSets(newWorld(&set))
	_, policies := walk(&set)
	indexed := 0
	check := func(s *selector.Selector) {
		if s == nil {
			return
		}
		if _, ok := s.Requirements()["projectcalico.org/namespace"]; ok {
			indexed++
		}
		got := ls.match(s)
		for i, m := range ls.sets {
			if got.has(i) != s.Matches(m) {
				t.Fatalf("%s: label set %v: indexed match %v", s, m, got.has(i))
			}
		}
	}
	for _, pi := range policies {
		check(pi.selects)
		for _, rules := range pi.rules {
			for _, ri := range rules {
				check(ri.src.pos)
				check(ri.src.neg)
				check(ri.dst.pos)
				check(ri.dst.neg)
			}
		}
	}
	if indexed == 0 {
		t.Error("no selector required a namespace: the index was not exercised")
	}
}
