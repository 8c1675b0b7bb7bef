package compile

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Program is one immutable snapshot of a compiled model.Set: everything
// evaluation needs, prepared so that deciding a flow costs a few map
// lookups and a walk over the rules that can apply. It is safe for
// concurrent use. Apply derives the next snapshot and shares every
// unchanged part with this one.
type Program struct {
	in interner
	selectorTable
	policyTable
	profileTable
	serviceTable
	entityTable // endpoints and network sets, with the address index
	classTable  // the label classes entities share

	namespaces      pmap[string, *model.Namespace]
	serviceAccounts pmap[model.Key, *model.ServiceAccount]

	// memo is the table of answered flows this program shares with the
	// programs Apply derives from it; gen tells its entries from theirs.
	memo *memoCell
	gen  uint64
}

// dirIndex numbers the directions for arrays indexed by direction.
type dirIndex uint8

const (
	dirIngress dirIndex = 0
	dirEgress  dirIndex = 1
)

func dirOf(d model.Direction) dirIndex {
	if d == model.Egress {
		return dirEgress
	}
	return dirIngress
}

// selInfo is one distinct selector and who uses it.
type selInfo struct {
	sel   *selector.Selector
	prog  selProg
	place placement
	refs  int // uses by policies and rule sides
	// peerRefs counts the rule sides using it; a peer selector keeps nets,
	// the CIDRs of the network sets it matches, so that "some owner of
	// the address matches" costs one search whatever the number of sets
	// (Felix's IP set for the selector).
	peerRefs int
	nets     *prefixSet
	// policies apply with this selector; the resolved lists of the label
	// sets it matches hold them.
	policies []*policyRec
}

type tierRec struct {
	model model.Tier
	pass  bool // default action Pass; anything else denies
}

// policyRec is a compiled policy. The fields a walk reads come first, so
// that visiting a policy costs one cache line before its rules.
type policyRec struct {
	staged bool
	rules  [2][]rule
	sums   [2]summary
	active bool // takes part in normal evaluation (not doNotTrack or preDNAT)
	sel    uint32
	id     uint32 // numbers the policy among the table's, for its rank
	origin hitOrigin
	tier   string
	sort   string // the tie-break string <name>/<namespace>/<kind>
	model  model.Policy
}

func (p *policyRec) governs(d dirIndex) bool {
	if d == dirEgress {
		return p.model.Governs(model.Egress)
	}
	return p.model.Governs(model.Ingress)
}

func (p *policyRec) hit(index int, a model.HitAction) model.Hit { return p.origin.hit(index, a) }

// hitOrigin is what a hit says of the policy or profile it comes from,
// kept together so that the memo rebuilds a hit from one cache line.
type hitOrigin struct {
	kind                  model.Kind
	tier, namespace, name string
}

func (o *hitOrigin) hit(index int, a model.HitAction) model.Hit {
	return model.Hit{Kind: o.kind, Tier: o.tier, Namespace: o.namespace, Name: o.name, Index: index, Action: a}
}

type profileRec struct {
	model  model.Profile
	rules  [2][]rule
	origin hitOrigin
}

func newProfileRec(m *model.Profile) *profileRec {
	return &profileRec{model: *m, origin: hitOrigin{kind: model.KindProfile, tier: model.TierProfile, name: m.Name}}
}

func (p *profileRec) hit(index int, a model.HitAction) model.Hit { return p.origin.hit(index, a) }

// serviceRec is a service's addresses, and its (address, protocol, port)
// triples for destination rules: an address serves the ports of its own
// EndpointSlice.
type serviceRec struct {
	model model.Service
	addrs map[netip.Addr]struct{}
	ports map[svcPort]struct{}
}

type svcPort struct {
	addr  netip.Addr
	proto uint8
	port  uint16
}

func newServiceRec(s *model.Service) *serviceRec {
	r := &serviceRec{model: *s, addrs: map[netip.Addr]struct{}{}, ports: map[svcPort]struct{}{}}
	for _, sl := range s.Slices {
		for _, a := range sl.Addresses {
			r.addrs[a] = struct{}{}
			for _, p := range sl.Ports {
				r.ports[svcPort{a, p.Protocol, p.Port}] = struct{}{}
			}
		}
	}
	return r
}

// entityKind tells what an entity is; only workload endpoints are judged.
type entityKind uint8

const (
	kindWorkload entityKind = iota
	kindHost
	kindNetworkSet
)

// entity is an endpoint or network set: a rule peer by its addresses, and
// for a workload endpoint the judged side of a flow.
//
// A cold compile holds one per endpoint, so it keeps only what cannot be
// read from the endpoint or network set itself.
type entity struct {
	kind    entityKind
	class   uint32
	ordinal uint64 // place in the set's order; the first workload owning an address is judged

	endpoint *model.Endpoint   // endpoints
	netset   *model.NetworkSet // network sets
	// labelProfiles are the profiles the entity inherits labels from (for
	// an endpoint, its profiles, walked in order after the tiers).
	labelProfiles []uint32
	// inline is set for an endpoint given inline to one call.
	inline *inlineOwner
}

// inlineOwner is what an endpoint given inline to one call has instead of
// a registered class: a class that may exist only for that call, and the
// addresses it owns for that call.
type inlineOwner struct {
	cls   *class
	owned []netip.Addr
}

// key returns the entity's resource key.
func (e *entity) key() model.Key {
	if e.endpoint != nil {
		return e.endpoint.Key()
	}
	return e.netset.Key()
}

// ports returns the named ports an endpoint declares; network sets have
// none.
func (e *entity) ports() []model.EndpointPort {
	if e.endpoint == nil {
		return nil
	}
	return e.endpoint.Ports
}

// class is a label set shared by every entity that has it: the selectors
// it matches and, per direction, the tiers and policies that apply.
type class struct {
	labels  labelSet
	refs    int
	matched []uint32 // ids of every selector the labels match, sorted
	res     [2]*resolved
}

// has reports whether the class matches selector id s.
func (c *class) has(s uint32) bool {
	m := c.matched
	lo, hi := 0, len(m)
	for lo < hi {
		h := int(uint(lo+hi) >> 1)
		if m[h] < s {
			lo = h + 1
		} else {
			hi = h
		}
	}
	return lo < len(m) && m[lo] == s
}

// resolved is what applies to one class in one direction: the tiers with
// at least one applicable policy, in order, each with its applicable
// policies in order, staged ones included.
type resolved struct {
	tiers  []resolvedTier
	staged bool // some policy is staged, so the pending walk differs
}

type resolvedTier struct {
	name     string
	pass     bool
	staged   bool // some policy is staged
	policies []polRef
	// firstEnforced is the index of the first non-staged policy, -1 when
	// all are staged: the policy a default action is attributed to in the
	// enforced walk (the pending walk's is the first).
	firstEnforced int32
	// classify is set for a tier with many rules; Evaluate then finds
	// the first matching rule without visiting the others.
	classify *classifier
}

// first returns the policy the tier's default action is attributed to,
// nil when the walk skips the tier.
func (t *resolvedTier) first(pending bool) *policyRec {
	if pending {
		return t.policies[0].p
	}
	if t.firstEnforced < 0 {
		return nil
	}
	return t.policies[t.firstEnforced].p
}

// polRef is a policy in a resolved list with what a walk reads of it in
// that direction, its rules, their summary and whether it is staged, kept
// in the list so that a walk touches the policy record itself only for a
// hit.
type polRef struct {
	rules  []rule
	sum    summary
	staged bool
	p      *policyRec
}

// Compile builds the program for a set. It adds the built-in tiers the set
// does not define and rejects, with model.Set.Check's *model.CheckError,
// every set that fails that check: among others a policy whose tier does
// not exist (SPEC 7), two resources of one kind with the same key, and a
// rule without an action. A staged policy with StagedAction Delete takes
// part in nothing and is left out. Errors name the resource.
//
// The program keeps references to the set's selectors and slices; the
// caller must not modify them afterwards.
func Compile(set model.Set) (*Program, error) {
	set = set.WithBuiltinTiers()
	// Checking the set reads it without changing it, so it runs beside the
	// compile, whose result is dropped if it finds a problem.
	checked := make(chan error, 1)
	go func() { checked <- set.Check() }()
	// A staged Delete takes part in nothing; left in, it would remove a
	// policy of the same key that happened to come before it.
	cp := set
	cp.Policies = slices.DeleteFunc(slices.Clone(set.Policies), func(p model.Policy) bool {
		return p.Kind.Staged() && p.StagedAction == model.StagedDelete
	})
	p, err := emptyFor(&cp).apply(model.Change{Upserts: cp}, true)
	if err := <-checked; err != nil {
		return nil, err
	}
	return p, err
}

// emptyFor returns an empty program whose largest maps already have the
// shards the set will need.
func emptyFor(set *model.Set) *Program {
	p := empty()
	p.policies = newPmapFor[model.Key, *policyRec](hashKey, len(set.Policies))
	p.selIDs = newPmapFor[string, uint32](hashString, len(set.Policies))
	return p
}

func empty() *Program {
	return &Program{
		in:              newInterner(),
		selectorTable:   selectorTable{selIDs: newPmap[string, uint32](hashString), selIndex: newLabelIndex(), readKeys: newPmap[uint32, int32](hashUint32)},
		policyTable:     policyTable{tiers: newPmap[string, *tierRec](hashString), policies: newPmap[model.Key, *policyRec](hashKey)},
		profileTable:    profileTable{profileIDs: newPmap[string, uint32](hashString)},
		serviceTable:    serviceTable{serviceIDs: newPmap[model.Key, uint32](hashKey)},
		entityTable:     entityTable{entityIDs: newPmap[model.Key, uint32](hashKey), addrs: newAddrIndex()},
		classTable:      classTable{classIDs: newPmap[uint64, []uint32](hashUint64), pairCount: newPmap[uint64, int32](hashUint64), keyCount: newPmap[uint32, int32](hashUint32)},
		namespaces:      newPmap[string, *model.Namespace](hashString),
		serviceAccounts: newPmap[model.Key, *model.ServiceAccount](hashKey),
	}
}

// Set returns the model the program holds: every resource, with endpoints
// and network sets in the order that decides which endpoint is judged when
// several own one address. Compiling it again gives the same answers.
func (p *Program) Set() model.Set {
	var s model.Set
	for _, t := range p.tiers.all() {
		s.Tiers = append(s.Tiers, t.model)
	}
	slices.SortFunc(s.Tiers, func(a, b model.Tier) int { return cmp.Compare(a.Name, b.Name) })
	for _, pol := range p.policies.all() {
		s.Policies = append(s.Policies, pol.model)
	}
	slices.SortFunc(s.Policies, func(a, b model.Policy) int { return compareKeys(a.Key(), b.Key()) })
	for i := 0; i < p.profiles.len(); i++ {
		if pr := p.profiles.get(uint32(i)); pr != nil {
			s.Profiles = append(s.Profiles, pr.model)
		}
	}
	slices.SortFunc(s.Profiles, func(a, b model.Profile) int { return cmp.Compare(a.Name, b.Name) })
	for i := 0; i < p.services.len(); i++ {
		if sv := p.services.get(uint32(i)); sv != nil {
			s.Services = append(s.Services, sv.model)
		}
	}
	slices.SortFunc(s.Services, func(a, b model.Service) int { return compareKeys(a.Key(), b.Key()) })
	for _, ns := range p.namespaces.all() {
		s.Namespaces = append(s.Namespaces, *ns)
	}
	slices.SortFunc(s.Namespaces, func(a, b model.Namespace) int { return cmp.Compare(a.Name, b.Name) })
	for _, sa := range p.serviceAccounts.all() {
		s.ServiceAccounts = append(s.ServiceAccounts, *sa)
	}
	slices.SortFunc(s.ServiceAccounts, func(a, b model.ServiceAccount) int { return compareKeys(a.Key(), b.Key()) })
	var ents []*entity
	for i := 0; i < p.entities.len(); i++ {
		if e := p.entities.get(uint32(i)); e != nil {
			ents = append(ents, e)
		}
	}
	slices.SortFunc(ents, func(a, b *entity) int { return cmp.Compare(a.ordinal, b.ordinal) })
	for _, e := range ents {
		if e.endpoint != nil {
			s.Endpoints = append(s.Endpoints, *e.endpoint)
		} else {
			s.NetworkSets = append(s.NetworkSets, *e.netset)
		}
	}
	return s
}

func compareKeys(a, b model.Key) int {
	if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// Stats counts what a program holds, for tests, benchmarks and tools that
// want to see sharing at work.
type Stats struct {
	Selectors int // distinct selectors compiled
	Unindexed int // selectors with no usable required label
	Classes   int // distinct label sets among entities
	Entities  int // endpoints and network sets
	Policies  int
	// MemoBytes is the size of the memo's table, which the program
	// shares with the programs Apply derives from it; zero until the
	// first Evaluate makes it.
	MemoBytes int
}

// classCount counts the classes some entity has.
func (p *Program) classCount() int {
	n := 0
	for _, ids := range p.classIDs.all() {
		n += len(ids)
	}
	return n
}

// findClass returns the id of the class with exactly the labels ls.
func findClass(ids pmap[uint64, []uint32], classes *pvec[*class], ls labelSet) (uint32, bool) {
	list, _ := ids.get(ls.hash())
	for _, id := range list {
		if classes.get(id).labels.equal(ls) {
			return id, true
		}
	}
	return 0, false
}

// Stats returns the program's counts.
func (p *Program) Stats() Stats {
	return Stats{
		Selectors: p.selIDs.len(),
		Unindexed: len(p.selIndex.unindexed),
		Classes:   p.classCount(),
		Entities:  p.entityIDs.len(),
		Policies:  p.policies.len(),
		MemoBytes: p.memoBytes(),
	}
}
