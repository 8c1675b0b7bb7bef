package compile

import (
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"sync/atomic"

	"github.com/verdictlabs/verdict/model"
)

// The memo answers a flow Evaluate has answered before on the same
// snapshot without walking again: traffic repeats, and a repeated flow
// costs a hash, one line of tags and the two lines of its entry instead
// of a walk.
//
// It is exact. Its key is the whole normalized flow (both addresses, the
// protocol, both ports, the ICMP type and code and the HTTP method and
// path, byte for byte: every criterion a rule can read) and the
// snapshot's generation, so an entry can only ever answer the flow and
// the snapshot it was computed for. A request whose method or path is
// too long for the key's fixed size is walked every time. An entry is
// stored only when decoding it gives back exactly the verdict the walk
// returned, and only on a flow's second sighting (admit): most flows of a
// cold pass are seen once, and for them the memo costs the tag line's
// probe and a one-word note in it.
//
// It is a fixed table of fixed-size entries shared by every snapshot that
// Apply derives from one Compile: a snapshot's entries carry its
// generation, so an Apply drops the old snapshot's answers without
// freeing or clearing anything, and snapshots alive at once share the
// space. An Apply that leaves every resource as it was (unchangedBy)
// keeps the generation, and the answers with it. Neither a hit nor a
// miss allocates (the table itself is made on the first Evaluate of the
// lineage).
//
// The entries are grouped in buckets of four ways, and each bucket has
// one cache line of its own: the four entries' tags (the hash of the key
// they hold) and four notes of flows seen once. A probe reads that line
// and then only the entry whose tag matches: its first line holds the
// key's head (addresses, ports, protocol, generation), its second the
// answer; the HTTP request's bytes sit in a third array, read only for a
// flow that has one. Four ways and four notes keep flows whose hashes
// share a bucket from evicting one another: with two, a working set of a
// few thousand flows cycling in order had a fifth of its flows missing
// every time, each note overwritten before its flow came round again.
//
// Readers and writers take no lock: each entry is guarded by a sequence
// number, odd while a writer fills it, which a reader checks before and
// after reading; a writer that finds an entry busy leaves it. A tag is
// only a hint, written after its entry: the reader compares the whole key
// under the sequence number, so a stale tag costs a miss, never a wrong
// answer.

// The key's words: two addresses, the rest of the flow, the generation
// with the HTTP request's presence and lengths, then the request's bytes.
const (
	memoHeadWords  = 6
	memoKeyWords   = 13
	memoMethodWord = 6
	memoMethodMax  = 16 // bytes of method the key holds
	memoPathWord   = 8
	memoPathMax    = 40
	memoHTTPWords  = memoKeyWords - memoHeadWords

	memoGenShift = 12      // the generation sits above the request's lengths
	memoHasHTTP  = 1 << 11 // the flow has a request, maybe empty
)

// memoKey is a flow and a generation, packed.
type memoKey [memoKeyWords]uint64

// hasHTTP reports whether the key's flow has an HTTP request.
func (k *memoKey) hasHTTP() bool { return k[5]&memoHasHTTP != 0 }

// memoWays is how many entries share a bucket.
const memoWays = 4

// memoBucket is one bucket's cache line: the tag of each entry (zero when
// empty) and the notes of flows seen once (admit).
type memoBucket struct {
	tag  [memoWays]atomic.Uint64
	seen [memoWays]atomic.Uint64
}

// memoSlot is one entry, two cache lines: the sequence number and the
// key's head, then the answer.
type memoSlot struct {
	seq atomic.Uint64
	key [memoHeadWords]atomic.Uint64
	_   uint64
	// side holds per side (egress, ingress) the side's flags and its
	// enforced and pending decisions (encodeDecision); by the policies or
	// profiles their hits come from; ep the judged endpoints.
	side [2]atomic.Uint64
	by   [4]atomic.Pointer[hitOrigin]
	ep   [2]atomic.Pointer[model.Endpoint]
}

// memoHTTP is the HTTP request's bytes of one entry's key, under the
// entry's sequence number.
type memoHTTP struct {
	w [memoHTTPWords]atomic.Uint64
	_ uint64
}

// memoTable is the memo of one lineage of snapshots.
type memoTable struct {
	buckets []memoBucket
	slots   []memoSlot
	http    []memoHTTP
	mask    uint64 // of bucket indexes
}

// newMemoTable makes a table of n entries, n a power of two of at least
// memoWays.
func newMemoTable(n int) *memoTable {
	return &memoTable{
		buckets: make([]memoBucket, n/memoWays),
		slots:   make([]memoSlot, n),
		http:    make([]memoHTTP, n),
		mask:    uint64(n/memoWays - 1),
	}
}

// memoCell holds a lineage's table, made on first use.
type memoCell struct {
	t atomic.Pointer[memoTable]
}

// memoGens numbers snapshots; every program gets its own generation.
var memoGens atomic.Uint64

// Sizes of the table: about sixteen entries per entity, a power of two
// between the bounds, so that a working set of a few thousand flows fits
// and a large cluster's table stays a few megabytes. An entry costs its
// two lines, its HTTP line and a quarter of its bucket's line.
const (
	memoMinSlots  = 1 << 10
	memoMaxSlots  = 1 << 15
	memoSlotSize  = 128
	memoHTTPSize  = 64
	memoEntrySize = memoSlotSize + memoHTTPSize + 64/memoWays
)

func memoSlots(entities int) int {
	n := memoMinSlots
	for n < memoMaxSlots && n < 16*entities {
		n <<= 1
	}
	return n
}

// memoTable returns the lineage's table, making it on first use; nil
// when the program has no memo.
func (p *Program) memoTable() *memoTable {
	if p.memo == nil {
		return nil
	}
	if t := p.memo.t.Load(); t != nil {
		return t
	}
	t := newMemoTable(memoSlots(p.entityIDs.len()))
	if !p.memo.t.CompareAndSwap(nil, t) {
		return p.memo.t.Load()
	}
	return t
}

// memoBytes returns the size of the lineage's table, zero before it is
// made.
func (p *Program) memoBytes() int {
	if p.memo == nil {
		return 0
	}
	if t := p.memo.t.Load(); t != nil {
		return len(t.slots) * memoEntrySize
	}
	return 0
}

// WithoutMemo returns a program that answers as p does but walks every
// flow, for the tests that compare the two.
func (p *Program) WithoutMemo() *Program {
	q := *p
	q.memo = nil
	return &q
}

// memoKeyOf packs a normalized flow and a generation; false when the
// flow's HTTP request does not fit.
func memoKeyOf(f *model.Flow, gen uint64) (memoKey, bool) {
	var k memoKey
	k[5] = gen << memoGenShift
	if r := f.HTTP; r != nil {
		if len(r.Method) > memoMethodMax || len(r.Path) > memoPathMax {
			return k, false
		}
		// The lengths tell a missing request from an empty one, and
		// trailing zero bytes from none.
		k[5] |= memoHasHTTP | uint64(len(r.Method))<<6 | uint64(len(r.Path))
		packBytes(k[memoMethodWord:memoPathWord], r.Method)
		packBytes(k[memoPathWord:], r.Path)
	}
	k[0], k[1] = addrWords(f.Src)
	k[2], k[3] = addrWords(f.Dst)
	w := uint64(f.Protocol) | uint64(f.SrcPort)<<8 | uint64(f.DstPort)<<24
	if f.ICMP != nil {
		w |= 1<<40 | uint64(f.ICMP.Type)<<41 | uint64(f.ICMP.Code)<<49
	}
	w |= addrKind(f.Src)<<57 | addrKind(f.Dst)<<59
	// Never zero, so that an empty entry matches no key.
	k[4] = w | 1<<63
	return k, true
}

// packBytes puts the bytes of s into words, eight to a word.
func packBytes(words []uint64, s string) {
	for i := range len(s) {
		words[i/8] |= uint64(s[i]) << (8 * (i % 8))
	}
}

func addrWords(a netip.Addr) (uint64, uint64) {
	b := a.As16()
	var hi, lo uint64
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return hi, lo
}

// addrKind tells an invalid address, IPv4 and IPv6 apart (As16 maps IPv4
// into IPv6, and gives zeros for an invalid address).
func addrKind(a netip.Addr) uint64 {
	switch {
	case !a.IsValid():
		return 0
	case a.Is4():
		return 1
	}
	return 2
}

// hash mixes the key's words, the request's only when the flow has one;
// never zero, so that an empty tag or note matches no flow.
func (k *memoKey) hash() uint64 {
	n := memoHeadWords
	if k.hasHTTP() {
		n = memoKeyWords
	}
	h := uint64(0x9e3779b97f4a7c15)
	for _, w := range k[:n] {
		hi, lo := bits.Mul64(h^w, 0xbf58476d1ce4e5b9)
		h = hi ^ lo
	}
	return h | 1
}

// bucket returns the bucket of hash h and the index of its first entry.
func (t *memoTable) bucket(h uint64) (*memoBucket, uint64) {
	// The lowest bit of a hash is always set.
	i := h >> 1 & t.mask
	return &t.buckets[i], i * memoWays
}

// A decision in 32 bits: the hit's rule index plus one, its action, and
// the decision's flags. The side's flags sit in the enforced half.
const (
	decIndexMask  = 0xFFFF
	decActShift   = 24
	decAllowed    = 1 << 26
	decEndOfProfs = 1 << 27
	sideEnforced  = 1 << 29
	sideUnjudged  = 1 << 30
)

var memoActions = [4]model.HitAction{"", model.HitAllow, model.HitDeny, model.HitPass}

func actionCode(a model.HitAction) (uint32, bool) {
	switch a {
	case "":
		return 0, true
	case model.HitAllow:
		return 1, true
	case model.HitDeny:
		return 2, true
	case model.HitPass:
		return 3, true
	}
	return 0, false
}

// encodeDecision packs a decision; false when it does not fit.
func encodeDecision(d model.Decision) (uint32, bool) {
	idx := d.Hit.Index + 1
	act, ok := actionCode(d.Hit.Action)
	if !ok || idx < 0 || idx > decIndexMask {
		return 0, false
	}
	w := uint32(idx) | act<<decActShift
	if d.Allowed {
		w |= decAllowed
	}
	if d.EndOfProfiles {
		w |= decEndOfProfs
	}
	return w, true
}

// decodeDecision unpacks a decision whose hit came from by (nil for
// none).
func decodeDecision(dec *model.Decision, w uint32, by *hitOrigin) {
	dec.Allowed, dec.EndOfProfiles = w&decAllowed != 0, w&decEndOfProfs != 0
	if by == nil {
		dec.Hit = model.Hit{}
		return
	}
	dec.Hit.Kind, dec.Hit.Tier, dec.Hit.Namespace, dec.Hit.Name = by.kind, by.tier, by.namespace, by.name
	dec.Hit.Index, dec.Hit.Action = int(w&decIndexMask)-1, memoActions[w>>decActShift&3]
}

// memoSide is one side of a verdict as the walk found it, with where its
// hits came from.
type memoSide struct {
	dv           model.DirectionVerdict
	e            *entity
	enfBy, penBy *hitOrigin
}

// endpoint returns the side's judged endpoint, nil for none.
func (s *memoSide) endpoint() *model.Endpoint {
	if s.e == nil {
		return nil
	}
	return s.e.endpoint
}

// encodeSide packs one side; false when it does not fit.
func encodeSide(s *memoSide) (uint64, bool) {
	if s.e == nil || !s.dv.Enforced {
		var w uint64
		if s.dv.Unjudged {
			w = sideUnjudged
		}
		return w, true
	}
	enf, ok1 := encodeDecision(s.dv.Decision)
	pen, ok2 := encodeDecision(s.dv.Pending)
	return uint64(enf|sideEnforced) | uint64(pen)<<32, ok1 && ok2
}

// decodeSide unpacks one side.
func decodeSide(dv *model.DirectionVerdict, w uint64, ep *model.Endpoint, enfBy, penBy *hitOrigin) {
	lo := uint32(w)
	switch {
	case ep == nil || lo&(sideUnjudged|sideEnforced) == 0:
		*dv = model.DirectionVerdict{}
	case lo&sideUnjudged != 0:
		*dv = model.DirectionVerdict{Unjudged: true, Endpoint: ep.Key()}
	default:
		dv.Enforced, dv.Unjudged = true, false
		dv.Endpoint = ep.Key()
		decodeDecision(&dv.Decision, lo, enfBy)
		decodeDecision(&dv.Pending, uint32(w>>32), penBy)
	}
}

// get puts the memoized verdict of key k with hash h into v and reports
// whether there was one; v is left alone when there was not. The verdict
// is built in the caller's place: it is some five hundred bytes, and
// each copy of it costs a hit about as much as a cache line.
func (t *memoTable) get(k *memoKey, h uint64, v *model.Verdict) bool {
	b, first := t.bucket(h)
	for w := range uint64(memoWays) {
		if b.tag[w].Load() == h && t.read(first+w, k, v) {
			return true
		}
	}
	return false
}

// admit reports whether a flow that missed, with hash h, has missed
// before and so should be stored; the first time, it only notes the hash
// in one of its bucket's notes, an empty one if there is one. A flow seen
// once is not stored: on traffic that does not repeat, storing costs more
// than the probe (the entry's lines written under a sequence number) and
// evicts the answers of flows that do repeat. A note can be overwritten
// by another flow's before the second sighting; the flow is then stored
// a sighting later, which costs a walk and changes no answer. The note
// to overwrite is drawn at random: flows that cycle in a fixed order
// would otherwise overwrite one another's notes for ever.
func (t *memoTable) admit(h uint64) bool {
	b, _ := t.bucket(h)
	free := -1
	for w := range memoWays {
		switch b.seen[w].Load() {
		case h:
			return true
		case 0:
			free = w
		}
	}
	if free < 0 {
		free = int(rand.Uint64() % memoWays)
	}
	b.seen[free].Store(h)
	return false
}

func (t *memoTable) read(i uint64, k *memoKey, v *model.Verdict) bool {
	s := &t.slots[i]
	seq := s.seq.Load()
	if seq&1 != 0 {
		return false
	}
	for j := range memoHeadWords {
		if s.key[j].Load() != k[j] {
			return false
		}
	}
	if k.hasHTTP() {
		r := &t.http[i]
		for j := range memoHTTPWords {
			if r.w[j].Load() != k[memoHeadWords+j] {
				return false
			}
		}
	}
	eg, in := s.side[0].Load(), s.side[1].Load()
	var by [4]*hitOrigin
	for j := range by {
		by[j] = s.by[j].Load()
	}
	egE, inE := s.ep[0].Load(), s.ep[1].Load()
	if s.seq.Load() != seq {
		return false // a writer came by meanwhile
	}
	decodeSide(&v.Egress, eg, egE, by[0], by[1])
	decodeSide(&v.Ingress, in, inE, by[2], by[3])
	return true
}

// put stores the verdict of key k with hash h, found by the walk, when
// it encodes exactly; a busy entry is left as it is.
func (t *memoTable) put(k *memoKey, h uint64, eg, in *memoSide) {
	egW, ok1 := encodeSide(eg)
	inW, ok2 := encodeSide(in)
	if !ok1 || !ok2 {
		return
	}
	var egD, inD model.DirectionVerdict
	decodeSide(&egD, egW, eg.endpoint(), eg.enfBy, eg.penBy)
	decodeSide(&inD, inW, in.endpoint(), in.enfBy, in.penBy)
	if egD != eg.dv || inD != in.dv {
		return
	}
	// The way: an empty one, else one drawn at random, as admit draws
	// its note.
	b, first := t.bucket(h)
	way := -1
	for w := range memoWays {
		if b.tag[w].Load() == 0 {
			way = w
			break
		}
	}
	if way < 0 {
		way = int(rand.Uint64() % memoWays)
	}
	i := first + uint64(way)
	s := &t.slots[i]
	seq := s.seq.Load()
	if seq&1 != 0 || !s.seq.CompareAndSwap(seq, seq+1) {
		return
	}
	for j := range memoHeadWords {
		s.key[j].Store(k[j])
	}
	if k.hasHTTP() {
		r := &t.http[i]
		for j := range memoHTTPWords {
			r.w[j].Store(k[memoHeadWords+j])
		}
	}
	s.side[0].Store(egW)
	s.side[1].Store(inW)
	s.by[0].Store(eg.enfBy)
	s.by[1].Store(eg.penBy)
	s.by[2].Store(in.enfBy)
	s.by[3].Store(in.penBy)
	s.ep[0].Store(eg.endpoint())
	s.ep[1].Store(in.endpoint())
	s.seq.Store(seq + 2)
	b.tag[way].Store(h)
}

// unchangedBy reports whether change c, applied to p, leaves every
// resource as p holds it: each upsert equal to the resource of its key
// and each delete naming a key p does not hold. The program Apply
// derives then answers every flow as p does, and keeps p's generation,
// so the memo's answers carry over (a resync or a reload that re-applies
// what is already there). Any other change, however small, gets a new
// generation: telling which answers a real change leaves alone costs
// more than walking them again.
func (p *Program) unchangedBy(c *model.Change) bool {
	u := &c.Upserts
	for i := range u.Tiers {
		if r, ok := p.tiers.get(u.Tiers[i].Name); !ok || !reflect.DeepEqual(r.model, u.Tiers[i]) {
			return false
		}
	}
	for i := range u.Policies {
		if r, ok := p.policies.get(u.Policies[i].Key()); !ok || !reflect.DeepEqual(r.model, u.Policies[i]) {
			return false
		}
	}
	for i := range u.Profiles {
		if r := p.profileAt(u.Profiles[i].Name); r == nil || !reflect.DeepEqual(r.model, u.Profiles[i]) {
			return false
		}
	}
	for i := range u.Services {
		if r := p.serviceAt(u.Services[i].Key()); r == nil || !reflect.DeepEqual(r.model, u.Services[i]) {
			return false
		}
	}
	for i := range u.Endpoints {
		if e := p.entityAt(u.Endpoints[i].Key()); e == nil || e.endpoint == nil || !reflect.DeepEqual(*e.endpoint, u.Endpoints[i]) {
			return false
		}
	}
	for i := range u.NetworkSets {
		if e := p.entityAt(u.NetworkSets[i].Key()); e == nil || e.netset == nil || !reflect.DeepEqual(*e.netset, u.NetworkSets[i]) {
			return false
		}
	}
	for i := range u.Namespaces {
		if ns, ok := p.namespaces.get(u.Namespaces[i].Name); !ok || !reflect.DeepEqual(*ns, u.Namespaces[i]) {
			return false
		}
	}
	for i := range u.ServiceAccounts {
		if sa, ok := p.serviceAccounts.get(u.ServiceAccounts[i].Key()); !ok || !reflect.DeepEqual(*sa, u.ServiceAccounts[i]) {
			return false
		}
	}
	for _, k := range c.Deletes {
		if p.holds(k) {
			return false
		}
	}
	return true
}

// holds reports whether p has a resource with key k; a key of a kind it
// does not know counts as held.
func (p *Program) holds(k model.Key) bool {
	switch k.Kind {
	case model.KindTier:
		_, ok := p.tiers.get(k.Name)
		return ok
	case model.KindProfile:
		return p.profileAt(k.Name) != nil
	case model.KindService:
		return p.serviceAt(k) != nil
	case model.KindNamespace:
		_, ok := p.namespaces.get(k.Name)
		return ok
	case model.KindServiceAccount:
		_, ok := p.serviceAccounts.get(k)
		return ok
	case model.KindNetworkSet, model.KindGlobalNetworkSet, model.KindWorkloadEndpoint, model.KindHostEndpoint:
		return p.entityAt(k) != nil
	}
	if k.Kind.IsPolicy() {
		_, ok := p.policies.get(k)
		return ok
	}
	return true
}

func (p *Program) profileAt(name string) *profileRec {
	if id, ok := p.profileIDs.get(name); ok {
		return p.profiles.get(id)
	}
	return nil
}

func (p *Program) serviceAt(k model.Key) *serviceRec {
	if id, ok := p.serviceIDs.get(k); ok {
		return p.services.get(id)
	}
	return nil
}

func (p *Program) entityAt(k model.Key) *entity {
	if id, ok := p.entityIDs.get(k); ok {
		return p.entities.get(id)
	}
	return nil
}
