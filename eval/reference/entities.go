package reference

import (
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// entity is anything that can own an address and so be a rule peer: a
// workload endpoint, a host endpoint (by its expected IPs) or a network set
// (by its CIDRs).
type entity struct {
	key    model.Key
	labels selector.Map // effective labels, as rule selectors see them
	addrs  []netip.Addr
	nets   []netip.Prefix
	ports  []model.EndpointPort // named ports; network sets have none

	// endpoint is set for endpoints, nil for network sets.
	endpoint *model.Endpoint
}

// owns reports whether the entity owns addr: one of its addresses, or
// inside one of its CIDRs whatever the prefix length (SPEC 7: the
// dataplane's IP sets see every prefix length).
func (e *entity) owns(addr netip.Addr) bool {
	for _, a := range e.addrs {
		if a == addr {
			return true
		}
	}
	for _, n := range e.nets {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}

// isWorkload reports whether the entity is a workload endpoint, the only
// kind judged for now (host endpoints follow in SPEC 8). An endpoint built
// by hand without a Kind counts as a workload.
func (e *entity) isWorkload() bool {
	return e.endpoint != nil && e.endpoint.Kind != model.KindHostEndpoint
}

// isHost reports whether the entity is a host endpoint, which is never
// judged yet (SPEC 8) and never taken for "not enforced" either.
func (e *entity) isHost() bool {
	return e.endpoint != nil && e.endpoint.Kind == model.KindHostEndpoint
}

func newEndpointEntity(ep *model.Endpoint, profiles map[string]*model.Profile) *entity {
	return &entity{
		key:      ep.Key(),
		labels:   endpointLabels(ep, profiles),
		addrs:    ep.Addresses,
		ports:    ep.Ports,
		endpoint: ep,
	}
}

func newNetworkSetEntity(ns *model.NetworkSet, profiles map[string]*model.Profile) *entity {
	return &entity{
		key:    ns.Key(),
		labels: networkSetLabels(ns, profiles),
		nets:   ns.Nets,
	}
}

// world is the set of entities one evaluation sees: every registered one,
// with endpoints passed inline for this call standing in for registered
// endpoints of the same key.
type world struct {
	registered []*entity
	inline     []*entity
}

// shadowed reports whether an inline endpoint replaces e for this call.
func (w *world) shadowed(e *entity) bool {
	for _, in := range w.inline {
		if in.key == e.key {
			return true
		}
	}
	return false
}

// owners returns every entity owning addr, registered entities first in
// the order of the set, then the inline ones.
func (w *world) owners(addr netip.Addr) []*entity {
	var out []*entity
	for _, e := range w.registered {
		if e.owns(addr) && !w.shadowed(e) {
			out = append(out, e)
		}
	}
	for _, e := range w.inline {
		if e.owns(addr) {
			out = append(out, e)
		}
	}
	return out
}

// judged returns the workload endpoint that owns addr or, when none does,
// the host endpoint that does (judge refuses to decide for it), or nil.
// When several workloads do (a misconfigured model), the first in the
// set's order is judged, so the answer is at least deterministic.
func judged(owners []*entity) *entity {
	for _, e := range owners {
		if e.isWorkload() {
			return e
		}
	}
	for _, e := range owners {
		if e.isHost() {
			return e
		}
	}
	return nil
}
