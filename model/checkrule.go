package model

import (
	"net/netip"
	"strconv"
)

// rules checks the rules of one direction.
func (c *checker) rules(k Key, rules []Rule, d Direction) {
	field := "ingress["
	if d == Egress {
		field = "egress["
	}
	for i := range rules {
		c.rule(k, field+strconv.Itoa(i)+"]", &rules[i], d)
	}
}

// rule checks one rule at path at, as Calico's validator does.
func (c *checker) rule(k Key, at string, r *Rule, d Direction) {
	switch r.Action {
	case Allow, Deny, Pass, Log:
	case "":
		c.add(k, at+".action", CodeAction, "is required: Allow, Deny, Log or Pass")
	default:
		c.add(k, at+".action", CodeAction, "unknown action %q: want Allow, Deny, Log or Pass", r.Action)
	}
	if r.IPVersion != 0 && r.IPVersion != 4 && r.IPVersion != 6 {
		c.add(k, at+".ipVersion", CodeValue, "must be 4 or 6, not %d", r.IPVersion)
	}
	c.protocol(k, at+".protocol", r.Protocol, r.IPVersion)
	c.protocol(k, at+".notProtocol", r.NotProtocol, r.IPVersion)
	if r.ICMP != nil {
		if r.Protocol.Number != ProtoICMP && r.Protocol.Number != ProtoICMPv6 {
			c.add(k, at+".icmp", CodeValue, "needs protocol ICMP or ICMPv6, not %s", r.Protocol)
		}
		c.icmp(k, at+".icmp", r.ICMP)
	}
	if r.NotICMP != nil {
		c.icmp(k, at+".notICMP", r.NotICMP)
	}
	c.side(k, at+".source", &r.Source, r)
	c.side(k, at+".destination", &r.Destination, r)
	if h := r.HTTP; h != nil {
		if r.Action != Allow {
			c.add(k, at+".http", CodeValue, "is only allowed on Allow rules, not %s", r.Action)
		}
		if r.Protocol.IsSet() && r.Protocol.Number != ProtoTCP {
			c.add(k, at+".http", CodeValue, "needs protocol TCP or none, not %s", r.Protocol)
		}
		if d == Egress {
			c.add(k, at+".http", CodeValue, "is not allowed in egress rules: HTTP matches apply to ingress only")
		}
		for i, p := range h.Paths {
			if (p.Exact == "") == (p.Prefix == "") {
				c.add(k, at+".http.paths["+strconv.Itoa(i)+"]", CodeValue, "needs exactly one of exact and prefix")
			}
		}
	}
}

// protocol checks a rule's protocol or notProtocol: a name only for the
// protocols that have one, and the family an ICMP name implies.
func (c *checker) protocol(k Key, at string, p Protocol, ipVersion int) {
	if p.ByName {
		if _, ok := protocolNames[p.Number]; !ok {
			c.add(k, at, CodeValue, "protocol %d has no name", p.Number)
		}
	}
	want := 0
	switch p.Number {
	case ProtoICMP:
		want = 4
	case ProtoICMPv6:
		want = 6
	}
	if p.ByName && want != 0 && ipVersion != 0 && ipVersion != want {
		c.add(k, at, CodeValue, "%s needs ipVersion %d or none, not %d", p, want, ipVersion)
	}
}

// icmp checks an ICMP type and code: the kernel cannot match type 255,
// and a code is matched only with its type.
func (c *checker) icmp(k Key, at string, m *ICMPMatch) {
	if m.Type != nil && *m.Type == 255 {
		c.add(k, at+".type", CodeValue, "ICMP type 255 is out of range 0 to 254")
	}
	if m.Code != nil && m.Type == nil {
		c.add(k, at+".code", CodeValue, "needs a type: an ICMP code cannot be matched without its type")
	}
}

func (c *checker) side(k Key, at string, e *EntityRule, r *Rule) {
	c.nets(k, at+".nets", e.Nets)
	c.nets(k, at+".notNets", e.NotNets)
	c.sideSelectors(k, at, e)
	c.rulePorts(k, at+".ports", e.Ports, r.Protocol)
	c.rulePorts(k, at+".notPorts", e.NotPorts, r.Protocol)
	if sa := e.ServiceAccounts; sa != nil {
		for i, name := range sa.Names {
			if name == "" {
				c.add(k, at+".serviceAccounts.names["+strconv.Itoa(i)+"]", CodeName, "the name is empty")
			}
		}
	}
	if e.Services == nil {
		return
	}
	if e.Services.Name == "" {
		c.add(k, at+".services.name", CodeName, "the name is empty")
	}
}

// nets checks nets or notNets. A rule's nets may mix IP families, as
// Calico's conversions of Kubernetes policies write them (Calico's
// validator refuses that only in its own resources): each net then
// matches only flows of its family.
func (c *checker) nets(k Key, at string, nets []netip.Prefix) {
	for i, n := range nets {
		c.net(k, at+"["+strconv.Itoa(i)+"]", n)
	}
}

// rulePorts checks ports or notPorts: a named port, or a range from 1 to
// 65535 that does not run backwards. Numbers need a protocol with ports;
// a named port matches whatever protocol the endpoint declares, so it
// needs only that the rule's protocol, if any, has ports.
func (c *checker) rulePorts(k Key, at string, ports []Port, proto Protocol) {
	for i, p := range ports {
		pat := at + "[" + strconv.Itoa(i) + "]"
		switch {
		case p.Name != "" && (p.Min != 0 || p.Max != 0):
			c.add(k, pat, CodeValue, "a named port has no numbers")
		case p.Name == "" && (p.Min == 0 || p.Min > p.Max):
			c.add(k, pat, CodeValue, "port range %d:%d is not within 1 to 65535 or runs backwards", p.Min, p.Max)
		case proto.IsSet() && !proto.SupportsPorts():
			c.add(k, pat, CodeValue, "protocol %s has no ports: ports need protocol TCP, UDP or SCTP", proto)
		case !proto.IsSet() && p.Name == "":
			c.add(k, pat, CodeValue, "port %d needs protocol TCP, UDP or SCTP; without a protocol only named ports may be given", p.Min)
		}
	}
}
