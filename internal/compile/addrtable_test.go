package compile

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"unsafe"
)

// addrPool returns n addresses, IPv4 and IPv6, with ::ffff:10.0.0.1
// beside 10.0.0.1 (which it is not) and a zoned address.
func addrPool(n int) []netip.Addr {
	pool := make([]netip.Addr, n)
	for i := range pool {
		if i%3 == 0 {
			pool[i] = netip.AddrFrom16([16]byte{0xfd, 15: byte(i), 14: byte(i >> 8)})
		} else {
			pool[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		}
	}
	return append(pool, netip.AddrFrom16(pool[1].As16()), netip.MustParseAddr("fe80::1%eth0"))
}

// exactWant returns the owner lists of a model of the index, entity order
// being id order.
func exactWant(owners map[netip.Addr]map[uint32]bool) map[netip.Addr][]uint32 {
	want := map[netip.Addr][]uint32{}
	for a, ids := range owners {
		if len(ids) > 0 {
			want[a] = slices.Sorted(maps.Keys(ids))
		}
	}
	return want
}

// verifyExact fails t unless x holds exactly want, in the table and the
// map as checkExact requires, and answers the walk's probe accordingly.
func verifyExact(t *testing.T, step string, x *addrIndex, pool []netip.Addr, want map[netip.Addr][]uint32, class func(uint32) uint32) {
	t.Helper()
	var problems []string
	checkExact(x, want, class, func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	})
	if len(problems) > 0 {
		t.Fatalf("%s: %v", step, problems)
	}
	for _, a := range pool {
		ent, cls, hit := x.flat.find(a)
		ids := want[a]
		switch {
		case hit == addrOne && (len(ids) != 1 || ent != ids[0] || cls != class(ent)):
			t.Fatalf("%s: %s: the table says owner %d of class %d, want %v", step, a, ent, cls, ids)
		case hit == addrNone && len(ids) != 0:
			t.Fatalf("%s: %s: the table says no owner, want %v", step, a, ids)
		case hit == addrAsk && a.IsValid() && a.Zone() == "" && len(ids) == 1:
			if _, ok := x.exact.get(a); !ok {
				t.Fatalf("%s: %s: the table sends the walk to a map without it", step, a)
			}
		}
		if got := x.exactOwners(a).slice(); !slices.Equal(got, ids) && len(got)+len(ids) > 0 {
			t.Fatalf("%s: %s: owners %v, want %v", step, a, got, ids)
		}
	}
}

// TestAddrTableFollowsIndex drives an address index through random
// batches of additions and removals, crowded into few addresses so that
// probe runs wrap and deletions shift slots back, and checks after each
// batch that the table and map hold every address as they should, and
// that the index an earlier batch returned still answers as it did.
func TestAddrTableFollowsIndex(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 1))
	pool := addrPool(600)
	class := func(id uint32) uint32 { return id * 7 }
	x := newAddrIndex()
	owners := map[netip.Addr]map[uint32]bool{}
	type snapshot struct {
		x    addrIndex
		want map[netip.Addr][]uint32
	}
	var old []snapshot
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
		want := exactWant(owners)
		verifyExact(t, fmt.Sprint("step ", step), &x, pool, want, class)
		old = append(old, snapshot{x, want})
		if step%50 == 49 {
			for i, s := range old {
				verifyExact(t, fmt.Sprint("old step ", i), &s.x, pool, s.want, class)
			}
		}
	}
}

// TestAddrTableSpills fills one shard past its room by patching alone
// (no rebuild), so that addresses spill to the map and come back as
// others leave: every answer stays right, and earlier tables keep theirs.
func TestAddrTableSpills(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 2))
	pool := addrPool(240)
	class := func(id uint32) uint32 { return id + 100 }
	owners := map[netip.Addr]map[uint32]bool{}
	var pairs []ownedAddr
	for _, a := range pool[:10] {
		pairs = append(pairs, ownedAddr{a, 1})
		owners[a] = map[uint32]bool{1: true}
	}
	var x addrIndex
	x.flat, x.exact = buildExact(pairs, class)
	if len(x.flat.shards) != 1 {
		t.Fatalf("%d shards for 10 addresses", len(x.flat.shards))
	}
	type snapshot struct {
		x    addrIndex
		want map[netip.Addr][]uint32
	}
	var old []snapshot
	spilled := false
	for step := range 200 {
		changed := map[netip.Addr][]uint32{}
		for range 1 + r.IntN(20) {
			a := pool[r.IntN(len(pool))]
			if owners[a] == nil {
				owners[a] = map[uint32]bool{}
			}
			// Early steps mostly add, later ones mostly remove.
			id := uint32(r.IntN(3))
			if r.IntN(200) > step {
				owners[a][id] = true
			} else {
				delete(owners[a], id)
			}
			changed[a] = slices.Sorted(maps.Keys(owners[a]))
		}
		m := x.exact.edit()
		x.flat = x.flat.patch(m, changed, nil, class)
		x.exact = m.done()
		spilled = spilled || x.flat.shards[0].spilled
		want := exactWant(owners)
		verifyExact(t, fmt.Sprint("step ", step), &x, pool, want, class)
		old = append(old, snapshot{x, want})
	}
	if !spilled {
		t.Error("no address spilled: the test does not crowd the shard")
	}
	for i, s := range old {
		verifyExact(t, fmt.Sprint("old step ", i), &s.x, pool, s.want, class)
	}
}

// TestAddrTableBuildSpills builds a table whose one shard cannot take all
// its addresses, with owners beyond what a slot holds and addresses named
// twice by one owner.
func TestAddrTableBuildSpills(t *testing.T) {
	pool := addrPool(300)
	class := func(id uint32) uint32 { return id ^ 5 }
	owners := map[netip.Addr]map[uint32]bool{}
	var pairs []ownedAddr
	add := func(a netip.Addr, id uint32) {
		pairs = append(pairs, ownedAddr{a, id})
		if owners[a] == nil {
			owners[a] = map[uint32]bool{}
		}
		owners[a][id] = true
	}
	for i, a := range pool {
		add(a, uint32(i%5))
		if i%7 == 0 {
			add(a, uint32(i%5)) // named twice
		}
		if i%11 == 0 {
			add(a, 9)
		}
		if i%13 == 0 {
			add(a, addrEntMax+1) // too large for a slot
		}
	}
	var x addrIndex
	x.flat, x.exact = buildExact(pairs, class)
	verifyExact(t, "build", &x, pool, exactWant(owners), class)
	// One shard for them all, as a crowded hash would give.
	var crowded addrIndex
	crowded.flat, crowded.exact = buildExactSharded(pairs, class, 1)
	if !crowded.flat.shards[0].spilled {
		t.Fatal("one shard for 300 addresses did not spill")
	}
	verifyExact(t, "crowded build", &crowded, pool, exactWant(owners), class)
}

// TestAddrTableZonesAndInvalid: the table sends the walk to the map for a
// zoned or invalid address, and keeps :: apart from the invalid address.
func TestAddrTableZonesAndInvalid(t *testing.T) {
	x := newAddrIndex()
	e := x.edit(func(id uint32) uint64 { return uint64(id) }, false)
	zoned := netip.MustParseAddr("fe80::1%eth0")
	e.addAddr(zoned, 1)
	e.addAddr(netip.MustParseAddr("::"), 2)
	x = e.done(func(id uint32) uint32 { return id })
	if _, _, hit := x.flat.find(zoned); hit != addrAsk {
		t.Error("a zoned address is not left to the map")
	}
	if got := x.exactOwners(zoned).slice(); !slices.Equal(got, []uint32{1}) {
		t.Errorf("%s owned by %v", zoned, got)
	}
	if got := x.exactOwners(netip.MustParseAddr("fe80::1")); got.len() != 0 {
		t.Errorf("fe80::1 owned by %v for %s", got.slice(), zoned)
	}
	if got := x.exactOwners(netip.Addr{}); got.len() != 0 {
		t.Errorf("the invalid address owned by %v as ::", got.slice())
	}
	if ent, _, hit := x.flat.find(netip.MustParseAddr("::")); hit != addrOne || ent != 2 {
		t.Errorf(":: = %d, %v; want owner 2", ent, hit)
	}
}

// TestAddrShardSize: a shard fills a size class of the allocator exactly.
func TestAddrShardSize(t *testing.T) {
	if got := unsafe.Sizeof(addrShard{}); got != 2048 {
		t.Errorf("a shard is %d bytes, want 2,048", got)
	}
}
