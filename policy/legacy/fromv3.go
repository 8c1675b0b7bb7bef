package legacy

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ProfileFromV3 reads a Calico v3 Profile document (as Encode writes it,
// decoded into generic values) back into the legacy model, so that the
// `calicoctl profile P rule` commands can show and edit any profile: a
// Docker network's, a legacy one translated, or one written in v3.
//
// labelsToApply entries with empty values are tags; a side's selector
// has(T) is the tag T, and other selectors stay selectors (shown after
// the rule text, as rules JSON). A profile using what the legacy model
// has no place for (labels with values, service accounts, namespace
// selectors, HTTP matches, services) is refused with an error naming the
// field.
func ProfileFromV3(doc map[string]any) (*Profile, error) {
	meta, _ := doc["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if kind, _ := doc["kind"].(string); kind != "Profile" || name == "" {
		return nil, fmt.Errorf("not a v3 Profile with a name")
	}
	p := &Profile{Name: name}
	spec, _ := doc["spec"].(map[string]any)
	for _, k := range sortedKeys(spec) {
		switch k {
		case "labelsToApply", "ingress", "egress":
		default:
			return nil, fmt.Errorf("profile %s: spec.%s has no place in the legacy profile model", name, k)
		}
	}
	labels, _ := spec["labelsToApply"].(map[string]any)
	for _, k := range sortedKeys(labels) {
		if v, _ := labels[k].(string); v != "" {
			return nil, fmt.Errorf("profile %s: spec.labelsToApply.%s: a label with a value (%q) is not a tag", name, k, v)
		}
		p.Tags = append(p.Tags, k)
	}
	for _, dir := range []struct {
		key   string
		rules *[]Rule
	}{{"ingress", &p.Inbound}, {"egress", &p.Outbound}} {
		list, _ := spec[dir.key].([]any)
		for i, v := range list {
			m, _ := v.(map[string]any)
			r, err := ruleFromV3(m)
			if err != nil {
				return nil, fmt.Errorf("profile %s: spec.%s[%d]: %v", name, dir.key, i, err)
			}
			*dir.rules = append(*dir.rules, r)
		}
	}
	return p, nil
}

// v3Actions maps Calico v3 actions to the legacy spelling.
var v3Actions = map[string]string{"Allow": "allow", "Deny": "deny", "Log": "log", "Pass": "pass"}

// hasTag matches the selector a tag becomes.
var hasTag = regexp.MustCompile(`^has\(([A-Za-z0-9_.-]+)\)$`)

func ruleFromV3(m map[string]any) (Rule, error) {
	var r Rule
	for _, k := range sortedKeys(m) {
		v := m[k]
		switch k {
		case "action":
			a, ok := v3Actions[fmt.Sprint(v)]
			if !ok {
				return r, fmt.Errorf("action %v has no legacy spelling", v)
			}
			r.Action = a
		case "ipVersion":
			r.IPVersion = toInt(v)
		case "protocol":
			r.Protocol = protocolFromV3(v)
		case "notProtocol":
			r.NotProtocol = protocolFromV3(v)
		case "icmp":
			r.ICMPType, r.ICMPCode = icmpFromV3(v)
		case "notICMP":
			r.NotICMPType, r.NotICMPCode = icmpFromV3(v)
		case "source":
			if err := peerFromV3(v, r.src()); err != nil {
				return r, fmt.Errorf("source.%v", err)
			}
		case "destination":
			if err := peerFromV3(v, r.dst()); err != nil {
				return r, fmt.Errorf("destination.%v", err)
			}
		case "metadata":
		default:
			return r, fmt.Errorf("%s has no place in the legacy rule model", k)
		}
	}
	return r, nil
}

func toInt(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	i, _ := strconv.Atoi(fmt.Sprint(v))
	return i
}

func protocolFromV3(v any) string {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return strconv.Itoa(toInt(v))
}

func icmpFromV3(v any) (typ, code *int) {
	m, _ := v.(map[string]any)
	if t, ok := m["type"]; ok {
		n := toInt(t)
		typ = &n
	}
	if c, ok := m["code"]; ok {
		n := toInt(c)
		code = &n
	}
	return typ, code
}

func peerFromV3(v any, p peer) error {
	m, _ := v.(map[string]any)
	for _, k := range sortedKeys(m) {
		switch k {
		case "selector":
			s := fmt.Sprint(m[k])
			if t := hasTag.FindStringSubmatch(s); t != nil {
				*p.tag = t[1]
			} else {
				*p.selector = s
			}
		case "notSelector":
			s := fmt.Sprint(m[k])
			if t := hasTag.FindStringSubmatch(s); t != nil {
				*p.notTag = t[1]
			} else {
				*p.notSelector = s
			}
		case "nets":
			*p.net, *p.nets = netsFromV3(m[k])
		case "notNets":
			*p.notNet, *p.notNets = netsFromV3(m[k])
		case "ports":
			*p.ports = portsFromV3(m[k])
		case "notPorts":
			*p.notPorts = portsFromV3(m[k])
		default:
			return fmt.Errorf("%s has no place in the legacy rule model", k)
		}
	}
	return nil
}

// netsFromV3 keeps a single net in the older spelling the rule text
// shows, and a longer list as a list.
func netsFromV3(v any) (string, []string) {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, n := range list {
		out = append(out, fmt.Sprint(n))
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return "", out
}

func portsFromV3(v any) []Port {
	list, _ := v.([]any)
	out := make([]Port, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			if lo, hi, found := strings.Cut(s, ":"); found {
				out = append(out, Port{Min: toInt(lo), Max: toInt(hi)})
				continue
			}
			if n, err := strconv.Atoi(s); err == nil {
				out = append(out, Port{Min: n, Max: n})
				continue
			}
			out = append(out, Port{Name: s})
			continue
		}
		n := toInt(x)
		out = append(out, Port{Min: n, Max: n})
	}
	return out
}
