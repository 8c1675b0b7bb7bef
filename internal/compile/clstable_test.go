package compile

import (
	"slices"
	"testing"
)

// TestClassEditRefs: entities with equal labels share a class; a class
// whose last entity goes is freed when the batch is done, and its id is
// reused by a later batch; the label counts follow; the table a batch
// started from keeps its classes.
func TestClassEditRefs(t *testing.T) {
	interned := newInterner()
	in := interned.edit()
	web, db := labelsOf(in, "app", "web"), labelsOf(in, "app", "db")
	e := empty().classTable.edit(false, 0)
	a, b, c := e.acquire(web), e.acquire(slices.Clone(web)), e.acquire(db)
	if a != b || a == c {
		t.Fatalf("classes %d, %d, %d: equal labels must share one, others not", a, b, c)
	}
	x1 := e.done()
	if x1.classes.get(a).refs != 2 {
		t.Errorf("class %d counts %d entities, want 2", a, x1.classes.get(a).refs)
	}
	appWeb := pairKey(web[0].key, web[0].val)
	if n, _ := x1.pairCount.get(appWeb); n != 1 {
		t.Errorf("app=web is counted in %d classes, want 1", n)
	}
	if n, _ := x1.keyCount.get(web[0].key); n != 2 {
		t.Errorf("app is counted in %d classes, want 2", n)
	}

	e = x1.edit(false, 0)
	e.release(c)
	e.release(a)
	x2 := e.done()
	if x2.classes.get(c) != nil || !slices.Equal(x2.classFree, []uint32{c}) || x2.classes.get(a).refs != 1 {
		t.Errorf("after releases: class %d %+v, free %v, class %d refs %d", c, x2.classes.get(c), x2.classFree, a, x2.classes.get(a).refs)
	}
	if n, _ := x2.keyCount.get(web[0].key); n != 1 {
		t.Errorf("app is counted in %d classes after one went, want 1", n)
	}
	if x1.classes.get(c) == nil || x1.classes.get(a).refs != 2 {
		t.Error("the earlier table's classes changed")
	}
	e = x2.edit(false, 0)
	if id := e.acquire(labelsOf(in, "app", "new")); id != c {
		t.Errorf("a new class got id %d, want the freed %d", id, c)
	}
}

// TestClassEditMatching: new classes learn what they match through the
// match function; old ones gain added selectors that fit their labels,
// lose removed ones, and resolve again only when dirty.
func TestClassEditMatching(t *testing.T) {
	interned := newInterner()
	in := interned.edit()
	web := labelsOf(in, "app", "web")
	progs := map[uint32]selProg{
		1: compileSelector(sel(`app == "web"`), in),
		2: compileSelector(sel(`has(app)`), in),
		3: compileSelector(sel(`app == "db"`), in),
	}
	// Selector 1 applies policies (none, here), so resolving a class
	// that matches it asks for its record: calls counts resolves.
	calls := 0
	resolveCounting := &resolver{policySels: []uint64{1 << 1}, sel: func(uint32) *selInfo {
		calls++
		return &selInfo{}
	}}

	e := empty().classTable.edit(false, 1)
	id := e.acquire(web)
	e.complete(func(buf []uint32, ls labelSet) []uint32 {
		for _, s := range []uint32{1, 2} {
			if progs[s].matches(ls) {
				buf = append(buf, s)
			}
		}
		return buf
	}, resolveCounting)
	x1 := e.done()
	if got := x1.classes.get(id).matched; !slices.Equal(got, []uint32{1, 2}) {
		t.Fatalf("a new class matches %v, want [1 2]", got)
	}

	e = x1.edit(false, 0)
	calls = 0
	e.revisit(selectorChange{added: []uint32{3}}, false, func(s uint32) selProg { return progs[s] }, resolveCounting)
	if calls != 0 || e.get(id) != x1.classes.get(id) {
		t.Errorf("a selector the class does not match changed it (%d resolves)", calls)
	}
	e.revisit(selectorChange{removed: []uint32{2}, repolicied: []uint32{1}}, false, func(s uint32) selProg { return progs[s] }, resolveCounting)
	x2 := e.done()
	if got := x2.classes.get(id).matched; !slices.Equal(got, []uint32{1}) || calls == 0 {
		t.Errorf("after removing 2 and repolicing 1: matches %v, %d resolves", got, calls)
	}
	if got := x1.classes.get(id).matched; !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("the earlier table's class now matches %v", got)
	}
}
