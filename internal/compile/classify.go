package compile

import (
	"math/bits"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// classifyMin is the number of rules (of one tier, in one direction, for
// one class) from which the tier gets a classifier. Below it the linear
// walk is as fast and costs no memory. Tests lower it.
var classifyMin = 1024

// classifier answers "which is the first rule of this tier that can match
// the flow" for a large tier without visiting every rule. Each rule is one
// bit, in walk order. For each dimension a flow can be read on directly
// (protocol, family, destination and source port, and whether the
// positive peer selector of each side matches an owner of the address) a
// bit-vector says which rules accept the flow's value; the vectors are
// ANDed a word at a time and only the rules whose bit survives are checked
// in full, in order. The vectors over-approximate (a rule the full check
// rejects may survive), never under-approximate, so the answer is the
// linear walk's.
type classifier struct {
	words int
	refs  []ruleRef // by bit

	protoOf [256]uint8 // protocol number -> row of proto; row 0 is every other protocol
	proto   [][]uint64
	fam     [2][]uint64
	dport   [][]uint64 // by port bucket; nil when no rule constrains destination ports
	sport   [][]uint64 // likewise for source ports
	// enforced are the rules of non-staged policies; decisive those that
	// are not Log rules (Evaluate ignores those).
	enforced []uint64
	decisive []uint64
	// peerFree[s] are the rules without a positive peer selector on side
	// s (0 source, 1 destination); peerBy[s] lists, per selector, the
	// rules whose positive selector it is.
	peerFree [2][]uint64
	peerBy   [2]map[uint32][]int32
}

// ruleRef is one rule of a classified tier and its policy's place in the
// tier.
type ruleRef struct {
	r   *rule
	pol int32
}

const (
	portBucketShift = 10 // 64 buckets of 1,024 ports
	portBuckets     = 1 << (16 - portBucketShift)
	// peerListMax bounds the rules one flow's owners can select through
	// peer selectors; beyond it the peer dimension is left open.
	peerListMax = 256
)

func newBitRows(rows, words int) [][]uint64 {
	backing := make([]uint64, rows*words)
	out := make([][]uint64, rows)
	for i := range out {
		out[i] = backing[i*words : (i+1)*words : (i+1)*words]
	}
	return out
}

func setBit(v []uint64, i int) { v[i>>6] |= 1 << (uint(i) & 63) }

// newClassifier builds the classifier of a tier's policies in direction
// d, or returns nil when the tier is too small to need one.
func newClassifier(pols []polRef, d dirIndex) *classifier {
	n := 0
	for _, ref := range pols {
		n += len(ref.p.rules[d])
	}
	if n < classifyMin {
		return nil
	}
	c := &classifier{words: (n + 63) / 64}
	for pi, ref := range pols {
		for i := range ref.p.rules[d] {
			c.refs = append(c.refs, ruleRef{&ref.p.rules[d][i], int32(pi)})
		}
	}
	var protos []uint8
	anyDport, anySport := false, false
	for _, ref := range c.refs {
		r := ref.r
		if r.need&needProto != 0 {
			protos = append(protos, r.proto)
		}
		if r.need&needNotProto != 0 {
			protos = append(protos, r.notProto)
		}
		anyDport = anyDport || r.dst.need&needPorts != 0 && len(r.dst.ports.named) == 0
		anySport = anySport || r.src.need&needPorts != 0 && len(r.src.ports.named) == 0
	}
	slices.Sort(protos)
	protos = slices.Compact(protos)
	for i, p := range protos {
		c.protoOf[p] = uint8(i + 1)
	}
	c.proto = newBitRows(len(protos)+1, c.words)
	fam := newBitRows(2, c.words)
	c.fam = [2][]uint64{fam[0], fam[1]}
	if anyDport {
		c.dport = newBitRows(portBuckets, c.words)
	}
	if anySport {
		c.sport = newBitRows(portBuckets, c.words)
	}
	flags := newBitRows(4, c.words)
	c.enforced, c.decisive, c.peerFree[0], c.peerFree[1] = flags[0], flags[1], flags[2], flags[3]
	c.peerBy = [2]map[uint32][]int32{{}, {}}
	for i, ref := range c.refs {
		r := ref.r
		for row := range c.proto {
			var p uint8 // the protocols of row 0 are none of those listed
			if row > 0 {
				p = protos[row-1]
			}
			ok := true
			if r.need&needProto != 0 {
				ok = row > 0 && r.proto == p
			}
			if r.need&needNotProto != 0 && row > 0 && r.notProto == p {
				ok = false
			}
			if ok {
				setBit(c.proto[row], i)
			}
		}
		if r.fam4 {
			setBit(c.fam[0], i)
		}
		if r.fam6 {
			setBit(c.fam[1], i)
		}
		markPorts(c.dport, &r.dst, i)
		markPorts(c.sport, &r.src, i)
		if !pols[ref.pol].p.staged {
			setBit(c.enforced, i)
		}
		if r.verb != calico.VerbLog {
			setBit(c.decisive, i)
		}
		for s, sd := range [2]*side{&r.src, &r.dst} {
			if sd.need&needPos == 0 {
				setBit(c.peerFree[s], i)
				continue
			}
			c.peerBy[s][sd.pos] = append(c.peerBy[s][sd.pos], int32(i))
		}
	}
	return c
}

// markPorts sets rule i's bit in every port bucket its side's numeric
// ports reach, or in all of them when the side does not constrain the
// port by number alone.
func markPorts(rows [][]uint64, s *side, i int) {
	if rows == nil {
		return
	}
	if s.need&needPorts == 0 || len(s.ports.named) > 0 {
		for _, row := range rows {
			setBit(row, i)
		}
		return
	}
	for _, pr := range s.ports.ranges {
		for b := int(pr.lo) >> portBucketShift; b <= int(pr.hi)>>portBucketShift; b++ {
			setBit(rows[b], i)
		}
	}
}

// peerList is the sorted list of rules whose positive peer selector on one
// side matches some owner of the address; open means there were too many
// to list and the dimension is not used.
type peerList struct {
	n    int
	open bool
	idx  [peerListMax]int32
}

func (l *peerList) add(rules []int32) {
	if l.open {
		return
	}
	if l.n+len(rules) > len(l.idx) {
		l.open = true
		return
	}
	l.n += copy(l.idx[l.n:], rules)
}

// collectPeers lists the rules of the classifier whose positive selector on
// one side matches some entity owning the address there: endpoints by
// their classes, network sets through the address index.
func (c *flowCtx) collectPeers(cl *classifier, dst bool, l *peerList) {
	by := cl.peerBy[0]
	if dst {
		by = cl.peerBy[1]
	}
	if len(by) == 0 {
		return
	}
	visit := func(cls *class) {
		if len(cls.matched) <= len(by) {
			for _, s := range cls.matched {
				if rules, ok := by[s]; ok {
					l.add(rules)
				}
			}
			return
		}
		for s, rules := range by {
			if cls.has(s) {
				l.add(rules)
			}
		}
	}
	o := c.exact(dst)
	for i := range o.count() {
		if r := c.owner(o, i); r.e != nil {
			visit(r.cls)
		}
	}
	_, addr := c.side(dst)
	for _, e := range c.inline {
		if slices.Contains(e.inline.owned, addr) {
			visit(e.inline.cls)
		}
	}
	if addr.IsValid() && addr.Zone() == "" {
		levels := c.p.addrs.nets[familyIndex(addr)]
		owners := 0
		for i := range levels {
			pfx, err := addr.Prefix(levels[i].bits)
			if err != nil {
				continue
			}
			ids, _ := levels[i].m.get(pfx.Addr())
			for _, id := range ids {
				if owners++; owners > 64 {
					l.open = true // too many sets to be worth it
					return
				}
				visit(c.p.classes.get(c.p.entities.get(id).class))
			}
		}
	}
	slices.Sort(l.idx[:l.n])
}

// peerWord returns the bits of word w among the listed rules, advancing
// the cursor.
func (l *peerList) peerWord(w int, cursor *int) uint64 {
	var m uint64
	for *cursor < l.n && int(l.idx[*cursor])>>6 == w {
		m |= 1 << (uint(l.idx[*cursor]) & 63)
		*cursor++
	}
	return m
}

// outcome is what a classified tier decided.
type outcome uint8

const (
	outNone outcome = iota // no rule matched: the tier's default action
	outAllow
	outDeny
	outPass
)

// classified finds the first decisive rule of tier t matching the flow,
// as the linear walk would, and returns it with the hit it makes.
func (c *flowCtx) classified(t *resolvedTier, pending bool) (outcome, model.Hit, *policyRec) {
	cl := t.classify
	protoRow := cl.proto[cl.protoOf[c.f.Protocol]]
	famRow := cl.fam[0]
	if c.is6 {
		famRow = cl.fam[1]
	}
	var dRow, sRow []uint64
	if cl.dport != nil {
		dRow = cl.dport[c.f.DstPort>>portBucketShift]
	}
	if cl.sport != nil {
		sRow = cl.sport[c.f.SrcPort>>portBucketShift]
	}
	var src, dst peerList
	c.collectPeers(cl, false, &src)
	c.collectPeers(cl, true, &dst)
	srcCur, dstCur := 0, 0
	for w := range cl.words {
		m := protoRow[w] & famRow[w] & cl.decisive[w]
		if !pending {
			m &= cl.enforced[w]
		}
		if dRow != nil {
			m &= dRow[w]
		}
		if sRow != nil {
			m &= sRow[w]
		}
		if !src.open {
			m &= cl.peerFree[0][w] | src.peerWord(w, &srcCur)
		}
		if !dst.open {
			m &= cl.peerFree[1][w] | dst.peerWord(w, &dstCur)
		}
		for m != 0 {
			b := bits.TrailingZeros64(m)
			m &= m - 1
			ref := cl.refs[w<<6+b]
			if !c.matches(ref.r) {
				continue
			}
			p := t.policies[ref.pol].p
			switch ref.r.verb {
			case calico.VerbAllow:
				return outAllow, p.hit(int(ref.r.index), model.HitAllow), p
			case calico.VerbDeny:
				return outDeny, p.hit(int(ref.r.index), model.HitDeny), p
			case calico.VerbPass:
				return outPass, p.hit(int(ref.r.index), model.HitPass), p
			}
		}
	}
	return outNone, model.Hit{}, nil
}
