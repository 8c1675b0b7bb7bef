package policy

import "regexp"

// Limits of the ClusterNetworkPolicy API (its CRD schema).
const (
	kubeCNPMaxPriority   = 1000
	kubeCNPMaxRules      = 25
	kubeCNPMaxItems      = 25
	kubeCNPMaxRuleName   = 100
	kubeCNPMaxCIDRLength = 43
)

// kubeDomainNameRE is the CRD's pattern for a domainNames entry: an exact
// name, or "*." and a name.
var kubeDomainNameRE = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$`)

// validateClusterNetworkPolicySpec checks a ClusterNetworkPolicy spec as
// its CRD schema does, reporting every problem with its field path.
func (r *kubeReport) validateClusterNetworkPolicySpec(s *ClusterNetworkPolicySpec) {
	spec := rootPath().Child("spec")
	switch s.Tier {
	case ClusterNetworkPolicyTierAdmin, ClusterNetworkPolicyTierBaseline:
	case "":
		r.errorf(spec.Child("tier"), "is required (Admin or Baseline)")
	default:
		r.errorf(spec.Child("tier"), "%q is not a tier of the API (Admin, Baseline)", s.Tier)
	}
	if s.Priority < 0 || s.Priority > kubeCNPMaxPriority {
		r.errorf(spec.Child("priority"), "%d is not from 0 to 1000", s.Priority)
	}

	subject := spec.Child("subject")
	switch {
	case s.Subject.Namespaces == nil && s.Subject.Pods == nil:
		r.errorf(subject, "must set namespaces or pods")
	case s.Subject.Namespaces != nil && s.Subject.Pods != nil:
		r.errorf(subject, "must set only one of namespaces and pods")
	}
	r.validateLabelSelector(subject.Child("namespaces"), s.Subject.Namespaces)
	r.validateNamespacedPod(subject.Child("pods"), s.Subject.Pods)

	if len(s.Ingress) > kubeCNPMaxRules {
		r.errorf(spec.Child("ingress"), "has %d rules, more than 25", len(s.Ingress))
	}
	for i := range s.Ingress {
		rule := &s.Ingress[i]
		path := spec.Child("ingress").Index(i)
		r.validateClusterRuleHead(path, rule.Name, rule.Action)
		r.validateClusterItems(path.Child("from"), len(rule.From))
		for j, p := range rule.From {
			pp := path.Child("from").Index(j)
			given := 0
			if p.Namespaces != nil {
				given++
				r.validateLabelSelector(pp.Child("namespaces"), p.Namespaces)
			}
			if p.Pods != nil {
				given++
				r.validateNamespacedPod(pp.Child("pods"), p.Pods)
			}
			if given != 1 {
				r.errorf(pp, "must set exactly one of namespaces and pods")
			}
		}
		r.validateClusterProtocols(path.Child("protocols"), rule.Protocols)
	}

	if len(s.Egress) > kubeCNPMaxRules {
		r.errorf(spec.Child("egress"), "has %d rules, more than 25", len(s.Egress))
	}
	for i := range s.Egress {
		rule := &s.Egress[i]
		path := spec.Child("egress").Index(i)
		r.validateClusterRuleHead(path, rule.Name, rule.Action)
		r.validateClusterItems(path.Child("to"), len(rule.To))
		withoutNamedPorts := false
		for j := range rule.To {
			if r.validateClusterEgressPeer(path.Child("to").Index(j), &rule.To[j]) {
				withoutNamedPorts = true
			}
		}
		r.validateClusterProtocols(path.Child("protocols"), rule.Protocols)
		if withoutNamedPorts {
			for j, p := range rule.Protocols {
				if p.DestinationNamedPort != "" {
					r.errorf(path.Child("protocols").Index(j).Child("destinationNamedPort"),
						"cannot be used with networks, nodes or domainNames peers, which have no named ports")
				}
			}
		}
	}
}

// validateClusterRuleHead checks a rule's name and action.
func (r *kubeReport) validateClusterRuleHead(path *fieldPath, name, action string) {
	if len(name) > kubeCNPMaxRuleName {
		r.errorf(path.Child("name"), "is %d characters long, more than 100", len(name))
	}
	switch action {
	case ClusterNetworkPolicyActionAccept, ClusterNetworkPolicyActionDeny, ClusterNetworkPolicyActionPass:
	case "":
		r.errorf(path.Child("action"), "is required (Accept, Deny or Pass)")
	default:
		r.errorf(path.Child("action"), "%q is not an action of the API (Accept, Deny, Pass)", action)
	}
}

// validateClusterItems checks the length of a list that, when given, holds
// 1 to 25 items.
func (r *kubeReport) validateClusterItems(path *fieldPath, n int) {
	switch {
	case n == 0:
		r.errorf(path, "needs at least one item")
	case n > kubeCNPMaxItems:
		r.errorf(path, "has %d items, more than 25", n)
	}
}

func (r *kubeReport) validateNamespacedPod(path *fieldPath, p *NamespacedPod) {
	if p == nil {
		return
	}
	r.validateLabelSelector(path.Child("namespaceSelector"), &p.NamespaceSelector)
	r.validateLabelSelector(path.Child("podSelector"), &p.PodSelector)
}

// validateClusterEgressPeer checks an egress peer and reports whether it
// is of a kind without named ports (networks, nodes, domain names).
func (r *kubeReport) validateClusterEgressPeer(path *fieldPath, p *ClusterNetworkPolicyEgressPeer) bool {
	given := 0
	if p.Namespaces != nil {
		given++
		r.validateLabelSelector(path.Child("namespaces"), p.Namespaces)
	}
	if p.Pods != nil {
		given++
		r.validateNamespacedPod(path.Child("pods"), p.Pods)
	}
	if p.Nodes != nil {
		given++
		r.validateLabelSelector(path.Child("nodes"), p.Nodes)
	}
	if p.Networks != nil {
		given++
		r.validateClusterItems(path.Child("networks"), len(p.Networks))
		for i, n := range p.Networks {
			np := path.Child("networks").Index(i)
			if _, ok := kubeParseCIDR(n); !ok {
				r.errorf(np, "%q is not a CIDR", kubeClip(n))
			} else if len(n) > kubeCNPMaxCIDRLength {
				r.errorf(np, "is %d characters long, more than 43", len(n))
			}
		}
	}
	if p.DomainNames != nil {
		given++
		r.validateClusterItems(path.Child("domainNames"), len(p.DomainNames))
		for i, d := range p.DomainNames {
			if !kubeDomainNameRE.MatchString(d) {
				r.errorf(path.Child("domainNames").Index(i), "%q is not a domain name, or one starting with \"*.\"", kubeClip(d))
			}
		}
	}
	if given != 1 {
		r.errorf(path, "must set exactly one of namespaces, pods, nodes, networks and domainNames")
	}
	return p.Nodes != nil || p.Networks != nil || p.DomainNames != nil
}

// validateClusterProtocols checks a rule's protocols list, which may be
// left out but not given empty.
func (r *kubeReport) validateClusterProtocols(path *fieldPath, protocols []ClusterNetworkPolicyProtocol) {
	if protocols != nil {
		r.validateClusterItems(path, len(protocols))
	}
	for i := range protocols {
		p := &protocols[i]
		pp := path.Index(i)
		given := 0
		for _, c := range []struct {
			name string
			port *ClusterNetworkPolicyProtocolPort
		}{{"tcp", p.TCP}, {"udp", p.UDP}, {"sctp", p.SCTP}} {
			if c.port == nil {
				continue
			}
			given++
			r.validateClusterPort(pp.Child(c.name).Child("destinationPort"), c.port.DestinationPort)
		}
		if p.DestinationNamedPort != "" {
			given++
			if msg := kubePortName(p.DestinationNamedPort); msg != "" {
				r.errorf(pp.Child("destinationNamedPort"), "%q: %s", p.DestinationNamedPort, msg)
			}
		}
		if given != 1 {
			r.errorf(pp, "must set exactly one of tcp, udp, sctp and destinationNamedPort")
		}
	}
}

// validateClusterPort checks a destinationPort: required, and exactly one
// of a number and a range with start below end.
func (r *kubeReport) validateClusterPort(path *fieldPath, p *ClusterNetworkPolicyPort) {
	if p == nil {
		r.errorf(path, "is required")
		return
	}
	switch {
	case p.Number != 0 && p.Range != nil:
		r.errorf(path, "must set only one of number and range")
	case p.Number == 0 && p.Range == nil:
		r.errorf(path, "must set number or range")
	}
	if p.Number != 0 && !kubePortNumber(int64(p.Number)) {
		r.errorf(path.Child("number"), "%d is not a port number from 1 to 65535", p.Number)
	}
	if p.Range == nil {
		return
	}
	rp := path.Child("range")
	startOK, endOK := kubePortNumber(int64(p.Range.Start)), kubePortNumber(int64(p.Range.End))
	if !startOK {
		r.errorf(rp.Child("start"), "%d is not a port number from 1 to 65535", p.Range.Start)
	}
	if !endOK {
		r.errorf(rp.Child("end"), "%d is not a port number from 1 to 65535", p.Range.End)
	}
	if startOK && endOK && p.Range.Start >= p.Range.End {
		r.errorf(rp, "start %d must be less than end %d", p.Range.Start, p.Range.End)
	}
}
