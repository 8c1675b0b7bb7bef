package compile

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// selectorTable holds one compiled program per distinct selector, by
// canonical form, with the label index over their required labels.
type selectorTable struct {
	sels     pvec[*selInfo]
	progs    pvec[selProg] // sels[i].prog, kept apart so that matching reads one dense array
	selIDs   pmap[string, uint32]
	selFree  []uint32
	selIndex labelIndex
	// policySels has a bit for every selector some policy applies with,
	// so resolving a label set skips its peer selectors without loading
	// them.
	policySels []uint64
	// netSels has a bit for every selector with network-set CIDRs
	// (selInfo.nets), so that a peer check whose owners' classes fail
	// reads one dense word, not the selector's record, to learn that no
	// network set can hold the address either.
	netSels []uint64
	// readKeys counts, per label key, the live selectors that read it.
	// A class keeps only the labels of keys some selector reads: no
	// selector can tell apart label sets that differ elsewhere, so pods
	// differing only in pod-template-hash or a StatefulSet's pod name
	// share one class.
	readKeys pmap[uint32, int32]
}

// selectorEdit is one batch of changes to a selectorTable. Selectors
// are counted by use: a policy's selector and each rule side's peer
// selector register one use, and a selector whose uses all go is
// dropped when the batch settles. Records an older program holds are
// copied before their first change in the batch.
type selectorEdit struct {
	in    *internEdit
	was   pvec[*selInfo] // the selectors before the batch
	sels  *pvecEdit[*selInfo]
	progs *pvecEdit[selProg]
	ids   *pmapEdit[string, uint32]
	free  []uint32
	index *labelIndexEdit

	owned   map[uint32]bool // records this batch has copied or created
	created map[uint32]bool // selectors created in this batch, not yet filed
	dead    map[uint32]bool // lost their last use at some point
	// policyBits is the batch's selectorTable.policySels, copied on the
	// first change.
	policyBits      []uint64
	policyBitsOwned bool
	// netBits is the batch's selectorTable.netSels, likewise.
	netBits      []uint64
	netBitsOwned bool
	// repolicied are selectors whose set of policies changed, so the
	// resolved lists of the classes they match must be rebuilt.
	repolicied map[uint32]bool
	// dirtyPeers are peer selectors whose network-set CIDRs must be
	// gathered again.
	dirtyPeers map[uint32]bool
	readKeys   *pmapEdit[uint32, int32]
}

func (x *selectorTable) edit(in *internEdit) *selectorEdit {
	return &selectorEdit{
		in:         in,
		was:        x.sels,
		sels:       x.sels.edit(),
		progs:      x.progs.edit(),
		ids:        x.selIDs.edit(),
		free:       slices.Clone(x.selFree),
		index:      x.selIndex.edit(),
		owned:      map[uint32]bool{},
		created:    map[uint32]bool{},
		dead:       map[uint32]bool{},
		policyBits: x.policySels,
		netBits:    x.netSels,
		repolicied: map[uint32]bool{},
		dirtyPeers: map[uint32]bool{},
		readKeys:   x.readKeys.edit(),
	}
}

func (e *selectorEdit) get(id uint32) *selInfo { return e.sels.get(id) }

func (e *selectorEdit) prog(id uint32) selProg { return e.progs.get(id) }

// use registers one use of s, compiling it if it is new.
func (e *selectorEdit) use(s *selector.Selector) uint32 {
	canon := s.String()
	if id, ok := e.ids.get(canon); ok {
		e.own(id).refs++
		return id
	}
	id := takeID(&e.free, func() uint32 {
		e.progs.push(nil)
		return e.sels.push(nil)
	})
	info := &selInfo{sel: s, prog: compileSelector(s, e.in), refs: 1}
	e.sels.set(id, info)
	e.progs.set(id, info.prog)
	e.owned[id] = true
	e.ids.set(canon, id)
	e.created[id] = true
	return id
}

// usePeer registers one use of s as a rule's peer selector: besides
// matching label sets, it keeps the CIDRs of the network sets it matches.
func (e *selectorEdit) usePeer(s *selector.Selector) uint32 {
	id := e.use(s)
	info := e.own(id)
	if info.peerRefs == 0 && !e.wasPeer(id) {
		e.dirtyPeers[id] = true
	}
	info.peerRefs++
	return id
}

// wasPeer reports whether selector id was a peer selector before the
// batch: its CIDRs are then current but for the network sets that move,
// which gatherNets sees to, so a policy rewritten with the same peers
// gathers nothing again.
func (e *selectorEdit) wasPeer(id uint32) bool {
	if int(id) >= e.was.len() {
		return false
	}
	old := e.was.get(id)
	return old != nil && old.peerRefs > 0
}

func (e *selectorEdit) releasePeer(id uint32) {
	e.own(id).peerRefs--
	e.release(id)
}

func (e *selectorEdit) release(id uint32) {
	info := e.own(id)
	info.refs--
	if info.refs == 0 {
		e.dead[id] = true
	}
}

// releaseRules releases the peer selectors of a policy's or profile's
// compiled rules.
func (e *selectorEdit) releaseRules(rules [2][]rule) {
	for _, rs := range rules {
		for _, s := range selectorsOf(rs) {
			e.releasePeer(s)
		}
	}
}

// own returns the batch's own copy of a selector's record.
func (e *selectorEdit) own(id uint32) *selInfo {
	info := e.sels.get(id)
	if !e.owned[id] {
		cp := *info
		cp.policies = slices.Clone(info.policies)
		info = &cp
		e.sels.set(id, info)
		e.owned[id] = true
	}
	return info
}

// addPolicy records that policy p applies with selector id, whose use
// p has registered.
func (e *selectorEdit) addPolicy(id uint32, p *policyRec) {
	info := e.own(id)
	info.policies = append(info.policies, p)
	e.repolicied[id] = true
	e.setPolicyBit(id, true)
}

// removePolicy undoes addPolicy and releases p's use of the selector.
func (e *selectorEdit) removePolicy(id uint32, p *policyRec) {
	info := e.own(id)
	info.policies = slices.DeleteFunc(info.policies, func(x *policyRec) bool { return x == p })
	if len(info.policies) == 0 {
		e.setPolicyBit(id, false)
	}
	e.repolicied[id] = true
	e.release(id)
}

func (e *selectorEdit) setPolicyBit(id uint32, on bool) {
	setOwnedBit(&e.policyBits, &e.policyBitsOwned, id, on)
}

// setNetBit records whether selector id has network-set CIDRs.
func (e *selectorEdit) setNetBit(id uint32, on bool) {
	if hasBit(e.netBits, id) != on {
		setOwnedBit(&e.netBits, &e.netBitsOwned, id, on)
	}
}

// setOwnedBit sets or clears bit id of a bit set an older table may
// share, copying it first unless owned.
func setOwnedBit(bits *[]uint64, owned *bool, id uint32, on bool) {
	w := int(id >> 6)
	if !*owned {
		*bits = slices.Clone(*bits)
		*owned = true
	}
	if w >= len(*bits) {
		*bits = append(*bits, make([]uint64, w+1-len(*bits))...)
	}
	if on {
		(*bits)[w] |= 1 << (id & 63)
	} else {
		(*bits)[w] &^= 1 << (id & 63)
	}
}

// hasBit reports whether bit id of a bit set is set.
func hasBit(bits []uint64, id uint32) bool {
	w := int(id >> 6)
	return w < len(bits) && bits[w]&(1<<(id&63)) != 0
}

// labelCounts are the numbers of classes having each label and each
// key, which decide where the label index files a selector.
type labelCounts struct {
	pairs func(uint64) (int32, bool)
	keys  func(uint32) (int32, bool)
}

// selectorChange is what settling a batch did to the set of selectors:
// classes that existed before must match the added ones and forget the
// removed ones, and re-resolve when one of the repolicied they match
// changed its policies. Every list is sorted.
type selectorChange struct {
	added, removed, repolicied []uint32
	// place gives where the label index files a selector of the change
	// (a removed one, where it was filed), so that only the classes with
	// its required label are tried; nil makes every class a candidate.
	place func(uint32) placement
}

// settle files the selectors this batch created and still uses in the
// label index, placed by counts, and drops those no one uses any more.
// After it the set of selectors is final for the batch.
func (e *selectorEdit) settle(counts labelCounts) selectorChange {
	var ch selectorChange
	removedAt := map[uint32]placement{}
	ch.place = func(id uint32) placement {
		if p, ok := removedAt[id]; ok {
			return p
		}
		if info := e.sels.get(id); info != nil {
			return info.place
		}
		return placement{mode: placeNever} // created and dropped in this batch: no class has it
	}
	for id := range e.dead {
		info := e.sels.get(id)
		if info.refs > 0 {
			continue
		}
		if !e.created[id] {
			e.index.remove(id, info.place)
			ch.removed = append(ch.removed, id)
			removedAt[id] = info.place
		}
		e.ids.del(info.sel.String())
		e.setNetBit(id, false)
		e.sels.set(id, nil)
		e.progs.set(id, nil)
		delete(e.created, id)
		e.free = append(e.free, id)
	}
	for id := range e.created {
		info := e.own(id)
		reqs := info.sel.Requirements()
		info.place = choosePlacement(reqs, e.in, counts.pairs, counts.keys)
		e.index.add(id, info.place, needMaskOf(reqs, e.in))
		ch.added = append(ch.added, id)
	}
	for id := range e.repolicied {
		ch.repolicied = append(ch.repolicied, id)
	}
	slices.Sort(ch.added)
	slices.Sort(ch.removed)
	slices.Sort(ch.repolicied)
	return ch
}

// match returns, in buf's storage, the sorted ids of the selectors
// matching ls, found through the label index.
func (e *selectorEdit) match(buf []uint32, ls labelSet) []uint32 {
	return matchInto(buf, ls, e.index.candidates, e.progs.get)
}

// gatherNets rebuilds the network-set CIDRs of every peer selector that
// needs it: new ones, and those a network set that moved matched before
// this batch (moved maps it to those selectors) or matches now. netsets
// lists the network sets of the batch's result; netset gives one's
// resource and class, nil for one removed.
func (e *selectorEdit) gatherNets(moved map[uint32][]uint32, netsets []uint32, netset func(uint32) (*model.NetworkSet, *class)) {
	for id, oldMatched := range moved {
		for _, s := range oldMatched {
			e.dirtyPeers[s] = true
		}
		if _, c := netset(id); c != nil {
			for _, s := range c.matched {
				e.dirtyPeers[s] = true
			}
		}
	}
	var dirty []uint32
	for s := range e.dirtyPeers {
		if info := e.sels.get(s); info != nil && info.peerRefs > 0 {
			dirty = append(dirty, s)
		}
	}
	if len(dirty) == 0 {
		return
	}
	slices.Sort(dirty)
	isDirty := make(map[uint32]bool, len(dirty))
	for _, s := range dirty {
		isDirty[s] = true
	}
	members := map[uint32][]uint32{} // selector -> network sets it matches
	for _, id := range netsets {
		_, c := netset(id)
		if len(dirty) <= 4*len(c.matched) {
			for _, s := range dirty {
				if c.has(s) {
					members[s] = append(members[s], id)
				}
			}
			continue
		}
		for _, s := range c.matched {
			if isDirty[s] {
				members[s] = append(members[s], id)
			}
		}
	}
	// Broad selectors often match exactly the same network sets; they
	// share one CIDR set.
	shared := map[string]*prefixSet{}
	for _, s := range dirty {
		ids := members[s]
		var nets *prefixSet
		if len(ids) > 0 {
			sig := idSignature(ids)
			var ok bool
			if nets, ok = shared[sig]; !ok {
				var cidrs []netip.Prefix
				for _, id := range ids {
					ns, _ := netset(id)
					cidrs = append(cidrs, ns.Nets...)
				}
				nets = newPrefixSet(cidrs)
				shared[sig] = nets
			}
		}
		e.own(s).nets = nets
		e.setNetBit(s, nets != nil)
	}
}

func idSignature(ids []uint32) string {
	b := make([]byte, 4*len(ids))
	for i, id := range ids {
		binary.LittleEndian.PutUint32(b[4*i:], id)
	}
	return string(b)
}

func (e *selectorEdit) done() selectorTable {
	return selectorTable{
		sels:       e.sels.done(),
		progs:      e.progs.done(),
		selIDs:     e.ids.done(),
		selFree:    e.free,
		selIndex:   e.index.done(),
		policySels: e.policyBits,
		netSels:    e.netBits,
		readKeys:   e.readKeys.done(),
	}
}

// keysRead returns the distinct label keys a selector program reads.
func keysRead(p selProg) []uint32 {
	var keys []uint32
	for i := range p {
		switch p[i].op {
		case opTrue, opFalse, opAnd, opOr, opNot:
			continue
		}
		if !slices.Contains(keys, p[i].key) {
			keys = append(keys, p[i].key)
		}
	}
	return keys
}

// countReadKeys brings readKeys up to the batch's final set of
// selectors, before settle files and drops them, and returns the keys
// that started or stopped being read, which changes the labels classes
// keep.
func (e *selectorEdit) countReadKeys() (flipped []uint32) {
	count := func(id uint32, by int32) {
		for _, k := range keysRead(e.progs.get(id)) {
			n, _ := e.readKeys.get(k)
			n += by
			if (n == 0 || n == by) && !slices.Contains(flipped, k) {
				flipped = append(flipped, k)
			}
			if n == 0 {
				e.readKeys.del(k)
			} else {
				e.readKeys.set(k, n)
			}
		}
	}
	for id := range e.created {
		if e.sels.get(id).refs > 0 {
			count(id, 1)
		}
	}
	for id := range e.dead {
		if !e.created[id] && e.sels.get(id).refs == 0 {
			count(id, -1)
		}
	}
	return flipped
}

// reads reports whether some selector of the batch reads key k.
func (e *selectorEdit) reads(k uint32) bool {
	_, ok := e.readKeys.get(k)
	return ok
}

// readSet returns whether some selector of the batch reads a key, as
// it stands, answered from a bit set: labelling a cold compile's
// entities asks it for every label.
func (e *selectorEdit) readSet() func(uint32) bool {
	var bits []uint64
	for k := range e.readKeys.m.all() {
		w := int(k >> 6)
		if w >= len(bits) {
			bits = append(bits, make([]uint64, w+1-len(bits))...)
		}
		bits[w] |= 1 << (k & 63)
	}
	return func(k uint32) bool { return hasBit(bits, k) }
}
