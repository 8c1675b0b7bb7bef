package legacy

import (
	"github.com/verdictlabs/verdict/model"
)

// The projectcalico.org/v3 documents this package produces, as generic
// values shaped as sigs.k8s.io/yaml and encoding/json decode a v3 file:
// numbers float64, lists []any, maps map[string]any.

// apiVersionV3 is the apiVersion of every document produced.
const apiVersionV3 = "projectcalico.org/v3"

// v3Document builds a document of the given kind. metadata holds at least
// the name; an empty spec is left out as a v3 file would leave it out.
func v3Document(kind string, metadata, spec map[string]any) map[string]any {
	doc := map[string]any{"apiVersion": apiVersionV3, "kind": kind, "metadata": metadata}
	if len(spec) > 0 {
		doc["spec"] = spec
	}
	return doc
}

// v3Protocol writes a legacy protocol (checked) as v3 does: names re-cased,
// numbers as numbers.
func v3Protocol(p string) any {
	proto, _ := model.ParseProtocol(p)
	if proto.ByName {
		return proto.String()
	}
	return float64(proto.Number)
}

// v3Rules translates a list of checked rules; nil when there are none, so
// that the key is left out.
func v3Rules(rules []Rule) []any {
	if len(rules) == 0 {
		return nil
	}
	out := make([]any, len(rules))
	for i := range rules {
		out[i] = rules[i].v3()
	}
	return out
}

// v3 translates a checked rule. Tags become has(T) selectors, as Felix
// read them: a tag is ANDed with the side's selector, a negated tag is
// ORed into the side's notSelector (the peer must match neither).
func (r *Rule) v3() map[string]any {
	out := map[string]any{"action": actionNames[r.Action]}
	if r.IPVersion != 0 {
		out["ipVersion"] = float64(r.IPVersion)
	}
	if r.Protocol != "" {
		out["protocol"] = v3Protocol(r.Protocol)
	}
	if r.NotProtocol != "" {
		out["notProtocol"] = v3Protocol(r.NotProtocol)
	}
	if icmp := v3ICMP(r.ICMPType, r.ICMPCode); icmp != nil {
		out["icmp"] = icmp
	}
	if icmp := v3ICMP(r.NotICMPType, r.NotICMPCode); icmp != nil {
		out["notICMP"] = icmp
	}
	if e := r.src().v3(); len(e) > 0 {
		out["source"] = e
	}
	if e := r.dst().v3(); len(e) > 0 {
		out["destination"] = e
	}
	return out
}

func v3ICMP(typ, code *int) map[string]any {
	if typ == nil && code == nil {
		return nil
	}
	m := map[string]any{}
	if typ != nil {
		m["type"] = float64(*typ)
	}
	if code != nil {
		m["code"] = float64(*code)
	}
	return m
}

func (p peer) v3() map[string]any {
	e := map[string]any{}
	if nets := v3Nets(*p.net, *p.nets); nets != nil {
		e["nets"] = nets
	}
	if nets := v3Nets(*p.notNet, *p.notNets); nets != nil {
		e["notNets"] = nets
	}
	if s := tagSelector(*p.selector, *p.tag); s != "" {
		e["selector"] = s
	}
	if s := notTagSelector(*p.notSelector, *p.notTag); s != "" {
		e["notSelector"] = s
	}
	if ports := v3Ports(*p.ports); ports != nil {
		e["ports"] = ports
	}
	if ports := v3Ports(*p.notPorts); ports != nil {
		e["notPorts"] = ports
	}
	return e
}

// v3Nets joins the single net of the older spelling and the list.
func v3Nets(net string, nets []string) []any {
	if net == "" && len(nets) == 0 {
		return nil
	}
	out := make([]any, 0, len(nets)+1)
	if net != "" {
		out = append(out, net)
	}
	for _, n := range nets {
		out = append(out, n)
	}
	return out
}

func v3Ports(ports []Port) []any {
	if len(ports) == 0 {
		return nil
	}
	out := make([]any, len(ports))
	for i, p := range ports {
		if p.Name == "" && p.Min == p.Max {
			out[i] = float64(p.Min)
		} else {
			out[i] = p.String()
		}
	}
	return out
}

// tagSelector is the selector of a side with a tag: the peer must match
// the selector and carry the tag.
func tagSelector(sel, tag string) string {
	switch {
	case tag == "":
		return sel
	case sel == "":
		return "has(" + tag + ")"
	}
	return "(" + sel + ") && has(" + tag + ")"
}

// notTagSelector is the notSelector of a side with a negated tag: the peer
// must match neither the notSelector nor carry the tag.
func notTagSelector(notSel, tag string) string {
	switch {
	case tag == "":
		return notSel
	case notSel == "":
		return "has(" + tag + ")"
	}
	return "(" + notSel + ") || has(" + tag + ")"
}
