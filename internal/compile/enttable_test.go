package compile

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func podEntity(name, ip string) (model.Key, *entity) {
	ep := pod(name, "prod", ip, nil)
	return ep.Key(), &entity{kind: kindWorkload, endpoint: &ep, class: noClass}
}

func netsetEntity(name, cidr string) (model.Key, *entity) {
	ns := &model.NetworkSet{Name: name, Nets: []netip.Prefix{netip.MustParsePrefix(cidr)}}
	return ns.Key(), &entity{kind: kindNetworkSet, netset: ns, class: noClass}
}

func noMatches(uint32) []uint32 { return nil }

// TestEntityEditOrder: new entities take the next place in the order and
// are filed by address; a replaced one keeps its place and class and is
// filed again only when its addresses change; a removed one's id is
// reused from the next batch; the earlier table keeps its entities.
func TestEntityEditOrder(t *testing.T) {
	e := empty().entityTable.edit(false, 2, noMatches)
	k1, a := podEntity("a", "10.0.0.1")
	k2, b := podEntity("b", "10.0.0.1")
	ida, idb := e.put(k1, a), e.put(k2, b)
	a.class, b.class = 7, 8
	x1 := e.done()
	if a.ordinal != 0 || b.ordinal != 1 || x1.nextOrdinal != 2 {
		t.Fatalf("ordinals %d, %d, next %d", a.ordinal, b.ordinal, x1.nextOrdinal)
	}
	if got := x1.addrs.exactOwners(addr("10.0.0.1")).slice(); !slices.Equal(got, []uint32{ida, idb}) {
		t.Fatalf("owners of 10.0.0.1: %v, want [%d %d] in order", got, ida, idb)
	}

	e = x1.edit(false, 1, noMatches)
	_, a2 := podEntity("a", "10.0.0.9")
	if id := e.put(k1, a2); id != ida || a2.ordinal != 0 || a2.class != 7 {
		t.Errorf("a replaced entity: id %d, ordinal %d, class %d; want %d, 0, 7", id, a2.ordinal, a2.class, ida)
	}
	e.remove(idb)
	x2 := e.done()
	if got := x2.addrs.exactOwners(addr("10.0.0.1")); got.len() != 0 {
		t.Errorf("10.0.0.1 is still owned by %v", got)
	}
	if got := x2.addrs.exactOwners(addr("10.0.0.9")).slice(); !slices.Equal(got, []uint32{ida}) {
		t.Errorf("10.0.0.9 is owned by %v", got)
	}
	if _, ok := x2.entityIDs.get(k2); ok || !slices.Equal(x2.entityFree, []uint32{idb}) {
		t.Errorf("the removed entity is still named, or its id %d not free: %v", idb, x2.entityFree)
	}
	if x1.entities.get(ida) != a || x1.addrs.exactOwners(addr("10.0.0.1")).len() != 2 {
		t.Error("the earlier table changed")
	}
	e = x2.edit(false, 1, noMatches)
	k3, c := podEntity("c", "10.0.0.3")
	if id := e.put(k3, c); id != idb {
		t.Errorf("a new entity got id %d, want the freed %d", id, idb)
	}
}

// TestEntityEditClasses: giving an entity a class copies it unless this
// batch created it, and a network set leaving a class notes what that
// class matched, whose peer CIDRs change.
func TestEntityEditClasses(t *testing.T) {
	e := empty().entityTable.edit(false, 2, noMatches)
	kp, p := podEntity("a", "10.0.0.1")
	kn, n := netsetEntity("office", "10.1.0.0/16")
	ip, in := e.put(kp, p), e.put(kn, n)
	e.setClass(ip, 1, noMatches)
	if e.get(ip) != p || p.class != 1 {
		t.Error("an entity created in the batch was copied to set its class")
	}
	e.setClass(in, 2, noMatches)
	x1 := e.done()
	if !slices.Equal(x1.netsets, []uint32{in}) {
		t.Fatalf("network sets %v, want [%d]", x1.netsets, in)
	}

	e = x1.edit(false, 0, noMatches)
	e.setClass(ip, 3, noMatches)
	e.setClass(in, 4, func(c uint32) []uint32 { return []uint32{c * 10} })
	x2 := e.done()
	if x1.entities.get(ip).class != 1 || x2.entities.get(ip).class != 3 {
		t.Errorf("classes: earlier %d, later %d; want 1 and 3", x1.entities.get(ip).class, x2.entities.get(ip).class)
	}
	if got := e.moved[in]; !slices.Equal(got, []uint32{20}) {
		t.Errorf("the network set leaving class 2 noted %v, want what class 2 matched", got)
	}

	e = x2.edit(false, 0, func(c uint32) []uint32 { return []uint32{c} })
	e.remove(in)
	x3 := e.done()
	if len(x3.netsets) != 0 || !slices.Equal(x2.netsets, []uint32{in}) {
		t.Errorf("network sets after removing one: %v; earlier %v", x3.netsets, x2.netsets)
	}
	if got := e.moved[in]; !slices.Equal(got, []uint32{4}) {
		t.Errorf("the removed network set noted %v, want what its class matched before", got)
	}
}
