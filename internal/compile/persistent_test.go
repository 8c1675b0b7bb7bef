package compile

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestPmapMatchesMap drives a pmap and a Go map through random batches of
// sets and deletes, keeping every snapshot: each must still hold exactly
// what it held when its batch ended, across shard growth.
func TestPmapMatchesMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := newPmap[uint64, int](hashUint64)
	want := map[uint64]int{}
	type snap struct {
		m    pmap[uint64, int]
		want map[uint64]int
	}
	var snaps []snap
	for batch := range 60 {
		e := m.edit()
		for range r.IntN(3000) {
			k := uint64(r.IntN(20000))
			if r.IntN(4) == 0 {
				e.del(k)
				delete(want, k)
			} else {
				e.set(k, batch)
				want[k] = batch
			}
		}
		m = e.done()
		snaps = append(snaps, snap{m, maps.Clone(want)})
	}
	if len(m.shards) < 2 {
		t.Errorf("%d keys in %d shards: the map never grew its shards", m.len(), len(m.shards))
	}
	for i, s := range snaps {
		if s.m.len() != len(s.want) {
			t.Fatalf("snapshot %d: len %d, want %d", i, s.m.len(), len(s.want))
		}
		got := map[uint64]int{}
		for k, v := range s.m.all() {
			got[k] = v
		}
		if !maps.Equal(got, s.want) {
			t.Fatalf("snapshot %d differs from the map it should hold", i)
		}
		for k, v := range s.want {
			if x, ok := s.m.get(k); !ok || x != v {
				t.Fatalf("snapshot %d: get(%d) = %d, %v; want %d", i, k, x, ok, v)
			}
		}
		if _, ok := s.m.get(1 << 40); ok {
			t.Fatalf("snapshot %d holds a key never set", i)
		}
	}
}

// TestPmapEditCopiesOnce: an edit that touches nothing shares every shard,
// and one that touches one key shares every other shard.
func TestPmapEditCopiesOnce(t *testing.T) {
	m := newPmap[uint64, int](hashUint64)
	e := m.edit()
	for k := range uint64(50000) {
		e.set(k, 1)
	}
	m = e.done()
	if same := m.edit().done(); &same.shards[0] != &m.shards[0] {
		t.Error("an empty edit copied the shard list")
	}
	e = m.edit()
	e.set(7, 2)
	next := e.done()
	changed := 0
	for i := range m.shards {
		if !sameMap(m.shards[i], next.shards[i]) {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("setting one key changed %d shards", changed)
	}
	if v, _ := m.get(7); v != 1 {
		t.Error("the old map saw the edit")
	}
}

// sameMap reports whether two shards are one map, not copies.
func sameMap(a, b map[uint64]int) bool {
	return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
}

func TestPvecSnapshots(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	v := pvec[int]{}
	var want []int
	type snap struct {
		v    pvec[int]
		want []int
	}
	var snaps []snap
	for batch := range 40 {
		e := v.edit()
		for range r.IntN(400) {
			if len(want) == 0 || r.IntN(3) == 0 {
				e.push(batch)
				want = append(want, batch)
				continue
			}
			i := r.IntN(len(want))
			e.set(uint32(i), -batch)
			want[i] = -batch
		}
		v = e.done()
		snaps = append(snaps, snap{v, append([]int(nil), want...)})
	}
	for i, s := range snaps {
		if s.v.len() != len(s.want) {
			t.Fatalf("snapshot %d: len %d, want %d", i, s.v.len(), len(s.want))
		}
		for j, x := range s.want {
			if got := s.v.get(uint32(j)); got != x {
				t.Fatalf("snapshot %d: [%d] = %d, want %d", i, j, got, x)
			}
		}
	}
}

func TestInterner(t *testing.T) {
	in := newInterner()
	e := in.edit()
	a, b := e.intern("app"), e.intern("web")
	if a == noID || b == noID || a == b {
		t.Fatalf("ids %d, %d", a, b)
	}
	if again := e.intern("app"); again != a {
		t.Errorf("interning twice gave %d then %d", a, again)
	}
	next := e.done()
	if _, ok := in.lookup("app"); ok {
		t.Error("the old interner saw a string interned after it")
	}
	if id, ok := next.lookup("web"); !ok || id != b || next.str(b) != "web" {
		t.Errorf("lookup(web) = %d, %v", id, ok)
	}
	e = next.edit()
	c := e.intern("db")
	later := e.done()
	if later.str(a) != "app" || later.str(c) != "db" || c == a || c == b {
		t.Errorf("ids are not stable across snapshots")
	}
	if id, ok := later.lookup(""); ok && id == noID {
		t.Error("the empty string has the reserved id")
	}
}
