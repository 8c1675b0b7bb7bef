package compile

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestAddrTableFollowsIndex drives an address index through random
// batches of additions and removals, crowded into few addresses so that
// probe runs wrap and deletions shift slots back, and checks after each
// batch that the flat table answers every address as the index does, and
// that the table an earlier batch returned still answers as it did.
func TestAddrTableFollowsIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 1))
	pool := make([]netip.Addr, 600)
	for i := range pool {
		if i%3 == 0 {
			pool[i] = netip.AddrFrom16([16]byte{0xfd, 15: byte(i), 14: byte(i >> 8)})
		} else {
			pool[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		}
	}
	// ::ffff:10.0.0.1 is not 10.0.0.1.
	pool = append(pool, netip.AddrFrom16(pool[1].As16()))
	class := func(id uint32) uint32 { return id * 7 }
	x := newAddrIndex()
	owners := map[netip.Addr]map[uint32]bool{}
	type snapshot struct {
		t    addrTable
		want map[netip.Addr]addrSlot
	}
	var old []snapshot
	expect := func() map[netip.Addr]addrSlot {
		want := map[netip.Addr]addrSlot{}
		for a, ids := range owners {
			if len(ids) == 0 {
				continue
			}
			first := ^uint32(0)
			for id := range ids {
				first = min(first, id)
			}
			want[a] = addrSlot{ent: first, cls: class(first), n: uint32(len(ids))}
		}
		return want
	}
	verify := func(step int, tab *addrTable, want map[netip.Addr]addrSlot) {
		t.Helper()
		for _, a := range pool {
			got, ok := tab.find(a)
			w, held := want[a]
			if ok != held || ok && (got.ent != w.ent || got.cls != w.cls || got.n != w.n) {
				t.Fatalf("step %d: %s: got %+v held %v, want %+v held %v", step, a, got, ok, w, held)
			}
		}
		if tab.n != len(want) {
			t.Fatalf("step %d: table counts %d addresses, want %d", step, tab.n, len(want))
		}
	}
	for step := range 300 {
		e := x.edit(func(id uint32) uint64 { return uint64(id) }, step == 0)
		for range 1 + r.IntN(step%7*20+1) {
			a := pool[r.IntN(len(pool))]
			id := uint32(r.IntN(4))
			if owners[a] == nil {
				owners[a] = map[uint32]bool{}
			}
			if r.IntN(2) == 0 && !owners[a][id] {
				e.addAddr(a, id)
				owners[a][id] = true
			} else if owners[a][id] {
				e.removeAddr(a, id)
				delete(owners[a], id)
			}
		}
		x = e.done(class)
		want := expect()
		verify(step, &x.flat, want)
		old = append(old, snapshot{x.flat, want})
		if step%50 == 49 {
			for i, s := range old {
				verify(i, &s.t, s.want)
			}
		}
	}
}

// TestAddrTableIgnoresZonesAndInvalid: the flat table never holds a zoned
// or invalid address, so that the walk asks the index about those.
func TestAddrTableIgnoresZonesAndInvalid(t *testing.T) {
	x := newAddrIndex()
	e := x.edit(func(id uint32) uint64 { return uint64(id) }, false)
	zoned := netip.MustParseAddr("fe80::1%eth0")
	e.addAddr(zoned, 1)
	e.addAddr(netip.MustParseAddr("::"), 2)
	x = e.done(func(id uint32) uint32 { return id })
	if _, ok := x.flat.find(zoned); ok {
		t.Error("zoned address held")
	}
	if _, ok := x.flat.find(netip.MustParseAddr("fe80::1")); ok {
		t.Errorf("fe80::1 held for %s", zoned)
	}
	if _, ok := x.flat.find(netip.Addr{}); ok {
		t.Error("the invalid address held as ::")
	}
	if s, ok := x.flat.find(netip.MustParseAddr("::")); !ok || s.ent != 2 {
		t.Errorf(":: = %+v, %v; want owner 2", s, ok)
	}
}
