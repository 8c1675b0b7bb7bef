package compile

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// noCounts are the label counts of a program without classes.
var noCounts = labelCounts{
	pairs: func(uint64) (int32, bool) { return 0, false },
	keys:  func(uint32) (int32, bool) { return 0, false },
}

// emptySelectors returns an empty selector table and an interner edit
// for it.
func emptySelectors() (selectorTable, *internEdit) {
	in := newInterner()
	return empty().selectorTable, in.edit()
}

// labelsOf interns a label set the way entity labels are interned.
func labelsOf(in *internEdit, kv ...string) labelSet {
	var ls labelSet
	for i := 0; i < len(kv); i += 2 {
		ls = append(ls, label{key: in.intern(kv[i]), val: in.intern(kv[i+1]), text: kv[i+1]})
	}
	sortLabels(ls)
	return ls
}

// TestSelectorEditUses: uses are counted across batches, a selector is
// filed when its batch settles and dropped when its last use goes, and
// the table a batch started from keeps what it had.
func TestSelectorEditUses(t *testing.T) {
	x0, in := emptySelectors()
	e := x0.edit(in)
	web := e.use(sel(`app == "web"`))
	if again := e.use(sel(`app == "web"`)); again != web {
		t.Fatalf("one selector got ids %d and %d", web, again)
	}
	if peer := e.usePeer(sel(`app == "web"`)); peer != web {
		t.Fatalf("the peer use got id %d, want %d", peer, web)
	}
	if ch := e.settle(noCounts); !slices.Equal(ch.added, []uint32{web}) || len(ch.removed) != 0 {
		t.Fatalf("settle: %+v, want %d added", ch, web)
	}
	if got := e.match(nil, labelsOf(in, "app", "web")); !slices.Equal(got, []uint32{web}) {
		t.Errorf("matching app=web in the batch finds %v", got)
	}
	x1 := e.done()
	if info := x1.sels.get(web); info.refs != 3 || info.peerRefs != 1 || info.place.mode != placeValues {
		t.Errorf("record %+v, want 3 uses, 1 as a peer, filed by value", info)
	}

	e = x1.edit(in)
	e.release(web)
	e.release(web)
	e.releasePeer(web)
	if ch := e.settle(noCounts); !slices.Equal(ch.removed, []uint32{web}) {
		t.Fatalf("settle after the last release: %+v", ch)
	}
	x2 := e.done()
	if x2.sels.get(web) != nil || x2.selIDs.len() != 0 || x2.selIndex.byValue.len() != 0 || !slices.Equal(x2.selFree, []uint32{web}) {
		t.Errorf("the dropped selector is still held: ids %d, index %d, free %v", x2.selIDs.len(), x2.selIndex.byValue.len(), x2.selFree)
	}
	if info := x1.sels.get(web); info == nil || info.refs != 3 {
		t.Errorf("the earlier table lost its record: %+v", info)
	}

	e = x2.edit(in)
	if id := e.use(sel(`has(db)`)); id != web {
		t.Errorf("a new selector got id %d, want the freed %d", id, web)
	}
}

// TestSelectorEditCopiesOnWrite: a batch copies the records it changes,
// once, and shares the others.
func TestSelectorEditCopiesOnWrite(t *testing.T) {
	x0, in := emptySelectors()
	e := x0.edit(in)
	a, b := e.use(sel(`app == "a"`)), e.use(sel(`app == "b"`))
	e.settle(noCounts)
	x1 := e.done()

	e = x1.edit(in)
	e.use(sel(`app == "a"`))
	first := e.own(a)
	if e.own(a) != first {
		t.Error("a record was copied twice in one batch")
	}
	e.settle(noCounts)
	x2 := e.done()
	if x1.sels.get(a) == x2.sels.get(a) || x1.sels.get(a).refs != 1 || x2.sels.get(a).refs != 2 {
		t.Errorf("uses: old %d, new %d; the record must be copied", x1.sels.get(a).refs, x2.sels.get(a).refs)
	}
	if x1.sels.get(b) != x2.sels.get(b) {
		t.Error("an untouched record was copied")
	}
}

// TestSelectorEditPolicies: a selector's policy bit follows whether some
// policy applies with it, on a copy of the bits.
func TestSelectorEditPolicies(t *testing.T) {
	x0, in := emptySelectors()
	e := x0.edit(in)
	id := e.use(sel(`all()`))
	p1, p2 := &policyRec{}, &policyRec{}
	e.addPolicy(id, p1)
	e.use(sel(`all()`))
	e.addPolicy(id, p2)
	ch := e.settle(noCounts)
	if !slices.Equal(ch.repolicied, []uint32{id}) {
		t.Errorf("repolicied %v, want [%d]", ch.repolicied, id)
	}
	x1 := e.done()
	if !sameMembers(x1.sels.get(id).policies, []*policyRec{p1, p2}) || x1.policySels[0] != 1<<id {
		t.Fatalf("policies %v, bits %b", x1.sels.get(id).policies, x1.policySels)
	}

	e = x1.edit(in)
	e.removePolicy(id, p1)
	e.settle(noCounts)
	x2 := e.done()
	if x2.policySels[0] != 1<<id || len(x2.sels.get(id).policies) != 1 {
		t.Errorf("one policy left: bits %b, policies %d", x2.policySels[0], len(x2.sels.get(id).policies))
	}
	e = x2.edit(in)
	e.removePolicy(id, p2)
	e.settle(noCounts)
	x3 := e.done()
	if x3.policySels[0] != 0 || x3.sels.get(id) != nil {
		t.Errorf("no policy left: bits %b, record %+v", x3.policySels[0], x3.sels.get(id))
	}
	if x1.policySels[0] != 1<<id || x2.policySels[0] != 1<<id {
		t.Error("an earlier table's policy bits changed")
	}
}

// TestSelectorEditGatherNets: a peer selector holds the CIDRs of the
// network sets whose class it matches, rebuilt when one moves.
func TestSelectorEditGatherNets(t *testing.T) {
	x0, in := emptySelectors()
	e := x0.edit(in)
	web := e.usePeer(sel(`app == "web"`))
	e.settle(noCounts)
	office := &model.NetworkSet{Name: "office", Nets: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	lab := &model.NetworkSet{Name: "lab", Nets: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")}}
	matching := &class{matched: []uint32{web}}
	other := &class{}
	sets := map[uint32]struct {
		ns *model.NetworkSet
		c  *class
	}{0: {office, matching}, 1: {lab, other}}
	netset := func(id uint32) (*model.NetworkSet, *class) { return sets[id].ns, sets[id].c }
	e.gatherNets(map[uint32][]uint32{0: nil, 1: nil}, []uint32{0, 1}, netset)
	x1 := e.done()
	if nets := x1.sels.get(web).nets; nets == nil || !nets.contains(addr("10.1.2.3")) || nets.contains(addr("10.2.2.3")) {
		t.Fatalf("peer CIDRs %v, want office's only", nets)
	}

	// lab moves into the class; office leaves for the other.
	sets[0], sets[1] = struct {
		ns *model.NetworkSet
		c  *class
	}{office, other}, struct {
		ns *model.NetworkSet
		c  *class
	}{lab, matching}
	e = x1.edit(in)
	e.gatherNets(map[uint32][]uint32{0: {web}, 1: nil}, []uint32{0, 1}, netset)
	x2 := e.done()
	if nets := x2.sels.get(web).nets; nets == nil || nets.contains(addr("10.1.2.3")) || !nets.contains(addr("10.2.2.3")) {
		t.Errorf("after the move: peer CIDRs %v, want lab's only", nets)
	}
	if !x1.sels.get(web).nets.contains(addr("10.1.2.3")) {
		t.Error("the earlier table's CIDRs changed")
	}
}
