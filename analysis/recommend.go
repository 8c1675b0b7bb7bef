package analysis

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// RecommendOptions say what to recommend.
type RecommendOptions struct {
	// Namespace holds the workloads to write policies for.
	Namespace string
	// Selector narrows them; nil for every workload of the namespace.
	Selector *selector.Selector
	// Tier the policies go in; "" for default. It must exist in the set.
	Tier string
	// Enforce writes NetworkPolicy instead of StagedNetworkPolicy.
	Enforce bool
	// Exact admits only the observed (source address, destination
	// address, protocol, port) tuples, instead of groups and port ranges.
	Exact bool
	// IncludeDenied counts records logged as denied too.
	IncludeDenied bool
	// GroupKeys are --group-by's keys; nil for the default.
	GroupKeys []string
}

// Recommender writes policies from observed traffic. It is safe for
// concurrent use; observations go into Observed values, which merge.
type Recommender struct {
	opts     RecommendOptions
	resolver *Resolver
	grouper  *Grouper
	targets  []*Group
	target   map[*Group]bool
}

// NewRecommender prepares recommendations for the workloads of
// opts.Namespace that opts.Selector selects, grouped as opts.GroupKeys
// say. It fails when the selection names no endpoint or the tier does not
// exist.
func NewRecommender(set model.Set, opts RecommendOptions) (*Recommender, error) {
	if opts.Tier == "" {
		opts.Tier = model.TierDefault
	}
	if !slices.ContainsFunc(set.WithBuiltinTiers().Tiers, func(t model.Tier) bool { return t.Name == opts.Tier }) {
		return nil, fmt.Errorf("tier %q is not in the inputs", opts.Tier)
	}
	return newRecommender(set, opts, NewResolver(&set), NewGrouper(&set, opts.GroupKeys))
}

// Recommender is NewRecommender for the set r replays, resolving and
// grouping as r does (r's group keys stand for opts.GroupKeys): it skips
// building them again, which on a large set costs more than observing
// the kept records (Kept.Observe).
func (r *Replayer) Recommender(set model.Set, opts RecommendOptions) (*Recommender, error) {
	if opts.Tier == "" {
		opts.Tier = model.TierDefault
	}
	if !slices.ContainsFunc(set.WithBuiltinTiers().Tiers, func(t model.Tier) bool { return t.Name == opts.Tier }) {
		return nil, fmt.Errorf("tier %q is not in the inputs", opts.Tier)
	}
	opts.GroupKeys = r.grouper.keys
	return newRecommender(set, opts, r.resolver, r.grouper)
}

func newRecommender(set model.Set, opts RecommendOptions, resolver *Resolver, grouper *Grouper) (*Recommender, error) {
	r := &Recommender{opts: opts, resolver: resolver, grouper: grouper, target: map[*Group]bool{}}
	profiles := map[string]map[string]string{}
	for _, p := range set.Profiles {
		profiles[p.Name] = p.LabelsToApply
	}
	for _, g := range r.grouper.Groups(opts.Namespace) {
		for _, ep := range r.grouper.Members(g) {
			if ep.Kind == model.KindHostEndpoint {
				continue
			}
			if opts.Selector != nil && !opts.Selector.Matches(selector.Map(calico.EndpointLabels(ep, func(n string) map[string]string { return profiles[n] }))) {
				continue
			}
			r.targets = append(r.targets, g)
			r.target[g] = true
			break
		}
	}
	if len(r.targets) == 0 {
		what := "no workload endpoint in namespace " + opts.Namespace
		if opts.Selector != nil {
			what += " matches " + opts.Selector.String()
		}
		return nil, fmt.Errorf("%s", what)
	}
	return r, nil
}

// Targets returns the groups policies are written for, by name.
func (r *Recommender) Targets() []*Group { return r.targets }

// Observed is what a recommendation is built from: the peers, protocols
// and ports seen per target group and direction. Observed values merge
// by union. They are plain data, peers named by their group's name, so
// that observations made on other machines merge and encode as they are.
type Observed struct {
	Records    uint64
	Used       uint64
	Unresolved uint64
	Edges      map[Edge]bool
}

// Edge is one observed (group, direction, peer, protocol, port); with
// Exact, the peer and member are addresses.
type Edge struct {
	Group     string
	Direction model.Direction
	Peer      string
	Member    netip.Addr // the group member's address, with Exact
	PeerAddr  netip.Addr // the peer's address, with Exact
	Protocol  uint8
	Port      uint16
}

// NewObserved returns an empty observation.
func NewObserved() *Observed {
	return &Observed{Edges: map[Edge]bool{}}
}

// Merge adds o's observations to t.
func (t *Observed) Merge(o *Observed) {
	t.Records += o.Records
	t.Used += o.Used
	t.Unresolved += o.Unresolved
	if t.Edges == nil {
		t.Edges = map[Edge]bool{}
	}
	for e := range o.Edges {
		t.Edges[e] = true
	}
}

// Add observes one record.
func (r *Recommender) Add(t *Observed, rec *flowlog.Record) {
	t.Records++
	if rec.Action == flowlog.Deny && !r.opts.IncludeDenied {
		return
	}
	src, dst := r.resolver.Resolve(&rec.Src), r.resolver.Resolve(&rec.Dst)
	if src.Kind == Unresolved || dst.Kind == Unresolved || !addresses(&src, &dst) {
		t.Unresolved++
		return
	}
	r.observeFlow(t, &src, &dst, rec.Protocol, rec.DstPort)
}

// observeFlow observes a record whose sides resolved to addresses of one
// family.
func (r *Recommender) observeFlow(t *Observed, src, dst *Resolved, proto uint8, port uint16) {
	if !model.ProtocolNumber(proto).SupportsPorts() {
		port = 0
	}
	used := false
	if src.Kind == EndpointPeer {
		if g := r.grouper.Endpoint(src.Endpoint); r.target[g] {
			r.observe(t, g, model.Egress, dst, src.Addr, proto, port)
			used = true
		}
	}
	if dst.Kind == EndpointPeer {
		if g := r.grouper.Endpoint(dst.Endpoint); r.target[g] {
			r.observe(t, g, model.Ingress, src, dst.Addr, proto, port)
			used = true
		}
	}
	if used {
		t.Used++
	}
}

func (r *Recommender) observe(t *Observed, g *Group, d model.Direction, peer *Resolved, member netip.Addr, proto uint8, port uint16) {
	e := Edge{Group: g.Name, Direction: d, Protocol: proto, Port: port}
	if r.opts.Exact {
		e.Member, e.PeerAddr = member, peer.Addr
	} else {
		var pg *Group
		if peer.Kind == EndpointPeer {
			pg = r.grouper.Endpoint(peer.Endpoint)
		} else {
			pg = r.grouper.Outside(peer.Addr)
		}
		e.Peer = pg.Name
	}
	t.Edges[e] = true
}

// Policies writes one policy per target group, sorted by name: its
// selector selects the group, its rules admit what was observed and
// nothing else. A group with no observation gets no rules, which denies
// both ways.
func (r *Recommender) Policies(o *Observed) []model.Policy {
	byGroup := map[string][]Edge{}
	for e := range o.Edges {
		byGroup[e.Group] = append(byGroup[e.Group], e)
	}
	var out []model.Policy
	names := map[string]int{}
	for _, g := range r.targets {
		p := model.Policy{
			Kind:      model.KindStagedNetworkPolicy,
			Namespace: r.opts.Namespace,
			Name:      policyName(g, names),
			Tier:      r.opts.Tier,
			Selector:  r.targetSelector(g),
			Types:     []model.Direction{model.Ingress, model.Egress},
		}
		if r.opts.Enforce {
			p.Kind = model.KindNetworkPolicy
		} else {
			p.StagedAction = model.StagedSet
		}
		edges := byGroup[g.Name]
		p.Ingress = r.rules(edges, model.Ingress)
		p.Egress = r.rules(edges, model.Egress)
		out = append(out, p)
	}
	return out
}

// rules writes the rules of one direction: one per peer and protocol with
// the peer's ports merged into ranges, or one per tuple with Exact.
func (r *Recommender) rules(edges []Edge, d model.Direction) []model.Rule {
	type peerProto struct {
		peer   string
		member netip.Addr
		addr   netip.Addr
		proto  uint8
	}
	ports := map[peerProto][]uint16{}
	var keys []peerProto
	for _, e := range edges {
		if e.Direction != d {
			continue
		}
		k := peerProto{e.Peer, e.Member, e.PeerAddr, e.Protocol}
		if _, ok := ports[k]; !ok {
			keys = append(keys, k)
		}
		ports[k] = append(ports[k], e.Port)
	}
	slices.SortFunc(keys, func(a, b peerProto) int {
		return cmp.Or(strings.Compare(a.peer, b.peer), a.member.Compare(b.member), a.addr.Compare(b.addr), cmp.Compare(a.proto, b.proto))
	})
	rules := []model.Rule{}
	for _, k := range keys {
		rule := model.Rule{Action: model.Allow, Protocol: protocolOf(k.proto)}
		var peer, own *model.EntityRule
		if d == model.Ingress {
			peer, own = &rule.Source, &rule.Destination
		} else {
			peer, own = &rule.Destination, &rule.Source
		}
		if r.opts.Exact {
			peer.Nets = []netip.Prefix{netip.PrefixFrom(k.addr, k.addr.BitLen())}
			own.Nets = []netip.Prefix{netip.PrefixFrom(k.member, k.member.BitLen())}
		} else {
			r.peerCriteria(peer, r.grouper.Named(k.peer))
		}
		if model.ProtocolNumber(k.proto).SupportsPorts() {
			rule.Destination.Ports = Ranges(ports[k])
		}
		rules = append(rules, rule)
	}
	return rules
}

func protocolOf(n uint8) model.Protocol {
	if name := model.ProtocolName(n); name != fmt.Sprint(n) {
		return model.ProtocolNamed(n)
	}
	return model.ProtocolNumber(n)
}

// peerCriteria selects a peer group from a NetworkPolicy of the
// recommended namespace: by selector in the namespace, with a
// namespaceSelector in another, network sets by their labels, and other
// outside peers by address.
func (r *Recommender) peerCriteria(er *model.EntityRule, g *Group) {
	switch {
	case g.Addr.IsValid():
		er.Nets = []netip.Prefix{netip.PrefixFrom(g.Addr, g.Addr.BitLen())}
		return
	case g.NetworkSet != nil && len(g.Labels) == 0:
		er.Nets = slices.Clone(g.NetworkSet.Nets)
		return
	}
	sel, unstated := g.LabelSelector()
	if len(unstated) > 0 {
		// A selector for the group would admit more than it: name its
		// members by address instead, which admits exactly them.
		er.Nets = memberNets(r.grouper.Members(g))
		return
	}
	er.Selector = sel
	switch {
	case g.Namespace == "":
		er.NamespaceSelector = selector.Global()
	case g.Namespace != r.opts.Namespace:
		ns, err := selector.Equal(model.LabelName, g.Namespace)
		if err != nil {
			// No namespace name holds a quote; should one, the peer is
			// named by address as above.
			er.Selector, er.Nets = nil, memberNets(r.grouper.Members(g))
			return
		}
		er.NamespaceSelector = ns
	}
}

// memberNets returns the addresses of the endpoints as single-address
// nets, sorted.
func memberNets(eps []*model.Endpoint) []netip.Prefix {
	var out []netip.Prefix
	for _, ep := range eps {
		for _, a := range ep.Addresses {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return slices.Compact(out)
}

// targetSelector returns the selector of the policy written for group g.
// Where the group's labels cannot all be stated (see LabelSelector), the
// selector would also select the namespace's other endpoints that have
// the unstated key, and give them g's rules: their values of the key are
// excluded by name. What it still selects beyond g are endpoints whose
// value of the key cannot be stated either.
func (r *Recommender) targetSelector(g *Group) *selector.Selector {
	parts, unstated := g.labelParts()
	for _, k := range unstated {
		var others []string
		for _, o := range r.grouper.Groups(g.Namespace) {
			if o == g {
				continue
			}
			for _, ep := range r.grouper.Members(o) {
				if v, ok := ep.Labels[k]; ok {
					if _, err := equal(k, v); err == nil {
						others = append(others, v)
					}
				}
			}
		}
		if len(others) == 0 {
			continue
		}
		if notIn, err := selector.NotIn(k, others...); err == nil {
			parts = append(parts, notIn)
		}
	}
	return selector.And(parts...)
}

// Ranges merges ports into sorted ranges of consecutive ports.
func Ranges(ports []uint16) []model.Port {
	ps := slices.Clone(ports)
	slices.Sort(ps)
	ps = slices.Compact(ps)
	var out []model.Port
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].Max+1 == p && out[n-1].Max != 65535 {
			out[n-1].Max = p
			continue
		}
		out = append(out, model.Port{Min: p, Max: p})
	}
	return out
}

var notNameChars = regexp.MustCompile(`[^a-z0-9.-]+`)

// policyName names a group's policy after its label values ("vote" for
// app=vote), made a DNS-1123 name and unique among the policies written.
func policyName(g *Group, used map[string]int) string {
	keys := make([]string, 0, len(g.Labels))
	for k := range g.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var vals []string
	for _, k := range keys {
		vals = append(vals, g.Labels[k])
	}
	name := strings.Trim(notNameChars.ReplaceAllString(strings.ToLower(strings.Join(vals, "-")), "-"), "-.")
	if name == "" {
		name = "unlabelled"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	used[name]++
	if n := used[name]; n > 1 {
		name = fmt.Sprintf("%s-%d", name, n)
	}
	return name
}
