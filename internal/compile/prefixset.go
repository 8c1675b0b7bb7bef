package compile

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
)

// prefixSet answers "is the address in any of these CIDRs" for a rule's
// nets or notNets, exactly as netip.Prefix.Contains would for each CIDR. A
// short list is scanned; a long one becomes sorted, merged address ranges
// searched by bisection, so a rule with thousands of CIDRs costs a few
// comparisons.
type prefixSet struct {
	short []netip.Prefix
	v4    []span4
	v6    []span6
}

// prefixSetScanLimit is where bisection starts to beat a scan.
const prefixSetScanLimit = 8

type span4 struct{ lo, hi uint32 }

type u128 struct{ hi, lo uint64 }

func (a u128) cmp(b u128) int {
	if c := cmp.Compare(a.hi, b.hi); c != 0 {
		return c
	}
	return cmp.Compare(a.lo, b.lo)
}

type span6 struct{ lo, hi u128 }

func newPrefixSet(nets []netip.Prefix) *prefixSet {
	if len(nets) == 0 {
		return nil
	}
	s := &prefixSet{}
	if len(nets) <= prefixSetScanLimit {
		s.short = slices.Clone(nets)
		return s
	}
	for _, p := range nets {
		if !p.IsValid() {
			continue // contains nothing
		}
		p = p.Masked()
		if p.Addr().Is4() {
			b := p.Addr().As4()
			lo := binary.BigEndian.Uint32(b[:])
			hi := lo | uint32(uint64(1)<<(32-p.Bits())-1)
			s.v4 = append(s.v4, span4{lo, hi})
		} else {
			lo := addr128(p.Addr())
			hi := lo
			host := 128 - p.Bits()
			switch {
			case host >= 64:
				hi.lo = ^uint64(0)
				if host > 64 {
					hi.hi |= uint64(1)<<(host-64) - 1
				}
				if host == 128 {
					hi.hi = ^uint64(0)
				}
			case host > 0:
				hi.lo |= uint64(1)<<host - 1
			}
			s.v6 = append(s.v6, span6{lo, hi})
		}
	}
	slices.SortFunc(s.v4, func(a, b span4) int { return cmp.Compare(a.lo, b.lo) })
	s.v4 = mergeSpans4(s.v4)
	slices.SortFunc(s.v6, func(a, b span6) int { return a.lo.cmp(b.lo) })
	s.v6 = mergeSpans6(s.v6)
	return s
}

func addr128(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// mergeSpans4 joins overlapping ranges; CIDRs never partly overlap, but
// one may hold another.
func mergeSpans4(s []span4) []span4 {
	out := s[:0]
	for _, x := range s {
		if n := len(out); n > 0 && x.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, x.hi)
			continue
		}
		out = append(out, x)
	}
	return out
}

func mergeSpans6(s []span6) []span6 {
	out := s[:0]
	for _, x := range s {
		if n := len(out); n > 0 && x.lo.cmp(out[n-1].hi) <= 0 {
			if x.hi.cmp(out[n-1].hi) > 0 {
				out[n-1].hi = x.hi
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// contains reports whether some CIDR of the set contains a.
func (s *prefixSet) contains(a netip.Addr) bool {
	if s.short != nil {
		for _, p := range s.short {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	if a.Is4() {
		b := a.As4()
		x := binary.BigEndian.Uint32(b[:])
		i, _ := slices.BinarySearchFunc(s.v4, x, func(sp span4, x uint32) int { return cmp.Compare(sp.lo, x) })
		// i is the first span starting after x (or at it).
		if i < len(s.v4) && s.v4[i].lo == x {
			return true
		}
		return i > 0 && x <= s.v4[i-1].hi
	}
	x := addr128(a)
	i, _ := slices.BinarySearchFunc(s.v6, x, func(sp span6, x u128) int { return sp.lo.cmp(x) })
	if i < len(s.v6) && s.v6[i].lo == x {
		return true
	}
	return i > 0 && x.cmp(s.v6[i-1].hi) <= 0
}
