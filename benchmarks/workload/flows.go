package workload

import (
	"net/netip"
	"slices"

	"github.com/verdictlabs/verdict/model"
)

// flowGen draws flows from a built cluster.
type flowGen struct {
	r *rng
	b *builder
	// outsideV4 and outsideV6 split the outside addresses by family;
	// servers are the deployments serving "http".
	outsideV4, outsideV6 []netip.Addr
	servers              []*deployment
}

// flows returns n flows: most along the communication graph (so that
// policies written for it allow them), the rest random pod to pod, pod to
// outside, outside to pod, ICMP with type and code, HTTP requests, pods
// to and from nodes, and protocols other than TCP, UDP and ICMP.
func (b *builder) flows(r *rng, n int) []model.Flow {
	g := &flowGen{r: r, b: b}
	for _, a := range b.outside {
		if a.Is6() {
			g.outsideV6 = append(g.outsideV6, a)
		} else {
			g.outsideV4 = append(g.outsideV4, a)
		}
	}
	for _, d := range b.deployments {
		if slices.ContainsFunc(d.ports, func(p model.EndpointPort) bool { return p.Name == "http" }) {
			g.servers = append(g.servers, d)
		}
	}
	out := make([]model.Flow, 0, n)
	if len(b.deployments) == 0 {
		for range n {
			out = append(out, g.outsideOnly())
		}
		return out
	}
	for range n {
		var f model.Flow
		switch r.weighted(40, 14, 10, 10, 8, 8, 5, 5) {
		case 0:
			f = g.graph()
		case 1:
			f = g.podToPod()
		case 2:
			f = g.podToOutside()
		case 3:
			f = g.outsideToPod()
		case 4:
			f = g.icmp()
		case 5:
			f = g.http()
		case 6:
			f = g.hostFlow()
		default:
			f = g.oddProtocol()
		}
		out = append(out, f)
	}
	return out
}

// pod returns a random pod of the deployment.
func (g *flowGen) pod(d *deployment) *model.Endpoint {
	return &g.b.set.Endpoints[pick(g.r, d.pods)]
}

// addrs picks a source and destination address of one family both
// endpoints have, IPv6 a third of the time when both have it.
func (g *flowGen) addrs(src, dst []netip.Addr) (netip.Addr, netip.Addr) {
	v6 := g.r.chance(0.33)
	s, d := family(src, v6), family(dst, v6)
	if !s.IsValid() || !d.IsValid() {
		s, d = family(src, false), family(dst, false)
	}
	return s, d
}

// family returns the first address of the family, or the zero Addr.
func family(addrs []netip.Addr, v6 bool) netip.Addr {
	for _, a := range addrs {
		if a.Is6() == v6 {
			return a
		}
	}
	return netip.Addr{}
}

// outsideAddr returns an outside address of the family, or any when the
// cluster has none of it.
func (g *flowGen) outsideAddr(v6 bool) netip.Addr {
	pool := g.outsideV4
	if v6 {
		pool = g.outsideV6
	}
	if len(pool) == 0 {
		pool = g.b.outside
	}
	return pick(g.r, pool)
}

func (g *flowGen) ephemeral() uint16 { return uint16(g.r.between(32768, 60999)) }

func (g *flowGen) graph() model.Flow {
	if len(g.b.edges) == 0 {
		return g.podToPod()
	}
	e := pick(g.r, g.b.edges)
	src, dst := g.addrs(g.pod(e.client).Addresses, g.pod(e.server).Addresses)
	f := model.Flow{Src: src, Dst: dst, Protocol: e.port.Protocol, SrcPort: g.ephemeral(), DstPort: e.port.Port}
	if e.port.Name == "http" && g.r.chance(0.3) {
		f.HTTP = g.request()
	}
	return f
}

func (g *flowGen) podToPod() model.Flow {
	a, b := g.pod(pick(g.r, g.b.deployments)), g.pod(pick(g.r, g.b.deployments))
	src, dst := g.addrs(a.Addresses, b.Addresses)
	f := model.Flow{Src: src, Dst: dst, SrcPort: g.ephemeral()}
	if len(b.Ports) > 0 && g.r.chance(0.7) {
		p := pick(g.r, b.Ports)
		f.Protocol, f.DstPort = p.Protocol, p.Port
	} else {
		f.Protocol = pick(g.r, []uint8{model.ProtoTCP, model.ProtoUDP})
		f.DstPort = pick(g.r, commonPorts)
	}
	return f
}

func (g *flowGen) podToOutside() model.Flow {
	a := g.pod(pick(g.r, g.b.deployments))
	src := pick(g.r, a.Addresses)
	f := model.Flow{Src: src, Dst: g.outsideAddr(src.Is6()), SrcPort: g.ephemeral()}
	switch g.r.IntN(4) {
	case 0:
		f.Protocol, f.DstPort = model.ProtoUDP, 53
	case 1:
		f.Protocol, f.DstPort = model.ProtoUDP, 123
	case 2:
		f.Protocol, f.DstPort = model.ProtoTCP, 80
	default:
		f.Protocol, f.DstPort = model.ProtoTCP, 443
	}
	return f
}

func (g *flowGen) outsideToPod() model.Flow {
	b := g.pod(pick(g.r, g.b.deployments))
	dst := pick(g.r, b.Addresses)
	f := model.Flow{Src: g.outsideAddr(dst.Is6()), Dst: dst, Protocol: model.ProtoTCP, SrcPort: g.ephemeral(), DstPort: 443}
	if len(b.Ports) > 0 {
		p := pick(g.r, b.Ports)
		f.Protocol, f.DstPort = p.Protocol, p.Port
	}
	return f
}

// icmp draws an ICMP or ICMPv6 flow between pods or with the outside,
// usually with its type and code.
func (g *flowGen) icmp() model.Flow {
	a := g.pod(pick(g.r, g.b.deployments))
	var src, dst netip.Addr
	switch g.r.IntN(3) {
	case 0:
		src, dst = g.addrs(a.Addresses, g.pod(pick(g.r, g.b.deployments)).Addresses)
	case 1:
		src = pick(g.r, a.Addresses)
		dst = g.outsideAddr(src.Is6())
	default:
		dst = pick(g.r, a.Addresses)
		src = g.outsideAddr(dst.Is6())
	}
	f := model.Flow{Src: src, Dst: dst, Protocol: model.ProtoICMP}
	pairs := icmpV4
	if src.Is6() {
		f.Protocol, pairs = model.ProtoICMPv6, icmpV6
	}
	if g.r.chance(0.9) {
		tc := pick(g.r, pairs)
		f.ICMP = &model.ICMPTypeCode{Type: tc[0], Code: tc[1]}
	}
	return f
}

// http draws an HTTP request to a pod serving "http".
func (g *flowGen) http() model.Flow {
	if len(g.servers) == 0 {
		return g.podToPod()
	}
	d := pick(g.r, g.servers)
	b := g.pod(d)
	var src, dst netip.Addr
	if g.r.chance(0.7) {
		src, dst = g.addrs(g.pod(pick(g.r, g.b.deployments)).Addresses, b.Addresses)
	} else {
		dst = pick(g.r, b.Addresses)
		src = g.outsideAddr(dst.Is6())
	}
	var port uint16
	for _, p := range d.ports {
		if p.Name == "http" {
			port = p.Port
		}
	}
	return model.Flow{Src: src, Dst: dst, Protocol: model.ProtoTCP, SrcPort: g.ephemeral(), DstPort: port, HTTP: g.request()}
}

// request draws an HTTP request; a few have no method or no path.
func (g *flowGen) request() *model.HTTPRequest {
	req := &model.HTTPRequest{Method: pick(g.r, httpMethods), Path: pick(g.r, append(httpPaths, requestPaths...))}
	switch g.r.IntN(12) {
	case 0:
		req.Method = ""
	case 1:
		req.Path = ""
	}
	return req
}

// hostFlow draws a flow between a pod and a node: the kubelet or node
// exporter from a pod, or a node reaching a pod.
func (g *flowGen) hostFlow() model.Flow {
	a := g.pod(pick(g.r, g.b.deployments))
	host := pick(g.r, g.b.hosts)
	podAddr := family(a.Addresses, host.Is6())
	if !podAddr.IsValid() {
		podAddr = a.Addresses[0]
		host = family(g.b.hosts, false)
	}
	if g.r.chance(0.5) {
		p := pick(g.r, []model.EndpointPort{portKubelet, portNodeExp})
		return model.Flow{Src: podAddr, Dst: host, Protocol: p.Protocol, SrcPort: g.ephemeral(), DstPort: p.Port}
	}
	f := model.Flow{Src: host, Dst: podAddr, Protocol: model.ProtoTCP, SrcPort: g.ephemeral(), DstPort: 8080}
	if len(a.Ports) > 0 {
		p := pick(g.r, a.Ports)
		f.Protocol, f.DstPort = p.Protocol, p.Port
	}
	return f
}

// oddProtocol draws a flow of SCTP, UDPLite, GRE, ESP or an unassigned
// protocol between pods; only SCTP and UDPLite carry ports.
func (g *flowGen) oddProtocol() model.Flow {
	src, dst := g.addrs(g.pod(pick(g.r, g.b.deployments)).Addresses, g.pod(pick(g.r, g.b.deployments)).Addresses)
	f := model.Flow{Src: src, Dst: dst, Protocol: pick(g.r, oddProtocols)}
	if f.Protocol == model.ProtoSCTP || f.Protocol == model.ProtoUDPLite {
		f.SrcPort, f.DstPort = g.ephemeral(), pick(g.r, []uint16{3868, 2905, 5060})
	}
	return f
}

// outsideOnly is the flow of a cluster without pods: between outside
// addresses and nodes.
func (g *flowGen) outsideOnly() model.Flow {
	host := pick(g.r, g.b.hosts)
	return model.Flow{Src: g.outsideAddr(host.Is6()), Dst: host, Protocol: model.ProtoTCP, SrcPort: g.ephemeral(), DstPort: 443}
}
