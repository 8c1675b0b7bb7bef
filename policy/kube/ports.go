package kube

import (
	"sort"

	"github.com/verdictlabs/verdict/model"
)

// portGroups gathers a Kubernetes rule's ports by protocol, the way
// Calico's converters do before writing one Calico rule per protocol. The
// key is the protocol's name ("TCP", "UDP", "SCTP") or "" for no protocol;
// a nil list means every port of that protocol.
type portGroups map[string][]model.Port

// all makes the whole rule protocol-free and port-free: what a rule without
// ports means, and what wins over every other port entry.
func (g portGroups) all() {
	clear(g)
	g[""] = nil
}

// add records one port entry; port nil stands for every port of proto.
// Every-port entries win over single ports of the same protocol in
// whichever order they come.
func (g portGroups) add(proto string, port *model.Port) {
	if port == nil {
		g[proto] = nil
		return
	}
	if existing, ok := g[proto]; !ok || len(existing) > 0 {
		g[proto] = append(existing, *port)
	}
}

// protocols returns the keys in Calico's order, byte order of the names:
// "" (no protocol) first, then SCTP, TCP and UDP. The conformance vectors
// pin this order through the rule indices of their hits.
func (g portGroups) protocols() []string {
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// groupProtocol maps a group key, a Kubernetes protocol field, to the
// model's protocol, written by name as Calico writes it. Kubernetes spells
// its three protocols (TCP, UDP, SCTP) exactly as Calico v3 does; ""
// gives no protocol.
func groupProtocol(name string) (model.Protocol, bool) {
	if name == "" {
		return model.Protocol{}, true
	}
	p, err := model.ParseProtocol(name)
	if err != nil || !p.ByName || p.String() != name || !p.SupportsPorts() {
		return model.Protocol{}, false
	}
	return p, true
}

// simplifyPorts merges numeric ports that touch or overlap into the
// fewest ranges, as Calico does for converted Kubernetes rules. Named ports
// come first, in their order, then the ranges in ascending order. A list
// covering at most one numeric port number is returned as it was, since
// Calico leaves such lists alone; the order only changes how a rule
// prints, never what it matches.
func simplifyPorts(ports []model.Port) []model.Port {
	if len(ports) <= 1 {
		return ports
	}
	var named, ranges []model.Port
	covered := 0
	for _, p := range ports {
		if p.Name != "" {
			named = append(named, p)
			continue
		}
		ranges = append(ranges, p)
		covered += int(p.Max) - int(p.Min) + 1
	}
	if covered <= 1 {
		return ports
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].Min < ranges[j].Min })
	out := named
	cur := ranges[0]
	for _, r := range ranges[1:] {
		if int(r.Min) <= int(cur.Max)+1 {
			cur.Max = max(cur.Max, r.Max)
			continue
		}
		out = append(out, cur)
		cur = r
	}
	return append(out, cur)
}
