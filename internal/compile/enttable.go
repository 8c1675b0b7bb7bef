package compile

import (
	"slices"

	"github.com/verdictlabs/verdict/model"
)

// entityTable holds the endpoints and network sets, each with its class,
// and the address index over them.
type entityTable struct {
	entities    pvec[*entity]
	entityIDs   pmap[model.Key, uint32]
	entityFree  []uint32
	netsets     []uint32 // ids of the network-set entities, sorted
	nextOrdinal uint64
	addrs       addrIndex
}

// entityEdit is one batch of changes to an entityTable. An entity an
// older program holds is copied before its class changes; one the batch
// created is changed in place.
type entityEdit struct {
	ents  *pvecEdit[*entity]
	ids   *pmapEdit[model.Key, uint32]
	free  []uint32
	freed []uint32 // ids freed in this batch, reused from the next one
	// netsets is the batch's copy of the list once netsetsOwned.
	netsets      []uint32
	netsetsOwned bool
	nextOrdinal  uint64
	addrs        *addrIndexEdit
	// cold: building from nothing, so no key can exist yet (Compile drops
	// its result when a key comes twice), every entity is fresh and
	// relabelled, ids follow the set's order, and the key map and the
	// exact addresses are built at once in done instead of entity by
	// entity.
	cold bool
	// fresh are entities this batch created, which no program holds yet
	// (all of them when cold).
	fresh map[uint32]bool
	// relabel are entities whose labels must be recomputed (all of them
	// when cold).
	relabel map[uint32]bool
	// moved are network sets added, changed or removed, with the
	// selectors their class matched before this batch: those selectors'
	// CIDRs change. matchedBefore gives a class's matches before it.
	moved         map[uint32][]uint32
	matchedBefore func(class uint32) []uint32
}

// edit starts a batch that upserts about n entities; matchedBefore gives
// the selectors a class of x's program matches.
func (x *entityTable) edit(cold bool, n int, matchedBefore func(uint32) []uint32) *entityEdit {
	e := &entityEdit{
		ents:          x.entities.edit(),
		ids:           x.entityIDs.edit(),
		free:          slices.Clone(x.entityFree),
		netsets:       x.netsets,
		nextOrdinal:   x.nextOrdinal,
		cold:          cold,
		moved:         map[uint32][]uint32{},
		matchedBefore: matchedBefore,
	}
	if !cold {
		e.fresh, e.relabel = make(map[uint32]bool, n), make(map[uint32]bool, n)
	}
	e.addrs = x.addrs.edit(func(id uint32) uint64 { return e.ents.get(id).ordinal }, cold)
	return e
}

func (e *entityEdit) get(id uint32) *entity { return e.ents.get(id) }

// lookup returns the id of the entity with key k.
func (e *entityEdit) lookup(k model.Key) (uint32, bool) { return e.ids.get(k) }

// put stores a new or replacing entity for key, keeping a replaced one's
// place in the order and its class until its labels are recomputed, and
// returns its id.
func (e *entityEdit) put(key model.Key, ent *entity) uint32 {
	var id uint32
	var old *entity
	found := false
	if !e.cold {
		id, found = e.ids.get(key)
	}
	if found {
		old = e.ents.get(id)
	} else if e.cold {
		id = e.ents.push(nil)
	} else {
		id = takeID(&e.free, func() uint32 { return e.ents.push(nil) })
		e.ids.set(key, id)
	}
	if ent.netset != nil {
		e.moveNetset(id, old)
	}
	e.ents.set(id, ent)
	if old == nil {
		ent.ordinal = e.nextOrdinal
		e.nextOrdinal++
		if e.cold {
			if ent.netset != nil {
				e.index(id, ent) // done files the exact addresses
			}
			return id
		}
		e.relabel[id] = true
		e.fresh[id] = true
		e.index(id, ent)
		return id
	}
	e.relabel[id] = true
	e.fresh[id] = true
	ent.ordinal, ent.class = old.ordinal, old.class
	if !sameAddresses(old, ent) {
		e.unindex(id, old)
		e.index(id, ent)
	}
	return id
}

// sameAddresses reports whether two versions of an entity own the same
// addresses, so that a relabel leaves the address index alone.
func sameAddresses(a, b *entity) bool {
	if a.endpoint != nil && b.endpoint != nil {
		return slices.Equal(a.endpoint.Addresses, b.endpoint.Addresses)
	}
	return a.netset != nil && b.netset != nil && slices.Equal(a.netset.Nets, b.netset.Nets)
}

func (e *entityEdit) index(id uint32, ent *entity) {
	if ent.endpoint != nil {
		for _, a := range ent.endpoint.Addresses {
			e.addrs.addAddr(a, id)
		}
		return
	}
	for _, n := range ent.netset.Nets {
		e.addrs.addNet(n, id)
	}
}

func (e *entityEdit) unindex(id uint32, ent *entity) {
	if ent.endpoint != nil {
		for _, a := range ent.endpoint.Addresses {
			e.addrs.removeAddr(a, id)
		}
		return
	}
	for _, n := range ent.netset.Nets {
		e.addrs.removeNet(n, id)
	}
}

// remove takes entity id out and returns it; its class is the caller's
// to release.
func (e *entityEdit) remove(id uint32) *entity {
	ent := e.ents.get(id)
	if ent.netset != nil {
		e.moveNetset(id, ent)
		e.ownNetsets()
		if i, found := slices.BinarySearch(e.netsets, id); found {
			e.netsets = slices.Delete(e.netsets, i, i+1)
		}
	}
	e.unindex(id, ent)
	e.ents.set(id, nil)
	e.ids.del(ent.key())
	delete(e.relabel, id)
	e.freed = append(e.freed, id)
	return ent
}

// moveNetset notes that a network set changes, with the selectors its
// class matched before this batch; a new one joins the list.
func (e *entityEdit) moveNetset(id uint32, old *entity) {
	if _, seen := e.moved[id]; seen {
		return
	}
	var matched []uint32
	if old != nil && old.class != noClass {
		matched = e.matchedBefore(old.class)
	}
	e.moved[id] = matched
	if old == nil {
		e.ownNetsets()
		i, _ := slices.BinarySearch(e.netsets, id)
		e.netsets = slices.Insert(e.netsets, i, id)
	}
}

func (e *entityEdit) ownNetsets() {
	if !e.netsetsOwned {
		e.netsets = slices.Clone(e.netsets)
		e.netsetsOwned = true
	}
}

// relabelling returns, sorted, the entities whose labels may have
// changed: those upserted and those inheriting from a relabelled
// profile, or every entity when all is set.
func (e *entityEdit) relabelling(relabelled map[uint32]bool, all bool) []uint32 {
	if e.cold {
		ids := make([]uint32, e.ents.len())
		for i := range ids {
			ids[i] = uint32(i)
		}
		return ids
	}
	if all {
		for i := range e.ents.len() {
			if e.ents.get(uint32(i)) != nil {
				e.relabel[uint32(i)] = true
			}
		}
	} else if len(relabelled) > 0 {
		for i := range e.ents.len() {
			ent := e.ents.get(uint32(i))
			if ent == nil {
				continue
			}
			for _, pid := range ent.labelProfiles {
				if relabelled[pid] {
					e.relabel[uint32(i)] = true
					break
				}
			}
		}
	}
	ids := make([]uint32, 0, len(e.relabel))
	for id := range e.relabel {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a deterministic order gives deterministic class ids
	return ids
}

// setClass gives entity id class cls. A network set leaving a class
// notes the selectors that class matched before this batch, whose CIDRs
// it leaves.
func (e *entityEdit) setClass(id uint32, cls uint32, matchedNow func(uint32) []uint32) {
	ent := e.ents.get(id)
	if ent.netset != nil && ent.class != noClass {
		if _, seen := e.moved[id]; !seen {
			e.moved[id] = matchedNow(ent.class)
		}
	}
	if ent.endpoint != nil && ent.class != cls {
		for _, a := range ent.endpoint.Addresses {
			e.addrs.touch(a)
		}
	}
	if !e.cold && !e.fresh[id] {
		cp := *ent // an older program holds ent
		ent = &cp
		e.ents.set(id, ent)
	}
	ent.class = cls
}

func (e *entityEdit) done() entityTable {
	if e.cold {
		e.addrs.pairs = coldPairs(e.ents.len(), e.ents.get)
	}
	// The flat address table reads the classes before ents is handed over.
	addrs := e.addrs.done(func(id uint32) uint32 { return e.ents.get(id).class })
	x := entityTable{
		entities:    e.ents.done(),
		entityFree:  append(e.free, e.freed...),
		netsets:     e.netsets,
		nextOrdinal: e.nextOrdinal,
		addrs:       addrs,
	}
	if !e.cold {
		x.entityIDs = e.ids.done()
		return x
	}
	x.entityIDs = coldEntityIDs(x.entities)
	return x
}

// coldEntityIDs files the entities of a cold compile by key. It is apart
// from done so that what its closures capture stays off the heap of an
// ordinary Apply.
func coldEntityIDs(ents pvec[*entity]) pmap[model.Key, uint32] {
	return bulkPmap(hashKey, ents.len(), func(i int) (model.Key, uint32, bool) {
		return ents.get(uint32(i)).key(), uint32(i), true
	}, func(_, id uint32) uint32 { return id })
}

// coldPairs lists the addresses of the endpoints of a cold compile,
// whose ids follow the set's order, so that each address's owners come
// in entity order.
func coldPairs(n int, get func(uint32) *entity) []ownedAddr {
	count := 0
	for i := range n {
		if ep := get(uint32(i)).endpoint; ep != nil {
			count += len(ep.Addresses)
		}
	}
	all := make([]ownedAddr, 0, count)
	for i := range n {
		if ep := get(uint32(i)).endpoint; ep != nil {
			for _, a := range ep.Addresses {
				all = append(all, ownedAddr{a, uint32(i)})
			}
		}
	}
	return all
}
