package analysis

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

// target is a service flows must reach: an address and the ports to try
// (reached when any is allowed).
type target struct {
	addr  netip.Addr
	ports []Port
}

var kubeDNSSelector = selector.MustParse("k8s-app == 'kube-dns'")

// dnsTargets finds the DNS servers: the selector's endpoints when one is
// given, else the slices of Service kube-system/kube-dns, else the
// endpoints of kube-system labelled k8s-app=kube-dns.
func dnsTargets(w *world, sel *selector.Selector) []target {
	ports := []Port{{Protocol: model.ProtoUDP, Number: 53}, {Protocol: model.ProtoTCP, Number: 53}}
	var addrs []netip.Addr
	if sel == nil {
		for _, svc := range w.set.Services {
			if svc.Namespace == "kube-system" && svc.Name == "kube-dns" {
				for _, sl := range svc.Slices {
					addrs = append(addrs, sl.Addresses...)
				}
			}
		}
	}
	if len(addrs) == 0 {
		for _, e := range w.endpoints {
			switch {
			case sel != nil && sel.Matches(e.labels):
			case sel == nil && e.ep.Namespace == "kube-system" && kubeDNSSelector.Matches(e.labels):
			default:
				continue
			}
			addrs = append(addrs, e.ep.Addresses...)
		}
	}
	var out []target
	for _, a := range addrs {
		out = append(out, target{addr: a, ports: ports})
	}
	return out
}

// apiServerTargets finds the API server: the address given, else the
// slices of Service default/kubernetes with their ports.
func apiServerTargets(w *world, given netip.AddrPort) []target {
	if given.IsValid() {
		return []target{{addr: given.Addr(), ports: []Port{{Protocol: model.ProtoTCP, Number: given.Port()}}}}
	}
	var out []target
	for _, svc := range w.set.Services {
		if svc.Namespace != "default" || svc.Name != "kubernetes" {
			continue
		}
		for _, sl := range svc.Slices {
			var ports []Port
			for _, p := range sl.Ports {
				ports = append(ports, Port{Protocol: p.Protocol, Number: p.Port})
			}
			for _, a := range sl.Addresses {
				out = append(out, target{addr: a, ports: ports})
			}
		}
	}
	return out
}

// reach tells whether a flow from addr reaches one of the targets, and
// when it does not, the first refusal.
func reach(eng *eval.Engine, from [2]netip.Addr, targets []target) (bool, *model.Verdict) {
	var refused *model.Verdict
	for _, t := range targets {
		src := from[familyIndex(t.addr)]
		if !src.IsValid() {
			continue
		}
		for _, p := range t.ports {
			v := eng.Evaluate(model.Flow{Src: src, Dst: t.addr, Protocol: p.Protocol, SrcPort: matrixSourcePort, DstPort: p.Number})
			if v.Allowed() {
				return true, nil
			}
			if refused == nil {
				refused = &v
			}
		}
	}
	return false, refused
}

// reachByEndpoint tells, for each workload endpoint with an address,
// whether it reaches one of the targets.
func reachByEndpoint(w *world, eng *eval.Engine, targets []target) map[model.Key]bool {
	out := map[model.Key]bool{}
	for _, c := range w.classes() {
		if c.Kind == model.KindHostEndpoint {
			continue
		}
		ok, _ := reach(eng, c.Addrs, targets)
		for _, m := range c.Members {
			out[m] = ok
		}
	}
	return out
}

// checkReach reports classes an enforced egress policy selects that reach
// no DNS server and, with a before set, classes cut off from DNS or the
// API server.
func (l *linter) checkReach() {
	dns := dnsTargets(l.w, l.opts.DNSSelector)
	var before *world
	var beforeEng *eval.Engine
	if l.opts.Before != nil {
		before = newWorld(l.opts.Before)
		var err error
		if beforeEng, err = eval.New(*l.opts.Before); err != nil {
			before = nil
		}
	}
	var api []target
	if before != nil {
		api = apiServerTargets(l.w, l.opts.APIServer)
		if len(api) == 0 {
			l.add(Finding{Code: CodeAPIServerTargetUnknown, Severity: Info,
				Message: "no API server to check: no EndpointSlice of Service default/kubernetes is in the input; give --apiserver ADDR:PORT"})
		}
	}
	var dnsBefore, apiBefore map[model.Key]bool
	if before != nil {
		if len(dns) > 0 {
			dnsBefore = reachByEndpoint(before, beforeEng, dnsTargets(before, l.opts.DNSSelector))
		}
		if len(api) > 0 {
			beforeAPI := apiServerTargets(before, l.opts.APIServer)
			if len(beforeAPI) == 0 {
				beforeAPI = api
			}
			apiBefore = reachByEndpoint(before, beforeEng, beforeAPI)
		}
	}

	dnsUnknownReported := false
	for _, c := range l.w.classes() {
		if c.Kind == model.KindHostEndpoint {
			continue
		}
		name := GroupName(&c, nil)
		cutDNS := false
		if dnsBefore != nil {
			if ok, refused := reach(l.eng, c.Addrs, dns); !ok {
				if lost := reachedBefore(c.Members, dnsBefore); len(lost) > 0 {
					cutDNS = true
					l.refusal(CodeDNSCut, refused, fmt.Sprintf("endpoints %s reached DNS before the change and no longer do on UDP or TCP 53", describeMembers(name, lost)), lost)
				}
			}
		}
		if apiBefore != nil {
			if ok, refused := reach(l.eng, c.Addrs, api); !ok {
				if lost := reachedBefore(c.Members, apiBefore); len(lost) > 0 {
					l.refusal(CodeAPIServerCut, refused, fmt.Sprintf("endpoints %s reached the API server before the change and no longer do", describeMembers(name, lost)), lost)
				}
			}
		}
		if cutDNS || !l.egressEnforced(c.Labels) {
			continue
		}
		if len(dns) == 0 {
			if !dnsUnknownReported {
				dnsUnknownReported = true
				l.add(Finding{Code: CodeDNSTargetUnknown, Severity: Info,
					Message: "no DNS server to check egress policies against: no Service kube-system/kube-dns or kube-system endpoint with k8s-app=kube-dns is in the input; give --dns-selector"})
			}
			continue
		}
		if ok, refused := reach(l.eng, c.Addrs, dns); !ok {
			l.refusal(CodeDNSUnreachable, refused, fmt.Sprintf("endpoints %s reach no DNS server on UDP or TCP 53", describeMembers(name, c.Members)), c.Members)
		}
	}
}

// egressEnforced reports whether an enforced policy governs the egress of
// endpoints with these labels.
func (l *linter) egressEnforced(labels selector.Map) bool {
	for _, pi := range l.policies {
		if !pi.p.Kind.Staged() && pi.applies(labels, model.Egress) {
			return true
		}
	}
	return false
}

func reachedBefore(members []model.Key, before map[model.Key]bool) []model.Key {
	var out []model.Key
	for _, m := range members {
		if before[m] {
			out = append(out, m)
		}
	}
	return out
}

func describeMembers(group string, members []model.Key) string {
	var names []string
	for i, m := range members {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(members)-3))
			break
		}
		names = append(names, qualifiedName(m.Namespace, m.Name))
	}
	return group + " (" + strings.Join(names, ", ") + ")"
}

// refusal reports a flow refused, naming the policy whose hit decided it
// (the egress side first).
func (l *linter) refusal(code string, v *model.Verdict, msg string, members []model.Key) {
	f := Finding{Code: code, Severity: Warning, Message: msg}
	for _, m := range members {
		f.Related = append(f.Related, m.String())
	}
	if v != nil {
		side, dir := v.Egress, model.Egress
		if side.Allowed() {
			side, dir = v.Ingress, model.Ingress
		}
		d := side.Decision
		switch {
		case d.EndOfProfiles:
			f.Message += fmt.Sprintf(": denied at %s after the profiles", dirField(dir))
		case d.Hit.Kind == model.KindProfile:
			f.Kind, f.Name = model.KindProfile, d.Hit.Name
			f.Path = fmt.Sprintf("spec.%s[%d]", dirField(dir), d.Hit.Index)
			f.Message += fmt.Sprintf(": denied at %s by profile %s", dirField(dir), d.Hit.Name)
		default:
			f.Kind, f.Namespace, f.Name = d.Hit.Kind, d.Hit.Namespace, d.Hit.Name
			if d.Hit.Index >= 0 {
				f.Path = fmt.Sprintf("spec.%s[%d]", dirField(dir), d.Hit.Index)
				f.Message += fmt.Sprintf(": denied at %s by %s %s rule %d", dirField(dir), d.Hit.Kind, qualifiedName(d.Hit.Namespace, d.Hit.Name), d.Hit.Index)
			} else {
				f.Path = "spec." + dirField(dir)
				f.Message += fmt.Sprintf(": denied at %s by tier %s's default action after %s %s", dirField(dir), d.Hit.Tier, d.Hit.Kind, qualifiedName(d.Hit.Namespace, d.Hit.Name))
			}
		}
	}
	slices.Sort(f.Related)
	l.add(f)
}
