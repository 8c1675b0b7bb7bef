package kube

import (
	"regexp"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// Limits of the ClusterNetworkPolicy API (its CRD schema).
const (
	cnpMaxPriority   = 1000
	cnpMaxRules      = 25
	cnpMaxItems      = 25
	cnpMaxRuleName   = 100
	cnpMaxCIDRLength = 43
)

// domainNameRE is the CRD's pattern for a domainNames entry: an exact
// name, or "*." and a name.
var domainNameRE = regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$`)

// validateClusterNetworkPolicySpec checks a ClusterNetworkPolicy spec as
// its CRD schema does, reporting every problem with its field path.
func (r *report) validateClusterNetworkPolicySpec(s *ClusterNetworkPolicySpec) {
	spec := resource.Root().Child("spec")
	switch s.Tier {
	case ClusterNetworkPolicyTierAdmin, ClusterNetworkPolicyTierBaseline:
	case "":
		r.Errorf(spec.Child("tier"), "is required (Admin or Baseline)")
	default:
		r.Errorf(spec.Child("tier"), "%q is not a tier of the API (Admin, Baseline)", s.Tier)
	}
	if s.Priority < 0 || s.Priority > cnpMaxPriority {
		r.Errorf(spec.Child("priority"), "%d is not from 0 to 1000", s.Priority)
	}

	subject := spec.Child("subject")
	switch {
	case s.Subject.Namespaces == nil && s.Subject.Pods == nil:
		r.Errorf(subject, "must set namespaces or pods")
	case s.Subject.Namespaces != nil && s.Subject.Pods != nil:
		r.Errorf(subject, "must set only one of namespaces and pods")
	}
	r.validateLabelSelector(subject.Child("namespaces"), s.Subject.Namespaces)
	r.validateNamespacedPod(subject.Child("pods"), s.Subject.Pods)

	if len(s.Ingress) > cnpMaxRules {
		r.Errorf(spec.Child("ingress"), "has %d rules, more than 25", len(s.Ingress))
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
				r.Errorf(pp, "must set exactly one of namespaces and pods")
			}
		}
		r.validateClusterProtocols(path.Child("protocols"), rule.Protocols)
	}

	if len(s.Egress) > cnpMaxRules {
		r.Errorf(spec.Child("egress"), "has %d rules, more than 25", len(s.Egress))
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
					r.Errorf(path.Child("protocols").Index(j).Child("destinationNamedPort"),
						"cannot be used with networks, nodes or domainNames peers, which have no named ports")
				}
			}
		}
	}
}

// validateClusterRuleHead checks a rule's name and action.
func (r *report) validateClusterRuleHead(path *resource.Path, name, action string) {
	if len(name) > cnpMaxRuleName {
		r.Errorf(path.Child("name"), "is %d characters long, more than 100", len(name))
	}
	switch action {
	case ClusterNetworkPolicyActionAccept, ClusterNetworkPolicyActionDeny, ClusterNetworkPolicyActionPass:
	case "":
		r.Errorf(path.Child("action"), "is required (Accept, Deny or Pass)")
	default:
		r.Errorf(path.Child("action"), "%q is not an action of the API (Accept, Deny, Pass)", action)
	}
}

// validateClusterItems checks the length of a list that, when given, holds
// 1 to 25 items.
func (r *report) validateClusterItems(path *resource.Path, n int) {
	switch {
	case n == 0:
		r.Errorf(path, "needs at least one item")
	case n > cnpMaxItems:
		r.Errorf(path, "has %d items, more than 25", n)
	}
}

func (r *report) validateNamespacedPod(path *resource.Path, p *NamespacedPod) {
	if p == nil {
		return
	}
	r.validateLabelSelector(path.Child("namespaceSelector"), &p.NamespaceSelector)
	r.validateLabelSelector(path.Child("podSelector"), &p.PodSelector)
}

// validateClusterEgressPeer checks an egress peer and reports whether it
// is of a kind without named ports (networks, nodes, domain names).
func (r *report) validateClusterEgressPeer(path *resource.Path, p *ClusterNetworkPolicyEgressPeer) bool {
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
			if _, ok := parseCIDR(n); !ok {
				r.Errorf(np, "%q is not a CIDR", clip(n))
			} else if len(n) > cnpMaxCIDRLength {
				r.Errorf(np, "is %d characters long, more than 43", len(n))
			}
		}
	}
	if p.DomainNames != nil {
		given++
		r.validateClusterItems(path.Child("domainNames"), len(p.DomainNames))
		for i, d := range p.DomainNames {
			if !domainNameRE.MatchString(d) {
				r.Errorf(path.Child("domainNames").Index(i), "%q is not a domain name, or one starting with \"*.\"", clip(d))
			}
		}
	}
	if given != 1 {
		r.Errorf(path, "must set exactly one of namespaces, pods, nodes, networks and domainNames")
	}
	return p.Nodes != nil || p.Networks != nil || p.DomainNames != nil
}

// validateClusterProtocols checks a rule's protocols list, which may be
// left out but not given empty.
func (r *report) validateClusterProtocols(path *resource.Path, protocols []ClusterNetworkPolicyProtocol) {
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
			if msg := resource.PortName(p.DestinationNamedPort); msg != "" {
				r.Errorf(pp.Child("destinationNamedPort"), "%q: %s", p.DestinationNamedPort, msg)
			}
		}
		if given != 1 {
			r.Errorf(pp, "must set exactly one of tcp, udp, sctp and destinationNamedPort")
		}
	}
}

// validateClusterPort checks a destinationPort: required, and exactly one
// of a number and a range with start below end.
func (r *report) validateClusterPort(path *resource.Path, p *ClusterNetworkPolicyPort) {
	if p == nil {
		r.Errorf(path, "is required")
		return
	}
	switch {
	case p.Number != 0 && p.Range != nil:
		r.Errorf(path, "must set only one of number and range")
	case p.Number == 0 && p.Range == nil:
		r.Errorf(path, "must set number or range")
	}
	if p.Number != 0 && !resource.PortNumber(int64(p.Number)) {
		r.Errorf(path.Child("number"), "%d is not a port number from 1 to 65535", p.Number)
	}
	if p.Range == nil {
		return
	}
	rp := path.Child("range")
	startOK, endOK := resource.PortNumber(int64(p.Range.Start)), resource.PortNumber(int64(p.Range.End))
	if !startOK {
		r.Errorf(rp.Child("start"), "%d is not a port number from 1 to 65535", p.Range.Start)
	}
	if !endOK {
		r.Errorf(rp.Child("end"), "%d is not a port number from 1 to 65535", p.Range.End)
	}
	if startOK && endOK && p.Range.Start >= p.Range.End {
		r.Errorf(rp, "start %d must be less than end %d", p.Range.Start, p.Range.End)
	}
}
