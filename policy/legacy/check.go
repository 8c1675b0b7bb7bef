package legacy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/verdictlabs/verdict/internal/suggest"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// The checks of single values, shared by the JSON and YAML readers (through
// Rule.check) and by the rule text parser, which reports them at a byte
// offset instead of a path. Each returns "" for a good value, otherwise
// what is wrong.

// protocolWant lists the protocols of the legacy formats, which spell
// names in lower case.
const protocolWant = "tcp, udp, icmp, icmpv6, sctp, udplite or a number 1 to 255"

func checkProtocol(p string) string {
	proto, err := model.ParseProtocol(p)
	switch {
	case err != nil && !startsNumber(p):
		return fmt.Sprintf("unknown protocol %q: want %s", clip(p), protocolWant)
	case err != nil:
		return err.Error()
	case proto.ByName && p != strings.ToLower(proto.String()):
		return fmt.Sprintf("%q: the legacy formats spell protocols in lower case (%q)", p, strings.ToLower(proto.String()))
	}
	return ""
}

// startsNumber reports whether s is written as a number, so that a
// protocol error is about its range rather than its name.
func startsNumber(s string) bool {
	return s != "" && (s[0] == '-' || s[0] == '+' || s[0] >= '0' && s[0] <= '9')
}

// actionNames maps the legacy actions to Calico v3's. next-tier is the data
// model's name for pass; an empty action allows.
var actionNames = map[string]string{
	"": "Allow", "allow": "Allow", "deny": "Deny", "log": "Log", "pass": "Pass", "next-tier": "Pass",
}

func checkAction(a string) string {
	if _, ok := actionNames[a]; ok {
		return ""
	}
	if _, ok := actionNames[strings.ToLower(a)]; ok {
		return fmt.Sprintf("%q: the legacy formats spell actions in lower case (%q)", a, strings.ToLower(a))
	}
	return fmt.Sprintf("unknown action %q: want allow, deny, log, pass or next-tier", clip(a))
}

// tagPattern is the character set of legacy tags. A tag becomes a label key
// and the selector has(tag), so it must also read as one.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func checkTag(t string) string {
	if tagPattern.MatchString(t) {
		return ""
	}
	return fmt.Sprintf("tag %q may hold only letters, digits, '_', '.' and '-'", clip(t))
}

func checkNet(n string) string {
	if _, err := model.ParsePrefix(n); err == nil {
		return ""
	}
	if _, err := model.ParseAddr(n); err == nil {
		return ""
	}
	return fmt.Sprintf("%q is not a CIDR or an IP address", clip(n))
}

func checkSelector(s string) string {
	if _, err := selector.Parse(s); err != nil {
		return "bad selector: " + err.Error()
	}
	return ""
}

// portNamePattern is the shape of a named port; the policy package applies
// Kubernetes' stricter rules for port names to the v3 result.
var portNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

func checkPort(p Port) string {
	if p.Name != "" {
		if p.Min != 0 || p.Max != 0 {
			return fmt.Sprintf("port %q has both a name and a number", clip(p.Name))
		}
		if !portNamePattern.MatchString(p.Name) {
			return fmt.Sprintf("%q is not a port number, a range lo:hi or a port name", clip(p.Name))
		}
		return ""
	}
	for _, n := range []int{p.Min, p.Max} {
		if n < 1 || n > 65535 {
			return fmt.Sprintf("port %d is out of range 1 to 65535", n)
		}
	}
	if p.Min > p.Max {
		return fmt.Sprintf("port range %d:%d runs backwards", p.Min, p.Max)
	}
	return ""
}

func checkICMPType(n int) string {
	if n < 0 || n > 254 {
		return fmt.Sprintf("ICMP type %d is out of range 0 to 254", n)
	}
	return ""
}

func checkICMPCode(n int) string {
	if n < 0 || n > 255 {
		return fmt.Sprintf("ICMP code %d is out of range 0 to 255", n)
	}
	return ""
}

// clip shortens long input quoted in a message.
func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}

// check reports every bad value of the rule. at maps a key of the rules
// JSON to the path of that field in the document being read.
func (r *Rule) check(at func(string) string, is *issueList) {
	report := func(k, msg string) {
		if msg != "" {
			is.addf(at(k), "%s", msg)
		}
	}
	report("action", checkAction(r.Action))
	if r.IPVersion != 0 && r.IPVersion != 4 && r.IPVersion != 6 {
		is.addf(at("ip_version"), "must be 4 or 6, not %d", r.IPVersion)
	}
	if r.Protocol != "" {
		report("protocol", checkProtocol(r.Protocol))
	}
	if r.NotProtocol != "" {
		report("!protocol", checkProtocol(r.NotProtocol))
	}
	checkICMP(r.ICMPType, r.ICMPCode, "", at, is)
	checkICMP(r.NotICMPType, r.NotICMPCode, "!", at, is)
	r.src().check(at, is)
	r.dst().check(at, is)
}

func checkICMP(typ, code *int, not string, at func(string) string, is *issueList) {
	if typ != nil {
		if msg := checkICMPType(*typ); msg != "" {
			is.addf(at(not+"icmp_type"), "%s", msg)
		}
	}
	if code != nil {
		if msg := checkICMPCode(*code); msg != "" {
			is.addf(at(not+"icmp_code"), "%s", msg)
		} else if typ == nil {
			is.addf(at(not+"icmp_code"), "an ICMP code needs an ICMP type")
		}
	}
}

func (p peer) check(at func(string) string, is *issueList) {
	for _, not := range []string{"", "!"} {
		neg := not != ""
		k := func(field string) string { return not + p.prefix + "_" + field }
		if t := *pick(neg, p.tag, p.notTag); t != "" {
			if msg := checkTag(t); msg != "" {
				is.addf(at(k("tag")), "%s", msg)
			}
		}
		if n := *pick(neg, p.net, p.notNet); n != "" {
			if msg := checkNet(n); msg != "" {
				is.addf(at(k("net")), "%s", msg)
			}
		}
		for i, n := range *pick(neg, p.nets, p.notNets) {
			if msg := checkNet(n); msg != "" {
				is.addf(index(at(k("nets")), i), "%s", msg)
			}
		}
		if s := *pick(neg, p.selector, p.notSelector); s != "" {
			if msg := checkSelector(s); msg != "" {
				is.addf(at(k("selector")), "%s", msg)
			}
		}
		for i, port := range *pick(neg, p.ports, p.notPorts) {
			if msg := checkPort(port); msg != "" {
				is.addf(index(at(k("ports")), i), "%s", msg)
			}
		}
	}
}

// didYouMean offers the known name closest to an unknown one, for messages
// about misspelt fields.
func didYouMean(unknown string, known []string) string {
	// Short names are one edit from many others; only a single slip counts.
	limit := 2
	if len(unknown) < 5 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, k := range known {
		if strings.EqualFold(k, unknown) {
			return fmt.Sprintf("; did you mean %q?", k)
		}
		if d := suggest.Distance(k, unknown); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}
