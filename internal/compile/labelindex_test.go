package compile

import (
	"cmp"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// TestLabelIndexCandidatesCoverMatches files random selectors and checks,
// on random label sets, that every selector matching a label set is among
// its candidates, each once, and that filing then removing leaves nothing.
func TestLabelIndexCandidatesCoverMatches(t *testing.T) {
	g := newGen(11)
	in := newInterner()
	ie := in.edit()
	var sels []*selector.Selector
	var progs []selProg
	var needs []needMask
	var places []placement
	idx := newLabelIndex()
	e := idx.edit()
	noCounts := func(uint64) (int32, bool) { return 0, false }
	noKeys := func(uint32) (int32, bool) { return 0, false }
	for i := range 400 {
		s := g.selector()
		sels = append(sels, s)
		progs = append(progs, compileSelector(s, ie))
		p := choosePlacement(s.Requirements(), ie, noCounts, noKeys)
		needs = append(needs, needMaskOf(s.Requirements(), ie))
		places = append(places, p)
		e.add(uint32(i), p, needs[i])
	}
	idx = e.done()
	var pruned, masked, candidates, total int
	for range 2000 {
		labels := g.labels()
		ls := make(labelSet, 0, len(labels))
		for k, v := range labels {
			ls = append(ls, label{key: ie.intern(k), val: ie.intern(v), text: v})
		}
		sortLabels(ls)
		have := labelMask(ls)
		seen := map[uint32]int{}
		idx.candidates(ls, func(list []filed) {
			if !slices.IsSortedFunc(list, func(a, b filed) int { return cmp.Compare(a.id, b.id) }) {
				t.Fatalf("candidate list %v is not sorted", list)
			}
			for _, f := range list {
				if f.need != needs[f.id] {
					t.Fatalf("selector %q filed with need mask %+v, want %+v", sels[f.id], f.need, needs[f.id])
				}
				seen[f.id]++
			}
		})
		for id, n := range seen {
			if n > 1 {
				t.Fatalf("selector %q offered %d times for %v", sels[id], n, labels)
			}
		}
		for i, s := range sels {
			total++
			if s.Matches(selector.Map(labels)) && seen[uint32(i)] == 0 {
				t.Fatalf("selector %q (placement %+v) matches %v but is no candidate", s, places[i], labels)
			}
			if seen[uint32(i)] == 0 {
				pruned++
			} else {
				candidates++
			}
			if needs[i].lacks(have) {
				if s.Matches(selector.Map(labels)) {
					t.Fatalf("the need mask of %q rejects %v, which it matches", s, labels)
				}
				if seen[uint32(i)] > 0 {
					masked++
				}
			}
			if progs[i].matches(ls) != s.Matches(selector.Map(labels)) {
				t.Fatalf("program of %q disagrees on %v", s, labels)
			}
		}
	}
	if pruned < total/4 {
		t.Errorf("the index pruned only %d of %d pairs", pruned, total)
	}
	if masked == 0 {
		t.Errorf("need masks dropped none of %d candidates", candidates)
	}
	e = idx.edit()
	for i, p := range places {
		e.remove(uint32(i), p)
	}
	idx = e.done()
	if idx.byValue.len() != 0 || idx.byKey.len() != 0 || len(idx.unindexed) != 0 {
		t.Errorf("index not empty after removing everything: %d values, %d keys, %d unindexed", idx.byValue.len(), idx.byKey.len(), len(idx.unindexed))
	}
}

func TestChoosePlacement(t *testing.T) {
	in := newInterner()
	e := in.edit()
	// Counts: app=web is on 50 classes, ns=prod on 3, has(app) on 500.
	pairs := map[uint64]int32{
		pairKey(e.intern("app"), e.intern("web")):                    50,
		pairKey(e.intern(model.LabelNamespace), e.intern("prod")):    3,
		pairKey(e.intern("tier"), e.intern("a")):                     10,
		pairKey(e.intern("tier"), e.intern("b")):                     10,
		pairKey(e.intern(model.LabelOrchestrator), e.intern("k8s")):  900,
		pairKey(e.intern("role"), e.intern("db")):                    0,
		pairKey(e.intern(model.LabelServiceAccount), e.intern("sa")): 2,
		pairKey(e.intern("pcns.team"), e.intern("x")):                40,
		pairKey(e.intern("env"), e.intern("staging")):                7,
		pairKey(e.intern("env"), e.intern("prod")):                   7,
		pairKey(e.intern("zone"), e.intern("")):                      1000,
	}
	keys := map[uint32]int32{e.intern("app"): 500, e.intern("backup"): 20}
	pairCount := func(k uint64) (int32, bool) { n, ok := pairs[k]; return n, ok }
	keyCount := func(k uint32) (int32, bool) { n, ok := keys[k]; return n, ok }
	tests := []struct {
		sel  string
		mode placeMode
		key  string
		vals []string
	}{
		{`app == "web" && projectcalico.org/namespace == "prod"`, placeValues, model.LabelNamespace, []string{"prod"}},
		{`tier in {"a", "b"} && env in {"staging", "prod"}`, placeValues, "env", []string{"prod", "staging"}},
		{`has(app) && has(backup)`, placeKey, "backup", nil},
		{`has(app) && app == "web"`, placeValues, "app", []string{"web"}},
		{`app != "web"`, placeUnindexed, "", nil},
		{`!has(app)`, placeUnindexed, "", nil},
		{`all()`, placeUnindexed, "", nil},
		{`app == "a" && app == "b"`, placeNever, "", nil},
		{`has(app) && !has(app)`, placeNever, "", nil},
		{`app == "web" || app == "db"`, placeValues, "app", []string{"db", "web"}},
		{`app == "web" || has(backup)`, placeUnindexed, "", nil},
		{`app starts with "w"`, placeKey, "app", nil},
	}
	for _, tt := range tests {
		p := choosePlacement(selector.MustParse(tt.sel).Requirements(), e, pairCount, keyCount)
		if p.mode != tt.mode {
			t.Errorf("%s: mode %d, want %d", tt.sel, p.mode, tt.mode)
			continue
		}
		if tt.key != "" && e.str(p.key) != tt.key {
			t.Errorf("%s: filed under %q, want %q", tt.sel, e.str(p.key), tt.key)
		}
		var vals []string
		for _, v := range p.vals {
			vals = append(vals, e.str(v))
		}
		if len(vals) != len(tt.vals) {
			t.Errorf("%s: values %q, want %q", tt.sel, vals, tt.vals)
			continue
		}
		for _, v := range tt.vals {
			found := false
			for _, x := range vals {
				found = found || x == v
			}
			if !found {
				t.Errorf("%s: values %q, want %q", tt.sel, vals, tt.vals)
			}
		}
	}
}
