package legacy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// ruleJSON is a rule in the profile rules JSON of the original data model
// (`calicoctl profile P rule json`), keys in the order it is written.
type ruleJSON struct {
	Action      string `json:"action,omitempty"`
	Protocol    any    `json:"protocol,omitempty"`
	NotProtocol any    `json:"!protocol,omitempty"`
	IPVersion   int    `json:"ip_version,omitempty"`
	ICMPType    *int   `json:"icmp_type,omitempty"`
	ICMPCode    *int   `json:"icmp_code,omitempty"`
	NotICMPType *int   `json:"!icmp_type,omitempty"`
	NotICMPCode *int   `json:"!icmp_code,omitempty"`

	SrcTag      string   `json:"src_tag,omitempty"`
	SrcNet      string   `json:"src_net,omitempty"`
	SrcNets     []string `json:"src_nets,omitempty"`
	SrcSelector string   `json:"src_selector,omitempty"`
	SrcPorts    []Port   `json:"src_ports,omitempty"`

	NotSrcTag      string   `json:"!src_tag,omitempty"`
	NotSrcNet      string   `json:"!src_net,omitempty"`
	NotSrcNets     []string `json:"!src_nets,omitempty"`
	NotSrcSelector string   `json:"!src_selector,omitempty"`
	NotSrcPorts    []Port   `json:"!src_ports,omitempty"`

	DstTag      string   `json:"dst_tag,omitempty"`
	DstNet      string   `json:"dst_net,omitempty"`
	DstNets     []string `json:"dst_nets,omitempty"`
	DstSelector string   `json:"dst_selector,omitempty"`
	DstPorts    []Port   `json:"dst_ports,omitempty"`

	NotDstTag      string   `json:"!dst_tag,omitempty"`
	NotDstNet      string   `json:"!dst_net,omitempty"`
	NotDstNets     []string `json:"!dst_nets,omitempty"`
	NotDstSelector string   `json:"!dst_selector,omitempty"`
	NotDstPorts    []Port   `json:"!dst_ports,omitempty"`

	LogPrefix string `json:"log_prefix,omitempty"`
}

// ruleKeys are the keys of a rule in the rules JSON, for suggestions.
var ruleKeys = []string{
	"action", "protocol", "!protocol", "ip_version", "icmp_type", "icmp_code", "!icmp_type", "!icmp_code",
	"src_tag", "src_net", "src_nets", "src_selector", "src_ports",
	"!src_tag", "!src_net", "!src_nets", "!src_selector", "!src_ports",
	"dst_tag", "dst_net", "dst_nets", "dst_selector", "dst_ports",
	"!dst_tag", "!dst_net", "!dst_nets", "!dst_selector", "!dst_ports",
	"log_prefix",
}

// protocolJSON writes a protocol as the data model did: a number for a
// protocol number, a string for a name.
func protocolJSON(p string) any {
	if p == "" {
		return nil
	}
	if n, err := strconv.Atoi(p); err == nil {
		return n
	}
	return p
}

func (r Rule) toJSON() ruleJSON {
	return ruleJSON{
		Action: r.action(), Protocol: protocolJSON(r.Protocol), NotProtocol: protocolJSON(r.NotProtocol),
		IPVersion: r.IPVersion, ICMPType: r.ICMPType, ICMPCode: r.ICMPCode,
		NotICMPType: r.NotICMPType, NotICMPCode: r.NotICMPCode,
		SrcTag: r.SrcTag, SrcNet: r.SrcNet, SrcNets: r.SrcNets, SrcSelector: r.SrcSelector, SrcPorts: r.SrcPorts,
		NotSrcTag: r.NotSrcTag, NotSrcNet: r.NotSrcNet, NotSrcNets: r.NotSrcNets,
		NotSrcSelector: r.NotSrcSelector, NotSrcPorts: r.NotSrcPorts,
		DstTag: r.DstTag, DstNet: r.DstNet, DstNets: r.DstNets, DstSelector: r.DstSelector, DstPorts: r.DstPorts,
		NotDstTag: r.NotDstTag, NotDstNet: r.NotDstNet, NotDstNets: r.NotDstNets,
		NotDstSelector: r.NotDstSelector, NotDstPorts: r.NotDstPorts,
		LogPrefix: r.LogPrefix,
	}
}

// MarshalJSON writes the rule in the profile rules JSON form.
func (r Rule) MarshalJSON() ([]byte, error) {
	return json.Marshal(r.toJSON())
}

// UnmarshalJSON reads a rule of the profile rules JSON, rejecting unknown
// keys and bad values; the error is an Issues listing every problem.
func (r *Rule) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if err := duplicateKeys(data); err != nil {
		return err
	}
	var is issueList
	m, ok := getMap(v, "", &is)
	if !ok {
		return Issues(is.list)
	}
	rule := decodeRule(m, jsonPath(""), &is)
	if is.count() > 0 {
		return Issues(is.list)
	}
	*r = rule
	return nil
}

// jsonPath locates the keys of a rule of the rules JSON below path.
func jsonPath(path string) func(string) string {
	return func(k string) string { return child(path, k) }
}

// decodeRuleList reads a list of rules, each with decode: the rules JSON's
// keys (jsonRule) or a v1 resource's (v1Rule).
func decodeRuleList(v any, path string, is *issueList, decode func(m map[string]any, path string, is *issueList) Rule) []Rule {
	l, ok := getList(v, path, is)
	if !ok {
		return nil
	}
	rules := make([]Rule, 0, len(l))
	for i, e := range l {
		if e == nil {
			is.addf(index(path, i), "is null: a rule needs at least an action")
			continue
		}
		m, ok := getMap(e, index(path, i), is)
		if !ok {
			continue
		}
		rules = append(rules, decode(m, index(path, i), is))
	}
	return rules
}

// jsonRule reads a rule of the rules JSON at path.
func jsonRule(m map[string]any, path string, is *issueList) Rule {
	return decodeRule(m, jsonPath(path), is)
}

// decodeRule reads one rule with the keys of the rules JSON, checking types
// and values. at maps a key of the rules JSON to its path in the document
// being read, so the calicoctl v1 resources, which are translated to these
// keys first, get their own paths in messages.
func decodeRule(m map[string]any, at func(string) string, is *issueList) Rule {
	var r Rule
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "action":
			r.Action, _ = getString(v, at(k), is)
		case "protocol":
			r.Protocol = decodeProtocol(v, at(k), is)
		case "!protocol":
			r.NotProtocol = decodeProtocol(v, at(k), is)
		case "ip_version":
			if n, ok := getInt(v, at(k), is); ok {
				r.IPVersion = clampInt(n)
			}
		case "icmp_type":
			r.ICMPType = decodeOptInt(v, at(k), is)
		case "icmp_code":
			r.ICMPCode = decodeOptInt(v, at(k), is)
		case "!icmp_type":
			r.NotICMPType = decodeOptInt(v, at(k), is)
		case "!icmp_code":
			r.NotICMPCode = decodeOptInt(v, at(k), is)
		case "log_prefix":
			r.LogPrefix, _ = getString(v, at(k), is)
		default:
			if !decodePeerField(&r, k, v, at, is) {
				is.addf(at(k), "unknown field %q%s", k, didYouMean(k, ruleKeys))
			}
		}
	}
	if r.Action == "" {
		// The legacy Rule reads an empty action as allow, but Calico's
		// validator requires one in every format a rule is written in: a
		// rule that forgot it must not quietly open traffic.
		is.addf(at("action"), "is required: allow, deny, log, pass or next-tier")
	}
	r.check(at, is)
	return r
}

// decodePeerField reads one of the src_ and dst_ keys and their negations;
// it reports false for any other key.
func decodePeerField(r *Rule, k string, v any, at func(string) string, is *issueList) bool {
	name, not := strings.CutPrefix(k, "!")
	side, field, ok := strings.Cut(name, "_")
	var p peer
	switch {
	case !ok:
		return false
	case side == "src":
		p = r.src()
	case side == "dst":
		p = r.dst()
	default:
		return false
	}
	path := at(k)
	switch field {
	case "tag":
		*pick(not, p.tag, p.notTag), _ = getString(v, path, is)
	case "net":
		*pick(not, p.net, p.notNet), _ = getString(v, path, is)
	case "selector":
		*pick(not, p.selector, p.notSelector), _ = getString(v, path, is)
	case "nets":
		*pick(not, p.nets, p.notNets), _ = getStrings(v, path, is)
	case "ports":
		*pick(not, p.ports, p.notPorts) = decodePorts(v, path, is)
	default:
		return false
	}
	return true
}

// pick chooses the negated field when not is set.
func pick[T any](not bool, pos, neg *T) *T {
	if not {
		return neg
	}
	return pos
}

// decodeProtocol reads a protocol name or number; numbers, also when
// written as strings, are kept in decimal.
func decodeProtocol(v any, path string, is *issueList) string {
	if n, ok := intValue(v); ok {
		return strconv.FormatInt(n, 10)
	}
	s, ok := v.(string)
	if !ok {
		is.addf(path, "must be a protocol name or number, not %s", typeName(v))
		return ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10)
	}
	return s
}

func decodeOptInt(v any, path string, is *issueList) *int {
	if v == nil {
		return nil
	}
	n, ok := getInt(v, path, is)
	if !ok {
		return nil
	}
	i := clampInt(n)
	return &i
}

// clampInt keeps absurd numbers absurd but inside int, so range checks
// report them instead of a wrapped value.
func clampInt(n int64) int {
	const limit = 1 << 31
	switch {
	case n > limit:
		return limit
	case n < -limit:
		return -limit
	}
	return int(n)
}

// decodePorts reads a list of ports: numbers, "lo:hi" ranges and names.
func decodePorts(v any, path string, is *issueList) []Port {
	l, ok := getList(v, path, is)
	if !ok || len(l) == 0 {
		return nil
	}
	ports := make([]Port, 0, len(l))
	for i, e := range l {
		if n, ok := intValue(e); ok {
			ports = append(ports, Port{Min: clampInt(n), Max: clampInt(n)})
			continue
		}
		s, ok := e.(string)
		if !ok {
			is.addf(index(path, i), "must be a port number, a range \"lo:hi\" or a port name, not %s", typeName(e))
			continue
		}
		ports = append(ports, parsePortString(s))
	}
	return ports
}

// parsePortString reads "80", "80:90" or a port name; the values are
// checked later, where a bad name and a bad range get their own messages.
func parsePortString(s string) Port {
	if n, ok := atoiPort(s); ok {
		return Port{Min: n, Max: n}
	}
	if lo, hi, found := strings.Cut(s, ":"); found {
		a, okA := atoiPort(lo)
		b, okB := atoiPort(hi)
		if okA && okB {
			return Port{Min: a, Max: b}
		}
	}
	return Port{Name: s}
}

// atoiPort reads a run of decimal digits, clamping long ones so that the
// range check reports them.
func atoiPort(s string) (int, bool) {
	if s == "" || len(s) > 12 {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			return 1 << 31, true
		}
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// duplicateKeys refuses JSON that gives a key twice in one object, as
// YAML does, with the key's path: encoding/json would keep the last.
// data must be valid JSON.
func duplicateKeys(data []byte) error {
	var de *resource.DuplicateKeyError
	if err := resource.CheckDuplicateKeys(data); errors.As(err, &de) {
		return Issues{{Path: de.Path, Msg: fmt.Sprintf("key %q is given twice in one object", de.Key)}}
	}
	return nil
}
