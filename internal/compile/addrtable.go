package compile

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
	"runtime"
	"slices"
)

// addrTable is where the exact address index keeps the addresses one
// entity owns: one probe gives the walk that owner and its class, where a
// Go map costs a header, a directory, a group and an owner list, each a
// cache miss, before the owner's entity and class can even be asked for.
// For those addresses, nearly all of them, the table is the index; the
// index's map holds the rest (addrIndex.exact): addresses with several
// owners (the table keeps a slot saying so), zoned and invalid ones, and
// any whose shard had no room (the shard says so).
//
// Slots are open-addressed with linear probing inside fixed-size shards;
// an edit copies the shards it touches once and shares the rest, as pmap
// does.
type addrTable struct {
	shards []*addrShard // never nil entries
	n      int          // slots in use
}

const (
	// 85 slots of 24 bytes and the shard's count fill 2,048 bytes, one of
	// the allocator's size classes, so nothing is lost to rounding.
	addrShardSlots = 85
	// A shard takes at most addrShardMax addresses, so that a probe
	// always meets an empty slot; a build aims at addrShardFill, 60%
	// full, so that a probe rarely leaves its first cache line. An
	// update that would bring the table to addrShardGrow per shard on
	// average builds it afresh, with more shards.
	addrShardMax  = 80
	addrShardFill = 51
	addrShardGrow = 68
)

type addrShard struct {
	slots [addrShardSlots]addrSlot
	n     uint16
	// spilled: an address this shard had no room for is in the index's
	// map, so a miss here must ask the map.
	spilled bool
}

// addrSlot is one address and its owner. tag is 0 for an empty slot;
// otherwise it holds addrUsed, addrV6 for an IPv6 address (keeping
// 10.0.0.1 apart from ::ffff:10.0.0.1), and either the owner's entity id,
// whose class is cls, or addrInMap when the index's map holds the owners.
type addrSlot struct {
	hi, lo uint64
	tag    uint32
	cls    uint32
}

const (
	addrUsed   = 1 << 31
	addrV6     = 1 << 30
	addrInMap  = 1 << 29
	addrKeyTag = addrUsed | addrV6
	// addrEntMax is the largest entity id a slot holds; an address owned
	// by a larger one is left to the map.
	addrEntMax = 1<<29 - 1
)

// addrHit is what the table knows of an address.
type addrHit uint8

const (
	// addrNone: no entity owns the address exactly.
	addrNone addrHit = iota
	// addrOne: one entity does, the one find returns.
	addrOne
	// addrAsk: the index's map knows (several owners, a zone, an invalid
	// address, a shard without room).
	addrAsk
)

// addrKey returns the slot key of a zone-free address.
func addrKey(a netip.Addr) (hi, lo uint64, key uint32) {
	b := a.As16()
	key = addrUsed
	if !a.Is4() {
		key |= addrV6
	}
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), key
}

// addr returns the address a slot holds.
func (sl *addrSlot) addr() netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], sl.hi)
	binary.BigEndian.PutUint64(b[8:], sl.lo)
	a := netip.AddrFrom16(b)
	if sl.tag&addrV6 == 0 {
		a = a.Unmap()
	}
	return a
}

func addrSlotHash(hi, lo uint64, key uint32) uint64 {
	return mix64(hi ^ mix64(lo^uint64(key)))
}

// shardOf returns the shard an address hash falls in: the high bits of
// the hash scaled to the shard count, which need not be a power of two.
func (t *addrTable) shardOf(h uint64) int {
	s, _ := bits.Mul64(h, uint64(len(t.shards)))
	return int(s)
}

// addrHome returns the slot a probe for an address hash starts at: the
// low half of the hash scaled to the slot count.
func addrHome(h uint64) int {
	return int(uint64(uint32(h)) * addrShardSlots >> 32)
}

// find returns what the table knows of a: with addrOne, its owner and the
// owner's class.
func (t *addrTable) find(a netip.Addr) (ent, cls uint32, hit addrHit) {
	if !a.IsValid() || a.Zone() != "" {
		return 0, 0, addrAsk
	}
	if len(t.shards) == 0 {
		return 0, 0, addrNone
	}
	hi, lo, key := addrKey(a)
	h := addrSlotHash(hi, lo, key)
	s := t.shards[t.shardOf(h)]
	for i, k := addrHome(h), 0; k < addrShardSlots; k++ {
		sl := &s.slots[i]
		if sl.tag == 0 {
			break
		}
		if sl.lo == lo && sl.hi == hi && sl.tag&addrKeyTag == key {
			if sl.tag&addrInMap != 0 {
				return 0, 0, addrAsk
			}
			return sl.tag & addrEntMax, sl.cls, addrOne
		}
		if i++; i == addrShardSlots {
			i = 0
		}
	}
	if s.spilled {
		return 0, 0, addrAsk
	}
	return 0, 0, addrNone
}

// locate returns the slot holding the key, or, found false, the empty
// slot where it would go: -1 when the shard has no room for it.
func (s *addrShard) locate(hi, lo uint64, key uint32, h uint64) (int, bool) {
	i := addrHome(h)
	for range addrShardSlots {
		sl := &s.slots[i]
		if sl.tag == 0 {
			if s.n >= addrShardMax {
				return -1, false
			}
			return i, false
		}
		if sl.lo == lo && sl.hi == hi && sl.tag&addrKeyTag == key {
			return i, true
		}
		if i++; i == addrShardSlots {
			i = 0
		}
	}
	return -1, false
}

// remove empties slot i, moving back the slots after it so that every
// probe still finds its address.
func (s *addrShard) remove(i int) {
	s.n--
	// Backward shift: a later slot of the run moves into the hole unless
	// its home lies cyclically in (hole, slot]. The run ends, since a
	// shard is never full.
	hole := i
	dist := func(from, to int) int { return (to - from + addrShardSlots) % addrShardSlots }
	for j := (i + 1) % addrShardSlots; s.slots[j].tag != 0; j = (j + 1) % addrShardSlots {
		sl := &s.slots[j]
		home := addrHome(addrSlotHash(sl.hi, sl.lo, sl.tag&addrKeyTag))
		if dist(home, j) >= dist(hole, j) {
			s.slots[hole] = *sl
			hole = j
		}
	}
	s.slots[hole] = addrSlot{}
}

// addrShardsFor returns the shard count that keeps n addresses about
// addrShardFill to a shard.
func addrShardsFor(n int) int {
	return (n + addrShardFill - 1) / addrShardFill
}

// slotFor returns the slot filing ids as the owners of an address of key
// hi, lo, key: the owner itself when it is alone, else a mark sending the
// walk to the map.
func slotFor(hi, lo uint64, key uint32, ids []uint32, class func(uint32) uint32) addrSlot {
	if len(ids) == 1 && ids[0] <= addrEntMax {
		return addrSlot{hi: hi, lo: lo, tag: key | ids[0], cls: class(ids[0])}
	}
	return addrSlot{hi: hi, lo: lo, tag: key | addrInMap}
}

// ownedAddr is an address and one entity owning it.
type ownedAddr struct {
	addr netip.Addr
	id   uint32
}

// buildExact files addresses from nothing: the pairs of one address come
// in entity order, and may repeat. Shards are filled in parallel, each
// from its own pairs in their order; the addresses the table does not
// settle go to the map.
func buildExact(pairs []ownedAddr, class func(uint32) uint32) (addrTable, pmap[netip.Addr, []uint32]) {
	return buildExactSharded(pairs, class, addrShardsFor(len(pairs)))
}

func buildExactSharded(pairs []ownedAddr, class func(uint32) uint32, shards int) (addrTable, pmap[netip.Addr, []uint32]) {
	n := len(pairs)
	t := addrTable{shards: make([]*addrShard, shards)}
	workers := min(runtime.GOMAXPROCS(0), max(1, n/parallelBulk))
	const mapOnly = ^uint32(0)
	shardOf := make([]uint32, n)
	inParallel(n, workers, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			a := pairs[i].addr
			if !a.IsValid() || a.Zone() != "" {
				shardOf[i] = mapOnly
				continue
			}
			h, l, key := addrKey(a)
			shardOf[i] = uint32(t.shardOf(addrSlotHash(h, l, key)))
		}
	})
	count := len(t.shards)
	start := make([]int32, count+1)
	for _, s := range shardOf {
		if s != mapOnly {
			start[s+1]++
		}
	}
	for s := range count {
		start[s+1] += start[s]
	}
	order := make([]int32, start[count])
	next := slices.Clone(start[:count])
	rest := map[netip.Addr][]uint32{}
	for i, s := range shardOf {
		if s != mapOnly {
			order[next[s]] = int32(i)
			next[s]++
		} else {
			rest[pairs[i].addr] = addOwner(rest[pairs[i].addr], pairs[i].id)
		}
	}
	lists := make([]map[netip.Addr][]uint32, workers)
	used := make([]int, workers)
	inParallel(count, workers, func(w, lo, hi int) {
		lists[w] = map[netip.Addr][]uint32{}
		for si := lo; si < hi; si++ {
			s := new(addrShard)
			t.shards[si] = s
			for _, pi := range order[start[si]:start[si+1]] {
				p := pairs[pi]
				h, l, key := addrKey(p.addr)
				i, found := s.locate(h, l, key, addrSlotHash(h, l, key))
				switch {
				case found && s.slots[i].tag&addrInMap == 0:
					sl := &s.slots[i]
					if first := sl.tag & addrEntMax; first != p.id {
						lists[w][p.addr] = []uint32{first, p.id}
						*sl = addrSlot{hi: h, lo: l, tag: key | addrInMap}
					}
				case found:
					lists[w][p.addr] = addOwner(lists[w][p.addr], p.id)
				case i < 0:
					s.spilled = true
					lists[w][p.addr] = addOwner(lists[w][p.addr], p.id)
				default:
					one := [1]uint32{p.id}
					s.slots[i] = slotFor(h, l, key, one[:], class)
					s.n++
					used[w]++
					if s.slots[i].tag&addrInMap != 0 {
						lists[w][p.addr] = []uint32{p.id}
					}
				}
			}
		}
	})
	for _, u := range used {
		t.n += u
	}
	size := len(rest)
	for _, l := range lists {
		size += len(l)
	}
	m := newPmapFor[netip.Addr, []uint32](hashAddr, size)
	e := m.edit()
	for _, l := range append(lists, rest) {
		for a, ids := range l {
			e.set(a, ids)
		}
	}
	return t, e.done()
}

// addOwner appends id to a list being built in entity order, unless an
// endpoint names one address twice.
func addOwner(ids []uint32, id uint32) []uint32 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// patch files the new owners of the addresses in changed (none: no longer
// owned) and refreshes the class of those in reclass, copying each shard
// it changes once; m is the map's edit.
func (t addrTable) patch(m *pmapEdit[netip.Addr, []uint32], changed map[netip.Addr][]uint32, reclass map[netip.Addr]struct{}, class func(uint32) uint32) addrTable {
	out := addrTable{shards: t.shards, n: t.n}
	var owned map[int]bool
	own := func(si int) *addrShard {
		if owned == nil {
			out.shards = slices.Clone(t.shards)
			owned = make(map[int]bool, len(changed)+len(reclass))
		}
		if !owned[si] {
			cp := *out.shards[si]
			out.shards[si] = &cp
			owned[si] = true
		}
		return out.shards[si]
	}
	for a, ids := range changed {
		if !a.IsValid() || a.Zone() != "" {
			if len(ids) == 0 {
				m.del(a)
			} else {
				m.set(a, ids)
			}
			continue
		}
		hi, lo, key := addrKey(a)
		h := addrSlotHash(hi, lo, key)
		s := own(out.shardOf(h))
		i, found := s.locate(hi, lo, key, h)
		switch {
		case len(ids) == 0:
			if found {
				s.remove(i)
				out.n--
			}
			m.del(a)
			continue
		case !found && i < 0:
			s.spilled = true
			m.set(a, ids)
			continue
		case !found:
			s.n++
			out.n++
		}
		s.slots[i] = slotFor(hi, lo, key, ids, class)
		if s.slots[i].tag&addrInMap != 0 {
			m.set(a, ids)
		} else {
			m.del(a)
		}
	}
	for a := range reclass {
		if _, ok := changed[a]; ok || !a.IsValid() || a.Zone() != "" {
			continue
		}
		hi, lo, key := addrKey(a)
		h := addrSlotHash(hi, lo, key)
		si := out.shardOf(h)
		i, found := out.shards[si].locate(hi, lo, key, h)
		if !found {
			continue
		}
		sl := out.shards[si].slots[i]
		if sl.tag&addrInMap != 0 || class(sl.tag&addrEntMax) == sl.cls {
			continue
		}
		own(si).slots[i].cls = class(sl.tag & addrEntMax)
	}
	return out
}
