package compile

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// checkedSet has a little of everything the checker looks at: a policy
// with a peer selector, a network set it matches, shared classes and
// addresses, and a profile's labels.
func checkedSet() model.Set {
	s := smallSet()
	s.Endpoints = append(s.Endpoints, pod("web-3", "prod", "10.0.0.9", map[string]string{"app": "web"}))
	s.NetworkSets = []model.NetworkSet{{Name: "office", Namespace: "prod", Labels: map[string]string{"app": "web"},
		Nets: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/24")}}}
	return s
}

// firstClass returns a live class with at least one matched selector.
func firstClass(t *testing.T, p *Program) (uint32, *class) {
	t.Helper()
	for i := range p.classes.len() {
		if c := p.classes.get(uint32(i)); c != nil && len(c.matched) > 0 && c.res[dirIngress] != nil {
			return uint32(i), c
		}
	}
	t.Fatal("no class matches a policy selector")
	return 0, nil
}

// peerSel returns the id of a selector used as a peer that matches a
// network set.
func peerSel(t *testing.T, p *Program) uint32 {
	t.Helper()
	for _, id := range p.selIDs.all() {
		if info := p.sels.get(id); info.peerRefs > 0 && info.nets != nil {
			return id
		}
	}
	t.Fatal("no peer selector with network-set CIDRs")
	return 0
}

// TestCheckInvariantsCatches breaks one derived table at a time in a
// fresh program (which no one else holds) and expects the checker to
// name what broke.
func TestCheckInvariantsCatches(t *testing.T) {
	cases := []struct {
		name    string
		corrupt func(t *testing.T, p *Program)
		want    string
	}{
		{"a class misses a selector it matches", func(t *testing.T, p *Program) {
			_, c := firstClass(t, p)
			c.matched = c.matched[1:]
		}, "matches selectors"},
		{"a class counts an entity too many", func(t *testing.T, p *Program) {
			_, c := firstClass(t, p)
			c.refs++
		}, "refs"},
		{"a resolved list is lost", func(t *testing.T, p *Program) {
			_, c := firstClass(t, p)
			c.res[dirIngress] = nil
		}, "resolved list"},
		{"a selector counts a use too many", func(t *testing.T, p *Program) {
			p.sels.get(peerSel(t, p)).refs++
		}, "uses"},
		{"peer CIDRs go stale", func(t *testing.T, p *Program) {
			p.sels.get(peerSel(t, p)).nets = nil
		}, "peer CIDRs"},
		{"a selector leaves the label index", func(t *testing.T, p *Program) {
			p.selIndex.unindexed = nil
			e := p.selIndex.byValue.edit()
			for k := range p.selIndex.byValue.all() {
				e.del(k)
			}
			p.selIndex.byValue = e.done()
		}, "label index"},
		{"a label count drifts", func(t *testing.T, p *Program) {
			e := p.pairCount.edit()
			for k, n := range p.pairCount.all() {
				e.set(k, n+1)
				break
			}
			p.pairCount = e.done()
		}, "label counts"},
		{"an address loses its owner", func(t *testing.T, p *Program) {
			s, i := flatSlot(t, p, addr("10.0.0.3"))
			s.remove(i)
			p.addrs.flat.n--
		}, "address index"},
		{"the flat address table keeps an owner's old class", func(t *testing.T, p *Program) {
			s, i := flatSlot(t, p, addr("10.0.0.3"))
			s.slots[i].cls++
		}, "flat address table"},
		{"a shard miscounts its addresses", func(t *testing.T, p *Program) {
			s, _ := flatSlot(t, p, addr("10.0.0.3"))
			s.n++
		}, "flat address table"},
		{"an address of one owner is sent to the map", func(t *testing.T, p *Program) {
			s, i := flatSlot(t, p, addr("10.0.0.3"))
			ent := s.slots[i].tag & addrEntMax
			s.slots[i].tag = s.slots[i].tag&addrKeyTag | addrInMap
			s.slots[i].cls = 0
			e := p.addrs.exact.edit()
			e.set(addr("10.0.0.3"), []uint32{ent})
			p.addrs.exact = e.done()
		}, "flat address table"},
		{"the map keeps an address the table holds", func(t *testing.T, p *Program) {
			e := p.addrs.exact.edit()
			e.set(addr("10.0.0.3"), []uint32{0})
			p.addrs.exact = e.done()
		}, "map"},
		{"an address spills without its shard saying so", func(t *testing.T, p *Program) {
			s, i := flatSlot(t, p, addr("10.0.0.3"))
			ent := s.slots[i].tag & addrEntMax
			s.remove(i)
			p.addrs.flat.n--
			e := p.addrs.exact.edit()
			e.set(addr("10.0.0.3"), []uint32{ent})
			p.addrs.exact = e.done()
		}, "had room"},
		{"an entity has another entity's class", func(t *testing.T, p *Program) {
			id, _ := p.entityIDs.get(model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "db-1"})
			web, _ := p.entityIDs.get(model.Key{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "web-1"})
			p.entities.get(id).class = p.entities.get(web).class
		}, "has labels"},
		{"a free id is still in use", func(t *testing.T, p *Program) {
			p.classFree = append(p.classFree, 0)
		}, "free id"},
		{"a policy's selector bit is cleared", func(t *testing.T, p *Program) {
			p.policySels = make([]uint64, len(p.policySels))
		}, "policy bit"},
		{"the ranks lose a policy", func(t *testing.T, p *Program) {
			all := p.ranks.order.all()
			p.ranks.order = newPolicyOrder(all[:len(all)-1])
		}, "ranks"},
		{"the network-set list loses one", func(t *testing.T, p *Program) {
			p.netsets = nil
		}, "network sets"},
	}
	if err := mustCompile(t, checkedSet()).CheckInvariants(); err != nil {
		t.Fatalf("a fresh program fails the check: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustCompile(t, checkedSet())
			tc.corrupt(t, p)
			err := p.CheckInvariants()
			if err == nil {
				t.Fatal("the checker found nothing")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the checker said %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// flatSlot returns the shard and slot of a in p's flat table.
func flatSlot(t *testing.T, p *Program, a netip.Addr) (*addrShard, int) {
	t.Helper()
	hi, lo, key := addrKey(a)
	h := addrSlotHash(hi, lo, key)
	s := p.addrs.flat.shards[p.addrs.flat.shardOf(h)]
	i, found := s.locate(hi, lo, key, h)
	if !found {
		t.Fatalf("%s is not in the flat table", a)
	}
	return s, i
}
