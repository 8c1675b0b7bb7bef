package legacy

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Rule is one rule of the legacy model: the rule of the original etcd data
// model and of the profile rules JSON, which the calicoctl v1 resources
// also map onto field for field. Fields left empty match anything.
//
// Src fields constrain the packet's source, Dst fields its destination, in
// inbound and outbound rules alike. Each Not field is the negation of its
// positive twin; a rule may hold both.
type Rule struct {
	// Action is allow, deny, log, pass or next-tier; "" means allow.
	Action string
	// IPVersion restricts the rule to IPv4 (4) or IPv6 (6); 0 means either.
	IPVersion int

	// Protocol and NotProtocol are tcp, udp, icmp, icmpv6, sctp, udplite,
	// or a protocol number 1 to 255 written in decimal; "" means any.
	Protocol    string
	NotProtocol string

	// ICMPType and ICMPCode match an ICMP type (0 to 254) and code (0 to
	// 255); a code needs a type. The Not pair excludes that type, or that
	// type and code together.
	ICMPType, ICMPCode       *int
	NotICMPType, NotICMPCode *int

	// SrcTag is the peer "endpoints whose profiles carry this tag".
	SrcTag string
	// SrcNet and SrcNets are CIDRs (or bare addresses) the source address
	// must be in; the single Net is the older spelling of Nets.
	SrcNet      string
	SrcNets     []string
	SrcSelector string
	SrcPorts    []Port

	NotSrcTag      string
	NotSrcNet      string
	NotSrcNets     []string
	NotSrcSelector string
	NotSrcPorts    []Port

	DstTag      string
	DstNet      string
	DstNets     []string
	DstSelector string
	DstPorts    []Port

	NotDstTag      string
	NotDstNet      string
	NotDstNets     []string
	NotDstSelector string
	NotDstPorts    []Port

	// LogPrefix was the prefix of log actions in the data model; it has no
	// effect on a verdict and is kept only so that rules JSON reads back
	// unchanged.
	LogPrefix string
}

// Port is a port number, an inclusive range of ports, or a named port.
type Port struct {
	Min, Max int    // equal for a single port; zero for a named port
	Name     string // a named port of the endpoint that owns the address
}

// String writes the port as the legacy formats do: 80, 80:90 or the name.
func (p Port) String() string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Min == p.Max:
		return strconv.Itoa(p.Min)
	}
	return strconv.Itoa(p.Min) + ":" + strconv.Itoa(p.Max)
}

// MarshalJSON writes a single port as a number and a range or a name as a
// string, as the rules JSON and Calico's own port type do.
func (p Port) MarshalJSON() ([]byte, error) {
	if p.Name == "" && p.Min == p.Max {
		return []byte(strconv.Itoa(p.Min)), nil
	}
	return json.Marshal(p.String())
}

// peer is one side of a rule, as pointers into the Rule, so that the code
// for sources and destinations is written once.
type peer struct {
	tag, net, selector          *string
	nets                        *[]string
	ports                       *[]Port
	notTag, notNet, notSelector *string
	notNets                     *[]string
	notPorts                    *[]Port
	prefix                      string // "src" or "dst", as in the JSON keys
}

func (r *Rule) src() peer {
	return peer{&r.SrcTag, &r.SrcNet, &r.SrcSelector, &r.SrcNets, &r.SrcPorts,
		&r.NotSrcTag, &r.NotSrcNet, &r.NotSrcSelector, &r.NotSrcNets, &r.NotSrcPorts, "src"}
}

func (r *Rule) dst() peer {
	return peer{&r.DstTag, &r.DstNet, &r.DstSelector, &r.DstNets, &r.DstPorts,
		&r.NotDstTag, &r.NotDstNet, &r.NotDstSelector, &r.NotDstNets, &r.NotDstPorts, "dst"}
}

// action returns the rule's action with the empty default spelt out.
func (r *Rule) action() string {
	if r.Action == "" {
		return "allow"
	}
	return r.Action
}

// String returns the rule as `calicoctl profile P rule show` prints it, in
// the order of the rule grammar: action, protocol, type and code, the from
// part (ports, tag, CIDR), the to part. A rule made by ParseRule reads back
// the same through ParseRule.
//
// Rules read from JSON may use fields the rule text has no words for
// (selectors, negations, lists of nets, ip_version, !protocol); those
// follow as a JSON object with the keys of the rules JSON, so nothing is
// hidden: allow tcp to ports 80 {"!src_tag":"blocked"}. ParseRule does not
// accept that form, as calicoctl's parser did not.
func (r Rule) String() string {
	words := []string{r.action()}
	if r.Protocol != "" {
		words = append(words, r.Protocol)
	}
	if r.ICMPType != nil {
		words = append(words, "type", strconv.Itoa(*r.ICMPType))
	}
	if r.ICMPCode != nil {
		words = append(words, "code", strconv.Itoa(*r.ICMPCode))
	}
	words = appendPeerWords(words, "from", r.src())
	words = appendPeerWords(words, "to", r.dst())
	if extra := r.extraJSON(); extra != "" {
		words = append(words, extra)
	}
	return strings.Join(words, " ")
}

func appendPeerWords(words []string, kw string, p peer) []string {
	if len(*p.ports) == 0 && *p.tag == "" && *p.net == "" {
		return words
	}
	words = append(words, kw)
	if len(*p.ports) > 0 {
		list := make([]string, len(*p.ports))
		for i, port := range *p.ports {
			list[i] = port.String()
		}
		words = append(words, "ports", strings.Join(list, ","))
	}
	if *p.tag != "" {
		words = append(words, "tag", *p.tag)
	}
	if *p.net != "" {
		words = append(words, *p.net)
	}
	return words
}

// extraJSON writes the fields the rule text has no words for, or "".
func (r Rule) extraJSON() string {
	j := r.toJSON()
	// Clear what String already printed; what is left has no words.
	j.Action, j.Protocol, j.ICMPType, j.ICMPCode = "", nil, nil, nil
	j.SrcTag, j.SrcNet, j.SrcPorts = "", "", nil
	j.DstTag, j.DstNet, j.DstPorts = "", "", nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Selectors hold && and <; escaping them would make the text unreadable.
	enc.SetEscapeHTML(false)
	// Encoding cannot fail: ruleJSON holds only strings, integers and ports.
	_ = enc.Encode(j)
	out := strings.TrimSpace(buf.String())
	if out == "{}" {
		return ""
	}
	return out
}

// Equal reports whether two rules match the same packets with the same
// action, field for field; an empty action equals allow. It is how
// `rule remove inbound <rule text>` finds the rule to remove.
func (r Rule) Equal(o Rule) bool {
	a, errA := json.Marshal(r.toJSON())
	b, errB := json.Marshal(o.toJSON())
	return errA == nil && errB == nil && bytes.Equal(a, b)
}
