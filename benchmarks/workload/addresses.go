package workload

import (
	"math/big"
	"net/netip"
)

// Address plan of a generated cluster. Pods and nodes live in private
// ranges; everything outside the cluster is drawn from public-looking
// ranges that the network sets describe.
var (
	podCIDRv4  = netip.MustParsePrefix("10.64.0.0/10")
	podCIDRv6  = netip.MustParsePrefix("fd00:10:244::/48")
	nodeCIDRv4 = netip.MustParsePrefix("192.168.0.0/16")
	nodeCIDRv6 = netip.MustParsePrefix("fd00:192:168::/64")
	// clusterV4 and clusterV6 cover everything inside the cluster.
	clusterV4 = netip.MustParsePrefix("10.0.0.0/8")
	clusterV6 = netip.MustParsePrefix("fd00::/8")
	// outsideFirstOctets are the /8s outside ranges are drawn from.
	outsideFirstOctets = []byte{23, 34, 45, 52, 63, 81, 91, 104, 151, 185, 203}
	// outsideV6 is where IPv6 outside ranges come from.
	outsideV6 = netip.MustParsePrefix("2001:db8::/32")
	// strangers are addresses no network set is meant to hold.
	strangers = []netip.Addr{
		netip.MustParseAddr("1.1.1.1"), netip.MustParseAddr("100.64.12.7"),
		netip.MustParseAddr("172.217.3.110"), netip.MustParseAddr("9.9.9.9"),
		netip.MustParseAddr("2606:4700:4700::1111"), netip.MustParseAddr("2a00:1450:4001:82b::200e"),
	}
)

// nthAddr returns the n-th address of the prefix (0 is the network
// address); n must fit in the prefix.
func nthAddr(p netip.Prefix, n uint64) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	v := new(big.Int).SetBytes(b)
	v.Add(v, new(big.Int).SetUint64(n))
	out := v.FillBytes(make([]byte, len(b)))
	a, _ := netip.AddrFromSlice(out)
	return a
}

// randomIn returns a random address inside p.
func randomIn(r *rng, p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	hostBits := len(b)*8 - p.Bits()
	for i := len(b) - 1; i >= 0 && hostBits > 0; i-- {
		take := min(hostBits, 8)
		mask := byte(1<<take - 1)
		b[i] |= byte(r.IntN(256)) & mask
		hostBits -= take
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// prefixOf returns the prefix of the given length holding a.
func prefixOf(a netip.Addr, bits int) netip.Prefix {
	p, _ := a.Prefix(bits)
	return p
}

// allocator hands out unused addresses of a range, in order, skipping the
// network address, addresses ending in .0 or .255 (which some tools
// refuse for hosts) and anything already taken.
type allocator struct {
	prefix netip.Prefix
	next   uint64
	taken  map[netip.Addr]bool
}

func newAllocator(p netip.Prefix, start uint64, taken map[netip.Addr]bool) *allocator {
	if taken == nil {
		taken = map[netip.Addr]bool{}
	}
	return &allocator{prefix: p, next: max(start, 1), taken: taken}
}

func (a *allocator) take() netip.Addr {
	for {
		addr := nthAddr(a.prefix, a.next)
		a.next++
		if addr.Is4() {
			last := addr.As4()[3]
			if last == 0 || last == 255 {
				continue
			}
		}
		if !a.taken[addr] {
			a.taken[addr] = true
			return addr
		}
	}
}
