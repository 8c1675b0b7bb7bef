package reference

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// failed returns the first criterion of the rule the packet fails, in the
// order matches checks them, or nil when the rule matches. It is the
// explaining twin of matches, off the hot path.
func (r *rule) failed(p *packet) *model.Criterion {
	m := r.model
	f := p.flow
	if !calico.FamilyAllowed(m, p.family) {
		return familyCriterion(m, p.family)
	}
	if m.Protocol.IsSet() && m.Protocol.Number != f.Protocol {
		return &model.Criterion{Field: "protocol", Want: m.Protocol.String(), Got: model.ProtocolName(f.Protocol)}
	}
	if m.NotProtocol.IsSet() && m.NotProtocol.Number == f.Protocol {
		return &model.Criterion{Field: "notProtocol", Want: m.NotProtocol.String(), Got: model.ProtocolName(f.Protocol)}
	}
	if want := m.ICMP; want != nil && want.Type != nil && (f.ICMP == nil || !icmpEqual(want, f.ICMP)) {
		return &model.Criterion{Field: "icmp", Want: icmpText(want), Got: flowICMPText(f.ICMP)}
	}
	if ex := m.NotICMP; ex != nil && ex.Type != nil && f.ICMP != nil && icmpEqual(ex, f.ICMP) {
		return &model.Criterion{Field: "notICMP", Want: icmpText(ex), Got: flowICMPText(f.ICMP)}
	}
	if c := r.source.failed("source", f.Src, f.SrcPort, p.srcOwners, false, m.Protocol, f.Protocol); c != nil {
		return c
	}
	if c := r.destination.failed("destination", f.Dst, f.DstPort, p.dstOwners, true, m.Protocol, f.Protocol); c != nil {
		return c
	}
	if !calico.NewHTTPMatch(m.HTTP).Matches(f.HTTP) {
		return &model.Criterion{Field: "http", Want: httpText(m.HTTP), Got: f.HTTP.Method + " " + f.HTTP.Path}
	}
	return nil
}

// familyCriterion says why the rule is not rendered for the flow's family:
// its ipVersion (given, or implied by ICMP or ICMPv6 written by name), or a
// nets list with no CIDR of that family.
func familyCriterion(m *model.Rule, fam int) *model.Criterion {
	got := "IPv" + strconv.Itoa(fam)
	other := "4"
	if fam == 4 {
		other = "6"
	}
	switch {
	case m.IPVersion != 0:
		return &model.Criterion{Field: "ipVersion", Want: strconv.Itoa(m.IPVersion), Got: got}
	case m.Protocol.ByName && (m.Protocol.Number == model.ProtoICMP || m.Protocol.Number == model.ProtoICMPv6):
		return &model.Criterion{Field: "ipVersion", Want: other + " (implied by protocol " + m.Protocol.String() + ")", Got: got}
	}
	for _, n := range []struct {
		field string
		nets  []netip.Prefix
	}{{"source.nets", m.Source.Nets}, {"source.notNets", m.Source.NotNets}, {"destination.nets", m.Destination.Nets}, {"destination.notNets", m.Destination.NotNets}} {
		if len(n.nets) > 0 && !slices.ContainsFunc(n.nets, func(p netip.Prefix) bool { return p.Addr().Is4() == (fam == 4) }) {
			return &model.Criterion{Field: "ipVersion", Want: other + " (implied by " + n.field + ")", Got: got}
		}
	}
	return &model.Criterion{Field: "ipVersion", Want: other, Got: got}
}

func icmpText(m *model.ICMPMatch) string {
	s := "type " + strconv.Itoa(int(*m.Type))
	if m.Code != nil {
		s += " code " + strconv.Itoa(int(*m.Code))
	}
	return s
}

func flowICMPText(tc *model.ICMPTypeCode) string {
	if tc == nil {
		return "a flow without an ICMP type"
	}
	return fmt.Sprintf("type %d code %d", tc.Type, tc.Code)
}

func httpText(h *model.HTTPMatch) string {
	var parts []string
	if len(h.Methods) > 0 {
		parts = append(parts, "methods ["+strings.Join(h.Methods, ", ")+"]")
	}
	if len(h.Paths) > 0 {
		var ps []string
		for _, p := range h.Paths {
			if p.Exact != "" {
				ps = append(ps, "exact "+p.Exact)
			} else {
				ps = append(ps, "prefix "+p.Prefix)
			}
		}
		parts = append(parts, "paths ["+strings.Join(ps, ", ")+"]")
	}
	return strings.Join(parts, " ")
}

// failed is side.matches keeping the first criterion that does not hold.
func (s *side) failed(name string, addr netip.Addr, port uint16, owners []*entity, destination bool, ruleProto model.Protocol, flowProto uint8) *model.Criterion {
	c := s.criteria
	if len(c.Nets) > 0 && !inAny(addr, c.Nets) {
		return &model.Criterion{Field: name + ".nets", Want: listText(c.Nets), Got: addr.String()}
	}
	if inAny(addr, c.NotNets) {
		return &model.Criterion{Field: name + ".notNets", Want: listText(c.NotNets), Got: addr.String()}
	}
	if !s.peerMatches(owners) {
		return s.identityFailure(name, addr, owners)
	}
	if len(c.Ports) > 0 || len(c.NotPorts) > 0 {
		named := s.portOwners(owners)
		if len(c.Ports) > 0 && !portIn(c.Ports, port, named, ruleProto, flowProto) {
			return &model.Criterion{Field: name + ".ports", Want: portsText(c.Ports), Got: strconv.Itoa(int(port))}
		}
		if portIn(c.NotPorts, port, named, ruleProto, flowProto) {
			return &model.Criterion{Field: name + ".notPorts", Want: portsText(c.NotPorts), Got: strconv.Itoa(int(port))}
		}
	}
	if (s.service != nil || s.serviceMissing) && !serviceMatches(s.service, addr, port, flowProto, destination) {
		sm := c.Services
		want := qualifiedName(sm.Namespace, sm.Name)
		switch {
		case sm.Namespace == "" && s.ns != "":
			// SPEC 7: say why, since Calico's documentation says otherwise.
			want += " (no namespace, so no service; the policy's would be " + qualifiedName(s.ns, sm.Name) + ")"
		case sm.Namespace == "":
			want += " (no namespace, so no service)"
		case s.serviceMissing:
			want += " (no such service)"
		}
		got := addr.String()
		if destination {
			got = netip.AddrPortFrom(addr, port).String() + " " + model.ProtocolName(flowProto)
		}
		return &model.Criterion{Field: name + ".services", Want: want, Got: got}
	}
	return nil
}

// identityFailure names the part of the side's identity criteria that no
// owner of the address satisfies: the selector, the namespace scope
// (namespaceSelector, or the policy's own namespace), the service
// accounts, then the notSelector.
func (s *side) identityFailure(name string, addr netip.Addr, owners []*entity) *model.Criterion {
	c := s.criteria
	any := func(sel *selector.Selector) bool {
		return slices.ContainsFunc(owners, func(o *entity) bool { return sel.Matches(o.labels) })
	}
	if s.positive != nil {
		if c.Selector != nil && !any(c.Selector) {
			return &model.Criterion{Field: name + ".selector", Want: selectorText(c.Selector), Got: ownerText(addr, owners, labelsText)}
		}
		if c.NamespaceSelector != nil {
			if sel, _, err := calico.PeerSelectors(&model.EntityRule{NamespaceSelector: c.NamespaceSelector}, s.ns, nil); err == nil && sel != nil && !any(sel) {
				return &model.Criterion{Field: name + ".namespaceSelector", Want: selectorText(c.NamespaceSelector), Got: ownerText(addr, owners, namespaceText)}
			}
		} else if s.ns != "" {
			if sel, err := (*calico.NamespaceClauses)(nil).Namespace(s.ns); err == nil && !any(sel) {
				return &model.Criterion{Field: name + ".namespace", Want: s.ns, Got: ownerText(addr, owners, namespaceText)}
			}
		}
		if sa := c.ServiceAccounts; sa != nil {
			if sel, _, err := calico.PeerSelectors(&model.EntityRule{ServiceAccounts: sa}, "", nil); err == nil && sel != nil && !any(sel) {
				return &model.Criterion{Field: name + ".serviceAccounts", Want: serviceAccountsText(sa), Got: ownerText(addr, owners, serviceAccountText)}
			}
		}
	}
	if s.negative != nil {
		for _, o := range owners {
			if s.negative.Matches(o.labels) && (s.positive == nil || s.positive.Matches(o.labels)) {
				return &model.Criterion{Field: name + ".notSelector", Want: selectorText(s.negative), Got: ownerText(addr, []*entity{o}, labelsText)}
			}
		}
	}
	// Every part holds for some owner, but no one owner holds them all.
	return &model.Criterion{Field: name + ".selector", Want: selectorText(s.positive), Got: ownerText(addr, owners, labelsText)}
}

// ownerText describes the address by its first owner, as describe puts it.
func ownerText(addr netip.Addr, owners []*entity, describe func(*entity) string) string {
	if len(owners) == 0 {
		return addr.String() + " (no endpoint or network set)"
	}
	return addr.String() + " (" + describe(owners[0]) + ")"
}

// labelsText gives an owner's own labels, sorted; the labels Calico adds
// and inherits are left out to keep the line short.
func labelsText(o *entity) string {
	var own map[string]string
	if o.endpoint != nil {
		own = o.endpoint.Labels
	} else {
		own = ownNetworkSetLabels(o)
	}
	if len(own) == 0 {
		return "no labels"
	}
	kvs := make([]string, 0, len(own))
	for k, v := range own {
		kvs = append(kvs, k+"="+v)
	}
	slices.Sort(kvs)
	return strings.Join(kvs, ",")
}

// ownNetworkSetLabels returns a network set's labels without those Calico
// adds, read back from its effective labels.
func ownNetworkSetLabels(o *entity) map[string]string {
	out := map[string]string{}
	for k, v := range o.labels {
		if k == model.LabelNamespace || strings.HasPrefix(k, model.PrefixNamespaceLabel) || strings.HasPrefix(k, model.PrefixServiceAccountLabel) {
			continue
		}
		out[k] = v
	}
	return out
}

func namespaceText(o *entity) string {
	if ns := o.key.Namespace; ns != "" {
		return "namespace " + ns
	}
	return "no namespace"
}

func serviceAccountText(o *entity) string {
	if o.endpoint != nil && o.endpoint.ServiceAccount != "" {
		return "service account " + o.endpoint.ServiceAccount
	}
	return "no service account"
}

func serviceAccountsText(sa *model.ServiceAccountMatch) string {
	var parts []string
	if len(sa.Names) > 0 {
		parts = append(parts, "names ["+strings.Join(sa.Names, ", ")+"]")
	}
	if sa.Selector != nil {
		parts = append(parts, "selector "+selectorText(sa.Selector))
	}
	return strings.Join(parts, " and ")
}

func qualifiedName(ns, name string) string {
	if ns == "" {
		return name
	}
	return ns + "/" + name
}

func listText(nets []netip.Prefix) string {
	s := make([]string, len(nets))
	for i, n := range nets {
		s[i] = n.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// portsText writes ports as Calico's API does: 5432, 8080:8090, or a name.
func portsText(ports []model.Port) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		switch {
		case p.Name != "":
			s[i] = p.Name
		case p.Min == p.Max:
			s[i] = strconv.Itoa(int(p.Min))
		default:
			s[i] = strconv.Itoa(int(p.Min)) + ":" + strconv.Itoa(int(p.Max))
		}
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// selectorText writes a selector in its canonical form with string
// literals in single quotes, as people write them in YAML, when the value
// allows it.
func selectorText(s *selector.Selector) string {
	text := s.String()
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c != '"' && c != '\'' {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(text[i+1:], c)
		if end < 0 {
			b.WriteString(text[i:])
			break
		}
		lit := text[i+1 : i+1+end]
		if c == '"' && !strings.Contains(lit, "'") {
			b.WriteString("'" + lit + "'")
		} else {
			b.WriteString(text[i : i+2+end])
		}
		i += 1 + end
	}
	out := b.String()
	// The canonical form wraps a top-level conjunction in parentheses.
	if strings.HasPrefix(out, "(") && strings.HasSuffix(out, ")") && balanced(out[1:len(out)-1]) {
		out = out[1 : len(out)-1]
	}
	return out
}

// balanced reports whether the parentheses outside literals balance
// without going negative.
func balanced(s string) bool {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0 && quote == 0
}
