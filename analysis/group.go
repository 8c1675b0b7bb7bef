package analysis

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// DefaultGroupKeys are the labels that name a workload, tried in order
// when no --group-by is given.
var DefaultGroupKeys = []string{"app.kubernetes.io/name", "app", "k8s-app"}

// hashLabels are labels controllers stamp on each pod or revision: they
// split one workload into many groups, so grouping by labels ignores them.
var hashLabels = []string{"pod-template-hash", "controller-revision-hash", "pod-template-generation", "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index"}

// Group is a set of endpoints treated as one workload, or an outside peer
// group: a network set or an address.
type Group struct {
	// Name is "ns/k=v,k2=v2" for endpoints ("!k" for a missing key of
	// --group-by), "networkset ns/name" or "globalnetworkset name" for a
	// network set, and the address for other outside peers.
	Name      string
	Namespace string
	// Labels are the labels every member has and the group is named by;
	// a value of "" with Missing marks a key the members lack.
	Labels  map[string]string
	Missing []string
	// NetworkSet is set for a network set group.
	NetworkSet *model.NetworkSet
	// Addr is set for an address group.
	Addr netip.Addr
}

// Selector writes the group's labels as a Calico selector, keys sorted:
// app == 'vote' && !has(tier). It is "all()" for a group without labels.
// It is for people to read; LabelSelector gives the selector itself.
func (g *Group) Selector() string {
	keys := make([]string, 0, len(g.Labels))
	for k := range g.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" == "+quote(g.Labels[k]))
	}
	for _, k := range g.Missing {
		parts = append(parts, "!has("+k+")")
	}
	if len(parts) == 0 {
		return "all()"
	}
	return strings.Join(parts, " && ")
}

// maxStatedValue is the longest label value a selector written for a
// group states. Kubernetes allows 63 bytes; a longer value (from a source
// that does not check) would soon make a selector longer than the limit
// on written selector text, which the policy written would then break.
const maxStatedValue = 1024

// LabelSelector returns the group's labels as a selector, keys sorted, as
// Selector writes it, and whether it states every label. A label that no
// selector can state (a value holding both quote characters, which the
// selector language cannot quote, or longer than maxStatedValue; a key
// the language cannot name) is left out, keeping has(key) where the key
// can be named: the selector then selects more than the group, and
// unstated lists the keys so left out.
func (g *Group) LabelSelector() (sel *selector.Selector, unstated []string) {
	parts, unstated := g.labelParts()
	return selector.And(parts...), unstated
}

// labelParts returns the clauses of LabelSelector, to be joined by And.
func (g *Group) labelParts() (parts []*selector.Selector, unstated []string) {
	keys := make([]string, 0, len(g.Labels))
	for k := range g.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if eq, err := equal(k, g.Labels[k]); err == nil {
			parts = append(parts, eq)
			continue
		}
		unstated = append(unstated, k)
		if has, err := selector.Has(k); err == nil {
			parts = append(parts, has)
		}
	}
	for _, k := range g.Missing {
		if has, err := selector.Has(k); err == nil {
			parts = append(parts, selector.Not(has))
		} else {
			unstated = append(unstated, k)
		}
	}
	return parts, unstated
}

// equal returns key == value, refusing a value longer than maxStatedValue.
func equal(key, value string) (*selector.Selector, error) {
	if len(value) > maxStatedValue {
		return nil, fmt.Errorf("label %s: value of %d bytes is longer than %d", key, len(value), maxStatedValue)
	}
	return selector.Equal(key, value)
}

func quote(v string) string {
	if strings.Contains(v, "'") {
		return `"` + v + `"`
	}
	return "'" + v + "'"
}

// Grouper names the group of each endpoint and outside peer.
type Grouper struct {
	keys []string // --group-by; nil for the default
	nets []netsOfLength
	// cache holds the group of each endpoint, computed once.
	cache map[*model.Endpoint]*Group
	named map[string]*Group
	sets  map[*model.NetworkSet]*Group
	// setNamed holds the network sets' groups by name.
	setNamed map[string]*Group
}

// netsOfLength indexes the network sets' prefixes of one length.
type netsOfLength struct {
	bits int
	v4   bool
	sets map[netip.Prefix]*model.NetworkSet
}

// NewGrouper groups the set's endpoints by keys (nil: the default), and
// outside addresses by the network set holding them, the longest prefix
// winning. It computes every endpoint's group up front, so it is safe for
// concurrent use afterwards.
func NewGrouper(set *model.Set, keys []string) *Grouper {
	g := &Grouper{keys: keys, cache: make(map[*model.Endpoint]*Group, len(set.Endpoints)), named: map[string]*Group{}, sets: map[*model.NetworkSet]*Group{}, setNamed: map[string]*Group{}}
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		grp := g.endpointGroup(ep)
		if have := g.named[grp.Name]; have != nil {
			grp = have
		} else {
			g.named[grp.Name] = grp
		}
		g.cache[ep] = grp
	}
	if keys == nil {
		g.pruneMissing(set)
	}
	byLen := map[[2]int]*netsOfLength{}
	for i := range set.NetworkSets {
		ns := &set.NetworkSets[i]
		for _, p := range ns.Nets {
			p = p.Masked()
			v4 := 0
			if p.Addr().Is4() {
				v4 = 1
			}
			k := [2]int{p.Bits(), v4}
			if byLen[k] == nil {
				byLen[k] = &netsOfLength{bits: p.Bits(), v4: v4 == 1, sets: map[netip.Prefix]*model.NetworkSet{}}
			}
			if _, dup := byLen[k].sets[p]; !dup {
				byLen[k].sets[p] = ns
			}
			if g.sets[ns] == nil {
				name := "globalnetworkset " + ns.Name
				if ns.Namespace != "" {
					name = "networkset " + ns.Namespace + "/" + ns.Name
				}
				g.sets[ns] = &Group{Name: name, Namespace: ns.Namespace, Labels: ns.Labels, NetworkSet: ns}
				if g.setNamed[name] == nil {
					g.setNamed[name] = g.sets[ns]
				}
			}
		}
	}
	for _, n := range byLen {
		g.nets = append(g.nets, *n)
	}
	slices.SortFunc(g.nets, func(a, b netsOfLength) int { return b.bits - a.bits })
	return g
}

// Endpoint returns the group of an endpoint of the set.
func (g *Grouper) Endpoint(ep *model.Endpoint) *Group {
	if grp := g.cache[ep]; grp != nil {
		return grp
	}
	return g.endpointGroup(ep)
}

// Groups returns every endpoint group of a namespace, sorted by name.
func (g *Grouper) Groups(ns string) []*Group {
	var out []*Group
	for _, grp := range g.named {
		if grp.Namespace == ns && grp.NetworkSet == nil && !grp.Addr.IsValid() {
			out = append(out, grp)
		}
	}
	slices.SortFunc(out, func(a, b *Group) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Members returns the endpoints of the set in the group.
func (g *Grouper) Members(grp *Group) []*model.Endpoint {
	var out []*model.Endpoint
	for ep, eg := range g.cache {
		if eg == grp {
			out = append(out, ep)
		}
	}
	slices.SortFunc(out, func(a, b *model.Endpoint) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (g *Grouper) endpointGroup(ep *model.Endpoint) *Group {
	grp := &Group{Namespace: ep.Namespace, Labels: map[string]string{}}
	switch {
	case g.keys != nil:
		for _, k := range g.keys {
			if v, ok := ep.Labels[k]; ok {
				grp.Labels[k] = v
			} else {
				grp.Missing = append(grp.Missing, k)
			}
		}
	default:
		found := false
		for i, k := range DefaultGroupKeys {
			if v, ok := ep.Labels[k]; ok {
				grp.Labels[k], found = v, true
				// The keys tried before are absent, which the group's
				// selector says, so that it selects no other group.
				grp.Missing = slices.Clone(DefaultGroupKeys[:i])
				break
			}
		}
		if !found {
			for k, v := range ep.Labels {
				if !slices.Contains(hashLabels, k) {
					grp.Labels[k] = v
				}
			}
		}
	}
	grp.Name = groupName(grp, g.keys)
	return grp
}

// groupName writes "ns/k=v,k2=v2", the keys in --group-by order (sorted
// for the default), "!k" for a missing one.
func groupName(grp *Group, keys []string) string {
	var parts []string
	if keys != nil {
		for _, k := range keys {
			if v, ok := grp.Labels[k]; ok {
				parts = append(parts, k+"="+v)
			} else {
				parts = append(parts, "!"+k)
			}
		}
	} else {
		for k, v := range grp.Labels {
			parts = append(parts, k+"="+v)
		}
		slices.Sort(parts)
	}
	name := strings.Join(parts, ",")
	if name == "" {
		name = "(no labels)"
	}
	if grp.Namespace != "" {
		return grp.Namespace + "/" + name
	}
	return name
}

// Outside returns the group of an outside address: the network set
// holding it (longest prefix first), else the address itself.
func (g *Grouper) Outside(a netip.Addr) *Group {
	for _, n := range g.nets {
		if n.v4 != a.Is4() {
			continue
		}
		p, err := a.Prefix(n.bits)
		if err != nil {
			continue
		}
		if ns := n.sets[p]; ns != nil {
			return g.sets[ns]
		}
	}
	return &Group{Name: a.String(), Addr: a}
}

// Named returns the group a name of Endpoint or Outside names: an
// endpoint group, a network set's, or an address's. It is nil for a name
// that names none of them, so observations merged from elsewhere read
// back to the groups they were made with.
func (g *Grouper) Named(name string) *Group {
	if grp := g.named[name]; grp != nil {
		return grp
	}
	if grp := g.setNamed[name]; grp != nil {
		return grp
	}
	if a, err := netip.ParseAddr(name); err == nil {
		return g.Outside(a)
	}
	return nil
}

// pruneMissing drops from each default group's selector the "!has(k)" of
// an earlier default key that no endpoint of the set carries beside the
// group's own label: it excludes nothing, and selectors read better
// without it.
func (g *Grouper) pruneMissing(set *model.Set) {
	// The endpoints by the labels the groups to prune are named by: a
	// group looks only at the endpoints sharing its rarest label, not at
	// every endpoint, which on a large cluster cost the product of
	// groups and endpoints.
	keys := map[string]bool{}
	for _, grp := range g.named {
		if len(grp.Missing) > 0 {
			for k := range grp.Labels {
				keys[k] = true
			}
		}
	}
	byLabel := map[[2]string][]int{}
	for i := range set.Endpoints {
		for k := range keys {
			if v, ok := set.Endpoints[i].Labels[k]; ok {
				byLabel[[2]string{k, v}] = append(byLabel[[2]string{k, v}], i)
			}
		}
	}
	for _, grp := range g.named {
		if len(grp.Missing) == 0 {
			continue
		}
		var candidates []int
		narrowed := false
		for k, v := range grp.Labels {
			if c := byLabel[[2]string{k, v}]; !narrowed || len(c) < len(candidates) {
				candidates, narrowed = c, true
			}
		}
		carried := func(k string) bool {
			has := func(i int) bool {
				labels := set.Endpoints[i].Labels
				_, has := labels[k]
				return has && hasLabels(labels, grp.Labels)
			}
			if narrowed {
				return slices.ContainsFunc(candidates, has)
			}
			for i := range set.Endpoints {
				if has(i) {
					return true
				}
			}
			return false
		}
		var keep []string
		for _, k := range grp.Missing {
			if carried(k) {
				keep = append(keep, k)
			}
		}
		grp.Missing = keep
	}
}
