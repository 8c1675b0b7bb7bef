package workload

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
)

// netsetKinds and providers label the network sets beyond the fixed ones.
var (
	netsetKinds = []string{"cdn", "saas", "partner", "blocklist", "egress-allowed"}
	providers   = []string{"aws", "gcp", "azure", "fastly", "cloudflare", "acme"}
)

// addNetworkSets adds n network sets. The first four are always there: a
// global blocklist, global partners, the cluster's own ranges (which hold
// every pod address, so pods have a network set as a second owner) and a
// namespaced set that also covers some pods. Their CIDRs include a chain
// of nested prefixes of every length from /8 to /32 (and /32 to /128 for
// IPv6 in a dual-stack cluster) around one address, spread over the sets,
// so that an address can have many owners and every prefix length is
// matched somewhere.
func (b *builder) addNetworkSets(n int) {
	appNS := b.appNamespaces()
	type draft struct {
		name, namespace string
		labels          map[string]string
		nets            []netip.Prefix
	}
	drafts := []*draft{
		{name: "blocklist", labels: map[string]string{"kind": "blocklist", "risk": "high"}},
		{name: "partners", labels: map[string]string{"kind": "partner", "provider": "acme", "risk": "low"}},
		{name: "cluster-internal", labels: map[string]string{"kind": "internal"}, nets: []netip.Prefix{clusterV4}},
		{name: "egress-allowed", namespace: appNS[0], labels: map[string]string{"kind": "egress-allowed", "team": b.namespaceInfo(appNS[0]).team},
			nets: []netip.Prefix{prefixOf(nthAddr(podCIDRv4, 1), 26)}},
	}
	if b.p.DualStack > 0 {
		drafts[2].nets = append(drafts[2].nets, clusterV6)
	}
	for i := len(drafts); i < n; i++ {
		kind := pick(b.r, netsetKinds)
		d := &draft{
			name:   fmt.Sprintf("%s-%s-%d", kind, pick(b.r, providers), i),
			labels: map[string]string{"kind": kind, "provider": pick(b.r, providers)},
		}
		if b.r.chance(0.5) {
			d.labels["risk"] = pick(b.r, []string{"low", "medium", "high"})
		}
		if b.r.chance(0.35) {
			d.namespace = pick(b.r, appNS)
		}
		drafts = append(drafts, d)
	}

	// The chain goes to every set but the blocklist and the cluster's
	// own: a blocklist holding a /8 would deny most of the outside.
	var chain []*draft
	for i, d := range drafts {
		if i != 2 && d.labels["kind"] != "blocklist" {
			chain = append(chain, d)
		}
	}
	hotV4 := randomIn(b.r, prefixOf(netip.AddrFrom4([4]byte{pick(b.r, outsideFirstOctets)}), 8))
	b.outside = append(b.outside, hotV4)
	for bits := 8; bits <= 32; bits++ {
		d := chain[(bits-8)%len(chain)]
		d.nets = append(d.nets, prefixOf(hotV4, bits))
	}
	if b.p.DualStack > 0 {
		hotV6 := randomIn(b.r, outsideV6)
		b.outside = append(b.outside, hotV6)
		for bits := 32; bits <= 128; bits++ {
			d := chain[(bits-32)%len(chain)]
			d.nets = append(d.nets, prefixOf(hotV6, bits))
		}
	}
	for _, d := range drafts {
		for range b.r.between(1, 3) {
			first := pick(b.r, outsideFirstOctets)
			p := prefixOf(randomIn(b.r, prefixOf(netip.AddrFrom4([4]byte{first}), 8)), b.r.between(12, 32))
			d.nets = append(d.nets, p)
		}
		if b.p.DualStack > 0 && b.r.chance(0.5) {
			d.nets = append(d.nets, prefixOf(randomIn(b.r, outsideV6), b.r.between(40, 128)))
		}
		d.nets = dedupPrefixes(d.nets)
		for _, p := range d.nets {
			if p != clusterV4 && p != clusterV6 {
				b.outside = append(b.outside, randomIn(b.r, p))
			}
		}
		b.set.NetworkSets = append(b.set.NetworkSets, model.NetworkSet{
			Name: d.name, Namespace: d.namespace, Labels: d.labels, Nets: d.nets,
		})
	}
	b.outside = append(b.outside, strangers...)
	if b.p.DualStack == 0 {
		b.outside = slices.DeleteFunc(b.outside, netip.Addr.Is6)
	}
}

// dedupPrefixes drops repeated prefixes, keeping the first of each.
func dedupPrefixes(ps []netip.Prefix) []netip.Prefix {
	seen := map[netip.Prefix]bool{}
	out := ps[:0]
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
