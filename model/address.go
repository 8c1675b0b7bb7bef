package model

import (
	"fmt"
	"net/netip"
	"strings"
)

// Addresses enter Verdict in two ways, and this file is the one place
// that says what each becomes: a flow's addresses (PacketAddr) and the
// addresses and networks of resources (ParseAddr, ParsePrefix). Both
// unmap IPv4-mapped IPv6 the same way, so an endpoint written as
// ::ffff:10.0.0.5 owns the flow address 10.0.0.5 however either was
// spelled.

// PacketAddr returns an address in the form a packet carries it, the only
// form rules and endpoints are matched in. Two spellings of an address
// name what a packet would carry differently, and both are rewritten:
//
//   - an IPv4-mapped IPv6 address (::ffff:10.0.0.5), as dual-stack sockets
//     and tools like ss show IPv4 peers, becomes the IPv4 address: that
//     traffic reaches policy as IPv4, and Linux drops IPv6 packets whose
//     source is mapped;
//   - a zone (fe80::1%eth0) is dropped: it names the interface a
//     link-local address is reached through, which is no part of the
//     packet.
//
// Kept as written, either would fall outside every CIDR and belong to no
// endpoint, so rules would be skipped. Both evaluators and the CLI use this
// one function, so an address is judged the same wherever it enters.
func PacketAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

// ParseAddr reads an address a resource gives (a pod's IP, a host
// endpoint's expected IP, an EndpointSlice address) as Calico does.
// Calico holds addresses as Go's net.IP, where ::ffff:10.0.0.5 and
// 10.0.0.5 are the same value, so an IPv4-mapped address is the IPv4
// address. A zone is refused, as Calico's parser refuses it: a resource
// names an address, not the interface it is reached through.
func ParseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address%s", clipText(s), zoneHint(a))
	}
	return a.Unmap(), nil
}

// ParsePrefix reads a network a resource gives (a rule's nets, a
// workload's ipNetworks, a network set's nets, an ipBlock) as Calico
// does, without masking it: callers that mask, or refuse unmasked
// networks, do so after. An IPv4-mapped network of at least 96 bits is
// the IPv4 network of the remaining bits (::ffff:10.0.0.0/104 is
// 10.0.0.0/8), as Go's net.IPNet, and so Calico, reads and prints it; a
// shorter one is an IPv6 network, which no IPv4 flow is in. A zone is
// refused.
func ParsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR%s", clipText(s), zoneHint(p.Addr()))
	}
	return UnmapPrefix(p), nil
}

// UnmapPrefix returns an IPv4-mapped network of at least 96 bits as the
// IPv4 network it is (see ParsePrefix), and any other network unchanged.
func UnmapPrefix(p netip.Prefix) netip.Prefix {
	if !p.Addr().Is4In6() || p.Bits() < 96 {
		return p
	}
	return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
}

// zoneHint says why an address with a zone is refused.
func zoneHint(a netip.Addr) string {
	if a.Zone() == "" {
		return ""
	}
	return ": it has a zone (%" + a.Zone() + "), which names an interface, not an address"
}

// clipText shortens what an error quotes, so that a megabyte of garbage
// in a field does not become a megabyte of message.
func clipText(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
