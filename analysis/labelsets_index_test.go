package analysis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/selector"
)

// TestLabelSetsIndex: what the index computes a selector matches is what
// matching it against every label set finds, for every selector of
// generated clusters' policies and rules.
func TestLabelSetsIndex(t *testing.T) {
	for _, p := range []workload.ClusterParams{workload.LargeClusterParams(500), workload.DefaultClusterParams(300)} {
		set := workload.NewCluster(p).Set
		ls := newLabelSets(newWorld(&set))
		_, policies := walk(&set)
		checked := 0
		check := func(s *selector.Selector) {
			if s == nil {
				return
			}
			checked++
			if _, ok := ls.eval(s.Root()); !ok {
				t.Errorf("%s: the index cannot compute it", s)
			}
			got := ls.match(s)
			for i, m := range ls.sets {
				if got.has(i) != s.Matches(m) {
					t.Fatalf("%s: label set %v: indexed match %v", s, m, got.has(i))
				}
			}
			if len(got) != countMatches(ls, s) {
				t.Fatalf("%s: %d sets indexed, want %d", s, len(got), countMatches(ls, s))
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
		if checked < 100 {
			t.Errorf("only %d selectors checked", checked)
		}
	}
}

func countMatches(ls *labelSets, s *selector.Selector) int {
	n := 0
	for _, m := range ls.sets {
		if s.Matches(m) {
			n++
		}
	}
	return n
}

// TestLabelSetsIndexRandom: random selectors of every operator, nested,
// over random label sets with absent keys and empty values, match through
// the index exactly the sets they match one by one.
func TestLabelSetsIndexRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 27))
	keys := []string{"a", "b", "c"}
	values := []string{"", "x", "xy", "yx", "y"}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	var gen func(depth int) string
	gen = func(depth int) string {
		if depth > 0 && rng.IntN(3) > 0 {
			var ops []string
			for range 2 + rng.IntN(2) {
				ops = append(ops, gen(depth-1))
			}
			switch rng.IntN(3) {
			case 0:
				return "(" + strings.Join(ops, " && ") + ")"
			case 1:
				return "(" + strings.Join(ops, " || ") + ")"
			}
			return "!(" + ops[0] + ")"
		}
		k, v := pick(keys), pick(values)
		switch rng.IntN(10) {
		case 0:
			return fmt.Sprintf("%s == '%s'", k, v)
		case 1:
			return fmt.Sprintf("%s != '%s'", k, v)
		case 2:
			return fmt.Sprintf("%s contains '%s'", k, v)
		case 3:
			return fmt.Sprintf("%s starts with '%s'", k, v)
		case 4:
			return fmt.Sprintf("%s ends with '%s'", k, v)
		case 5:
			return fmt.Sprintf("%s in {'%s', '%s'}", k, v, pick(values))
		case 6:
			return fmt.Sprintf("%s not in {'%s'}", k, v)
		case 7:
			return "has(" + k + ")"
		case 8:
			return "!has(" + k + ")"
		}
		return pick([]string{"all()", "global()", "a in {}", "b not in {}"})
	}
	for round := range 20 {
		ls := &labelSets{cache: map[string]setIDs{}, byKey: map[string]setIDs{}, byValue: map[string]map[string]setIDs{}}
		for i := range 30 + rng.IntN(30) {
			m := selector.Map{}
			for _, k := range keys {
				if rng.IntN(3) > 0 {
					m[k] = pick(values)
				}
			}
			ls.sets = append(ls.sets, m)
			for k, v := range m {
				ls.byKey[k] = append(ls.byKey[k], int32(i))
				if ls.byValue[k] == nil {
					ls.byValue[k] = map[string]setIDs{}
				}
				ls.byValue[k][v] = append(ls.byValue[k][v], int32(i))
			}
		}
		for range 200 {
			text := gen(3)
			s, err := selector.Parse(text)
			if err != nil {
				t.Fatalf("%s: %v", text, err)
			}
			var want []int32
			for i, m := range ls.sets {
				if s.Matches(m) {
					want = append(want, int32(i))
				}
			}
			if diff := cmp.Diff(want, []int32(ls.match(s)), cmp.Comparer(func(a, b []int32) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" {
				t.Fatalf("round %d: %s (-matched one by one +indexed):\n%s", round, s, diff)
			}
		}
	}
}

// TestLintPlain: Lint's index and its sharing of shadow walks between
// label sets that the same policies select give exactly the findings of
// matching every selector against every set and walking every set.
func TestLintPlain(t *testing.T) {
	for _, p := range []workload.ClusterParams{workload.LargeClusterParams(600), workload.DefaultClusterParams(400), workload.DefaultClusterParams(150)} {
		set := workload.NewCluster(p).Set
		fast, err := Lint(set, LintOptions{})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := lint(set, LintOptions{}, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) < 100 {
			t.Errorf("%d endpoints: only %d findings: the comparison checks little", p.Endpoints, len(plain))
		}
		if diff := cmp.Diff(plain, fast); diff != "" {
			t.Errorf("%d endpoints: (-plain +fast):\n%s", p.Endpoints, diff)
		}
	}
}

// TestIntersectionAndDifference checks both ways of combining two lists
// (looking a short one up in a long one, walking two alike) against
// plain set arithmetic.
func TestIntersectionAndDifference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	list := func(n, limit int) setIDs {
		seen := map[int32]bool{}
		for len(seen) < n {
			seen[int32(r.IntN(limit))] = true
		}
		out := make(setIDs, 0, n)
		for x := range seen {
			out = append(out, x)
		}
		slices.Sort(out)
		return out
	}
	for _, sizes := range [][2]int{{0, 0}, {0, 5}, {5, 0}, {3, 100}, {100, 3}, {40, 50}, {50, 40}, {1, 1}} {
		a, b := list(sizes[0], 200), list(sizes[1], 200)
		inB := map[int32]bool{}
		for _, x := range b {
			inB[x] = true
		}
		var both, only setIDs
		for _, x := range a {
			if inB[x] {
				both = append(both, x)
			} else {
				only = append(only, x)
			}
		}
		if got := intersection(a, b); !slices.Equal(got, both) {
			t.Errorf("%v: intersection %v, want %v", sizes, got, both)
		}
		if got := difference(a, b); !slices.Equal(got, only) {
			t.Errorf("%v: difference %v, want %v", sizes, got, only)
		}
	}
}
