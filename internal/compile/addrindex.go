package compile

import (
	"net/netip"
	"slices"
)

// addrIndex resolves an address to every entity owning it (SPEC 5):
// endpoints by exact address, network sets by every CIDR containing it,
// whatever its prefix length. Exact addresses sit in one map; CIDRs in one
// map per prefix length present, so a lookup costs one map access per
// length in use rather than a walk over every set.
type addrIndex struct {
	exact pmap[netip.Addr, []uint32] // entity ids, in entity order
	nets  [2][]prefixLevel           // [0] IPv4, [1] IPv6; longest prefix first
	// flat is exact in the form the walk probes (addrtable.go).
	flat addrTable
}

// prefixLevel holds the CIDRs of one prefix length, by masked address.
type prefixLevel struct {
	bits  int
	count int // CIDRs filed, counting each (CIDR, entity) once
	m     pmap[netip.Addr, []uint32]
}

func newAddrIndex() addrIndex {
	return addrIndex{exact: newPmap[netip.Addr, []uint32](hashAddr)}
}

func familyIndex(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// exactOwners returns the entities with a at one of their addresses.
func (x *addrIndex) exactOwners(a netip.Addr) []uint32 {
	ids, _ := x.exact.get(a)
	return ids
}

// netOwners calls fn with the entities of every CIDR containing a, one
// prefix length at a time. Like netip.Prefix.Contains, an address with a
// zone is in no CIDR, and an IPv4 address is in no IPv6 CIDR nor the other
// way round.
func (x *addrIndex) netOwners(a netip.Addr, fn func(ids []uint32) bool) {
	if !a.IsValid() || a.Zone() != "" {
		return
	}
	for i := range x.nets[familyIndex(a)] {
		l := &x.nets[familyIndex(a)][i]
		p, err := a.Prefix(l.bits)
		if err != nil {
			continue
		}
		if ids, ok := l.m.get(p.Addr()); ok {
			if !fn(ids) {
				return
			}
		}
	}
}

// addrIndexEdit changes an addrIndex.
type addrIndexEdit struct {
	exact *pmapEdit[netip.Addr, []uint32]
	nets  [2][]*prefixLevelEdit
	order func(id uint32) uint64 // entity order, to keep lists sorted
	flat  addrTable
	// touched are the addresses whose slot in flat may change: their
	// owners or their first owner's class changed. A cold batch builds
	// flat afresh and keeps none.
	touched map[netip.Addr]struct{}
	cold    bool
}

type prefixLevelEdit struct {
	bits  int
	count int
	m     *pmapEdit[netip.Addr, []uint32]
}

func (x *addrIndex) edit(order func(uint32) uint64, cold bool) *addrIndexEdit {
	e := &addrIndexEdit{exact: x.exact.edit(), order: order, flat: x.flat, cold: cold}
	if !cold {
		e.touched = map[netip.Addr]struct{}{}
	}
	for f := range x.nets {
		for i := range x.nets[f] {
			l := &x.nets[f][i]
			e.nets[f] = append(e.nets[f], &prefixLevelEdit{bits: l.bits, count: l.count, m: l.m.edit()})
		}
	}
	return e
}

// insertID adds id to a list kept in entity order; the list is copied,
// since snapshots may share it.
func (e *addrIndexEdit) insertID(ids []uint32, id uint32) []uint32 {
	if slices.Contains(ids, id) {
		return ids
	}
	at := len(ids)
	for i, x := range ids {
		if e.order(x) > e.order(id) {
			at = i
			break
		}
	}
	out := make([]uint32, 0, len(ids)+1)
	out = append(out, ids[:at]...)
	out = append(out, id)
	return append(out, ids[at:]...)
}

func removeID(ids []uint32, id uint32) []uint32 {
	i := slices.Index(ids, id)
	if i < 0 {
		return ids
	}
	out := make([]uint32, 0, len(ids)-1)
	out = append(out, ids[:i]...)
	return append(out, ids[i+1:]...)
}

// touch notes that the slot of a in the flat table may change.
func (e *addrIndexEdit) touch(a netip.Addr) {
	if !e.cold {
		e.touched[a] = struct{}{}
	}
}

func (e *addrIndexEdit) addAddr(a netip.Addr, id uint32) {
	e.touch(a)
	ids, _ := e.exact.get(a)
	e.exact.set(a, e.insertID(ids, id))
}

func (e *addrIndexEdit) removeAddr(a netip.Addr, id uint32) {
	e.touch(a)
	ids, _ := e.exact.get(a)
	if ids = removeID(ids, id); len(ids) == 0 {
		e.exact.del(a)
	} else {
		e.exact.set(a, ids)
	}
}

// level returns the level for a CIDR's family and length, creating it.
func (e *addrIndexEdit) level(p netip.Prefix, create bool) *prefixLevelEdit {
	f := familyIndex(p.Addr())
	for _, l := range e.nets[f] {
		if l.bits == p.Bits() {
			return l
		}
	}
	if !create {
		return nil
	}
	empty := newPmap[netip.Addr, []uint32](hashAddr)
	l := &prefixLevelEdit{bits: p.Bits(), m: empty.edit()}
	e.nets[f] = append(e.nets[f], l)
	slices.SortFunc(e.nets[f], func(a, b *prefixLevelEdit) int { return b.bits - a.bits })
	return l
}

// addNet files a CIDR of an entity. Invalid prefixes contain nothing and
// are not filed.
func (e *addrIndexEdit) addNet(p netip.Prefix, id uint32) {
	if !p.IsValid() {
		return
	}
	p = p.Masked()
	l := e.level(p, true)
	ids, _ := l.m.get(p.Addr())
	if slices.Contains(ids, id) {
		return
	}
	l.m.set(p.Addr(), e.insertID(ids, id))
	l.count++
}

func (e *addrIndexEdit) removeNet(p netip.Prefix, id uint32) {
	if !p.IsValid() {
		return
	}
	p = p.Masked()
	l := e.level(p, false)
	if l == nil {
		return
	}
	ids, ok := l.m.get(p.Addr())
	if !ok || !slices.Contains(ids, id) {
		return
	}
	if ids = removeID(ids, id); len(ids) == 0 {
		l.m.del(p.Addr())
	} else {
		l.m.set(p.Addr(), ids)
	}
	l.count--
}

// done returns the edited index; class gives an entity's class as the
// batch leaves it, for the flat table.
func (e *addrIndexEdit) done(class func(id uint32) uint32) addrIndex {
	x := addrIndex{exact: e.exact.done()}
	if e.cold {
		x.flat = buildAddrTable(&x, class)
	} else {
		x.flat = e.flat.update(&x, class, e.touched)
	}
	for f := range e.nets {
		for _, l := range e.nets[f] {
			if l.count == 0 {
				continue
			}
			x.nets[f] = append(x.nets[f], prefixLevel{bits: l.bits, count: l.count, m: l.m.done()})
		}
	}
	return x
}
