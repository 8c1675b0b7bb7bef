package compile

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// addrTable is the flat form of the exact address index, for the cold
// walk: one probe from an address to its first owner and that owner's
// class, where the index's map costs a map header, a directory, a group
// and the owner list, each a cache miss, before the owner's entity and
// class can even be asked for. With the class id beside the entity id
// both are loaded at once.
//
// It is derived from addrIndex.exact and the entities' classes, and holds
// every address without a zone (a zoned address is looked up in the map,
// as a flow's never are). Slots are open-addressed with linear probing
// inside fixed-size shards; an edit copies the shards it touches once and
// shares the rest, as pmap does.
type addrTable struct {
	shards []*addrShard // never nil entries
	n      int
}

const (
	addrShardBits  = 6
	addrShardSlots = 1 << addrShardBits // 64 slots of 32 bytes: 2 KiB
	addrShardMask  = addrShardSlots - 1
	// An edit that fills a shard past addrShardMax rebuilds the table
	// with more shards; a rebuild aims at addrShardFill per shard, 60%
	// full, so that a probe rarely leaves its first cache line.
	addrShardMax  = 56
	addrShardFill = 38
)

type addrShard struct {
	slots [addrShardSlots]addrSlot
	n     int
}

// addrSlot is one address with its owners: n of them, the first (in
// entity order) being ent, of class cls. fam is 0 for an empty slot, 4
// or 6 otherwise, keeping 10.0.0.1 apart from ::ffff:10.0.0.1.
type addrSlot struct {
	hi, lo   uint64
	ent, cls uint32
	n        uint32
	fam      uint32
}

// addrKey returns the slot key of a zone-free address.
func addrKey(a netip.Addr) (hi, lo uint64, fam uint32) {
	b := a.As16()
	fam = 6
	if a.Is4() {
		fam = 4
	}
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:]), fam
}

func addrSlotHash(hi, lo uint64, fam uint32) uint64 {
	return mix64(hi ^ mix64(lo^uint64(fam)))
}

// shardOf returns the shard an address hash falls in: the high bits of
// the hash scaled to the shard count, which need not be a power of two.
// The slot inside it comes from the low bits.
func (t *addrTable) shardOf(h uint64) int {
	s, _ := bits.Mul64(h, uint64(len(t.shards)))
	return int(s)
}

// find returns the slot of a, and whether a is held: false for an
// address no registered entity owns exactly. Invalid and zoned addresses
// are never held; the caller looks them up in the index.
func (t *addrTable) find(a netip.Addr) (addrSlot, bool) {
	if len(t.shards) == 0 || !a.IsValid() || a.Zone() != "" {
		return addrSlot{}, false
	}
	hi, lo, fam := addrKey(a)
	h := addrSlotHash(hi, lo, fam)
	s := t.shards[t.shardOf(h)]
	for i, k := int(h)&addrShardMask, 0; k < addrShardSlots; i, k = (i+1)&addrShardMask, k+1 {
		sl := &s.slots[i]
		if sl.fam == 0 {
			return addrSlot{}, false
		}
		if sl.lo == lo && sl.hi == hi && sl.fam == fam {
			return *sl, true
		}
	}
	return addrSlot{}, false
}

// addrShardsFor returns the shard count that keeps n addresses about
// addrShardFill to a shard.
func addrShardsFor(n int) int {
	return max(1, (n+addrShardFill-1)/addrShardFill)
}

// buildAddrTable builds the table from the index and the entities'
// classes.
func buildAddrTable(x *addrIndex, class func(id uint32) uint32) addrTable {
	return buildAddrTableSized(x, class, addrShardsFor(x.exact.len()))
}

func buildAddrTableSized(x *addrIndex, class func(id uint32) uint32, shards int) addrTable {
	for {
		t := addrTable{shards: make([]*addrShard, shards)}
		for i := range t.shards {
			t.shards[i] = new(addrShard)
		}
		ok := true
		for a, ids := range x.exact.all() {
			if !a.IsValid() || a.Zone() != "" || len(ids) == 0 {
				continue
			}
			if !t.put(a, ids, class) {
				ok = false
				break
			}
		}
		if ok {
			return t
		}
		shards += shards/2 + 1
	}
}

// put stores a's owners in a shard the caller owns, reporting false when
// the shard is too full to take a new address.
func (t *addrTable) put(a netip.Addr, ids []uint32, class func(id uint32) uint32) bool {
	hi, lo, fam := addrKey(a)
	h := addrSlotHash(hi, lo, fam)
	s := t.shards[t.shardOf(h)]
	for i := int(h) & addrShardMask; ; i = (i + 1) & addrShardMask {
		sl := &s.slots[i]
		if sl.fam == 0 {
			if s.n >= addrShardMax {
				return false
			}
			s.n++
			t.n++
		} else if sl.lo != lo || sl.hi != hi || sl.fam != fam {
			continue
		}
		*sl = addrSlot{hi: hi, lo: lo, fam: fam, ent: ids[0], cls: class(ids[0]), n: uint32(len(ids))}
		return true
	}
}

// del removes a from a shard the caller owns, moving back the slots after
// it so that every probe still finds its address.
func (t *addrTable) del(a netip.Addr) {
	hi, lo, fam := addrKey(a)
	h := addrSlotHash(hi, lo, fam)
	s := t.shards[t.shardOf(h)]
	i := int(h) & addrShardMask
	for k := 0; ; i, k = (i+1)&addrShardMask, k+1 {
		if k == addrShardSlots || s.slots[i].fam == 0 {
			return
		}
		if sl := &s.slots[i]; sl.lo == lo && sl.hi == hi && sl.fam == fam {
			break
		}
	}
	s.n--
	t.n--
	// Backward shift: a later slot of the run moves into the hole unless
	// its home lies cyclically in (hole, slot].
	hole := i
	for j := (i + 1) & addrShardMask; s.slots[j].fam != 0; j = (j + 1) & addrShardMask {
		sl := &s.slots[j]
		home := int(addrSlotHash(sl.hi, sl.lo, sl.fam)) & addrShardMask
		if (j-home)&addrShardMask >= (j-hole)&addrShardMask {
			s.slots[hole] = *sl
			hole = j
		}
	}
	s.slots[hole] = addrSlot{}
}

// update rewrites the slots of the addresses in touched from the edited
// index and classes, copying each shard it changes once; it rebuilds the
// whole table when a shard overflows or most addresses are touched.
func (t addrTable) update(x *addrIndex, class func(id uint32) uint32, touched map[netip.Addr]struct{}) addrTable {
	if len(touched) == 0 {
		return t
	}
	if len(t.shards) == 0 || len(touched) > t.n/4 || x.exact.len() > len(t.shards)*addrShardMax*3/4 {
		return buildAddrTable(x, class)
	}
	out := addrTable{shards: append([]*addrShard(nil), t.shards...), n: t.n}
	owned := make(map[int]bool, len(touched))
	for a := range touched {
		if !a.IsValid() || a.Zone() != "" {
			continue
		}
		hi, lo, fam := addrKey(a)
		si := out.shardOf(addrSlotHash(hi, lo, fam))
		if !owned[si] {
			cp := *out.shards[si]
			out.shards[si] = &cp
			owned[si] = true
		}
		if ids := x.exactOwners(a); len(ids) > 0 {
			if !out.put(a, ids, class) {
				return buildAddrTableSized(x, class, len(t.shards)+len(t.shards)/2+1)
			}
		} else {
			out.del(a)
		}
	}
	return out
}
