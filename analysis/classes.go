package analysis

import (
	"cmp"
	"maps"
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// Class is a set of endpoints that every verdict treats alike: they have
// equal effective labels (SPEC 3), profiles, named ports and IP families,
// back the same service slices, and their addresses fall in the same rule
// CIDRs and network sets. Equal labels alone are not enough: a rule's nets
// or a named port can tell two endpoints with equal labels apart.
//
// A flow between members of two classes (from the first address of one
// family of each) gets the verdict every other member pair gets.
type Class struct {
	// Kind is the members' kind; Namespace their namespace ("" for host
	// endpoints and endpoints outside Kubernetes).
	Kind      model.Kind
	Namespace string
	// Labels are the effective labels every member has.
	Labels map[string]string
	// Members are the endpoints of the class, in the set's order.
	Members []model.Key
	// Addrs is, per IP family (index 0 for IPv4, 1 for IPv6), the first
	// address of that family of the first member; invalid when the
	// members have none.
	Addrs [2]netip.Addr
	// endpoints are the members themselves, for telling whether a change
	// touches the class (see Touched).
	endpoints []*model.Endpoint
}

// Families reports which IP families the class's members have addresses
// of.
func (c *Class) Families() []int {
	var out []int
	if c.Addrs[0].IsValid() {
		out = append(out, 4)
	}
	if c.Addrs[1].IsValid() {
		out = append(out, 6)
	}
	return out
}

// OwnLabels are the labels the class's endpoints show as their own: the
// effective labels less those Calico adds (projectcalico.org/...) and
// those inherited from a namespace or service account.
func (c *Class) OwnLabels() map[string]string {
	out := make(map[string]string, len(c.Labels))
	for k, v := range c.Labels {
		if isCalicoLabel(k) {
			continue
		}
		out[k] = v
	}
	return out
}

func isCalicoLabel(k string) bool {
	return strings.HasPrefix(k, "projectcalico.org/") ||
		strings.HasPrefix(k, model.PrefixNamespaceLabel) || strings.HasPrefix(k, model.PrefixServiceAccountLabel)
}

// world is what the analyses need of a set, computed once: every entity's
// effective labels, who owns which address, and the CIDRs rules name.
type world struct {
	set       *model.Set
	profiles  map[string]*model.Profile
	endpoints []entity // one per set.Endpoints, same index
	netsets   []entity // one per set.NetworkSets, same index

	// owners maps an endpoint address to the endpoints owning it.
	owners map[netip.Addr][]int
	// ruleNets are the CIDRs rules name (nets and notNets of policies and
	// profiles), by prefix; netsetNets the network sets' CIDRs, each to
	// the sets holding it. lengths lists, per family, the prefix lengths
	// either holds.
	ruleNets   map[netip.Prefix]int
	netsetNets map[netip.Prefix][]int
	// ruleNetCount counts the rule sides naming each CIDR (see withRules).
	ruleNetCount map[netip.Prefix]int
	lengths      [2][]int
	// netsetLengths are the prefix lengths of the network sets' CIDRs,
	// per family.
	netsetLengths [2]lengthSet
	// slices maps an address to the service slices listing it.
	slices map[netip.Addr][]string
	// lazy says the endpoints' labels are not filled in (newLazyWorld).
	lazy bool
}

// lengthSet is a set of prefix lengths, 0 to 128.
type lengthSet [3]uint64

func (s *lengthSet) has(l int) bool { return s[l/64]&(1<<(l%64)) != 0 }
func (s *lengthSet) add(l int)      { s[l/64] |= 1 << (l % 64) }

// entity is an endpoint or a network set with its effective labels.
type entity struct {
	key    model.Key
	labels selector.Map
	ep     *model.Endpoint   // nil for network sets
	ns     *model.NetworkSet // nil for endpoints
}

func newWorld(set *model.Set) *world {
	w := newLazyWorld(set)
	for i := range w.endpoints {
		w.endpoints[i].labels = w.endpointLabels(w.endpoints[i].ep)
	}
	w.lazy = false
	return w
}

// newLazyWorld is newWorld without the endpoints' effective labels, which
// cost the most at a hundred thousand endpoints: for the callers that need
// those of a few endpoints only (see classesOf). Everything a class key
// reads of the other endpoints (who owns an address) is there.
func newLazyWorld(set *model.Set) *world {
	w := &world{
		set:        set,
		profiles:   make(map[string]*model.Profile, len(set.Profiles)),
		owners:     map[netip.Addr][]int{},
		netsetNets: map[netip.Prefix][]int{},
		slices:     map[netip.Addr][]string{},
		lazy:       true,
	}
	for i := range set.Profiles {
		w.profiles[set.Profiles[i].Name] = &set.Profiles[i]
	}
	w.endpoints = make([]entity, len(set.Endpoints))
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		w.endpoints[i] = entity{key: ep.Key(), ep: ep}
		for _, a := range ep.Addresses {
			w.owners[a] = append(w.owners[a], i)
		}
	}
	w.netsets = make([]entity, len(set.NetworkSets))
	for i := range set.NetworkSets {
		ns := &set.NetworkSets[i]
		w.netsets[i] = entity{key: ns.Key(), labels: calico.NetworkSetLabels(ns, w.profileLabels), ns: ns}
		for _, n := range ns.Nets {
			n = n.Masked()
			w.netsetNets[n] = append(w.netsetNets[n], i)
			w.netsetLengths[familyIndex(n.Addr())].add(n.Bits())
		}
	}
	w.setRuleNets(set)
	for _, svc := range set.Services {
		for i, sl := range svc.Slices {
			id := svc.Key().String() + "#" + strconv.Itoa(i)
			for _, a := range sl.Addresses {
				w.slices[a] = append(w.slices[a], id)
			}
		}
	}
	return w
}

// withRules is w for a set that differs from w's in policies and tiers
// only: the endpoints, network sets and services are w's. The CIDRs rules
// name are w's less those of the policies removed (replaced) and with
// those of the policies added, counted by the rules naming them, so that
// the rules are not all read again.
func (w *world) withRules(set *model.Set, removed, added []*model.Policy) *world {
	o := *w
	o.set = set
	o.ruleNetCount = maps.Clone(w.ruleNetCount)
	for _, p := range removed {
		visitPolicyNets(p, func(n netip.Prefix) { o.ruleNetCount[n]-- })
	}
	for _, p := range added {
		visitPolicyNets(p, func(n netip.Prefix) { o.ruleNetCount[n]++ })
	}
	o.indexRuleNets()
	return &o
}

// visitPolicyNets calls f with each CIDR a policy's rules name, once per
// rule side naming it.
func visitPolicyNets(p *model.Policy, f func(netip.Prefix)) {
	for _, rules := range [][]model.Rule{p.Ingress, p.Egress} {
		for j := range rules {
			visitRuleNets(&rules[j], f)
		}
	}
}

func visitRuleNets(r *model.Rule, f func(netip.Prefix)) {
	for _, nets := range [][]netip.Prefix{r.Source.Nets, r.Source.NotNets, r.Destination.Nets, r.Destination.NotNets} {
		for _, n := range nets {
			f(n.Masked())
		}
	}
}

// setRuleNets counts the CIDRs the rules of set's policies and profiles
// name.
func (w *world) setRuleNets(set *model.Set) {
	w.ruleNetCount = map[netip.Prefix]int{}
	count := func(n netip.Prefix) { w.ruleNetCount[n]++ }
	for i := range set.Policies {
		visitPolicyNets(&set.Policies[i], count)
	}
	for i := range set.Profiles {
		p := &set.Profiles[i]
		for _, rules := range [][]model.Rule{p.Ingress, p.Egress} {
			for j := range rules {
				visitRuleNets(&rules[j], count)
			}
		}
	}
	w.indexRuleNets()
}

// indexRuleNets numbers the CIDRs some rule names and, with the network
// sets', gathers the prefix lengths to look up.
func (w *world) indexRuleNets() {
	w.ruleNets = make(map[netip.Prefix]int, len(w.ruleNetCount))
	lengths := w.netsetLengths
	for n, c := range w.ruleNetCount {
		if c > 0 {
			w.ruleNets[n] = len(w.ruleNets)
			lengths[familyIndex(n.Addr())].add(n.Bits())
		}
	}
	for f := range lengths {
		w.lengths[f] = nil
		for l := 0; l <= 128; l++ {
			if lengths[f].has(l) {
				w.lengths[f] = append(w.lengths[f], l)
			}
		}
	}
}

func (w *world) profileLabels(name string) map[string]string {
	if p := w.profiles[name]; p != nil {
		return p.LabelsToApply
	}
	return nil
}

// endpointLabels are an endpoint's effective labels.
func (w *world) endpointLabels(ep *model.Endpoint) selector.Map {
	return calico.EndpointLabels(ep, w.profileLabels)
}

func familyIndex(a netip.Addr) int {
	if a.Is4() {
		return 0
	}
	return 1
}

// keyScratch is the reusable working space of one goroutine writing
// class keys.
type keyScratch struct {
	buf        []byte
	labels     []string
	ports      []model.EndpointPort
	rule, sets []int
	svc        []string
}

// appendField writes s so that no s can be mistaken for another: its
// length, a colon, then s.
func appendField(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

// appendAddressKey writes what tells one address apart from another as a
// peer of rules: the rule CIDRs and network sets holding it, the service
// slices listing it and, when endpoints share it, which.
func (w *world) appendAddressKey(sc *keyScratch, a netip.Addr) {
	rule, sets := sc.rule[:0], sc.sets[:0]
	for _, l := range w.lengths[familyIndex(a)] {
		p := netip.PrefixFrom(a, l).Masked()
		if id, ok := w.ruleNets[p]; ok {
			rule = append(rule, id)
		}
		sets = append(sets, w.netsetNets[p]...)
	}
	slices.Sort(rule)
	slices.Sort(sets)
	sc.rule, sc.sets = rule, sets
	b := append(sc.buf, "|nets"...)
	for _, id := range rule {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(id), 10)
	}
	b = append(b, "|sets"...)
	for _, id := range slices.Compact(sets) {
		b = append(b, ' ')
		b = strconv.AppendInt(b, int64(id), 10)
	}
	b = append(b, "|svc"...)
	svc := append(sc.svc[:0], w.slices[a]...)
	slices.Sort(svc)
	sc.svc = svc
	for _, s := range svc {
		b = append(b, ' ')
		b = appendField(b, s)
	}
	if owners := w.owners[a]; len(owners) > 1 {
		b = append(b, "|shared"...)
		for _, i := range owners {
			k := &w.endpoints[i].key
			b = append(b, ' ')
			b = appendField(b, string(k.Kind))
			b = appendField(b, k.Namespace)
			b = appendField(b, k.Name)
		}
	}
	sc.buf = b
}

// firstAddrs returns an endpoint's first address of each family.
func firstAddrs(ep *model.Endpoint) [2]netip.Addr {
	var out [2]netip.Addr
	for _, a := range ep.Addresses {
		f := familyIndex(a)
		if !out[f].IsValid() {
			out[f] = a
		}
	}
	return out
}

// classKey is the string equal for two endpoints exactly when every
// verdict treats them alike.
func (w *world) classKey(sc *keyScratch, e *entity) string {
	b := appendField(sc.buf[:0], string(e.ep.Kind))
	b = append(b, "|labels"...)
	keys := sc.labels[:0]
	for k := range e.labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sc.labels = keys
	for _, k := range keys {
		b = append(b, ' ')
		b = appendField(b, k)
		b = appendField(b, e.labels[k])
	}
	b = append(b, "|profiles"...)
	for _, p := range e.ep.Profiles {
		b = append(b, ' ')
		b = appendField(b, p)
	}
	b = append(b, "|ports"...)
	ports := append(sc.ports[:0], e.ep.Ports...)
	slices.SortFunc(ports, func(x, y model.EndpointPort) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Protocol, y.Protocol), cmp.Compare(x.Port, y.Port),
			cmpBool(x.ProtocolByNumber, y.ProtocolByNumber))
	})
	sc.ports = ports
	for _, p := range slices.Compact(ports) {
		b = append(b, ' ')
		b = appendField(b, p.Name)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(p.Protocol), 10)
		if p.ProtocolByNumber {
			b = append(b, '#')
		}
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(p.Port), 10)
	}
	sc.buf = b
	for f, a := range firstAddrs(e.ep) {
		if !a.IsValid() {
			continue
		}
		sc.buf = append(sc.buf, "|v"...)
		sc.buf = strconv.AppendInt(sc.buf, int64(4+2*f), 10)
		w.appendAddressKey(sc, a)
	}
	return string(sc.buf)
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// classes partitions the endpoints with at least one address into
// classes, in the order of their first members.
func (w *world) classes() []Class {
	all := make([]int, len(w.endpoints))
	for i := range all {
		all[i] = i
	}
	return w.classesOf(all)
}

// classesOf partitions the endpoints which indexes (in the set's order)
// that have an address into classes, in the order of their first members:
// the classes of all endpoints that have a member among them, when which
// holds every endpoint of a namespace. The keys, most of the work at a
// hundred thousand endpoints, are written on every core.
func (w *world) classesOf(which []int) []Class {
	ents := make([]entity, len(which))
	keys := make([]string, len(which))
	workers := runtime.GOMAXPROCS(0)
	chunk := max(1, (len(keys)+workers-1)/workers)
	var wg sync.WaitGroup
	for lo := 0; lo < len(keys); lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			var sc keyScratch
			for i := lo; i < hi; i++ {
				e := w.endpoints[which[i]]
				if len(e.ep.Addresses) == 0 {
					continue
				}
				if w.lazy {
					e.labels = w.endpointLabels(e.ep)
				}
				ents[i] = e
				keys[i] = w.classKey(&sc, &ents[i])
			}
		}(lo, min(lo+chunk, len(keys)))
	}
	wg.Wait()
	var out []Class
	byKey := map[string]int{}
	for i := range ents {
		e := &ents[i]
		if e.ep == nil {
			continue
		}
		k := keys[i]
		if c, ok := byKey[k]; ok {
			out[c].Members = append(out[c].Members, e.key)
			out[c].endpoints = append(out[c].endpoints, e.ep)
			continue
		}
		byKey[k] = len(out)
		out = append(out, Class{
			Kind:      e.ep.Kind,
			Namespace: e.ep.Namespace,
			Labels:    e.labels,
			Members:   []model.Key{e.key},
			Addrs:     firstAddrs(e.ep),
			endpoints: []*model.Endpoint{e.ep},
		})
	}
	return out
}

// Classes partitions the set's endpoints that have an address into
// classes (see Class), in the order of their first members.
func Classes(set model.Set) []Class {
	return newWorld(&set).classes()
}

// ClassGroup is what the matrix shows as one row or column: the classes
// that share a name under a grouping (see GroupName), or one network set.
// Group gives the name (in the Grouper's spelling), the namespace, and the
// labels the name is made of.
type ClassGroup struct {
	Group
	// Classes indexes the classes of the group, as Classes(set) returns
	// them for GroupClasses and a whole set's matrix; a matrix of one
	// namespace (MatrixOptions.Namespace) classes that namespace's
	// endpoints only, and indexes those. Empty for a network set.
	Classes []int
	// Members counts the endpoints of the group.
	Members int
}

// classGroup names a class under a grouping: by the keys in by, from its
// effective labels ("!k" for a missing one), or by all of its own labels
// when by is empty; "ns/" first when namespaced.
func classGroup(c *Class, by []string) Group {
	grp := Group{Namespace: c.Namespace, Labels: map[string]string{}}
	if len(by) == 0 {
		grp.Labels = c.OwnLabels()
	} else {
		for _, k := range by {
			if v, ok := c.Labels[k]; ok {
				grp.Labels[k] = v
			} else {
				grp.Missing = append(grp.Missing, k)
			}
		}
	}
	var keys []string
	if len(by) > 0 {
		keys = by
	}
	grp.Name = groupName(&grp, keys)
	return grp
}

// GroupName names a class under a grouping, as classGroup does.
func GroupName(c *Class, by []string) string { return classGroup(c, by).Name }

// GroupClasses merges classes of equal GroupName, in the order of their
// first classes.
func GroupClasses(classes []Class, by []string) []ClassGroup {
	all := make([]int, len(classes))
	for i := range all {
		all[i] = i
	}
	return groupClasses(classes, all, by)
}

// groupClasses groups the classes indexed by which.
func groupClasses(classes []Class, which []int, by []string) []ClassGroup {
	var out []ClassGroup
	byName := map[string]int{}
	for _, i := range which {
		c := &classes[i]
		grp := classGroup(c, by)
		g, ok := byName[grp.Name]
		if !ok {
			g = len(out)
			byName[grp.Name] = g
			out = append(out, ClassGroup{Group: grp})
		}
		out[g].Classes = append(out[g].Classes, i)
		out[g].Members += len(c.Members)
	}
	return out
}

// networkSetGroup is a network set's group, named as the Grouper names it.
func networkSetGroup(ns *model.NetworkSet) Group {
	name := "globalnetworkset " + ns.Name
	if ns.Namespace != "" {
		name = "networkset " + ns.Namespace + "/" + ns.Name
	}
	return Group{Name: name, Namespace: ns.Namespace, Labels: ns.Labels, NetworkSet: ns}
}
