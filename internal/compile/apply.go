package compile

import (
	"fmt"
	"maps"
	"slices"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// noClass marks an entity not yet given a class within a batch.
const noClass = ^uint32(0)

// Apply returns a new program with the change made: every upsert adds a
// resource or replaces the one with the same key, then every delete
// removes one. It refuses every change model.Set.Apply refuses, with the
// same *model.CheckError: the change is checked with model.Change.Check,
// and the policies it touches (all of them when a tier goes) for their
// tiers; besides, it refuses rules it cannot compile. It is atomic: on any error the receiver is
// untouched, no program is returned, and the error names the resource. The receiver
// stays valid and keeps answering as before, so readers holding it are
// never disturbed.
//
// The work is proportional to the change, not to the set: an endpoint
// relabel costs its labels and the selectors they can satisfy, and the
// result shares every untouched piece (selectors, rules, classes, index
// shards) with the receiver.
//
// The program keeps references to the change's selectors and slices; the
// caller must not modify them afterwards.
func (p *Program) Apply(c model.Change) (*Program, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	return p.apply(c, false)
}

func (p *Program) apply(c model.Change, cold bool) (*Program, error) {
	t := p.begin(cold, len(c.Upserts.Endpoints)+len(c.Upserts.NetworkSets))
	if err := t.change(&c); err != nil {
		return nil, err
	}
	return t.finish(), nil
}

// txn is one batch of changes on its way to becoming a Program. Every
// persistent structure is edited copy-on-write; nothing the old program
// holds is modified.
type txn struct {
	old  *Program
	cold bool // building from nothing: no existing class to revisit

	in       *internEdit
	sels     *pvecEdit[*selInfo]
	progs    *pvecEdit[selProg]
	selIDs   *pmapEdit[string, uint32]
	selFree  []uint32
	selIndex *labelIndexEdit
	ownedSel map[uint32]bool
	newSels  map[uint32]bool // created in this batch
	deadSels map[uint32]bool // lost their last use at some point
	// policySels are selectors whose set of policies changed, so the
	// resolved lists of the classes they match must be rebuilt.
	policySels map[uint32]bool
	// dirtyPeers are peer selectors whose network-set CIDRs must be
	// gathered again.
	dirtyPeers map[uint32]bool

	tiers        *pmapEdit[string, *tierRec]
	tiersChanged bool
	tiersDeleted bool
	policies     *pmapEdit[model.Key, *policyRec]
	touched      []model.Key // policies upserted, whose tiers must exist
	// policiesChanged: some policy came or went, so the ranks are
	// recomputed.
	policiesChanged bool
	pairCount       *pmapEdit[uint64, int32]
	keyCount        *pmapEdit[uint32, int32]
	pairDelta       map[uint64]int32 // changes to pairCount not yet flushed
	keyDelta        map[uint32]int32 // likewise for keyCount
	profileIDs      *pmapEdit[string, uint32]
	profiles        *pvecEdit[*profileRec]
	// relabelProfiles are profiles whose labels changed: entities
	// inheriting from them get new labels.
	relabelProfiles map[uint32]bool
	serviceIDs      *pmapEdit[model.Key, uint32]
	services        *pvecEdit[*serviceRec]

	entities   *pvecEdit[*entity]
	entityIDs  *pmapEdit[model.Key, uint32]
	entityFree []uint32
	freedEnts  []uint32
	netsets    []uint32 // ids of the network-set entities, sorted
	netsetsOwn bool     // netsets is this batch's own copy
	// movedNetsets are network sets added, changed or removed, with the
	// selectors their old labels matched: those selectors' CIDRs change.
	movedNetsets map[uint32][]uint32
	nextOrdinal  uint64
	relabel      map[uint32]bool // entities whose labels must be recomputed
	// freshEnts are entities this batch created, which no program holds
	// yet, so they may be changed in place.
	freshEnts   map[uint32]bool
	labelBuf    []label // reused while computing labels
	classes     *pvecEdit[*class]
	classIDs    *pmapEdit[uint64, []uint32]
	classFree   []uint32
	ownedClass  map[uint32]bool
	newClasses  map[uint32]bool
	deadClasses map[uint32]bool
	addrs       *addrIndexEdit

	namespaces      *pmapEdit[string, *model.Namespace]
	serviceAccounts *pmapEdit[model.Key, *model.ServiceAccount]

	tierRanks   map[string]int // evaluation order of the final tiers
	ranks       map[*policyRec]int32
	scratch     []uint32   // reused while matching label sets
	polBits     []uint64   // Program.policySels
	tierShare   *tierCache // resolved tiers built in this batch
	polBitsOwn  bool
	clauseCache calico.NamespaceClauses
}

// begin starts a batch that upserts about entities endpoints and network
// sets.
func (p *Program) begin(cold bool, entities int) *txn {
	t := &txn{
		old:             p,
		cold:            cold,
		in:              p.in.edit(),
		sels:            p.sels.edit(),
		progs:           p.progs.edit(),
		selIDs:          p.selIDs.edit(),
		selFree:         slices.Clone(p.selFree),
		selIndex:        p.selIndex.edit(),
		ownedSel:        map[uint32]bool{},
		newSels:         map[uint32]bool{},
		deadSels:        map[uint32]bool{},
		policySels:      map[uint32]bool{},
		dirtyPeers:      map[uint32]bool{},
		polBits:         p.policySels,
		tiers:           p.tiers.edit(),
		policies:        p.policies.edit(),
		pairCount:       p.pairCount.edit(),
		keyCount:        p.keyCount.edit(),
		pairDelta:       map[uint64]int32{},
		keyDelta:        map[uint32]int32{},
		profileIDs:      p.profileIDs.edit(),
		profiles:        p.profiles.edit(),
		relabelProfiles: map[uint32]bool{},
		serviceIDs:      p.serviceIDs.edit(),
		services:        p.services.edit(),
		entities:        p.entities.edit(),
		entityIDs:       p.entityIDs.edit(),
		entityFree:      slices.Clone(p.entityFree),
		netsets:         p.netsets,
		movedNetsets:    map[uint32][]uint32{},
		nextOrdinal:     p.nextOrdinal,
		relabel:         make(map[uint32]bool, entities),
		freshEnts:       make(map[uint32]bool, entities),
		classes:         p.classes.edit(),
		classIDs:        p.classIDs.edit(),
		classFree:       slices.Clone(p.classFree),
		ownedClass:      make(map[uint32]bool, entities),
		newClasses:      make(map[uint32]bool, entities),
		deadClasses:     map[uint32]bool{},
		namespaces:      p.namespaces.edit(),
		serviceAccounts: p.serviceAccounts.edit(),
	}
	t.addrs = p.addrs.edit(func(id uint32) uint64 { return t.entities.get(id).ordinal })
	return t
}

// change stages every upsert, then every delete, then checks that every
// policy's tier exists.
func (t *txn) change(c *model.Change) error {
	u := &c.Upserts
	for i := range u.Tiers {
		t.upsertTier(&u.Tiers[i])
	}
	for i := range u.Services {
		t.upsertService(&u.Services[i])
	}
	for i := range u.Profiles {
		if err := t.upsertProfile(&u.Profiles[i]); err != nil {
			return err
		}
	}
	for i := range u.Policies {
		if err := t.upsertPolicy(&u.Policies[i]); err != nil {
			return err
		}
	}
	for i := range u.Endpoints {
		t.upsertEndpoint(&u.Endpoints[i])
	}
	for i := range u.NetworkSets {
		t.upsertNetworkSet(&u.NetworkSets[i])
	}
	for i := range u.Namespaces {
		ns := u.Namespaces[i]
		t.namespaces.set(ns.Name, &ns)
	}
	for i := range u.ServiceAccounts {
		sa := u.ServiceAccounts[i]
		t.serviceAccounts.set(sa.Key(), &sa)
	}
	for _, k := range c.Deletes {
		if err := t.delete(k); err != nil {
			return err
		}
	}
	return t.checkTiers()
}

// delete removes the resource with key k. Deleting what does not exist
// does nothing, so a change stream may repeat a delete. A built-in tier
// cannot go away: deleting one restores its built-in definition, as a set
// without it would get.
func (t *txn) delete(k model.Key) error {
	switch k.Kind {
	case model.KindTier:
		if _, ok := t.tiers.get(k.Name); !ok {
			return nil
		}
		for _, b := range model.BuiltinTiers() {
			if b.Name == k.Name {
				t.upsertTier(&b)
				return nil
			}
		}
		t.tiers.del(k.Name)
		t.tiersChanged, t.tiersDeleted = true, true
	case model.KindProfile:
		if id, ok := t.profileIDs.get(k.Name); ok && t.profiles.get(id) != nil {
			t.dropProfile(id)
		}
	case model.KindService:
		if id, ok := t.serviceIDs.get(k); ok {
			t.services.set(id, nil)
		}
	case model.KindNamespace:
		t.namespaces.del(k.Name)
	case model.KindServiceAccount:
		t.serviceAccounts.del(k)
	case model.KindGlobalNetworkPolicy, model.KindNetworkPolicy,
		model.KindStagedGlobalNetworkPolicy, model.KindStagedNetworkPolicy,
		model.KindStagedKubernetesNetworkPolicy, model.KindKubernetesNetworkPolicy,
		model.KindKubernetesClusterNetworkPolicy:
		if old, ok := t.policies.get(k); ok {
			t.dropPolicy(old)
			t.policies.del(k)
		}
	case model.KindNetworkSet, model.KindGlobalNetworkSet,
		model.KindWorkloadEndpoint, model.KindHostEndpoint, "":
		if id, ok := t.entityIDs.get(k); ok {
			t.dropEntity(id)
		}
	default:
		return fmt.Errorf("cannot delete %s: unknown kind %q", k, k.Kind)
	}
	return nil
}

// checkTiers rejects a policy in a tier that does not exist (SPEC 7), as
// model.Set.Check does.
func (t *txn) checkTiers() error {
	var problems []model.Problem
	check := func(p *policyRec) {
		if _, ok := t.tiers.get(p.tier); !ok {
			problems = append(problems, model.Problem{Key: p.model.Key(), Field: "tier", Code: model.CodeTier,
				Msg: fmt.Sprintf("tier %q does not exist", p.tier)})
		}
	}
	if t.tiersDeleted {
		for _, p := range t.policies.m.all() {
			check(p)
		}
	} else {
		for _, k := range t.touched {
			if p, ok := t.policies.get(k); ok {
				check(p)
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &model.CheckError{Problems: problems}
}

func (t *txn) upsertTier(m *model.Tier) {
	rec := &tierRec{model: *m, pass: m.DefaultAction == model.Pass}
	if old, ok := t.tiers.get(m.Name); ok && old.pass == rec.pass && sameOrder(old.model.Order, m.Order) {
		t.tiers.set(m.Name, rec) // nothing evaluation sees has changed
		return
	}
	t.tiers.set(m.Name, rec)
	t.tiersChanged = true
}

func sameOrder(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func (t *txn) upsertService(m *model.Service) {
	t.services.set(t.service(m.Key()), newServiceRec(m))
}

// service returns the id of the service with key k, giving it one if it
// has none yet; rules name services by id so that a later definition or
// change is seen without recompiling them.
func (t *txn) service(k model.Key) uint32 {
	if id, ok := t.serviceIDs.get(k); ok {
		return id
	}
	id := t.services.push(nil)
	t.serviceIDs.set(k, id)
	return id
}

// profileID returns the id of the profile named name, giving it one if it
// has none yet.
func (t *txn) profileID(name string) uint32 {
	if id, ok := t.profileIDs.get(name); ok {
		return id
	}
	id := t.profiles.push(nil)
	t.profileIDs.set(name, id)
	return id
}

func (t *txn) upsertProfile(m *model.Profile) error {
	id := t.profileID(m.Name)
	rec := &profileRec{model: *m}
	for d, rules := range [2][]model.Rule{m.Ingress, m.Egress} {
		compiled, err := compileRules(rules, "", t)
		if err != nil {
			return fmt.Errorf("%s: %s %w", m.Key(), [2]string{"ingress", "egress"}[d], err)
		}
		rec.rules[d] = compiled
	}
	old := t.profiles.get(id)
	if old != nil {
		t.releaseRules(old.rules)
	}
	if old == nil || !maps.Equal(old.model.LabelsToApply, m.LabelsToApply) {
		t.relabelProfiles[id] = true
	}
	t.profiles.set(id, rec)
	return nil
}

func (t *txn) dropProfile(id uint32) {
	old := t.profiles.get(id)
	t.releaseRules(old.rules)
	if len(old.model.LabelsToApply) > 0 {
		t.relabelProfiles[id] = true
	}
	t.profiles.set(id, nil)
}

func (t *txn) releaseRules(rules [2][]rule) {
	for _, rs := range rules {
		for _, s := range selectorsOf(rs) {
			t.releasePeer(s)
		}
	}
}

func (t *txn) upsertPolicy(m *model.Policy) error {
	key := m.Key()
	if old, ok := t.policies.get(key); ok {
		t.dropPolicy(old)
		t.policies.del(key)
	}
	if m.Kind.Staged() && m.StagedAction == model.StagedDelete {
		return nil // Calico never hands it to Felix: it replaces and removes
	}
	rec, err := t.compilePolicy(m)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	t.policies.set(key, rec)
	t.touched = append(t.touched, key)
	t.policiesChanged = true
	return nil
}

func (t *txn) compilePolicy(m *model.Policy) (*policyRec, error) {
	rec := &policyRec{
		model:  *m,
		tier:   m.Tier,
		sort:   m.SortName(),
		active: !m.DoNotTrack && !m.PreDNAT,
		staged: m.Kind.Staged(),
	}
	if rec.tier == "" {
		rec.tier = model.TierDefault
	}
	sel, err := calico.PolicySelector(m)
	if err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	ns := ""
	if m.Kind.Namespaced() {
		ns = m.Namespace
	}
	// A doNotTrack or preDNAT policy never takes part in normal
	// evaluation: its rules are checked but nothing is registered for it.
	var reg registrar = t
	if !rec.active {
		reg = validateOnly{}
	}
	for d, rules := range [2][]model.Rule{m.Ingress, m.Egress} {
		compiled, err := compileRules(rules, ns, reg)
		if err != nil {
			return nil, fmt.Errorf("%s %w", [2]string{"ingress", "egress"}[d], err)
		}
		rec.rules[d] = compiled
		rec.sums[d] = summarize(compiled)
	}
	if rec.active {
		rec.sel = t.selector(sel)
		info := t.ownSel(rec.sel)
		info.policies = append(info.policies, rec)
		t.policySels[rec.sel] = true
		t.setPolicyBit(rec.sel, true)
	}
	return rec, nil
}

func (t *txn) dropPolicy(old *policyRec) {
	t.policiesChanged = true
	if !old.active {
		return
	}
	info := t.ownSel(old.sel)
	info.policies = slices.DeleteFunc(info.policies, func(p *policyRec) bool { return p == old })
	if len(info.policies) == 0 {
		t.setPolicyBit(old.sel, false)
	}
	t.policySels[old.sel] = true
	t.release(old.sel)
	t.releaseRules(old.rules)
}

// setPolicyBit records whether some policy applies with selector id.
func (t *txn) setPolicyBit(id uint32, on bool) {
	w := int(id >> 6)
	if !t.polBitsOwn {
		t.polBits = slices.Clone(t.polBits)
		t.polBitsOwn = true
	}
	if w >= len(t.polBits) {
		t.polBits = append(t.polBits, make([]uint64, w+1-len(t.polBits))...)
	}
	if on {
		t.polBits[w] |= 1 << (id & 63)
	} else {
		t.polBits[w] &^= 1 << (id & 63)
	}
}

// validateOnly compiles rules that are never evaluated.
type validateOnly struct{}

func (validateOnly) peer(*selector.Selector) uint32    { return 0 }
func (validateOnly) service(model.Key) uint32          { return 0 }
func (validateOnly) clauses() *calico.NamespaceClauses { return &calico.NamespaceClauses{} }

func (t *txn) clauses() *calico.NamespaceClauses { return &t.clauseCache }

// takeID returns an id from the free list, or a new one from grow when
// the list is empty: ids of removed things are reused, so that the
// vectors indexed by them stay dense.
func takeID(free *[]uint32, grow func() uint32) uint32 {
	if n := len(*free); n > 0 {
		id := (*free)[n-1]
		*free = (*free)[:n-1]
		return id
	}
	return grow()
}

// selector registers one use of s, compiling it if it is new.
func (t *txn) selector(s *selector.Selector) uint32 {
	canon := s.String()
	if id, ok := t.selIDs.get(canon); ok {
		t.ownSel(id).refs++
		return id
	}
	id := takeID(&t.selFree, func() uint32 {
		t.progs.push(nil)
		return t.sels.push(nil)
	})
	info := &selInfo{sel: s, prog: compileSelector(s, t.in), refs: 1}
	t.sels.set(id, info)
	t.progs.set(id, info.prog)
	t.ownedSel[id] = true
	t.selIDs.set(canon, id)
	t.newSels[id] = true
	return id
}

// peer registers one use of s as a rule's peer selector: besides matching
// label sets, it keeps the CIDRs of the network sets it matches.
func (t *txn) peer(s *selector.Selector) uint32 {
	id := t.selector(s)
	info := t.ownSel(id)
	if info.peerRefs == 0 {
		t.dirtyPeers[id] = true
	}
	info.peerRefs++
	return id
}

func (t *txn) releasePeer(id uint32) {
	t.ownSel(id).peerRefs--
	t.release(id)
}

func (t *txn) release(id uint32) {
	info := t.ownSel(id)
	info.refs--
	if info.refs == 0 {
		t.deadSels[id] = true
	}
}

// ownSel returns the batch's own copy of a selector's record.
func (t *txn) ownSel(id uint32) *selInfo {
	info := t.sels.get(id)
	if !t.ownedSel[id] {
		cp := *info
		cp.policies = slices.Clone(info.policies)
		info = &cp
		t.sels.set(id, info)
		t.ownedSel[id] = true
	}
	return info
}

// entitySlot returns the id for key, reusing the entity's slot and place
// in the order when it exists.
func (t *txn) entitySlot(key model.Key) (id uint32, old *entity) {
	// A cold compile starts from nothing, and Compile drops its result if
	// a key comes twice: nothing can exist yet.
	if !t.cold {
		if id, ok := t.entityIDs.get(key); ok {
			return id, t.entities.get(id)
		}
	}
	id = takeID(&t.entityFree, func() uint32 { return t.entities.push(nil) })
	t.entityIDs.set(key, id)
	return id, nil
}

// upsertEndpoint keeps m itself, not a copy: like the rest of the change,
// the caller may not modify it afterwards.
func (t *txn) upsertEndpoint(ep *model.Endpoint) {
	id, old := t.entitySlot(ep.Key())
	e := &entity{kind: kindWorkload, endpoint: ep, class: noClass}
	if ep.Kind == model.KindHostEndpoint {
		e.kind = kindHost
	}
	for _, name := range ep.Profiles {
		e.labelProfiles = append(e.labelProfiles, t.profileID(name))
	}
	t.placeEntity(id, old, e)
}

func (t *txn) upsertNetworkSet(ns *model.NetworkSet) {
	id, old := t.entitySlot(ns.Key())
	e := &entity{kind: kindNetworkSet, netset: ns, class: noClass}
	for _, name := range calico.NetworkSetProfiles(ns) {
		e.labelProfiles = append(e.labelProfiles, t.profileID(name))
	}
	t.placeEntity(id, old, e)
}

// placeEntity stores a new or replacing entity, keeping a replaced one's
// place in the order and its class until its labels are recomputed.
func (t *txn) placeEntity(id uint32, old, e *entity) {
	if e.netset != nil {
		t.moveNetset(id, old)
	}
	t.entities.set(id, e)
	t.relabel[id] = true
	t.freshEnts[id] = true
	if old == nil {
		e.ordinal = t.nextOrdinal
		t.nextOrdinal++
		t.indexEntity(id, e)
		return
	}
	e.ordinal, e.class = old.ordinal, old.class
	if !sameAddresses(old, e) {
		t.unindexEntity(id, old)
		t.indexEntity(id, e)
	}
}

// sameAddresses reports whether two versions of an entity own the same
// addresses, so that a relabel leaves the address index alone.
func sameAddresses(a, b *entity) bool {
	if a.endpoint != nil && b.endpoint != nil {
		return slices.Equal(a.endpoint.Addresses, b.endpoint.Addresses)
	}
	return a.netset != nil && b.netset != nil && slices.Equal(a.netset.Nets, b.netset.Nets)
}

func (t *txn) indexEntity(id uint32, e *entity) {
	if e.endpoint != nil {
		for _, a := range e.endpoint.Addresses {
			t.addrs.addAddr(a, id)
		}
		return
	}
	for _, n := range e.netset.Nets {
		t.addrs.addNet(n, id)
	}
}

func (t *txn) unindexEntity(id uint32, e *entity) {
	if e.endpoint != nil {
		for _, a := range e.endpoint.Addresses {
			t.addrs.removeAddr(a, id)
		}
		return
	}
	for _, n := range e.netset.Nets {
		t.addrs.removeNet(n, id)
	}
}

func (t *txn) dropEntity(id uint32) {
	e := t.entities.get(id)
	if e.netset != nil {
		t.moveNetset(id, e)
		t.ownNetsets()
		if i, found := slices.BinarySearch(t.netsets, id); found {
			t.netsets = slices.Delete(t.netsets, i, i+1)
		}
	}
	t.unindexEntity(id, e)
	if e.class != noClass {
		t.releaseClass(e.class)
	}
	t.entities.set(id, nil)
	t.entityIDs.del(e.key())
	delete(t.relabel, id)
	t.freedEnts = append(t.freedEnts, id)
}

// moveNetset notes that a network set changes: the peer selectors its
// labels matched before this batch must gather their CIDRs again, and so
// must those it matches after.
func (t *txn) moveNetset(id uint32, old *entity) {
	if _, seen := t.movedNetsets[id]; seen {
		return
	}
	var matched []uint32
	if old != nil && old.class != noClass {
		if c := t.old.classAt(old.class); c != nil {
			matched = c.matched
		}
	}
	t.movedNetsets[id] = matched
	if old == nil {
		t.ownNetsets()
		i, _ := slices.BinarySearch(t.netsets, id)
		t.netsets = slices.Insert(t.netsets, i, id)
	}
}

func (t *txn) ownNetsets() {
	if !t.netsetsOwn {
		t.netsets = slices.Clone(t.netsets)
		t.netsetsOwn = true
	}
}

// profileLabels returns the labels a profile applies, none when it does
// not exist.
func (t *txn) profileLabels(name string) map[string]string {
	id, ok := t.profileIDs.get(name)
	if !ok {
		return nil
	}
	if p := t.profiles.get(id); p != nil {
		return p.model.LabelsToApply
	}
	return nil
}

func (t *txn) ownClass(id uint32) *class {
	c := t.classes.get(id)
	if !t.ownedClass[id] {
		cp := *c
		c = &cp
		t.classes.set(id, c)
		t.ownedClass[id] = true
	}
	return c
}

// acquireClass returns the class of a label set, creating it if no entity
// has those labels yet.
func (t *txn) acquireClass(ls labelSet) uint32 {
	h := ls.hash()
	ids, _ := t.classIDs.get(h)
	for _, id := range ids {
		if t.classes.get(id).labels.equal(ls) {
			t.ownClass(id).refs++
			return id
		}
	}
	id := takeID(&t.classFree, func() uint32 { return t.classes.push(nil) })
	t.classes.set(id, &class{labels: ls, refs: 1})
	t.countLabels(ls, 1)
	t.ownedClass[id] = true
	// The list may be shared with an older program: never append in place.
	t.classIDs.set(h, append(slices.Clip(ids), id))
	t.newClasses[id] = true
	return id
}

// countLabels adds delta to the class counts of every label and key of ls.
// The deltas gather in plain maps, a few increments per class, and reach
// the persistent counts once per label in flushCounts.
func (t *txn) countLabels(ls labelSet, delta int32) {
	for _, l := range ls {
		t.pairDelta[pairKey(l.key, l.val)] += delta
		t.keyDelta[l.key] += delta
	}
}

// flushCounts adds the gathered deltas to the counts.
func (t *txn) flushCounts() {
	for pk, d := range t.pairDelta {
		if d == 0 {
			continue
		}
		if n, _ := t.pairCount.get(pk); n+d == 0 {
			t.pairCount.del(pk)
		} else {
			t.pairCount.set(pk, n+d)
		}
	}
	for k, d := range t.keyDelta {
		if d == 0 {
			continue
		}
		if n, _ := t.keyCount.get(k); n+d == 0 {
			t.keyCount.del(k)
		} else {
			t.keyCount.set(k, n+d)
		}
	}
	clear(t.pairDelta)
	clear(t.keyDelta)
}

func (t *txn) releaseClass(id uint32) {
	c := t.ownClass(id)
	c.refs--
	if c.refs == 0 {
		t.deadClasses[id] = true
	}
}
