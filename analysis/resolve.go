package analysis

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
)

// PeerKind says what a side of a record resolved to.
type PeerKind uint8

// Peer kinds.
const (
	// Unresolved: a name that matches nothing, or a network peer logged
	// without an address. Never guessed.
	Unresolved PeerKind = iota
	// EndpointPeer: a workload or host endpoint of the set.
	EndpointPeer
	// OutsidePeer: an address no endpoint of the set owns.
	OutsidePeer
)

// Resolved is one side of a record, resolved.
type Resolved struct {
	Kind     PeerKind
	Endpoint *model.Endpoint // for EndpointPeer
	// Addr is the address the flow is evaluated with: the logged one, or
	// the endpoint's own of the flow's family.
	Addr netip.Addr
}

// Resolver finds the endpoints of a set that logged peers name. It is
// immutable after NewResolver and safe for concurrent use.
type Resolver struct {
	byAddr map[netip.Addr]*model.Endpoint
	byName map[nsName]*model.Endpoint
	// sorted holds each namespace's endpoints by name, for prefixes.
	sorted map[string][]*model.Endpoint
	netSet map[nsName]*model.NetworkSet
}

type nsName struct{ ns, name string }

// NewResolver indexes the set's endpoints by address and by name. When
// two endpoints claim one address the first in the set's order owns it,
// as the evaluators judge it.
func NewResolver(set *model.Set) *Resolver {
	r := &Resolver{
		byAddr: make(map[netip.Addr]*model.Endpoint, len(set.Endpoints)),
		byName: make(map[nsName]*model.Endpoint, len(set.Endpoints)),
		sorted: map[string][]*model.Endpoint{},
		netSet: make(map[nsName]*model.NetworkSet, len(set.NetworkSets)),
	}
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		for _, a := range ep.Addresses {
			if _, dup := r.byAddr[a]; !dup {
				r.byAddr[a] = ep
			}
		}
		k := nsName{ep.Namespace, ep.Name}
		if _, dup := r.byName[k]; !dup {
			r.byName[k] = ep
		}
		r.sorted[ep.Namespace] = append(r.sorted[ep.Namespace], ep)
	}
	for _, eps := range r.sorted {
		slices.SortFunc(eps, func(a, b *model.Endpoint) int { return strings.Compare(a.Name, b.Name) })
	}
	for i := range set.NetworkSets {
		ns := &set.NetworkSets[i]
		r.netSet[nsName{ns.Namespace, ns.Name}] = ns
	}
	return r
}

// Resolve resolves one side. An address wins: owned, it is that
// endpoint; unowned, an outside peer. Without an address, namespace/name
// names an endpoint, an aggregated "prefix-*" the first (by name) of the
// namespace's endpoints with that prefix and every logged label, and a
// network set is used when it is a single address. Anything else is
// Unresolved.
func (r *Resolver) Resolve(p *flowlog.Peer) Resolved {
	if p.Addr.IsValid() {
		if ep := r.byAddr[p.Addr]; ep != nil {
			return Resolved{Kind: EndpointPeer, Endpoint: ep, Addr: p.Addr}
		}
		return Resolved{Kind: OutsidePeer, Addr: p.Addr}
	}
	if p.Name == "" {
		return Resolved{}
	}
	if p.Type == flowlog.PeerNetworkSet {
		if ns := r.netSet[nsName{p.Namespace, p.Name}]; ns != nil && len(ns.Nets) == 1 && ns.Nets[0].IsSingleIP() {
			return Resolved{Kind: OutsidePeer, Addr: ns.Nets[0].Addr()}
		}
		return Resolved{}
	}
	if p.Type == flowlog.PeerNetwork {
		return Resolved{}
	}
	if !p.Aggregated() {
		if ep := r.byName[nsName{p.Namespace, p.Name}]; ep != nil && len(ep.Addresses) > 0 {
			return Resolved{Kind: EndpointPeer, Endpoint: ep}
		}
		return Resolved{}
	}
	prefix := p.Prefix()
	eps := r.sorted[p.Namespace]
	i, _ := slices.BinarySearchFunc(eps, prefix, func(ep *model.Endpoint, s string) int { return strings.Compare(ep.Name, s) })
	for ; i < len(eps) && strings.HasPrefix(eps[i].Name, prefix); i++ {
		if len(eps[i].Addresses) > 0 && hasLabels(eps[i].Labels, p.Labels) {
			return Resolved{Kind: EndpointPeer, Endpoint: eps[i]}
		}
	}
	return Resolved{}
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}

// addresses picks the flow's two addresses: logged ones as they are, an
// endpoint's own of the other side's family. It fails when the sides
// share no IP family.
func addresses(src, dst *Resolved) bool {
	switch {
	case src.Addr.IsValid() && dst.Addr.IsValid():
		return src.Addr.Is4() == dst.Addr.Is4()
	case src.Addr.IsValid():
		dst.Addr = familyAddr(dst.Endpoint, src.Addr.Is4())
	case dst.Addr.IsValid():
		src.Addr = familyAddr(src.Endpoint, dst.Addr.Is4())
	default:
		for _, s := range src.Endpoint.Addresses {
			if d := familyAddr(dst.Endpoint, s.Is4()); d.IsValid() {
				src.Addr, dst.Addr = s, d
				return true
			}
		}
		return false
	}
	return src.Addr.IsValid() && dst.Addr.IsValid()
}

func familyAddr(ep *model.Endpoint, v4 bool) netip.Addr {
	for _, a := range ep.Addresses {
		if a.Is4() == v4 {
			return a
		}
	}
	return netip.Addr{}
}

// peerText names a logged peer for the list of unresolved ones.
func peerText(p *flowlog.Peer) string {
	switch {
	case p.Namespace != "" && p.Name != "":
		return p.Namespace + "/" + p.Name
	case p.Name != "":
		return p.Name
	case p.Addr.IsValid():
		return p.Addr.String()
	}
	return "(no name or address)"
}
