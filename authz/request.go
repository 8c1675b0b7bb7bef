package authz

import (
	"fmt"
	"net/netip"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/verdictlabs/verdict/model"
)

// request is what a CheckRequest says about the flow.
type request struct {
	flow model.Flow
	// principal is the source's SPIFFE ID, when it presents one.
	principal *spiffeID
}

// readRequest turns a CheckRequest into a flow. An error names the
// attribute that is missing or unparsable: the request is then denied,
// never guessed at.
func readRequest(req *authv3.CheckRequest) (request, error) {
	attrs := req.GetAttributes()
	if attrs == nil {
		return request{}, fmt.Errorf("attributes: missing")
	}
	var r request
	src, sport, err := socketAddress("attributes.source.address", attrs.GetSource().GetAddress())
	if err != nil {
		return request{}, err
	}
	dst, dport, err := socketAddress("attributes.destination.address", attrs.GetDestination().GetAddress())
	if err != nil {
		return request{}, err
	}
	if src.Is4() != dst.Is4() {
		return request{}, fmt.Errorf("attributes.source.address %s and attributes.destination.address %s are of different IP families", src, dst)
	}
	r.flow = model.Flow{Src: src, Dst: dst, Protocol: model.ProtoTCP, SrcPort: sport, DstPort: dport}
	if h := attrs.GetRequest().GetHttp(); h != nil {
		path := h.GetPath()
		if path == "" {
			path = h.GetHeaders()[":path"]
		}
		r.flow.HTTP = &model.HTTPRequest{Method: h.GetMethod(), Path: path}
	}
	if p := attrs.GetSource().GetPrincipal(); strings.HasPrefix(p, spiffeScheme) {
		id, err := parseSPIFFE(p)
		if err != nil {
			return request{}, fmt.Errorf("attributes.source.principal: %w", err)
		}
		r.principal = &id
	}
	return r, nil
}

// socketAddress reads an IP socket address and its port. The address is
// taken in the form a packet carries it (model.PacketAddr), as the engine
// judges it.
func socketAddress(field string, a *corev3.Address) (netip.Addr, uint16, error) {
	if a == nil {
		return netip.Addr{}, 0, fmt.Errorf("%s: missing", field)
	}
	sa := a.GetSocketAddress()
	if sa == nil {
		return netip.Addr{}, 0, fmt.Errorf("%s: not an IP socket address (a pipe or an internal address names no endpoint)", field)
	}
	ip, err := netip.ParseAddr(sa.GetAddress())
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("%s.socket_address.address: %q is not an IP address", field, truncate(sa.GetAddress()))
	}
	if _, named := sa.GetPortSpecifier().(*corev3.SocketAddress_NamedPort); named {
		return netip.Addr{}, 0, fmt.Errorf("%s.socket_address: a named port (%q) is not a port number", field, truncate(sa.GetNamedPort()))
	}
	port := sa.GetPortValue()
	if port > 65535 {
		return netip.Addr{}, 0, fmt.Errorf("%s.socket_address.port_value: %d is not a port (0-65535)", field, port)
	}
	return model.PacketAddr(ip), uint16(port), nil
}

// truncate shortens untrusted text quoted in a reason.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
