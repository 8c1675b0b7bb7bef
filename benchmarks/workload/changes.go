package workload

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/kube"
)

// Changes returns batches of random updates to set, as a cluster sees
// them: pods relabelled, scaled up and down; policies added, edited and
// removed; tiers added, reordered and removed (with their policies);
// network sets, namespaces (with everything in them), service accounts
// and host endpoints changing. Each batch holds up to perBatch such
// updates and is valid against the set the batches before it leave (see
// Apply): nothing refers to a tier, namespace or profile that is gone,
// every new address is unused, and no batch touches one resource twice.
// Equal arguments give equal batches.
func Changes(set model.Set, seed uint64, batches, perBatch int) []model.Change {
	g := newChangeGen(set, seed)
	out := make([]model.Change, 0, max(batches, 0))
	for range batches {
		out = append(out, g.batch(perBatch))
	}
	return out
}

// changeGen draws updates against the set as the batches so far leave it.
type changeGen struct {
	r      *rng
	cur    model.Set
	taken  map[netip.Addr]bool // every address ever used, so none is reused
	v4, v6 *allocator
	hostV4 *allocator
	hostV6 *allocator
	serial int
	// world is the vocabulary of cur, read again at each batch and
	// whenever namespaces change (a stale one could put a policy in a
	// namespace that is gone); nil until needed.
	world *world
}

func newChangeGen(set model.Set, seed uint64) *changeGen {
	g := &changeGen{r: newRNG(seed, streamChanges), cur: set, taken: map[netip.Addr]bool{}}
	for _, ep := range set.Endpoints {
		for _, a := range ep.Addresses {
			g.taken[a] = true
		}
	}
	// New pods come from the upper half of the pod range, new nodes from
	// the upper part of the node range, so they never meet the first
	// cluster's addresses even before the taken check.
	g.v4 = newAllocator(podCIDRv4, 1<<21, g.taken)
	g.v6 = newAllocator(podCIDRv6, 1<<32, g.taken)
	g.hostV4 = newAllocator(nodeCIDRv4, 1<<15, g.taken)
	g.hostV6 = newAllocator(nodeCIDRv6, 1<<16, g.taken)
	return g
}

// batch draws up to n updates whose resources do not overlap, applying
// each to the current set as it goes.
func (g *changeGen) batch(n int) model.Change {
	var batch model.Change
	touched := map[model.Key]bool{}
	g.world = nil
	for made, tries := 0, 0; made < n && tries < 20*n; tries++ {
		c, ok := g.update()
		if !ok {
			continue
		}
		keys := changeKeys(c)
		if slices.ContainsFunc(keys, func(k model.Key) bool { return touched[k] }) {
			continue
		}
		for _, k := range keys {
			touched[k] = true
		}
		merge(&batch, c)
		next, err := g.cur.Apply(c)
		if err != nil {
			panic("workload: generated an invalid change: " + err.Error())
		}
		g.cur = next
		if slices.ContainsFunc(keys, func(k model.Key) bool { return k.Kind == model.KindNamespace }) {
			g.world = nil
		}
		made++
	}
	return batch
}

// update draws one update; false when the one drawn has nothing to work
// on (no pods left to remove, say).
func (g *changeGen) update() (model.Change, bool) {
	switch g.r.weighted(44, 24, 18, 22, 20, 14, 6, 4, 3, 6, 8, 4, 6, 6, 1, 6, 6) {
	case 0:
		return g.relabelEndpoint()
	case 1:
		return g.addPod()
	case 2:
		return g.removePod()
	case 3:
		return g.addPolicy()
	case 4:
		return g.editPolicy()
	case 5:
		return g.removePolicy()
	case 6:
		return g.addTier()
	case 7:
		return g.editTier()
	case 8:
		return g.removeTier()
	case 9:
		return g.addNetworkSet()
	case 10:
		return g.editNetworkSet()
	case 11:
		return g.removeNetworkSet()
	case 12:
		return g.addNamespace()
	case 13:
		return g.relabelNamespace()
	case 14:
		return g.removeNamespace()
	case 15:
		return g.relabelServiceAccount()
	default:
		return g.changeHost()
	}
}

// next returns a number not used before in this stream, for new names.
func (g *changeGen) next() int {
	g.serial++
	return g.serial
}

func (g *changeGen) workloads() []int {
	var out []int
	for i, ep := range g.cur.Endpoints {
		if ep.Kind != model.KindHostEndpoint {
			out = append(out, i)
		}
	}
	return out
}

func (g *changeGen) hosts() []int {
	var out []int
	for i, ep := range g.cur.Endpoints {
		if ep.Kind == model.KindHostEndpoint {
			out = append(out, i)
		}
	}
	return out
}

// relabelEndpoint changes one label of a pod (a new version, a canary or
// PCI flag, another tier or app) or of a host endpoint (its role or zone).
func (g *changeGen) relabelEndpoint() (model.Change, bool) {
	if len(g.cur.Endpoints) == 0 {
		return model.Change{}, false
	}
	ep := g.cur.Endpoints[g.r.IntN(len(g.cur.Endpoints))]
	labels := maps.Clone(ep.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	if ep.Kind == model.KindHostEndpoint {
		if g.r.chance(0.5) {
			labels["node-role"] = pick(g.r, []string{"worker", "control-plane", "edge"})
		} else {
			labels["topology.kubernetes.io/zone"] = pick(g.r, zones)
		}
	} else {
		switch g.r.IntN(5) {
		case 0:
			labels["version"] = pick(g.r, versions)
		case 1:
			toggle(labels, "canary")
		case 2:
			toggle(labels, "pci")
		case 3:
			labels["tier"] = pick(g.r, []string{"frontend", "backend", "data", "edge"})
		default:
			labels["app"] = pick(g.r, append(append([]string(nil), roleAPI.apps...), roleFrontend.apps...))
		}
	}
	ep.Labels = labels
	return model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{ep}}}, true
}

func toggle(labels map[string]string, key string) {
	if _, ok := labels[key]; ok {
		delete(labels, key)
	} else {
		labels[key] = "true"
	}
}

// addPod scales a deployment up: a new pod like an existing one, with new
// addresses, added to the services that list its sibling.
func (g *changeGen) addPod() (model.Change, bool) {
	pods := g.workloads()
	if len(pods) == 0 {
		return model.Change{}, false
	}
	tmpl := g.cur.Endpoints[pick(g.r, pods)]
	labels := maps.Clone(tmpl.Labels)
	delete(labels, "canary")
	prefix := tmpl.Labels["app"]
	if prefix == "" {
		prefix = "pod"
	}
	name := fmt.Sprintf("%s-%s-%d", prefix, g.r.token(5), g.next())
	var addrs []netip.Addr
	for _, a := range tmpl.Addresses {
		if a.Is4() {
			addrs = append(addrs, g.v4.take())
		} else {
			addrs = append(addrs, g.v6.take())
		}
	}
	ep := podEndpoint(name, tmpl.Namespace, labels, tmpl.Ports, tmpl.ServiceAccount, tmpl.Node, addrs)
	c := model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{ep}}}
	for _, svc := range g.cur.Services {
		if updated, ok := withAddresses(svc, tmpl.Addresses, addrs); ok {
			c.Upserts.Services = append(c.Upserts.Services, updated)
		}
	}
	return c, true
}

// withAddresses returns the service with add appended to each slice that
// holds one of the siblings of the same family; false when no slice does.
func withAddresses(svc model.Service, siblings, add []netip.Addr) (model.Service, bool) {
	changed := false
	slicesOut := make([]model.ServiceSlice, len(svc.Slices))
	for i, s := range svc.Slices {
		slicesOut[i] = s
		for _, a := range add {
			if slices.ContainsFunc(s.Addresses, func(b netip.Addr) bool { return slices.Contains(siblings, b) && b.Is4() == a.Is4() }) {
				slicesOut[i].Addresses = append(slices.Clone(slicesOut[i].Addresses), a)
				changed = true
			}
		}
	}
	svc.Slices = slicesOut
	return svc, changed
}

// removePod scales a deployment down, taking the pod out of the services
// that list it.
func (g *changeGen) removePod() (model.Change, bool) {
	pods := g.workloads()
	if len(pods) == 0 {
		return model.Change{}, false
	}
	ep := g.cur.Endpoints[pick(g.r, pods)]
	c := model.Change{Deletes: []model.Key{ep.Key()}}
	for _, svc := range g.cur.Services {
		if updated, ok := withoutAddresses(svc, ep.Addresses); ok {
			c.Upserts.Services = append(c.Upserts.Services, updated)
		}
	}
	return c, true
}

// withoutAddresses returns the service without the addresses, dropping
// slices left empty; false when it held none of them.
func withoutAddresses(svc model.Service, drop []netip.Addr) (model.Service, bool) {
	changed := false
	var kept []model.ServiceSlice
	for _, s := range svc.Slices {
		addrs := slices.DeleteFunc(slices.Clone(s.Addresses), func(a netip.Addr) bool { return slices.Contains(drop, a) })
		if len(addrs) != len(s.Addresses) {
			changed = true
		}
		if len(addrs) > 0 {
			s.Addresses = addrs
			kept = append(kept, s)
		}
	}
	svc.Slices = kept
	return svc, changed
}

// vocabulary returns the world of the current set.
func (g *changeGen) vocabulary() *world {
	if g.world == nil {
		g.world = readWorld(&g.cur)
	}
	return g.world
}

// policyGen returns a policy generator over the current set.
func (g *changeGen) policyGen() *policyGen {
	return newPolicyGen(g.r, g.vocabulary(), g.cur.Policies)
}

func (g *changeGen) tierNames() []string {
	names := make([]string, len(g.cur.Tiers))
	for i, t := range g.cur.Tiers {
		names[i] = t.Name
	}
	return names
}

// addPolicy adds a random policy in an existing tier.
func (g *changeGen) addPolicy() (model.Change, bool) {
	if len(g.cur.Tiers) == 0 || len(g.cur.Namespaces) == 0 {
		return model.Change{}, false
	}
	p := g.policyGen().randomPolicy(g.tierNames())
	return model.Change{Upserts: model.Set{Policies: []model.Policy{p}}}, true
}

// editPolicy changes a Calico policy: new rules for a direction, a rule
// added in front or dropped, another order or another selector. Converted
// Kubernetes policies are left alone (their shape is the converter's),
// and so are host policies outside normal evaluation.
func (g *changeGen) editPolicy() (model.Change, bool) {
	var candidates []int
	for i, p := range g.cur.Policies {
		switch p.Kind {
		case model.KindGlobalNetworkPolicy, model.KindNetworkPolicy, model.KindStagedGlobalNetworkPolicy, model.KindStagedNetworkPolicy:
			if !p.DoNotTrack && !p.PreDNAT {
				candidates = append(candidates, i)
			}
		}
	}
	if len(candidates) == 0 {
		return model.Change{}, false
	}
	p := g.cur.Policies[pick(g.r, candidates)]
	pg := g.policyGen()
	dir := pick(g.r, []model.Direction{model.Ingress, model.Egress})
	if !slices.Contains(p.Types, dir) {
		p.Types = []model.Direction{model.Ingress, model.Egress}
	}
	ctx := func() ruleCtx { return ruleCtx{namespace: p.Namespace, dir: dir, action: pg.action()} }
	rules := slices.Clone(p.Rules(dir))
	switch g.r.IntN(5) {
	case 0:
		rules = nil
		for range g.r.between(1, 3) {
			rules = append(rules, pg.rule(ctx(), pg.randomFeature()))
		}
	case 1:
		rules = append([]model.Rule{pg.rule(ctx(), pg.randomFeature())}, rules...)
	case 2:
		if len(rules) > 0 {
			rules = slices.Delete(rules, len(rules)-1, len(rules))
		}
	case 3:
		p.Order = pg.order()
	default:
		p.Selector = pg.podSelector(p.Namespace, randomForm(g.r))
	}
	if dir == model.Egress {
		p.Egress = rules
	} else {
		p.Ingress = rules
	}
	return model.Change{Upserts: model.Set{Policies: []model.Policy{p}}}, true
}

func (g *changeGen) removePolicy() (model.Change, bool) {
	if len(g.cur.Policies) == 0 {
		return model.Change{}, false
	}
	p := g.cur.Policies[g.r.IntN(len(g.cur.Policies))]
	return model.Change{Deletes: []model.Key{p.Key()}}, true
}

// addTier adds a tier, sometimes without an order, with a policy or two
// in it.
func (g *changeGen) addTier() (model.Change, bool) {
	if len(g.cur.Namespaces) == 0 {
		return model.Change{}, false
	}
	t := model.Tier{Name: fmt.Sprintf("tier-%d", g.next()), DefaultAction: pick(g.r, []model.Action{model.Deny, model.Pass})}
	if g.r.chance(0.8) {
		o := pick(g.r, []float64{50, 150, 300, 700, 1500, 1_000_000, 5e6})
		t.Order = &o
	}
	c := model.Change{Upserts: model.Set{Tiers: []model.Tier{t}}}
	pg := g.policyGen()
	for range g.r.between(1, 2) {
		c.Upserts.Policies = append(c.Upserts.Policies, pg.randomPolicy([]string{t.Name}))
	}
	return c, true
}

// userTiers returns the indexes of tiers that are not built in.
func (g *changeGen) userTiers() []int {
	var out []int
	for i, t := range g.cur.Tiers {
		if !isBuiltinTier(t.Name) {
			out = append(out, i)
		}
	}
	return out
}

// editTier moves a user tier or flips its default action; the built-in
// tiers' orders and actions are fixed.
func (g *changeGen) editTier() (model.Change, bool) {
	tiers := g.userTiers()
	if len(tiers) == 0 {
		return model.Change{}, false
	}
	t := g.cur.Tiers[pick(g.r, tiers)]
	if g.r.chance(0.5) {
		if t.DefaultAction == model.Pass {
			t.DefaultAction = model.Deny
		} else {
			t.DefaultAction = model.Pass
		}
	} else if g.r.chance(0.2) {
		t.Order = nil
	} else {
		o := pick(g.r, []float64{50, 100, 500, 999.5, 1_000_000, 2e6})
		t.Order = &o
	}
	return model.Change{Upserts: model.Set{Tiers: []model.Tier{t}}}, true
}

// removeTier removes a user tier with every policy in it.
func (g *changeGen) removeTier() (model.Change, bool) {
	tiers := g.userTiers()
	if len(tiers) == 0 {
		return model.Change{}, false
	}
	t := g.cur.Tiers[pick(g.r, tiers)]
	c := model.Change{Deletes: []model.Key{t.Key()}}
	for i := range g.cur.Policies {
		if g.cur.Policies[i].Tier == t.Name {
			c.Deletes = append(c.Deletes, g.cur.Policies[i].Key())
		}
	}
	return c, true
}

// netsetNets draws one to three CIDRs for a network set: outside ranges,
// and now and then a slice of the pod range.
func (g *changeGen) netsetNets() []netip.Prefix {
	w := g.vocabulary()
	var nets []netip.Prefix
	for range g.r.between(1, 3) {
		switch {
		case g.r.chance(0.15):
			nets = append(nets, prefixOf(randomIn(g.r, podCIDRv4), g.r.between(16, 32)))
		case w.ipv6 && g.r.chance(0.25):
			nets = append(nets, prefixOf(randomIn(g.r, outsideV6), g.r.between(32, 128)))
		default:
			first := pick(g.r, outsideFirstOctets)
			nets = append(nets, prefixOf(randomIn(g.r, prefixOf(netip.AddrFrom4([4]byte{first}), 8)), g.r.between(8, 32)))
		}
	}
	return dedupPrefixes(nets)
}

func (g *changeGen) addNetworkSet() (model.Change, bool) {
	ns := model.NetworkSet{
		Name:   fmt.Sprintf("%s-%d", pick(g.r, netsetKinds), g.next()),
		Labels: map[string]string{"kind": pick(g.r, netsetKinds), "provider": pick(g.r, providers)},
		Nets:   g.netsetNets(),
	}
	if len(g.cur.Namespaces) > 0 && g.r.chance(0.4) {
		ns.Namespace = g.cur.Namespaces[g.r.IntN(len(g.cur.Namespaces))].Name
	}
	return model.Change{Upserts: model.Set{NetworkSets: []model.NetworkSet{ns}}}, true
}

// editNetworkSet replaces a network set's CIDRs or changes a label.
func (g *changeGen) editNetworkSet() (model.Change, bool) {
	if len(g.cur.NetworkSets) == 0 {
		return model.Change{}, false
	}
	ns := g.cur.NetworkSets[g.r.IntN(len(g.cur.NetworkSets))]
	if g.r.chance(0.5) {
		ns.Nets = g.netsetNets()
	} else {
		ns.Labels = maps.Clone(ns.Labels)
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels["risk"] = pick(g.r, []string{"low", "medium", "high"})
		if g.r.chance(0.3) {
			ns.Labels["kind"] = pick(g.r, netsetKinds)
		}
	}
	return model.Change{Upserts: model.Set{NetworkSets: []model.NetworkSet{ns}}}, true
}

func (g *changeGen) removeNetworkSet() (model.Change, bool) {
	if len(g.cur.NetworkSets) == 0 {
		return model.Change{}, false
	}
	ns := g.cur.NetworkSets[g.r.IntN(len(g.cur.NetworkSets))]
	return model.Change{Deletes: []model.Key{ns.Key()}}, true
}

// addNamespace creates a namespace with its profile, its default service
// account and one to three pods of a new web application.
func (g *changeGen) addNamespace() (model.Change, bool) {
	team, env := pick(g.r, teams), pick(g.r, environments)
	name := fmt.Sprintf("%s-%s-%d", team, env, g.next())
	kns := &kube.Namespace{Metadata: kube.ObjectMeta{Name: name,
		Labels: map[string]string{"team": team, "env": env, "tier": pick(g.r, serviceTiers)}}}
	mustBeValid(kns.Validate())
	ns := kube.ConvertNamespace(kns)
	sa := model.ServiceAccount{Name: defaultServiceAcct, Namespace: name}
	c := model.Change{Upserts: model.Set{
		Namespaces:      []model.Namespace{ns},
		Profiles:        []model.Profile{kube.NamespaceProfile(ns), kube.ServiceAccountProfile(sa)},
		ServiceAccounts: []model.ServiceAccount{sa},
	}}
	hash := g.r.token(10)
	nodes := g.nodes()
	for range g.r.between(1, 3) {
		labels := map[string]string{"app": "web", "tier": "frontend", "team": team, "version": pick(g.r, versions), "pod-template-hash": hash}
		c.Upserts.Endpoints = append(c.Upserts.Endpoints, podEndpoint(
			fmt.Sprintf("web-%s-%s", hash, g.r.token(5)), name, labels,
			[]model.EndpointPort{portHTTP, portMetrics}, defaultServiceAcct, pick(g.r, nodes), []netip.Addr{g.v4.take()}))
	}
	return c, true
}

// nodes returns the node names pods can be on.
func (g *changeGen) nodes() []string {
	var out []string
	for _, i := range g.hosts() {
		out = append(out, g.cur.Endpoints[i].Node)
	}
	if len(out) == 0 {
		out = []string{"node-01"}
	}
	return out
}

// relabelNamespace changes a namespace's environment, support tier or
// compliance label, and its profile with it.
func (g *changeGen) relabelNamespace() (model.Change, bool) {
	if len(g.cur.Namespaces) == 0 {
		return model.Change{}, false
	}
	ns := g.cur.Namespaces[g.r.IntN(len(g.cur.Namespaces))]
	ns.Labels = maps.Clone(ns.Labels)
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	switch g.r.IntN(3) {
	case 0:
		ns.Labels["env"] = pick(g.r, environments)
	case 1:
		ns.Labels["tier"] = pick(g.r, serviceTiers)
	default:
		if ns.Labels["compliance"] == "" {
			ns.Labels["compliance"] = "pci"
		} else {
			delete(ns.Labels, "compliance")
		}
	}
	return model.Change{Upserts: model.Set{Namespaces: []model.Namespace{ns}, Profiles: []model.Profile{kube.NamespaceProfile(ns)}}}, true
}

// removeNamespace deletes an application namespace and everything in it:
// its pods, service accounts, profiles, namespaced policies, network sets
// and services.
func (g *changeGen) removeNamespace() (model.Change, bool) {
	var candidates []string
	for _, ns := range g.cur.Namespaces {
		if !isSystemNamespace(ns.Name) {
			candidates = append(candidates, ns.Name)
		}
	}
	if len(candidates) <= 1 {
		return model.Change{}, false
	}
	name := pick(g.r, candidates)
	c := model.Change{Deletes: []model.Key{
		{Kind: model.KindNamespace, Name: name},
		{Kind: model.KindProfile, Name: model.NamespaceProfile(name)},
	}}
	for _, sa := range g.cur.ServiceAccounts {
		if sa.Namespace == name {
			c.Deletes = append(c.Deletes, sa.Key(), model.Key{Kind: model.KindProfile, Name: model.ServiceAccountProfile(name, sa.Name)})
		}
	}
	for i := range g.cur.Policies {
		if g.cur.Policies[i].Namespace == name {
			c.Deletes = append(c.Deletes, g.cur.Policies[i].Key())
		}
	}
	for i := range g.cur.Endpoints {
		if g.cur.Endpoints[i].Namespace == name {
			c.Deletes = append(c.Deletes, g.cur.Endpoints[i].Key())
		}
	}
	for i := range g.cur.NetworkSets {
		if g.cur.NetworkSets[i].Namespace == name {
			c.Deletes = append(c.Deletes, g.cur.NetworkSets[i].Key())
		}
	}
	for i := range g.cur.Services {
		if g.cur.Services[i].Namespace == name {
			c.Deletes = append(c.Deletes, g.cur.Services[i].Key())
		}
	}
	return c, true
}

// relabelServiceAccount changes a service account's role or privileged
// flag, and its profile with it.
func (g *changeGen) relabelServiceAccount() (model.Change, bool) {
	if len(g.cur.ServiceAccounts) == 0 {
		return model.Change{}, false
	}
	sa := g.cur.ServiceAccounts[g.r.IntN(len(g.cur.ServiceAccounts))]
	sa.Labels = maps.Clone(sa.Labels)
	if sa.Labels == nil {
		sa.Labels = map[string]string{}
	}
	if g.r.chance(0.5) {
		toggle(sa.Labels, "privileged")
	} else {
		sa.Labels["role"] = pick(g.r, []string{"api", "frontend", "worker", "database", "batch"})
	}
	return model.Change{Upserts: model.Set{
		ServiceAccounts: []model.ServiceAccount{sa},
		Profiles:        []model.Profile{kube.ServiceAccountProfile(sa)},
	}}, true
}

// changeHost adds a node with its host endpoint, or removes one when more
// than one is left.
func (g *changeGen) changeHost() (model.Change, bool) {
	hosts := g.hosts()
	if len(hosts) > 1 && g.r.chance(0.4) {
		return model.Change{Deletes: []model.Key{g.cur.Endpoints[pick(g.r, hosts)].Key()}}, true
	}
	node := fmt.Sprintf("node-x%d", g.next())
	addrs := []netip.Addr{g.hostV4.take()}
	if g.vocabulary().ipv6 {
		addrs = append(addrs, g.hostV6.take())
	}
	ep := model.Endpoint{
		Kind: model.KindHostEndpoint,
		Name: node + "-eth0",
		Labels: map[string]string{
			"node-role": "worker", "kubernetes.io/hostname": node, "kubernetes.io/os": "linux",
			"topology.kubernetes.io/zone": pick(g.r, zones),
		},
		Addresses: addrs,
		Ports:     []model.EndpointPort{portKubelet, portNodeExp},
		Node:      node,
		Interface: "eth0",
	}
	return model.Change{Upserts: model.Set{Endpoints: []model.Endpoint{ep}}}, true
}

// changeKeys lists the keys a change touches.
func changeKeys(c model.Change) []model.Key {
	return append(slices.Clone(c.Deletes), c.Upserts.Keys()...)
}

// merge adds a change's upserts and deletes to a batch.
func merge(batch *model.Change, c model.Change) {
	batch.Upserts.Append(&c.Upserts)
	batch.Deletes = append(batch.Deletes, c.Deletes...)
}
