package kube

import (
	"github.com/verdictlabs/verdict/model"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// validateNetworkPolicySpec checks a NetworkPolicy spec as the API server
// does, reporting every problem with its field path.
func (r *report) validateNetworkPolicySpec(s *NetworkPolicySpec) {
	spec := resource.Root().Child("spec")
	r.validateLabelSelector(spec.Child("podSelector"), &s.PodSelector)
	for i := range s.Ingress {
		rule := spec.Child("ingress").Index(i)
		r.validateNetworkPolicyPorts(rule.Child("ports"), s.Ingress[i].Ports)
		for j := range s.Ingress[i].From {
			r.validateNetworkPolicyPeer(rule.Child("from").Index(j), &s.Ingress[i].From[j])
		}
	}
	for i := range s.Egress {
		rule := spec.Child("egress").Index(i)
		r.validateNetworkPolicyPorts(rule.Child("ports"), s.Egress[i].Ports)
		for j := range s.Egress[i].To {
			r.validateNetworkPolicyPeer(rule.Child("to").Index(j), &s.Egress[i].To[j])
		}
	}
	types := spec.Child("policyTypes")
	if len(s.PolicyTypes) > 2 {
		r.Errorf(types, "lists %d types; there are only Ingress and Egress", len(s.PolicyTypes))
	}
	for i, t := range s.PolicyTypes {
		if t != string(model.Ingress) && t != string(model.Egress) {
			r.Errorf(types.Index(i), "%q is not a policy type (Ingress, Egress)", t)
		}
	}
}

func (r *report) validateNetworkPolicyPorts(path *resource.Path, ports []NetworkPolicyPort) {
	for i, p := range ports {
		pp := path.Index(i)
		if p.Protocol != nil {
			switch *p.Protocol {
			case protocolTCP, protocolUDP, protocolSCTP:
			default:
				r.Errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", *p.Protocol)
			}
		}
		switch {
		case p.Port == nil:
			if p.EndPort != nil {
				r.Errorf(pp.Child("endPort"), "is allowed only with port")
			}
		case p.Port.IsString:
			if p.EndPort != nil {
				r.Errorf(pp.Child("endPort"), "is allowed only with a numeric port, not the named port %q", p.Port.StrVal)
			}
			if msg := resource.PortName(p.Port.StrVal); msg != "" {
				r.Errorf(pp.Child("port"), "named port %q: %s", p.Port.StrVal, msg)
			}
		default:
			if !resource.PortNumber(int64(p.Port.IntVal)) {
				r.Errorf(pp.Child("port"), "%d is not a port number from 1 to 65535", p.Port.IntVal)
			}
			if p.EndPort != nil {
				end := *p.EndPort
				if !resource.PortNumber(int64(end)) {
					r.Errorf(pp.Child("endPort"), "%d is not a port number from 1 to 65535", end)
				} else if end < p.Port.IntVal {
					r.Errorf(pp.Child("endPort"), "%d is less than port %d", end, p.Port.IntVal)
				}
			}
		}
	}
}

func (r *report) validateNetworkPolicyPeer(path *resource.Path, p *NetworkPolicyPeer) {
	given := 0
	if p.PodSelector != nil {
		given++
		r.validateLabelSelector(path.Child("podSelector"), p.PodSelector)
	}
	if p.NamespaceSelector != nil {
		given++
		r.validateLabelSelector(path.Child("namespaceSelector"), p.NamespaceSelector)
	}
	if p.IPBlock != nil {
		given++
		r.validateIPBlock(path.Child("ipBlock"), p.IPBlock)
	}
	switch {
	case given == 0:
		r.Errorf(path, "a peer needs podSelector, namespaceSelector or ipBlock")
	case given > 1 && p.IPBlock != nil:
		r.Errorf(path, "ipBlock cannot be combined with podSelector or namespaceSelector")
	}
}

// validateIPBlock checks the CIDR and that every exception lies strictly
// inside it.
func (r *report) validateIPBlock(path *resource.Path, b *IPBlock) {
	cidr, cidrOK := parseCIDR(b.CIDR)
	switch {
	case b.CIDR == "":
		r.Errorf(path.Child("cidr"), "is required")
	case !cidrOK:
		r.Errorf(path.Child("cidr"), "%q is not a CIDR", b.CIDR)
	}
	for i, e := range b.Except {
		except, ok := parseCIDR(e)
		switch {
		case !ok:
			r.Errorf(path.Child("except").Index(i), "%q is not a CIDR", e)
		case cidrOK && (except.Bits() <= cidr.Bits() || !cidr.Contains(except.Addr())):
			r.Errorf(path.Child("except").Index(i), "%q is not strictly inside cidr %q", e, b.CIDR)
		}
	}
}
