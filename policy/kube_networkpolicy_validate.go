package policy

import "github.com/verdictlabs/verdict/model"

// validateNetworkPolicySpec checks a NetworkPolicy spec as the API server
// does, reporting every problem with its field path.
func (r *kubeReport) validateNetworkPolicySpec(s *KubernetesNetworkPolicySpec) {
	spec := rootPath().Child("spec")
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
		r.errorf(types, "lists %d types; there are only Ingress and Egress", len(s.PolicyTypes))
	}
	for i, t := range s.PolicyTypes {
		if t != string(model.Ingress) && t != string(model.Egress) {
			r.errorf(types.Index(i), "%q is not a policy type (Ingress, Egress)", t)
		}
	}
}

func (r *kubeReport) validateNetworkPolicyPorts(path *fieldPath, ports []KubernetesNetworkPolicyPort) {
	for i, p := range ports {
		pp := path.Index(i)
		if p.Protocol != nil {
			switch *p.Protocol {
			case kubeProtocolTCP, kubeProtocolUDP, kubeProtocolSCTP:
			default:
				r.errorf(pp.Child("protocol"), "%q is not supported (TCP, UDP, SCTP)", *p.Protocol)
			}
		}
		switch {
		case p.Port == nil:
			if p.EndPort != nil {
				r.errorf(pp.Child("endPort"), "is allowed only with port")
			}
		case p.Port.IsString:
			if p.EndPort != nil {
				r.errorf(pp.Child("endPort"), "is allowed only with a numeric port, not the named port %q", p.Port.StrVal)
			}
			if msg := kubePortName(p.Port.StrVal); msg != "" {
				r.errorf(pp.Child("port"), "named port %q: %s", p.Port.StrVal, msg)
			}
		default:
			if !kubePortNumber(int64(p.Port.IntVal)) {
				r.errorf(pp.Child("port"), "%d is not a port number from 1 to 65535", p.Port.IntVal)
			}
			if p.EndPort != nil {
				end := *p.EndPort
				if !kubePortNumber(int64(end)) {
					r.errorf(pp.Child("endPort"), "%d is not a port number from 1 to 65535", end)
				} else if end < p.Port.IntVal {
					r.errorf(pp.Child("endPort"), "%d is less than port %d", end, p.Port.IntVal)
				}
			}
		}
	}
}

func (r *kubeReport) validateNetworkPolicyPeer(path *fieldPath, p *KubernetesNetworkPolicyPeer) {
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
		r.errorf(path, "a peer needs podSelector, namespaceSelector or ipBlock")
	case given > 1 && p.IPBlock != nil:
		r.errorf(path, "ipBlock cannot be combined with podSelector or namespaceSelector")
	}
}

// validateIPBlock checks the CIDR and that every exception lies strictly
// inside it.
func (r *kubeReport) validateIPBlock(path *fieldPath, b *IPBlock) {
	cidr, cidrOK := kubeParseCIDR(b.CIDR)
	switch {
	case b.CIDR == "":
		r.errorf(path.Child("cidr"), "is required")
	case !cidrOK:
		r.errorf(path.Child("cidr"), "%q is not a CIDR", b.CIDR)
	}
	for i, e := range b.Except {
		except, ok := kubeParseCIDR(e)
		switch {
		case !ok:
			r.errorf(path.Child("except").Index(i), "%q is not a CIDR", e)
		case cidrOK && (except.Bits() <= cidr.Bits() || !cidr.Contains(except.Addr())):
			r.errorf(path.Child("except").Index(i), "%q is not strictly inside cidr %q", e, b.CIDR)
		}
	}
}
