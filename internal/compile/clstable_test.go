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
	}, resolveCounting, selectorChange{}, func(s uint32) selProg { return progs[s] })
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

func TestSameBeside(t *testing.T) {
	ls := func(kv ...uint32) labelSet {
		var out labelSet
		for i := 0; i < len(kv); i += 2 {
			out = append(out, label{key: kv[i], val: kv[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		name string
		a, b labelSet
		skip []uint32
		want bool
	}{
		{"equal", ls(1, 10, 2, 20), ls(1, 10, 2, 20), nil, true},
		{"a key skipped added", ls(1, 10, 2, 20, 3, 30), ls(1, 10, 2, 20), []uint32{3}, true},
		{"a key skipped in the middle", ls(1, 10, 2, 20, 3, 30), ls(1, 10, 3, 30), []uint32{2}, true},
		{"a key skipped dropped", ls(1, 10), ls(0, 5, 1, 10), []uint32{0}, true},
		{"skipped keys on both sides", ls(1, 10, 4, 40), ls(0, 5, 1, 10), []uint32{0, 4}, true},
		{"a key not skipped added", ls(1, 10, 3, 30), ls(1, 10), []uint32{2}, false},
		{"a value differs", ls(1, 10, 2, 21), ls(1, 10, 2, 20), []uint32{3}, false},
		{"a value differs under a skipped key", ls(1, 10, 2, 21), ls(1, 10, 2, 20), []uint32{2}, true},
		{"other keys", ls(1, 10), ls(2, 10), nil, false},
		{"empty", nil, nil, nil, true},
		{"only skipped", ls(7, 70), nil, []uint32{7}, true},
	} {
		if got := sameBeside(c.a, c.b, c.skip); got != c.want {
			t.Errorf("%s: sameBeside(%v, %v, %v) = %v", c.name, c.a, c.b, c.skip, got)
		}
		if got := sameBeside(c.b, c.a, c.skip); got != c.want {
			t.Errorf("%s, swapped: %v", c.name, got)
		}
	}
}
