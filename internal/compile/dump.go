package compile

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/internal/calico"
	"github.com/verdictlabs/verdict/model"
)

// String returns the program's dump (see Dump).
func (p *Program) String() string {
	var b strings.Builder
	_ = p.Dump(&b) // a strings.Builder never fails
	return b.String()
}

// Dump writes every table of the program in a stable text form, for
// debugging, as regexp/syntax.Prog.String does for a regular expression:
// tiers and policies in evaluation order with their compiled rules,
// selectors with their programs and where the label index files them,
// classes with the selectors they match and their resolved lists,
// entities, the address index, profiles and services. Ids (s for
// selectors, c for classes, e for entities, v for services) are the
// program's own, so that one table's entries can be followed into
// another; free ids are listed as such.
func (p *Program) Dump(w io.Writer) error {
	d := dumper{p: p, w: bufio.NewWriter(w)}
	d.tiers()
	d.policies()
	d.selectors()
	d.classes()
	d.entities()
	d.addresses()
	d.profiles()
	d.services()
	return d.w.Flush()
}

type dumper struct {
	p *Program
	w *bufio.Writer
}

func (d *dumper) printf(format string, args ...any) { fmt.Fprintf(d.w, format, args...) }

func orderText(o *float64) string {
	if o == nil {
		return "none"
	}
	return strconv.FormatFloat(*o, 'g', -1, 64)
}

func (d *dumper) tiers() {
	var tiers []*tierRec
	for _, t := range d.p.tiers.all() {
		tiers = append(tiers, t)
	}
	slices.SortFunc(tiers, func(a, b *tierRec) int { return cmp.Compare(d.p.tierRanks[a.model.Name], d.p.tierRanks[b.model.Name]) })
	d.printf("tiers:\n")
	for _, t := range tiers {
		def := "Deny"
		if t.pass {
			def = "Pass"
		}
		d.printf("  %d %s order %s default %s\n", d.p.tierRanks[t.model.Name], t.model.Name, orderText(t.model.Order), def)
	}
}

func (d *dumper) policies() {
	var pols []*policyRec
	for _, p := range d.p.policies.all() {
		pols = append(pols, p)
	}
	// Active policies in rank order, then the others by key.
	slices.SortFunc(pols, func(a, b *policyRec) int {
		if a.active != b.active {
			if a.active {
				return -1
			}
			return 1
		}
		if a.active {
			return cmp.Compare(d.p.ranks.of(a), d.p.ranks.of(b))
		}
		return compareKeys(a.model.Key(), b.model.Key())
	})
	d.printf("policies:\n")
	for i, p := range pols {
		rank := "inactive"
		if p.active {
			rank = fmt.Sprintf("%d", i) // the active policies come first
		}
		d.printf("  %s %s tier %s order %s", rank, p.model.Key(), p.tier, orderText(p.model.Order))
		if p.active {
			d.printf(" selector s%d", p.sel)
		}
		if p.staged {
			d.printf(" staged")
		}
		if p.model.DoNotTrack {
			d.printf(" doNotTrack")
		}
		if p.model.PreDNAT {
			d.printf(" preDNAT")
		}
		d.printf(" types %s\n", typesText(p))
		d.rules(p.rules, [2][]model.Rule{p.model.Ingress, p.model.Egress}, &p.sums)
	}
}

func typesText(p *policyRec) string {
	var out []string
	if p.governs(dirIngress) {
		out = append(out, "ingress")
	}
	if p.governs(dirEgress) {
		out = append(out, "egress")
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

var dirNames = [2]string{"ingress", "egress"}

// rules writes a policy's or profile's compiled rules, one a line; sums
// is nil for a profile, which has no summaries.
func (d *dumper) rules(rules [2][]rule, models [2][]model.Rule, sums *[2]summary) {
	for dir := range rules {
		if len(rules[dir]) == 0 {
			continue
		}
		d.printf("    %s", dirNames[dir])
		if sums != nil {
			d.printf(" summary %#x", uint64(sums[dir]))
		}
		d.printf(":\n")
		for i := range rules[dir] {
			r := &rules[dir][i]
			var m *model.Rule
			if int(r.index) < len(models[dir]) {
				m = &models[dir][r.index]
			}
			d.printf("      %d %s\n", r.index, ruleText(r, m))
		}
	}
}

var verbNames = map[calico.Verb]string{calico.VerbLog: "Log", calico.VerbAllow: "Allow", calico.VerbDeny: "Deny", calico.VerbPass: "Pass"}

// ruleText writes a compiled rule's checks; m, the rule it came from,
// gives the HTTP match, which is compiled opaquely.
func ruleText(r *rule, m *model.Rule) string {
	parts := []string{verbNames[r.verb]}
	if r.need&needProto != 0 {
		parts = append(parts, fmt.Sprintf("proto %d", r.proto))
	}
	if r.need&needNotProto != 0 {
		parts = append(parts, fmt.Sprintf("!proto %d", r.notProto))
	}
	if r.need&needICMP != 0 {
		parts = append(parts, "icmp "+r.icmp.String())
	}
	if r.need&needNotICMP != 0 {
		parts = append(parts, "!icmp "+r.notICMP.String())
	}
	if !r.fam4 || !r.fam6 {
		fam := "none"
		if r.fam4 {
			fam = "4"
		} else if r.fam6 {
			fam = "6"
		}
		parts = append(parts, "family "+fam)
	}
	if r.namedProto != 0 {
		parts = append(parts, fmt.Sprintf("named-port proto %d", r.namedProto))
	}
	if r.need&needSrc != 0 {
		parts = append(parts, "src("+r.src.String()+")")
	}
	if r.need&needDst != 0 {
		parts = append(parts, "dst("+r.dst.String()+")")
	}
	if r.need&needHTTP != 0 && m != nil && m.HTTP != nil {
		parts = append(parts, fmt.Sprintf("http(methods %v paths %+v)", m.HTTP.Methods, m.HTTP.Paths))
	}
	return strings.Join(parts, " ")
}

func (c icmpCheck) String() string {
	if c.hasCode {
		return fmt.Sprintf("%d/%d", c.typ, c.code)
	}
	return fmt.Sprintf("%d", c.typ)
}

func (s *side) String() string {
	var parts []string
	if s.need&needNets != 0 {
		parts = append(parts, "nets "+s.nets.String())
	}
	if s.need&needNotNets != 0 {
		parts = append(parts, "!nets "+s.notNets.String())
	}
	if s.need&needPos != 0 {
		parts = append(parts, fmt.Sprintf("selector s%d", s.pos))
	}
	if s.need&needNeg != 0 {
		parts = append(parts, fmt.Sprintf("!selector s%d", s.neg))
	}
	if s.need&needPorts != 0 {
		parts = append(parts, "ports "+s.ports.String())
	}
	if s.need&needNotPorts != 0 {
		parts = append(parts, "!ports "+s.notPorts.String())
	}
	if s.need&needService != 0 {
		parts = append(parts, fmt.Sprintf("service v%d", s.service))
	}
	return strings.Join(parts, " ")
}

func (s *portSet) String() string {
	var parts []string
	for _, r := range s.ranges {
		if r.lo == r.hi {
			parts = append(parts, fmt.Sprint(r.lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", r.lo, r.hi))
		}
	}
	parts = append(parts, s.named...)
	return "[" + strings.Join(parts, ",") + "]"
}

func (s *prefixSet) String() string {
	if s == nil {
		return "[]"
	}
	var parts []string
	for _, p := range s.short {
		parts = append(parts, p.String())
	}
	for _, sp := range s.v4 {
		parts = append(parts, fmt.Sprintf("%s-%s", addr4(sp.lo), addr4(sp.hi)))
	}
	for _, sp := range s.v6 {
		parts = append(parts, fmt.Sprintf("%s-%s", addr6(sp.lo), addr6(sp.hi)))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func addr4(x uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x)})
}

func addr6(x u128) netip.Addr {
	var b [16]byte
	for i := range 8 {
		b[i] = byte(x.hi >> (56 - 8*i))
		b[8+i] = byte(x.lo >> (56 - 8*i))
	}
	return netip.AddrFrom16(b)
}

func (d *dumper) selectors() {
	d.printf("selectors:\n")
	for i := range d.p.sels.len() {
		id := uint32(i)
		info := d.p.sels.get(id)
		if info == nil {
			d.printf("  s%d free\n", id)
			continue
		}
		d.printf("  s%d %q uses %d peer %d filed %s", id, info.sel.String(), info.refs, info.peerRefs, d.placementText(info.place))
		if len(info.policies) > 0 {
			d.printf(" policies %d", len(info.policies))
		}
		if info.peerRefs > 0 {
			d.printf(" nets %s", info.nets.String())
		}
		d.printf("\n")
		for j, in := range info.prog {
			d.printf("    %d %s\n", j, d.instrText(&in))
		}
	}
}

func (d *dumper) placementText(pl placement) string {
	switch pl.mode {
	case placeKey:
		return fmt.Sprintf("has(%s)", d.p.in.str(pl.key))
	case placeValues:
		vals := make([]string, len(pl.vals))
		for i, v := range pl.vals {
			vals[i] = strconv.Quote(d.p.in.str(v))
		}
		return fmt.Sprintf("%s in {%s}", d.p.in.str(pl.key), strings.Join(vals, ", "))
	case placeNever:
		return "never"
	}
	return "unindexed"
}

var opNames = [...]string{
	opTrue: "true", opFalse: "false", opEq: "eq", opNe: "ne", opIn: "in", opNotIn: "notin", opHas: "has",
	opContains: "contains", opStartsWith: "startswith", opEndsWith: "endswith", opAnd: "and", opOr: "or", opNot: "not",
}

// instrText writes one selector instruction as regexp/syntax writes one
// of its own: the op, its operands, and for a branching op where it ends.
func (d *dumper) instrText(in *instr) string {
	s := opNames[in.op]
	switch in.op {
	case opAnd, opOr, opNot:
		return fmt.Sprintf("%s -> %d", s, in.end)
	case opEq, opNe:
		return fmt.Sprintf("%s %s %q", s, d.p.in.str(in.key), d.p.in.str(in.val))
	case opIn, opNotIn:
		vals := make([]string, len(in.set))
		for i, v := range in.set {
			vals[i] = strconv.Quote(d.p.in.str(v))
		}
		return fmt.Sprintf("%s %s {%s}", s, d.p.in.str(in.key), strings.Join(vals, ", "))
	case opHas:
		return fmt.Sprintf("%s %s", s, d.p.in.str(in.key))
	case opContains, opStartsWith, opEndsWith:
		return fmt.Sprintf("%s %s %q", s, d.p.in.str(in.key), in.text)
	}
	return s
}

func (d *dumper) classes() {
	d.printf("classes:\n")
	for i := range d.p.classes.len() {
		id := uint32(i)
		c := d.p.classes.get(id)
		if c == nil {
			d.printf("  c%d free\n", id)
			continue
		}
		labels := make([]string, len(c.labels))
		for j, l := range c.labels {
			labels[j] = fmt.Sprintf("%s=%q", d.p.in.str(l.key), l.text)
		}
		matched := make([]string, len(c.matched))
		for j, s := range c.matched {
			matched[j] = fmt.Sprintf("s%d", s)
		}
		d.printf("  c%d {%s} entities %d matches [%s]\n", id, strings.Join(labels, ", "), c.refs, strings.Join(matched, " "))
		for dir, res := range c.res {
			if res == nil {
				continue
			}
			d.printf("    %s:", dirNames[dir])
			if res.staged {
				d.printf(" (staged)")
			}
			d.printf("\n")
			for _, t := range res.tiers {
				d.printf("      %s", t.name)
				if t.pass {
					d.printf(" (pass)")
				}
				if t.classify != nil {
					d.printf(" (classified)")
				}
				d.printf(":")
				for j, pr := range t.policies {
					d.printf(" %s", pr.p.model.Key())
					if pr.staged {
						d.printf("(staged)")
					}
					if int32(j) == t.firstEnforced {
						d.printf("(first enforced)")
					}
				}
				d.printf("\n")
			}
		}
	}
}

func (d *dumper) entities() {
	d.printf("entities:\n")
	for i := range d.p.entities.len() {
		id := uint32(i)
		e := d.p.entities.get(id)
		if e == nil {
			d.printf("  e%d free\n", id)
			continue
		}
		d.printf("  e%d %s class c%d ordinal %d", id, e.key(), e.class, e.ordinal)
		if e.endpoint != nil {
			d.printf(" addresses %v", e.endpoint.Addresses)
			if len(e.endpoint.Ports) > 0 {
				d.printf(" ports %v", e.endpoint.Ports)
			}
		} else {
			d.printf(" nets %v", e.netset.Nets)
		}
		if len(e.labelProfiles) > 0 {
			d.printf(" label profiles %v", e.labelProfiles)
		}
		d.printf("\n")
	}
}

func idsText(prefix string, ids []uint32) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("%s%d", prefix, id)
	}
	return strings.Join(out, " ")
}

func (d *dumper) addresses() {
	d.printf("addresses:\n")
	var addrs []netip.Addr
	for a := range d.p.addrs.allExact() {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	for _, a := range addrs {
		d.printf("  %s %s\n", a, idsText("e", d.p.addrs.exactOwners(a).slice()))
	}
	for f := range d.p.addrs.nets {
		for _, l := range d.p.addrs.nets[f] {
			var nets []netip.Addr
			for a := range l.m.all() {
				nets = append(nets, a)
			}
			slices.SortFunc(nets, netip.Addr.Compare)
			for _, a := range nets {
				ids, _ := l.m.get(a)
				d.printf("  %s %s\n", netip.PrefixFrom(a, l.bits), idsText("e", ids))
			}
		}
	}
}

func (d *dumper) profiles() {
	d.printf("profiles:\n")
	names := make([]string, d.p.profiles.len())
	for name, id := range d.p.profileIDs.all() {
		names[id] = name
	}
	for id, name := range names {
		pr := d.p.profiles.get(uint32(id))
		if pr == nil {
			d.printf("  %d %s undefined\n", id, name)
			continue
		}
		d.printf("  %d %s", id, name)
		if len(pr.model.LabelsToApply) > 0 {
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range pr.model.LabelsToApply {
					if !yield(k) {
						return
					}
				}
			})
			labels := make([]string, len(keys))
			for i, k := range keys {
				labels[i] = fmt.Sprintf("%s=%q", k, pr.model.LabelsToApply[k])
			}
			d.printf(" labels {%s}", strings.Join(labels, ", "))
		}
		d.printf("\n")
		d.rules(pr.rules, [2][]model.Rule{pr.model.Ingress, pr.model.Egress}, nil)
	}
}

func (d *dumper) services() {
	d.printf("services:\n")
	keys := make([]model.Key, d.p.services.len())
	for k, id := range d.p.serviceIDs.all() {
		keys[id] = k
	}
	for id, k := range keys {
		sv := d.p.services.get(uint32(id))
		if sv == nil {
			d.printf("  v%d %s undefined\n", id, k)
			continue
		}
		ports := make([]svcPort, 0, len(sv.ports))
		for sp := range sv.ports {
			ports = append(ports, sp)
		}
		slices.SortFunc(ports, func(a, b svcPort) int {
			return cmp.Or(a.addr.Compare(b.addr), cmp.Compare(a.proto, b.proto), cmp.Compare(a.port, b.port))
		})
		addrs := slices.SortedFunc(func(yield func(netip.Addr) bool) {
			for a := range sv.addrs {
				if !yield(a) {
					return
				}
			}
		}, netip.Addr.Compare)
		text := make([]string, len(ports))
		for i, sp := range ports {
			text[i] = fmt.Sprintf("%s/%d/%d", sp.addr, sp.proto, sp.port)
		}
		d.printf("  v%d %s addresses %v ports [%s]\n", id, k, addrs, strings.Join(text, " "))
	}
}
