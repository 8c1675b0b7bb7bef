package compile

import (
	"iter"
	"net/netip"
	"slices"
)

// addrIndex resolves an address to every entity owning it (SPEC 5):
// endpoints by exact address, network sets by every CIDR containing it,
// whatever its prefix length. Exact addresses sit in the flat table, or,
// when it cannot hold them (several owners, a zone), in one map; CIDRs in
// one map per prefix length present, so a lookup costs one map access per
// length in use rather than a walk over every set.
type addrIndex struct {
	// flat holds the addresses one entity owns (addrtable.go); exact
	// holds the owners, in entity order, of those it does not.
	flat  addrTable
	exact pmap[netip.Addr, []uint32]
	nets  [2][]prefixLevel // [0] IPv4, [1] IPv6; longest prefix first
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

// ownerList is the entities owning an address exactly, in entity order:
// the flat table's one owner, or the map's list.
type ownerList struct {
	ids    []uint32
	one    uint32
	single bool
}

func (o ownerList) len() int {
	if o.single {
		return 1
	}
	return len(o.ids)
}

func (o ownerList) at(i int) uint32 {
	if o.single {
		return o.one
	}
	return o.ids[i]
}

// slice returns the owners as a list of the caller's.
func (o ownerList) slice() []uint32 {
	if o.single {
		return []uint32{o.one}
	}
	return slices.Clone(o.ids)
}

// exactOwners returns the entities with a at one of their addresses.
func (x *addrIndex) exactOwners(a netip.Addr) ownerList {
	ent, _, hit := x.flat.find(a)
	switch hit {
	case addrOne:
		return ownerList{one: ent, single: true}
	case addrNone:
		return ownerList{}
	}
	ids, _ := x.exact.get(a)
	return ownerList{ids: ids}
}

// allExact yields every address some entity owns exactly, with its
// owners, in no particular order.
func (x *addrIndex) allExact() iter.Seq2[netip.Addr, ownerList] {
	return func(yield func(netip.Addr, ownerList) bool) {
		for _, s := range x.flat.shards {
			for i := range s.slots {
				sl := &s.slots[i]
				if sl.tag != 0 && sl.tag&addrInMap == 0 {
					if !yield(sl.addr(), ownerList{one: sl.tag & addrEntMax, single: true}) {
						return
					}
				}
			}
		}
		for a, ids := range x.exact.all() {
			if !yield(a, ownerList{ids: ids}) {
				return
			}
		}
	}
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
	base  addrIndex
	nets  [2][]*prefixLevelEdit
	order func(id uint32) uint64 // entity order, to keep lists sorted
	// changed are the new owners of the exact addresses the batch
	// changed, none for one it left without; reclass are addresses whose
	// first owner's class may have changed.
	changed map[netip.Addr][]uint32
	reclass map[netip.Addr]struct{}
	// cold: the batch builds from nothing, so done files every address
	// at once, from pairs (given by a cold compile) and changed.
	cold  bool
	pairs []ownedAddr
}

type prefixLevelEdit struct {
	bits  int
	count int
	m     *pmapEdit[netip.Addr, []uint32]
}

func (x *addrIndex) edit(order func(uint32) uint64, cold bool) *addrIndexEdit {
	e := &addrIndexEdit{base: *x, order: order, cold: cold}
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

// touch notes that the class of a's owners may change.
func (e *addrIndexEdit) touch(a netip.Addr) {
	if e.cold {
		return
	}
	if e.reclass == nil {
		e.reclass = map[netip.Addr]struct{}{}
	}
	e.reclass[a] = struct{}{}
}

// owners returns a's owners as the batch leaves them so far.
func (e *addrIndexEdit) owners(a netip.Addr) []uint32 {
	if ids, ok := e.changed[a]; ok {
		return ids
	}
	return e.base.exactOwners(a).slice()
}

func (e *addrIndexEdit) addAddr(a netip.Addr, id uint32) {
	e.change(a, e.insertID(e.owners(a), id))
}

func (e *addrIndexEdit) removeAddr(a netip.Addr, id uint32) {
	e.change(a, removeID(e.owners(a), id))
}

func (e *addrIndexEdit) change(a netip.Addr, ids []uint32) {
	if e.changed == nil {
		e.changed = map[netip.Addr][]uint32{}
	}
	e.changed[a] = ids
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
	var x addrIndex
	t := &e.base.flat
	switch {
	case e.cold:
		x.flat, x.exact = buildExact(append(e.pairs, e.changedPairs()...), class)
	case len(e.changed) == 0 && len(e.reclass) == 0:
		x.flat, x.exact = e.base.flat, e.base.exact
	case len(t.shards) == 0 || len(e.changed) > t.n/4 || t.n+len(e.changed) > len(t.shards)*addrShardGrow:
		x.flat, x.exact = buildExact(e.allPairs(), class)
	default:
		m := e.base.exact.edit()
		x.flat = t.patch(m, e.changed, e.reclass, class)
		x.exact = m.done()
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

// changedPairs returns the batch's owners of the addresses it changed as
// pairs.
func (e *addrIndexEdit) changedPairs() []ownedAddr {
	var out []ownedAddr
	for a, ids := range e.changed {
		for _, id := range ids {
			out = append(out, ownedAddr{a, id})
		}
	}
	return out
}

// allPairs returns every exact address with its owners as the batch
// leaves them, as pairs, to build the index afresh.
func (e *addrIndexEdit) allPairs() []ownedAddr {
	out := make([]ownedAddr, 0, e.base.flat.n+e.base.exact.len()+len(e.changed))
	for a, o := range e.base.allExact() {
		if _, ok := e.changed[a]; ok {
			continue
		}
		for i := range o.len() {
			out = append(out, ownedAddr{a, o.at(i)})
		}
	}
	return append(out, e.changedPairs()...)
}
