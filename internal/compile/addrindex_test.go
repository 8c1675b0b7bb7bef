package compile

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// randomPrefix returns a prefix of a random length near a few anchors, so
// that prefixes of every length overlap.
func randomPrefix(r *rand.Rand) netip.Prefix {
	if r.IntN(3) == 0 {
		a := netip.AddrFrom16([16]byte{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(r.IntN(4)), byte(r.IntN(256))})
		return netip.PrefixFrom(a, r.IntN(129))
	}
	a := netip.AddrFrom4([4]byte{10, byte(r.IntN(2)), byte(r.IntN(4)), byte(r.IntN(256))})
	return netip.PrefixFrom(a, r.IntN(33))
}

func randomAddr(r *rand.Rand) netip.Addr {
	switch r.IntN(8) {
	case 0:
		return netip.AddrFrom16([16]byte{0xfd, 15: byte(r.IntN(256))})
	case 1:
		return netip.AddrFrom16([16]byte{0xfd, 14: byte(r.IntN(4)), 15: byte(r.IntN(256))})
	case 2:
		// IPv4-mapped IPv6 is IPv6, and in no IPv4 prefix.
		return netip.AddrFrom16(netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(256))}).As16())
	case 3:
		return netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(256))}).WithZone("")
	}
	return netip.AddrFrom4([4]byte{10, byte(r.IntN(2)), byte(r.IntN(4)), byte(r.IntN(256))})
}

// TestAddrIndexAllOwners files overlapping CIDRs of every length, IPv4 and
// IPv6, with exact addresses, then removes some: every lookup must give
// exactly the entities a brute-force scan finds.
func TestAddrIndexAllOwners(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	type owned struct {
		id    uint32
		nets  []netip.Prefix
		addrs []netip.Addr
	}
	var ents []owned
	x := newAddrIndex()
	e := x.edit(func(id uint32) uint64 { return uint64(id) }, false)
	for id := range uint32(300) {
		o := owned{id: id}
		if id%3 == 0 {
			o.addrs = []netip.Addr{randomAddr(r)}
			e.addAddr(o.addrs[0], id)
		} else {
			for range 1 + r.IntN(3) {
				p := randomPrefix(r)
				o.nets = append(o.nets, p)
				e.addNet(p, id)
			}
		}
		ents = append(ents, o)
	}
	x = e.done(func(id uint32) uint32 { return id })
	check := func(x *addrIndex, ents []owned) {
		t.Helper()
		for range 3000 {
			a := randomAddr(r)
			var want []uint32
			for _, o := range ents {
				if slices.Contains(o.addrs, a) || slices.ContainsFunc(o.nets, func(p netip.Prefix) bool { return p.Contains(a) }) {
					want = append(want, o.id)
				}
			}
			got := x.exactOwners(a).slice()
			x.netOwners(a, func(ids []uint32) bool {
				for _, id := range ids {
					if !slices.Contains(got, id) {
						got = append(got, id)
					}
				}
				return true
			})
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("owners of %v: got %v, want %v", a, got, want)
			}
		}
	}
	check(&x, ents)
	old := x
	e = x.edit(func(id uint32) uint64 { return uint64(id) }, false)
	var kept []owned
	for _, o := range ents {
		if o.id%2 == 0 {
			kept = append(kept, o)
			continue
		}
		for _, a := range o.addrs {
			e.removeAddr(a, o.id)
		}
		for _, p := range o.nets {
			e.removeNet(p, o.id)
		}
	}
	x = e.done(func(id uint32) uint32 { return id })
	check(&x, kept)
	check(&old, ents) // the old snapshot is untouched
}

// TestAddrIndexOrder keeps the owners of one address in entity order, which
// decides the judged endpoint when several own it.
func TestAddrIndexOrder(t *testing.T) {
	a := netip.MustParseAddr("10.0.0.1")
	order := map[uint32]uint64{7: 1, 3: 2, 9: 0}
	x := newAddrIndex()
	e := x.edit(func(id uint32) uint64 { return order[id] }, false)
	for _, id := range []uint32{7, 3, 9} {
		e.addAddr(a, id)
	}
	x = e.done(func(id uint32) uint32 { return id })
	if got := x.exactOwners(a).slice(); !slices.Equal(got, []uint32{9, 7, 3}) {
		t.Errorf("owners %v, want [9 7 3]", got)
	}
}

// TestPrefixSetContains compares short and long prefix sets with
// netip.Prefix.Contains on every kind of address.
func TestPrefixSetContains(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for range 400 {
		var nets []netip.Prefix
		for range 1 + r.IntN(40) {
			nets = append(nets, randomPrefix(r))
		}
		if r.IntN(10) == 0 {
			nets = append(nets, netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
		}
		s := newPrefixSet(nets)
		for range 200 {
			a := randomAddr(r)
			if r.IntN(20) == 0 {
				a = netip.MustParseAddr("fd00::1%eth0")
			}
			want := slices.ContainsFunc(nets, func(p netip.Prefix) bool { return p.Contains(a) })
			if got := s.contains(a); got != want {
				t.Fatalf("%v in %v: got %v, want %v", a, nets, got, want)
			}
		}
	}
	if newPrefixSet(nil) != nil {
		t.Error("an empty list gave a set")
	}
}

func TestProgramOwners(t *testing.T) {
	set := smallSet()
	set.NetworkSets = []model.NetworkSet{
		{Name: "wide", Nets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/16")}},
		{Name: "narrow", Namespace: "prod", Nets: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/31")}},
		{Name: "v6", Nets: []netip.Prefix{netip.MustParsePrefix("fd00::/8")}},
	}
	p := mustCompile(t, set)
	got := p.Owners(addr("10.0.0.3"))
	want := []model.Key{
		{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "db-1"},
		{Kind: model.KindNetworkSet, Namespace: "prod", Name: "narrow"},
		{Kind: model.KindGlobalNetworkSet, Name: "wide"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("owners %v, want %v", got, want)
	}
	if got := p.Owners(addr("192.168.1.1")); len(got) != 0 {
		t.Errorf("an outside address has owners %v", got)
	}
}
