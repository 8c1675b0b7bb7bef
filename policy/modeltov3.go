package policy

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
	"github.com/verdictlabs/verdict/selector"
)

// This file turns model values back into Calico v3 resources, the way
// Calico itself would store them: actions and protocols in Calico's
// spelling, selectors in canonical form, ports as numbers or "lo:hi",
// types always written out.

// v3PolicyKind is the Calico v3 kind a policy is written as. A converted
// Kubernetes policy has no v3 kind of its own: a Kubernetes NetworkPolicy
// becomes the NetworkPolicy Calico converted it to, with the same name,
// tier default and the same rules, so only the kind differs; likewise a
// ClusterNetworkPolicy becomes a GlobalNetworkPolicy in its tier, and a
// staged Kubernetes policy a StagedNetworkPolicy.
func v3PolicyKind(k model.Kind) model.Kind {
	switch k {
	case model.KindKubernetesNetworkPolicy:
		return model.KindNetworkPolicy
	case model.KindKubernetesClusterNetworkPolicy:
		return model.KindGlobalNetworkPolicy
	case model.KindStagedKubernetesNetworkPolicy:
		return model.KindStagedNetworkPolicy
	}
	return k
}

func v3FromTier(t model.Tier) v3Tier {
	return v3Tier{
		APIVersion: calicoAPIVersion, Kind: string(model.KindTier),
		Metadata: resource.ObjectMeta{Name: t.Name},
		Spec:     v3TierSpec{Order: t.Order, DefaultAction: string(t.DefaultAction)},
	}
}

// v3FromPolicy returns the policy as the v3 resource it is written as.
func v3FromPolicy(p *model.Policy) any {
	kind := v3PolicyKind(p.Kind)
	common := v3PolicyCommon{
		Tier:                   p.Tier,
		Order:                  p.Order,
		Selector:               selectorText(p.Selector),
		ServiceAccountSelector: selectorText(p.ServiceAccountSelector),
		Ingress:                v3FromRules(p.Ingress),
		Egress:                 v3FromRules(p.Egress),
		PerformanceHints:       p.PerformanceHints,
	}
	// Written out always, as Calico stores them. A policy with no types
	// (only a hand-built or ClusterNetworkPolicy model has one) governs
	// both directions, and says so.
	types := p.Types
	if len(types) == 0 {
		types = []model.Direction{model.Ingress, model.Egress}
	}
	for _, t := range types {
		common.Types = append(common.Types, string(t))
	}
	var staged string
	if kind.Staged() {
		staged = string(p.StagedAction)
	}
	meta := resource.ObjectMeta{Name: p.Name, Namespace: p.Namespace}
	if kind.Namespaced() {
		return v3NamespacedPolicy{
			APIVersion: calicoAPIVersion, Kind: string(kind), Metadata: meta,
			Spec: v3NamespacedPolicySpec{v3PolicyCommon: common, StagedAction: staged},
		}
	}
	return v3GlobalPolicy{
		APIVersion: calicoAPIVersion, Kind: string(kind), Metadata: meta,
		Spec: v3GlobalPolicySpec{
			v3PolicyCommon:    common,
			NamespaceSelector: selectorText(p.NamespaceSelector),
			DoNotTrack:        p.DoNotTrack,
			PreDNAT:           p.PreDNAT,
			ApplyOnForward:    p.ApplyOnForward,
			StagedAction:      staged,
		},
	}
}

func v3FromProfile(p *model.Profile) v3Profile {
	return v3Profile{
		APIVersion: calicoAPIVersion, Kind: string(model.KindProfile),
		Metadata: resource.ObjectMeta{Name: p.Name},
		Spec: v3ProfileSpec{
			Ingress: v3FromRules(p.Ingress), Egress: v3FromRules(p.Egress),
			LabelsToApply: p.LabelsToApply,
		},
	}
}

func v3FromNetworkSet(n *model.NetworkSet) v3NetworkSet {
	nets := make([]string, len(n.Nets))
	for i, p := range n.Nets {
		nets[i] = p.String()
	}
	return v3NetworkSet{
		APIVersion: calicoAPIVersion, Kind: string(n.Key().Kind),
		Metadata: resource.ObjectMeta{Name: n.Name, Namespace: n.Namespace, Labels: n.Labels},
		Spec:     v3NetworkSetSpec{Nets: nets},
	}
}

// v3FromEndpoint writes a workload endpoint (a pod, a Docker container or
// a Calico WorkloadEndpoint) or a host endpoint.
func v3FromEndpoint(e *model.Endpoint) any {
	ports := make([]v3EndpointPort, len(e.Ports))
	for i, p := range e.Ports {
		proto := model.ProtocolNamed(p.Protocol)
		if p.ProtocolByNumber {
			proto = model.ProtocolNumber(p.Protocol)
		}
		ports[i] = v3EndpointPort{Name: p.Name, Protocol: v3ProtocolFrom(proto), Port: p.Port}
	}
	if e.Kind == model.KindHostEndpoint {
		ips := make([]string, len(e.Addresses))
		for i, a := range e.Addresses {
			ips[i] = a.String()
		}
		return v3HostEndpoint{
			APIVersion: calicoAPIVersion, Kind: string(model.KindHostEndpoint),
			Metadata: resource.ObjectMeta{Name: e.Name, Labels: e.Labels},
			Spec: v3HostEndpointSpec{
				Node: e.Node, InterfaceName: e.Interface, ExpectedIPs: ips,
				Profiles: e.Profiles, Ports: ports,
			},
		}
	}
	networks := make([]string, len(e.Addresses))
	for i, a := range e.Addresses {
		networks[i] = netip.PrefixFrom(a, a.BitLen()).String()
	}
	return v3WorkloadEndpoint{
		APIVersion: calicoAPIVersion, Kind: string(model.KindWorkloadEndpoint),
		Metadata: resource.ObjectMeta{Name: e.Name, Namespace: e.Namespace, Labels: e.Labels},
		Spec: v3WorkloadEndpointSpec{
			Orchestrator: e.Orchestrator, Node: e.Node, ServiceAccountName: e.ServiceAccount,
			IPNetworks: networks, Profiles: e.Profiles, InterfaceName: e.Interface, Ports: workloadPorts(ports),
			ContainerID: e.ContainerID,
		},
	}
}

func v3FromRules(rules []model.Rule) []v3Rule {
	if len(rules) == 0 {
		return nil
	}
	out := make([]v3Rule, len(rules))
	for i := range rules {
		out[i] = v3FromRule(&rules[i])
	}
	return out
}

func v3FromRule(r *model.Rule) v3Rule {
	out := v3Rule{
		Action:      string(r.Action),
		Protocol:    v3ProtocolFrom(r.Protocol),
		NotProtocol: v3ProtocolFrom(r.NotProtocol),
		ICMP:        v3FromICMP(r.ICMP),
		NotICMP:     v3FromICMP(r.NotICMP),
		Source:      v3FromEntity(&r.Source),
		Destination: v3FromEntity(&r.Destination),
	}
	if r.IPVersion != 0 {
		v := r.IPVersion
		out.IPVersion = &v
	}
	if r.HTTP != nil {
		out.HTTP = &v3HTTPMatch{Methods: r.HTTP.Methods}
		for _, p := range r.HTTP.Paths {
			out.HTTP.Paths = append(out.HTTP.Paths, v3HTTPPath(p))
		}
	}
	if len(r.Annotations) > 0 {
		out.Metadata = &v3RuleMetadata{Annotations: r.Annotations}
	}
	return out
}

// v3ProtocolFrom writes a protocol as Calico spells it: its name when the
// rule named it, else its number; nil when the rule gives none.
func v3ProtocolFrom(p model.Protocol) *v3Protocol {
	if !p.IsSet() {
		return nil
	}
	s := p.String()
	if n, err := strconv.Atoi(s); err == nil {
		return &v3Protocol{numOrString{IsNum: true, Num: int64(n)}}
	}
	return &v3Protocol{numOrString{Str: s}}
}

func v3FromICMP(m *model.ICMPMatch) *v3ICMP {
	if m == nil {
		return nil
	}
	out := &v3ICMP{}
	if m.Type != nil {
		t := int(*m.Type)
		out.Type = &t
	}
	if m.Code != nil {
		c := int(*m.Code)
		out.Code = &c
	}
	return out
}

func v3FromEntity(e *model.EntityRule) v3EntityRule {
	out := v3EntityRule{
		Nets:              prefixStrings(e.Nets),
		NotNets:           prefixStrings(e.NotNets),
		Selector:          selectorText(e.Selector),
		NotSelector:       selectorText(e.NotSelector),
		NamespaceSelector: selectorText(e.NamespaceSelector),
		Ports:             v3FromPorts(e.Ports),
		NotPorts:          v3FromPorts(e.NotPorts),
	}
	if sa := e.ServiceAccounts; sa != nil {
		out.ServiceAccounts = &v3ServiceAccountMatch{Names: sa.Names, Selector: selectorText(sa.Selector)}
	}
	if s := e.Services; s != nil {
		out.Services = &v3ServiceMatch{Name: s.Name, Namespace: s.Namespace}
	}
	return out
}

// v3FromPorts writes a single port as a number, a range as "lo:hi" and a
// named port as its name.
func v3FromPorts(ports []model.Port) []v3Port {
	if len(ports) == 0 {
		return nil
	}
	out := make([]v3Port, len(ports))
	for i, p := range ports {
		switch {
		case p.Name != "":
			out[i] = v3Port{numOrString{Str: p.Name}}
		case p.Min == p.Max:
			out[i] = v3Port{numOrString{IsNum: true, Num: int64(p.Min)}}
		default:
			out[i] = v3Port{numOrString{Str: fmt.Sprintf("%d:%d", p.Min, p.Max)}}
		}
	}
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	if len(ps) == 0 {
		return nil
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// selectorText is the canonical text of a selector, "" for none.
func selectorText(s *selector.Selector) string {
	if s == nil {
		return ""
	}
	return s.String()
}
