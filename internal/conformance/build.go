package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/policy/kube"
	"github.com/verdictlabs/verdict/selector"
)

// Scenario is a case built into model values: the whole set, the endpoint
// whose direction is judged, that direction, and the flow.
type Scenario struct {
	Set       model.Set
	Judged    *model.Endpoint
	Direction model.Direction
	Flow      model.Flow
}

// Build turns the case into model values (conformance/README.md). Errors
// name the case, the resource and the field.
func (c *Case) Build() (*Scenario, error) {
	s, err := c.build()
	if err != nil {
		return nil, fmt.Errorf("case %q: %w", c.ID, err)
	}
	return s, nil
}

func (c *Case) build() (*Scenario, error) {
	var set model.Set
	for i, t := range c.Tiers {
		if t.Name == "" {
			return nil, fmt.Errorf("tiers[%d]: no name", i)
		}
		set.Tiers = append(set.Tiers, model.Tier{Name: t.Name, Order: t.Order, DefaultAction: model.Action(t.DefaultAction)})
	}
	// The default tier always exists, and kube-admin and kube-baseline are
	// Calico's too; a case lists them when it changes nothing about them.
	set = set.WithBuiltinTiers()

	for i := range c.Policies {
		p, err := c.Policies[i].build()
		if err != nil {
			return nil, fmt.Errorf("policies[%d] (%s): %w", i, c.Policies[i].Name, err)
		}
		set.Policies = append(set.Policies, p)
	}
	for i, raw := range c.KubernetesNetworkPolicies {
		var np kube.NetworkPolicy
		if err := decodeStrict(raw, &np); err != nil {
			return nil, fmt.Errorf("k8s_network_policies[%d]: %w", i, err)
		}
		p, problems := kube.ConvertNetworkPolicy(&np)
		if err := problemsError(problems); err != nil {
			return nil, fmt.Errorf("k8s_network_policies[%d] (%s): %w", i, np.Metadata.Name, err)
		}
		set.Policies = append(set.Policies, p)
	}
	for i, raw := range c.ClusterNetworkPolicies {
		var cnp kube.ClusterNetworkPolicy
		if err := decodeStrict(raw, &cnp); err != nil {
			return nil, fmt.Errorf("cluster_network_policies[%d]: %w", i, err)
		}
		p, ok, problems := kube.ConvertClusterNetworkPolicy(&cnp)
		if err := problemsError(problems); err != nil {
			return nil, fmt.Errorf("cluster_network_policies[%d] (%s): %w", i, cnp.Metadata.Name, err)
		}
		if ok {
			set.Policies = append(set.Policies, p)
		}
	}
	for i, raw := range c.StagedKubernetesNetworkPolicies {
		var snp kube.StagedKubernetesNetworkPolicy
		if err := decodeStrict(raw, &snp); err != nil {
			return nil, fmt.Errorf("staged_k8s_network_policies[%d]: %w", i, err)
		}
		p, ok, problems := kube.ConvertStagedKubernetesNetworkPolicy(&snp)
		if err := problemsError(problems); err != nil {
			return nil, fmt.Errorf("staged_k8s_network_policies[%d] (%s): %w", i, snp.Metadata.Name, err)
		}
		if ok {
			set.Policies = append(set.Policies, p)
		}
	}

	for i := range c.Profiles {
		p, err := c.Profiles[i].build()
		if err != nil {
			return nil, fmt.Errorf("profiles[%d] (%s): %w", i, c.Profiles[i].Name, err)
		}
		set.Profiles = append(set.Profiles, p)
	}
	for _, n := range c.Namespaces {
		ns := model.Namespace{Name: n.Name, Labels: n.Labels}
		set.Namespaces = append(set.Namespaces, ns)
		set.Profiles = append(set.Profiles, kube.NamespaceProfile(ns))
	}
	for _, a := range c.ServiceAccounts {
		sa := model.ServiceAccount{Name: a.Name, Namespace: a.Namespace, Labels: a.Labels}
		set.ServiceAccounts = append(set.ServiceAccounts, sa)
		set.Profiles = append(set.Profiles, kube.ServiceAccountProfile(sa))
	}

	s := &Scenario{}
	for _, side := range []struct {
		name string
		ep   *Endpoint
	}{{"src", &c.Src}, {"dst", &c.Dst}} {
		if side.ep.Name == "" {
			continue
		}
		ep, err := side.ep.build()
		if err != nil {
			return nil, fmt.Errorf("%s (%s): %w", side.name, side.ep.Name, err)
		}
		set.Endpoints = append(set.Endpoints, ep)
	}
	for i, n := range c.GlobalNetworkSets {
		if n.Namespace != "" {
			return nil, fmt.Errorf("global_network_sets[%d] (%s): namespace: a global network set has none", i, n.Name)
		}
		ns, err := n.build()
		if err != nil {
			return nil, fmt.Errorf("global_network_sets[%d] (%s): %w", i, n.Name, err)
		}
		set.NetworkSets = append(set.NetworkSets, ns)
	}
	for i, n := range c.NetworkSets {
		if n.Namespace == "" {
			return nil, fmt.Errorf("network_sets[%d] (%s): namespace: missing", i, n.Name)
		}
		ns, err := n.build()
		if err != nil {
			return nil, fmt.Errorf("network_sets[%d] (%s): %w", i, n.Name, err)
		}
		set.NetworkSets = append(set.NetworkSets, ns)
	}
	for i, h := range c.HostEndpoints {
		addrs, err := parseAddrs(h.ExpectedIPs)
		if err != nil {
			return nil, fmt.Errorf("host_endpoints[%d] (%s): expected_ips: %w", i, h.Name, err)
		}
		set.Endpoints = append(set.Endpoints, model.Endpoint{Kind: model.KindHostEndpoint, Name: h.Name, Labels: h.Labels, Addresses: addrs})
	}
	svcs, err := c.services()
	if err != nil {
		return nil, err
	}
	set.Services = svcs
	s.Set = set

	flow, err := c.flow()
	if err != nil {
		return nil, err
	}
	s.Flow = flow
	var judged *Endpoint
	switch c.Flow.Direction {
	case "ingress":
		s.Direction, judged = model.Ingress, &c.Dst
	case "egress":
		s.Direction, judged = model.Egress, &c.Src
	default:
		return nil, fmt.Errorf("flow.direction: %q is neither ingress nor egress", c.Flow.Direction)
	}
	if judged.Name == "" {
		return nil, fmt.Errorf("flow.direction: %s judges an endpoint the case does not name", c.Flow.Direction)
	}
	ep, _ := judged.build() // built once already above, without error
	s.Judged = &ep
	return s, nil
}

func (p *Policy) build() (model.Policy, error) {
	out := model.Policy{Name: p.Name, Namespace: p.Namespace, Tier: p.Tier, Order: p.Order}
	if out.Tier == "" {
		out.Tier = model.TierDefault
	}
	switch {
	case p.Namespace == "" && p.Staged:
		out.Kind = model.KindStagedGlobalNetworkPolicy
	case p.Namespace == "":
		out.Kind = model.KindGlobalNetworkPolicy
	case p.Staged:
		out.Kind = model.KindStagedNetworkPolicy
	default:
		out.Kind = model.KindNetworkPolicy
	}
	if p.Staged {
		out.StagedAction = model.StagedSet
	}
	var err error
	if p.Selector != nil {
		if out.Selector, err = selector.Parse(*p.Selector); err != nil {
			return model.Policy{}, fmt.Errorf("selector: %w", err)
		}
	}
	// An empty namespace or service-account selector is no selector, as in
	// Calico's update processors.
	if p.NamespaceSelector != nil && *p.NamespaceSelector != "" {
		if out.NamespaceSelector, err = selector.Parse(*p.NamespaceSelector); err != nil {
			return model.Policy{}, fmt.Errorf("namespace_selector: %w", err)
		}
	}
	if p.ServiceAccountSelector != nil && *p.ServiceAccountSelector != "" {
		if out.ServiceAccountSelector, err = selector.Parse(*p.ServiceAccountSelector); err != nil {
			return model.Policy{}, fmt.Errorf("service_account_selector: %w", err)
		}
	}
	for i, t := range p.Types {
		switch model.Direction(t) {
		case model.Ingress, model.Egress:
			out.Types = append(out.Types, model.Direction(t))
		default:
			return model.Policy{}, fmt.Errorf("types[%d]: %q is neither Ingress nor Egress", i, t)
		}
	}
	if out.Ingress, err = decodeRules("ingress", p.Ingress, policyRule(p.Namespace, model.Ingress)); err != nil {
		return model.Policy{}, err
	}
	if out.Egress, err = decodeRules("egress", p.Egress, policyRule(p.Namespace, model.Egress)); err != nil {
		return model.Policy{}, err
	}
	return out, nil
}

// policyRule decodes the rules of one direction of a policy in namespace
// ns ("" for a global policy), validated as such.
func policyRule(ns string, dir model.Direction) func([]byte) (model.Rule, error) {
	return func(raw []byte) (model.Rule, error) { return policy.DecodePolicyRule(raw, ns, dir) }
}

func (p *Profile) build() (model.Profile, error) {
	out := model.Profile{Name: p.Name, LabelsToApply: p.Labels}
	var err error
	if out.Ingress, err = decodeRules("ingress", p.Ingress, policy.DecodeRule); err != nil {
		return model.Profile{}, err
	}
	if out.Egress, err = decodeRules("egress", p.Egress, policy.DecodeRule); err != nil {
		return model.Profile{}, err
	}
	return out, nil
}

// decodeRules decodes Calico v3 rules with one of the policy package's
// decoders.
func decodeRules(field string, raws []json.RawMessage, decode func([]byte) (model.Rule, error)) ([]model.Rule, error) {
	var out []model.Rule
	for i, raw := range raws {
		r, err := decode(raw)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (e *Endpoint) build() (model.Endpoint, error) {
	a, err := netip.ParseAddr(e.IP)
	if err != nil {
		return model.Endpoint{}, fmt.Errorf("ip: %w", err)
	}
	var profiles []string
	if e.Profiles != nil {
		profiles = *e.Profiles
	} else {
		profiles = []string{model.NamespaceProfile(e.Namespace)}
		if e.ServiceAccount != "" {
			profiles = append(profiles, model.ServiceAccountProfile(e.Namespace, e.ServiceAccount))
		}
	}
	ports, err := buildPorts(e.Ports)
	if err != nil {
		return model.Endpoint{}, err
	}
	return model.Endpoint{
		Kind:           model.KindWorkloadEndpoint,
		Ports:          ports,
		Name:           e.Name,
		Namespace:      e.Namespace,
		Labels:         e.Labels,
		Addresses:      []netip.Addr{a},
		Profiles:       profiles,
		ServiceAccount: e.ServiceAccount,
		Orchestrator:   model.OrchestratorKubernetes,
	}, nil
}

// services builds the case's services from its Service and EndpointSlice
// objects with kube.BuildServices. Both are Kubernetes
// workload kinds, whose fields Verdict does not use are ignored (SPEC 2).
func (c *Case) services() ([]model.Service, error) {
	if len(c.Services) == 0 && len(c.EndpointSlices) == 0 {
		return nil, nil
	}
	svcs := make([]kube.Service, len(c.Services))
	for i, raw := range c.Services {
		if err := json.Unmarshal(raw, &svcs[i]); err != nil {
			return nil, fmt.Errorf("services[%d]: %w", i, err)
		}
	}
	slices := make([]kube.EndpointSlice, len(c.EndpointSlices))
	for i, raw := range c.EndpointSlices {
		if err := json.Unmarshal(raw, &slices[i]); err != nil {
			return nil, fmt.Errorf("endpoint_slices[%d]: %w", i, err)
		}
	}
	out, problems := kube.BuildServices(svcs, slices)
	if err := problemsError(problems); err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	return out, nil
}

// buildPorts reads an endpoint's named ports: each a name, a protocol that
// has ports (TCP, UDP or SCTP, by name or number) and a port from 1 to
// 65535.
func buildPorts(ports []EndpointPort) ([]model.EndpointPort, error) {
	var out []model.EndpointPort
	for i, p := range ports {
		if p.Name == "" {
			return nil, fmt.Errorf("ports[%d].name: missing", i)
		}
		if p.Port == 0 {
			return nil, fmt.Errorf("ports[%d].port: missing", i)
		}
		proto, err := portProtocol(p.Protocol)
		if err != nil {
			return nil, fmt.Errorf("ports[%d].protocol: %w", i, err)
		}
		out = append(out, model.EndpointPort{Name: p.Name, Protocol: proto.Number, Port: p.Port, ProtocolByNumber: !proto.ByName})
	}
	return out, nil
}

// portProtocol reads a named port's protocol, a name or a number (a JSON
// number or a string of digits, which Calico stores as a number), which
// must be one that has ports.
func portProtocol(raw json.RawMessage) (model.Protocol, error) {
	text := string(raw)
	var name string
	if json.Unmarshal(raw, &name) == nil {
		text = name
	}
	p, err := model.ParseProtocol(text)
	if err != nil {
		return model.Protocol{}, err
	}
	if !p.SupportsPorts() {
		return model.Protocol{}, fmt.Errorf("protocol %s has no ports: want TCP, UDP or SCTP", p)
	}
	return p, nil
}

func (n *NetworkSet) build() (model.NetworkSet, error) {
	out := model.NetworkSet{Name: n.Name, Namespace: n.Namespace, Labels: n.Labels}
	for i, s := range n.Nets {
		p, err := parseNet(s)
		if err != nil {
			return model.NetworkSet{}, fmt.Errorf("nets[%d]: %w", i, err)
		}
		out.Nets = append(out.Nets, p)
	}
	return out, nil
}

// parseNet reads a CIDR, or a bare address as its single-address prefix,
// as Calico's validator accepts it.
func parseNet(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither a CIDR nor an address", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func parseAddrs(ss []string) ([]netip.Addr, error) {
	out := make([]netip.Addr, 0, len(ss))
	for i, s := range ss {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (c *Case) flow() (model.Flow, error) {
	src, err := netip.ParseAddr(c.Src.IP)
	if err != nil {
		return model.Flow{}, fmt.Errorf("src.ip: %w", err)
	}
	dst, err := netip.ParseAddr(c.Dst.IP)
	if err != nil {
		return model.Flow{}, fmt.Errorf("dst.ip: %w", err)
	}
	f := model.Flow{Src: src, Dst: dst, Protocol: c.Flow.Protocol, SrcPort: c.Flow.SrcPort, DstPort: c.Flow.DstPort}
	if h := c.Flow.HTTP; h != nil {
		f.HTTP = &model.HTTPRequest{Method: h.Method, Path: h.Path}
	}
	return f, nil
}

// decodeStrict decodes a Kubernetes object, refusing fields its Go type
// does not have.
func decodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// problemsError returns the errors among a conversion's problems, or nil
// when there are only warnings.
func problemsError(ps policy.Problems) error {
	if errs := ps.Errors(); len(errs) > 0 {
		return errs
	}
	return nil
}
