package eval

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/verdictlabs/verdict/model"
)

// Peer is one side of a flow as a person or a flow record names it: an
// address, or an endpoint of the set with its addresses.
type Peer struct {
	// Ref is the reference as given: an address, namespace/name, or a
	// bare name.
	Ref string
	// Endpoint is the endpoint Ref names, nil for an address.
	Endpoint *model.Endpoint
	// Addrs are the addresses the side may use: the given address in the
	// form a packet carries it, or the endpoint's addresses.
	Addrs []netip.Addr
}

// ResolvePeer reads a reference to one side of a flow: an address (IPv4
// or IPv6, zoned or IPv4-mapped ones as a packet carries them),
// namespace/name of an endpoint, or the bare name of an endpoint without
// a namespace (a Docker container, a host endpoint). A name that matches
// no endpoint, or several, or an endpoint with no address, is an error
// saying so; nothing is guessed.
func ResolvePeer(set *model.Set, ref string) (Peer, error) {
	if a, err := netip.ParseAddr(ref); err == nil {
		return Peer{Ref: ref, Addrs: []netip.Addr{model.PacketAddr(a)}}, nil
	}
	ns, name, namespaced := strings.Cut(ref, "/")
	if !namespaced {
		ns, name = "", ref
	}
	var found []*model.Endpoint
	for i := range set.Endpoints {
		ep := &set.Endpoints[i]
		if ep.Name == name && ep.Namespace == ns {
			found = append(found, ep)
		}
	}
	switch {
	case len(found) == 0 && namespaced:
		return Peer{}, fmt.Errorf("%q is not an address, and no endpoint %s is in the set", ref, ref)
	case len(found) == 0:
		return Peer{}, fmt.Errorf("%q is not an address, and no endpoint without a namespace is called that (write namespace/name for a pod)", ref)
	case len(found) > 1:
		var kinds []string
		for _, ep := range found {
			kinds = append(kinds, string(ep.Kind))
		}
		return Peer{}, fmt.Errorf("%q names %d endpoints (%s); give an address instead", ref, len(found), strings.Join(kinds, ", "))
	case len(found[0].Addresses) == 0:
		return Peer{}, fmt.Errorf("endpoint %s has no address", found[0].Key())
	}
	return Peer{Ref: ref, Endpoint: found[0], Addrs: found[0].Addresses}, nil
}

// PickAddresses chooses a flow's addresses: the first of the source's
// addresses, in order, that has a destination address of the same IP
// family, with the first such destination address, since a flow is IPv4
// or IPv6.
func PickAddresses(src, dst Peer) (netip.Addr, netip.Addr, error) {
	for _, s := range src.Addrs {
		for _, d := range dst.Addrs {
			if s.Is4() == d.Is4() {
				return s, d, nil
			}
		}
	}
	return netip.Addr{}, netip.Addr{}, fmt.Errorf("%s and %s have no addresses of the same IP family", src.Ref, dst.Ref)
}
