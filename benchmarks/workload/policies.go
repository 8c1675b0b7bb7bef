package workload

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// policyGen draws Calico policies from a world, with names unique per
// kind and namespace.
type policyGen struct {
	*ruleGen
	taken map[model.Key]bool
	// globalsLeft is how many more random policies may be global; past
	// it a global kind drawn becomes its namespaced counterpart. Negative
	// means no bound.
	globalsLeft int
}

func newPolicyGen(r *rng, w *world, existing []model.Policy) *policyGen {
	g := &policyGen{ruleGen: &ruleGen{r: r, w: w}, taken: map[model.Key]bool{}, globalsLeft: -1}
	for i := range existing {
		g.taken[writtenKey(&existing[i])] = true
	}
	return g
}

var (
	nameVerbs   = []string{"allow", "deny", "restrict", "isolate", "permit", "audit", "limit", "pass"}
	nameObjects = []string{"web", "api", "db", "dns", "egress", "ingress", "partners", "monitoring", "metrics",
		"internet", "blocklist", "pci", "canary", "admin", "grpc", "cache", "queue"}
	stagedActions = []model.StagedAction{model.StagedSet, model.StagedLearn, model.StagedIgnore}
)

// name returns an unused name for a policy of the kind in the namespace,
// built from base (or from random words when base is empty). A clash adds
// "-2", "-3", ...: names such as "allow-web" and "allow-web-2" exercise
// the tie-break inside a tier, where '-' sorts before '/'.
func (g *policyGen) name(kind model.Kind, namespace, base string) string {
	if base == "" {
		base = pick(g.r, nameVerbs) + "-" + pick(g.r, nameObjects)
	}
	kind = writtenKind(kind)
	name := base
	for k := 2; g.taken[model.Key{Kind: kind, Namespace: namespace, Name: name}]; k++ {
		name = fmt.Sprintf("%s-%d", base, k)
	}
	g.taken[model.Key{Kind: kind, Namespace: namespace, Name: name}] = true
	return name
}

// writtenKind is the Calico kind a policy is stored as: converted
// Kubernetes policies become Calico NetworkPolicies (staged or not), so
// their names must not clash with those.
func writtenKind(k model.Kind) model.Kind {
	switch k {
	case model.KindKubernetesNetworkPolicy:
		return model.KindNetworkPolicy
	case model.KindStagedKubernetesNetworkPolicy:
		return model.KindStagedNetworkPolicy
	}
	return k
}

// writtenKey is the key of the policy as Calico stores it.
func writtenKey(p *model.Policy) model.Key {
	k := p.Key()
	k.Kind = writtenKind(p.Kind)
	return k
}

// order draws a policy order from a small pool, or none.
func (g *policyGen) order() *float64 {
	if g.r.chance(0.15) {
		return nil
	}
	o := pick(g.r, policyOrders)
	return &o
}

// action draws a rule action: mostly Allow, then Log, Deny and Pass.
func (g *policyGen) action() model.Action {
	return []model.Action{model.Allow, model.Log, model.Deny, model.Pass}[g.r.weighted(50, 20, 15, 15)]
}

// broad marks features that, alone in a rule, match most traffic.
var broad = map[feature]bool{featEmpty: true, featNotProtocol: true, featProtocolName: true, featProtocolNumber: true,
	featPortRange: true, featNotPorts: true, featSourcePorts: true, featIPVersion: true, featLocalSelector: true}

// randomPolicy draws a policy of a random kind in one of the tiers.
func (g *policyGen) randomPolicy(tiers []string) model.Policy {
	r := g.r
	kind := []model.Kind{model.KindGlobalNetworkPolicy, model.KindNetworkPolicy,
		model.KindStagedGlobalNetworkPolicy, model.KindStagedNetworkPolicy}[r.weighted(30, 40, 10, 10)]
	if !kind.Namespaced() {
		switch {
		case g.globalsLeft == 0 && kind.Staged():
			kind = model.KindStagedNetworkPolicy
		case g.globalsLeft == 0:
			kind = model.KindNetworkPolicy
		case g.globalsLeft > 0:
			g.globalsLeft--
		}
	}
	tier := pick(r, tiers)
	if slices.Contains(tiers, model.TierDefault) && r.chance(0.3) {
		tier = model.TierDefault
	}
	form := randomForm(r)
	if r.chance(0.65) {
		form = formApp
	}
	p := g.skeleton(kind, tier, form)

	var dirs []model.Direction
	switch r.weighted(40, 20, 40) {
	case 0:
		dirs = []model.Direction{model.Ingress}
	case 1:
		dirs = []model.Direction{model.Egress}
	default:
		dirs = []model.Direction{model.Ingress, model.Egress}
	}
	p.Types = dirs
	for _, d := range dirs {
		n := r.between(1, 4)
		if r.chance(0.1) {
			n = 0 // a default deny (or pass) for this direction
		}
		var rules []model.Rule
		for range n {
			act, f := g.action(), g.randomFeature()
			if act == model.Deny && broad[f] && r.chance(0.7) {
				// Deny rules usually name whom they deny.
				f = pick(r, []feature{featSelector, featNets, featNamespaceSelector, featNotNets, featServiceAccountNames})
			}
			rules = append(rules, g.rule(ruleCtx{namespace: p.Namespace, dir: d, action: act}, f))
		}
		g.setRules(&p, d, rules)
	}
	return p
}

// skeleton returns a policy of the kind in the tier with a name, an
// order and a selector of the given form, and no rules yet.
func (g *policyGen) skeleton(kind model.Kind, tier string, form selForm) model.Policy {
	r := g.r
	p := model.Policy{Kind: kind, Tier: tier, Order: g.order()}
	if kind.Namespaced() {
		p.Namespace = pick(r, g.w.namespaces)
		if len(g.w.appNS) > 0 && r.chance(0.85) {
			p.Namespace = pick(r, g.w.appNS)
		}
	}
	var base string
	if !kind.Namespaced() && r.chance(0.2) {
		base = tier + "." + pick(r, nameVerbs) + "-" + pick(r, nameObjects)
	}
	if kind.Staged() && r.chance(0.3) {
		// A staged policy often stages a new version of an enforced one,
		// under the same name; only the kind tells them apart.
		base = g.enforcedName(kind, p.Namespace)
	}
	p.Name = g.name(kind, p.Namespace, base)
	p.Selector = mustParse(selectorText(r, g.w.pods(p.Namespace), form))
	if !kind.Namespaced() && r.chance(0.2) {
		p.NamespaceSelector = mustParse(selectorText(r, g.w.nsVocab, randomAtom(r)))
	}
	if r.chance(0.12) {
		p.ServiceAccountSelector = mustParse(selectorText(r, g.w.saVocab, randomAtom(r)))
	}
	if r.chance(0.05) {
		p.PerformanceHints = []string{"AssumeNeededOnEveryNode"}
	}
	if kind.Staged() {
		p.StagedAction = pick(r, stagedActions)
	}
	return p
}

// enforcedName returns the name of an enforced policy of the scope the
// staged kind has, or "" when there is none.
func (g *policyGen) enforcedName(kind model.Kind, namespace string) string {
	want := model.KindGlobalNetworkPolicy
	if kind.Namespaced() {
		want = model.KindNetworkPolicy
	}
	var names []string
	for k := range g.taken {
		if k.Kind == want && k.Namespace == namespace {
			names = append(names, k.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return pick(g.r, names)
}

// setRules sets the rules of one direction; in the security tier, whose
// default action is Deny, a policy usually ends by passing what it did
// not decide to the next tier, as security teams write them.
func (g *policyGen) setRules(p *model.Policy, d model.Direction, rules []model.Rule) {
	if p.Tier == tierSecurity && g.r.chance(0.85) {
		rules = append(rules, model.Rule{Action: model.Pass})
	}
	if d == model.Egress {
		p.Egress = rules
	} else {
		p.Ingress = rules
	}
}

// coveragePolicies returns policies that together use every selector form
// as a policy selector and every rule feature with each action, over the
// kinds and tiers, whatever the size of the cluster.
func (g *policyGen) coveragePolicies() []model.Policy {
	kinds := []model.Kind{model.KindGlobalNetworkPolicy, model.KindNetworkPolicy,
		model.KindStagedGlobalNetworkPolicy, model.KindNetworkPolicy, model.KindStagedNetworkPolicy}
	tiers := []string{tierSecurity, tierPlatform, tierAppTeams, model.TierDefault, model.TierKubeAdmin, model.TierKubeBaseline}
	actions := []model.Action{model.Allow, model.Deny, model.Log, model.Pass}
	n := max(int(numForms), (int(numFeatures)+1)/2)
	out := make([]model.Policy, 0, n)
	g.complete = true
	defer func() { g.complete = false }()
	next := 0
	for i := range n {
		p := g.skeleton(kinds[i%len(kinds)], tiers[i%len(tiers)], selForm(i%int(numForms)))
		switch i % 4 {
		case 1:
			p.Order = nil
		case 2:
			p.ServiceAccountSelector = mustParse(selectorText(g.r, g.w.saVocab, randomAtom(g.r)))
		case 3:
			if !p.Kind.Namespaced() {
				p.NamespaceSelector = mustParse(selectorText(g.r, g.w.nsVocab, randomAtom(g.r)))
			}
		}
		var ingress, egress []model.Rule
		for j := 0; j < 2 && next < int(numFeatures); j++ {
			f := feature(next)
			next++
			dir := model.Ingress
			if j == 1 && f != featHTTP {
				dir = model.Egress
			}
			act := actions[(i+j)%len(actions)]
			if f == featHTTP {
				act = model.Allow
			}
			rule := g.rule(ruleCtx{namespace: p.Namespace, dir: dir, action: act}, f)
			if dir == model.Egress {
				egress = append(egress, rule)
			} else {
				ingress = append(ingress, rule)
			}
		}
		if len(ingress) > 0 || len(egress) == 0 {
			p.Types = append(p.Types, model.Ingress)
			g.setRules(&p, model.Ingress, ingress)
		}
		if len(egress) > 0 {
			p.Types = append(p.Types, model.Egress)
			g.setRules(&p, model.Egress, egress)
		}
		out = append(out, p)
	}
	return out
}

// fixedPolicies returns the policies every cluster of this shape has: the
// security tier's blocklist, DNS, metrics and the ingress controller in
// the platform tier, a
// default deny for production and staging (and a staged one for
// development), ICMP in kube-admin, an audit in kube-baseline, and two
// host policies outside normal evaluation (doNotTrack, preDNAT).
func (g *policyGen) fixedPolicies() []model.Policy {
	order := func(f float64) *float64 { return &f }
	sel := mustParse
	tcp, udp := model.ProtocolNamed(model.ProtoTCP), model.ProtocolNamed(model.ProtoUDP)
	blocklist := sel("kind == 'blocklist'")
	kubeDNS := model.EntityRule{
		NamespaceSelector: sel(labelMetadataName + " == 'kube-system'"),
		Selector:          sel("k8s-app == 'kube-dns'"),
	}
	dnsUDP, dnsTCP := kubeDNS, kubeDNS
	dnsUDP.Ports = []model.Port{{Name: "dns"}}
	dnsTCP.Ports = []model.Port{{Min: 53, Max: 53}}
	t8, c0, t5, t128 := uint8(8), uint8(0), uint8(5), uint8(128)

	icmpIngress := []model.Rule{
		{Action: model.Deny, Protocol: model.ProtocolNamed(model.ProtoICMP), ICMP: &model.ICMPMatch{Type: &t5}},
		{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoICMP), ICMP: &model.ICMPMatch{Type: &t8, Code: &c0},
			Source: model.EntityRule{Nets: []netip.Prefix{clusterV4}}},
	}
	if g.w.ipv6 {
		icmpIngress = append(icmpIngress, model.Rule{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoICMPv6),
			ICMP: &model.ICMPMatch{Type: &t128}, Source: model.EntityRule{Nets: []netip.Prefix{clusterV6}}})
	}

	policies := []model.Policy{
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "security.block-blocklist", Tier: tierSecurity, Order: order(10),
			Selector: selector.All(),
			Types:    []model.Direction{model.Ingress, model.Egress},
			Ingress: []model.Rule{
				{Action: model.Log, Source: model.EntityRule{Selector: blocklist}},
				{Action: model.Deny, Source: model.EntityRule{Selector: blocklist}},
				{Action: model.Pass},
			},
			Egress: []model.Rule{
				{Action: model.Deny, Destination: model.EntityRule{Selector: blocklist}},
				{Action: model.Pass},
			},
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "platform.allow-dns", Tier: tierPlatform, Order: order(100),
			Selector: selector.All(), NamespaceSelector: sel("all()"),
			Types: []model.Direction{model.Egress},
			Egress: []model.Rule{
				{Action: model.Allow, Protocol: udp, Destination: dnsUDP},
				{Action: model.Allow, Protocol: tcp, Destination: dnsTCP},
			},
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "allow-prometheus", Tier: tierPlatform, Order: order(200),
			Selector: selector.All(), NamespaceSelector: sel("all()"),
			Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{
				Action: model.Allow, Protocol: tcp,
				Source: model.EntityRule{
					NamespaceSelector: sel(labelMetadataName + ` == "monitoring"`),
					ServiceAccounts:   &model.ServiceAccountMatch{Names: []string{"prometheus"}},
				},
				Destination: model.EntityRule{Ports: []model.Port{{Name: "metrics"}, {Min: 9100, Max: 9102}}},
			}},
		},
		{
			Kind: model.KindNetworkPolicy, Name: "kube-dns", Namespace: namespaceKubeSystem, Tier: tierPlatform, Order: order(100),
			Selector: sel("k8s-app == 'kube-dns'"),
			Types:    []model.Direction{model.Ingress},
			Ingress: []model.Rule{
				{Action: model.Allow, Protocol: udp, Destination: model.EntityRule{Ports: []model.Port{{Min: 53, Max: 53}}}},
				{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{Ports: []model.Port{{Name: "dns-tcp"}}}},
				{Action: model.Deny},
			},
		},
		{
			Kind: model.KindNetworkPolicy, Name: "prometheus-scrape", Namespace: namespaceMonitoring, Tier: tierPlatform, Order: order(100),
			Selector: sel("app == 'prometheus'"),
			Types:    []model.Direction{model.Egress},
			Egress: []model.Rule{
				{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{
					NamespaceSelector: sel("all()"), Ports: []model.Port{{Name: "metrics"}}}},
				{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{
					NamespaceSelector: sel("global()"), Selector: sel("has(node-role)"), Ports: []model.Port{{Min: 9100, Max: 9100}}}},
			},
		},
		{
			Kind: model.KindNetworkPolicy, Name: "ingress-controller", Namespace: namespaceIngress, Tier: tierPlatform, Order: order(100),
			Selector: sel("app.kubernetes.io/component == 'controller'"),
			Types:    []model.Direction{model.Ingress, model.Egress},
			Ingress: []model.Rule{
				{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{Ports: []model.Port{{Min: 80, Max: 80}, {Name: "https"}}}},
			},
			Egress: []model.Rule{
				{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{
					NamespaceSelector: sel("has(team)"), Selector: sel("tier == 'frontend'"), Ports: []model.Port{{Name: "http"}}}},
			},
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "default-deny", Tier: model.TierDefault, Order: order(5000),
			Selector: selector.All(), NamespaceSelector: sel(`env in {"prod", "staging"}`),
			Types: []model.Direction{model.Ingress, model.Egress},
		},
		{
			Kind: model.KindStagedGlobalNetworkPolicy, Name: "default-deny", Tier: model.TierDefault, Order: order(5000),
			Selector: selector.All(), NamespaceSelector: sel(`env == "dev"`),
			Types:        []model.Direction{model.Ingress, model.Egress},
			StagedAction: model.StagedSet,
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "admin.icmp", Tier: model.TierKubeAdmin, Order: order(10),
			Selector: selector.All(),
			Types:    []model.Direction{model.Ingress},
			Ingress:  icmpIngress,
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "audit-internet-egress", Tier: model.TierKubeBaseline, Order: order(100),
			Selector: sel("has(app)"),
			Types:    []model.Direction{model.Egress},
			Egress: []model.Rule{
				{Action: model.Log, Destination: model.EntityRule{NotNets: []netip.Prefix{clusterV4}}},
			},
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "host-untracked", Tier: model.TierDefault, Order: order(10),
			Selector: sel("has(node-role)"), DoNotTrack: true, ApplyOnForward: true,
			Types: []model.Direction{model.Ingress, model.Egress},
			Ingress: []model.Rule{{Action: model.Allow, Protocol: tcp,
				Source:      model.EntityRule{Nets: []netip.Prefix{nodeCIDRv4}},
				Destination: model.EntityRule{Ports: []model.Port{{Name: "kubelet"}}}}},
			Egress: []model.Rule{{Action: model.Allow}},
		},
		{
			Kind: model.KindGlobalNetworkPolicy, Name: "host-prednat", Tier: model.TierDefault, Order: order(20),
			Selector: sel("node-role == 'worker'"), PreDNAT: true, ApplyOnForward: true,
			Types:   []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Deny, Source: model.EntityRule{Selector: blocklist}}},
		},
	}
	for i := range policies {
		g.taken[writtenKey(&policies[i])] = true
	}
	return policies
}
