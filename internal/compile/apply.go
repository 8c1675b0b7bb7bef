package compile

import (
	"fmt"

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
	next, err := p.apply(c, false)
	if err == nil && p.unchangedBy(&c) {
		next.gen = p.gen // the same answers: the memo's carry over
	}
	return next, err
}

func (p *Program) apply(c model.Change, cold bool) (*Program, error) {
	t := p.begin(cold, len(c.Upserts.Endpoints)+len(c.Upserts.NetworkSets))
	if err := t.change(&c); err != nil {
		return nil, err
	}
	return t.finish(), nil
}

// txn is one batch of changes on its way to becoming a Program: one
// editor per table of the program, each copying on write what the old
// program holds and nothing else. Staging a change (change) edits the
// tables a resource lives in; finish then derives what depends on them,
// table by table, in the order their dependencies give.
type txn struct {
	cold bool // building from nothing: no existing class to revisit
	memo *memoCell

	in              *internEdit
	sels            *selectorEdit
	pols            *policyEdit
	profiles        *profileEdit
	services        *serviceEdit
	ents            *entityEdit
	classes         *classEdit
	namespaces      *pmapEdit[string, *model.Namespace]
	serviceAccounts *pmapEdit[model.Key, *model.ServiceAccount]

	clauseCache calico.NamespaceClauses
	labelBuf    []label // reused while computing labels
}

// begin starts a batch that upserts about entities endpoints and network
// sets.
func (p *Program) begin(cold bool, entities int) *txn {
	in := p.in.edit()
	memo := p.memo
	if memo == nil {
		memo = &memoCell{}
	}
	return &txn{
		cold:            cold,
		memo:            memo,
		in:              in,
		sels:            p.selectorTable.edit(in),
		pols:            p.policyTable.edit(),
		profiles:        p.profileTable.edit(),
		services:        p.serviceTable.edit(),
		ents:            p.entityTable.edit(cold, entities, func(c uint32) []uint32 { return p.classAt(c).matched }),
		classes:         p.classTable.edit(cold, entities),
		namespaces:      p.namespaces.edit(),
		serviceAccounts: p.serviceAccounts.edit(),
	}
}

// change stages every upsert, then every delete, then checks that every
// policy's tier exists.
func (t *txn) change(c *model.Change) error {
	u := &c.Upserts
	for i := range u.Tiers {
		t.pols.putTier(&u.Tiers[i])
	}
	for i := range u.Services {
		t.services.put(&u.Services[i])
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
	return t.pols.checkTiers()
}

// delete removes the resource with key k. Deleting what does not exist
// does nothing, so a change stream may repeat a delete.
func (t *txn) delete(k model.Key) error {
	switch k.Kind {
	case model.KindTier:
		t.pols.deleteTier(k.Name)
	case model.KindProfile:
		if id, p := t.profiles.lookup(k.Name); p != nil {
			t.sels.releaseRules(t.profiles.drop(id).rules)
		}
	case model.KindService:
		t.services.remove(k)
	case model.KindNamespace:
		t.namespaces.del(k.Name)
	case model.KindServiceAccount:
		t.serviceAccounts.del(k)
	case model.KindGlobalNetworkPolicy, model.KindNetworkPolicy,
		model.KindStagedGlobalNetworkPolicy, model.KindStagedNetworkPolicy,
		model.KindStagedKubernetesNetworkPolicy, model.KindKubernetesNetworkPolicy,
		model.KindKubernetesClusterNetworkPolicy:
		if old, ok := t.pols.remove(k); ok {
			t.releasePolicy(old)
		}
	case model.KindNetworkSet, model.KindGlobalNetworkSet,
		model.KindWorkloadEndpoint, model.KindHostEndpoint, "":
		if id, ok := t.ents.lookup(k); ok {
			if e := t.ents.remove(id); e.class != noClass {
				t.classes.release(e.class)
			}
		}
	default:
		return fmt.Errorf("cannot delete %s: unknown kind %q", k, k.Kind)
	}
	return nil
}

func (t *txn) upsertProfile(m *model.Profile) error {
	rec := newProfileRec(m)
	for d, rules := range [2][]model.Rule{m.Ingress, m.Egress} {
		compiled, err := compileRules(rules, "", t)
		if err != nil {
			return fmt.Errorf("%s: %s %w", m.Key(), [2]string{"ingress", "egress"}[d], err)
		}
		rec.rules[d] = compiled
	}
	if old := t.profiles.put(rec); old != nil {
		t.sels.releaseRules(old.rules)
	}
	return nil
}

func (t *txn) upsertPolicy(m *model.Policy) error {
	key := m.Key()
	if old, ok := t.pols.remove(key); ok {
		t.releasePolicy(old)
	}
	if m.Kind.Staged() && m.StagedAction == model.StagedDelete {
		return nil // Calico never hands it to Felix: it replaces and removes
	}
	rec, err := t.compilePolicy(m)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	t.pols.put(rec)
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
	rec.origin = hitOrigin{kind: m.Kind, tier: rec.tier, namespace: m.Namespace, name: m.Name}
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
		rec.sel = t.sels.use(sel)
		t.sels.addPolicy(rec.sel, rec)
	}
	return rec, nil
}

// releasePolicy releases what a removed policy registered.
func (t *txn) releasePolicy(old *policyRec) {
	if !old.active {
		return
	}
	t.sels.removePolicy(old.sel, old)
	t.sels.releaseRules(old.rules)
}

// validateOnly compiles rules that are never evaluated.
type validateOnly struct{}

func (validateOnly) peer(*selector.Selector) uint32    { return 0 }
func (validateOnly) service(model.Key) uint32          { return 0 }
func (validateOnly) clauses() *calico.NamespaceClauses { return &calico.NamespaceClauses{} }

// The txn registers what the rules it compiles name.

func (t *txn) peer(s *selector.Selector) uint32  { return t.sels.usePeer(s) }
func (t *txn) service(k model.Key) uint32        { return t.services.id(k) }
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

// upsertEndpoint keeps ep itself, not a copy: like the rest of the
// change, the caller may not modify it afterwards.
func (t *txn) upsertEndpoint(ep *model.Endpoint) {
	e := &entity{kind: kindWorkload, endpoint: ep, class: noClass}
	if ep.Kind == model.KindHostEndpoint {
		e.kind = kindHost
	}
	for _, name := range ep.Profiles {
		e.labelProfiles = append(e.labelProfiles, t.profiles.id(name))
	}
	t.ents.put(ep.Key(), e)
}

func (t *txn) upsertNetworkSet(ns *model.NetworkSet) {
	e := &entity{kind: kindNetworkSet, netset: ns, class: noClass}
	for _, name := range calico.NetworkSetProfiles(ns) {
		e.labelProfiles = append(e.labelProfiles, t.profiles.id(name))
	}
	t.ents.put(ns.Key(), e)
}
