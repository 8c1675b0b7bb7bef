package kube

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// NetworkPolicy is a networking.k8s.io/v1 NetworkPolicy.
type NetworkPolicy struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Metadata   ObjectMeta        `json:"metadata"`
	Spec       NetworkPolicySpec `json:"spec"`
}

// NetworkPolicySpec is the spec of a Kubernetes NetworkPolicy.
type NetworkPolicySpec struct {
	// PodSelector picks the pods of the namespace the policy applies to;
	// the empty selector picks them all.
	PodSelector LabelSelector              `json:"podSelector"`
	Ingress     []NetworkPolicyIngressRule `json:"ingress,omitempty"`
	Egress      []NetworkPolicyEgressRule  `json:"egress,omitempty"`
	// PolicyTypes lists Ingress and Egress. When empty, the API server
	// fills in Ingress, plus Egress when there are egress rules.
	PolicyTypes []string `json:"policyTypes,omitempty"`
}

// NetworkPolicyIngressRule allows traffic from any of its peers
// (any source when none are given) to any of its ports (any port when none
// are given).
type NetworkPolicyIngressRule struct {
	Ports []NetworkPolicyPort `json:"ports,omitempty"`
	From  []NetworkPolicyPeer `json:"from,omitempty"`
}

// NetworkPolicyEgressRule allows traffic to any of its peers on
// any of its ports.
type NetworkPolicyEgressRule struct {
	Ports []NetworkPolicyPort `json:"ports,omitempty"`
	To    []NetworkPolicyPeer `json:"to,omitempty"`
}

// NetworkPolicyPort is a protocol (TCP when not given) and a
// port: a number, a number with EndPort for a range, a named port, or no
// port for every port of the protocol.
type NetworkPolicyPort struct {
	Protocol *string      `json:"protocol,omitempty"`
	Port     *IntOrString `json:"port,omitempty"`
	EndPort  *int32       `json:"endPort,omitempty"`
}

// NetworkPolicyPeer is a set of pods (by pod and namespace
// selectors) or a block of addresses.
type NetworkPolicyPeer struct {
	PodSelector       *LabelSelector `json:"podSelector,omitempty"`
	NamespaceSelector *LabelSelector `json:"namespaceSelector,omitempty"`
	IPBlock           *IPBlock       `json:"ipBlock,omitempty"`
}

// IPBlock is a CIDR with some sub-CIDRs excepted.
type IPBlock struct {
	CIDR   string   `json:"cidr"`
	Except []string `json:"except,omitempty"`
}

// networkPolicyOrder is the order Calico gives every converted
// Kubernetes NetworkPolicy in the default tier.
const networkPolicyOrder = 1000

// ConvertNetworkPolicy validates a Kubernetes NetworkPolicy as
// the API server would, applies the server's defaulting of policyTypes,
// and converts it as Calico does: a NetworkPolicy in tier
// default at order 1000, selecting pods of its namespace with
// projectcalico.org/orchestrator == 'k8s' and the pod selector's terms.
//
// Each Kubernetes rule becomes Allow rules, one per protocol of its ports
// (in the order SCTP, TCP, UDP) times one per peer (in the given order), so
// rule indices in traces count converted rules. A rule Calico cannot
// convert is left out, and the conversion goes on with the others; the
// problems say why. Problems holding errors mean the object is invalid and
// the policy must not be used; warnings (egress rules without the Egress
// type, which Calico keeps but never applies) do not.
func ConvertNetworkPolicy(np *NetworkPolicy) (model.Policy, Problems) {
	if np == nil {
		r := newReport(kindNetworkPolicy, "", "")
		r.Errorf(resource.Root(), "no object")
		return model.Policy{}, r.Problems
	}
	r := newReport(kindNetworkPolicy, np.Metadata.NamespaceOrDefault(), np.Metadata.Name)
	r.validateMeta(&np.Metadata, true, resource.DNS1123Subdomain)
	r.validateNetworkPolicySpec(&np.Spec)
	return r.convertNetworkPolicy(model.KindKubernetesNetworkPolicy, &np.Metadata, &np.Spec), r.Problems
}

// convertNetworkPolicy is the conversion shared by NetworkPolicy and
// StagedKubernetesNetworkPolicy; the spec has been validated.
func (r *report) convertNetworkPolicy(kind model.Kind, meta *ObjectMeta, spec *NetworkPolicySpec) model.Policy {
	order := float64(networkPolicyOrder)
	pol := model.Policy{
		Kind:      kind,
		Name:      meta.Name,
		Namespace: meta.NamespaceOrDefault(),
		Tier:      model.TierDefault,
		Order:     &order,
	}
	specPath := resource.Root().Child("spec")
	sel, err := calicoSelector(&spec.PodSelector, true)
	if err != nil {
		r.conversionError(specPath.Child("podSelector"), err)
	}
	pol.Selector = sel

	for i, rule := range spec.Ingress {
		rules, err := convertNetworkPolicyRule(rule.From, rule.Ports, model.Ingress)
		if err != nil {
			r.droppedRule(specPath.Child("ingress").Index(i), err)
			continue
		}
		pol.Ingress = append(pol.Ingress, rules...)
	}
	for i, rule := range spec.Egress {
		rules, err := convertNetworkPolicyRule(rule.To, rule.Ports, model.Egress)
		if err != nil {
			r.droppedRule(specPath.Child("egress").Index(i), err)
			continue
		}
		pol.Egress = append(pol.Egress, rules...)
	}

	pol.Types = networkPolicyTypes(spec)
	if !slices.Contains(pol.Types, model.Egress) && len(pol.Egress) > 0 {
		r.Warnf(specPath.Child("policyTypes"), "egress rules are given but policyTypes does not include Egress: Calico keeps them, but they never apply")
	}
	return pol
}

// conversionError reports a failure to convert something, unless
// validation has already reported what is wrong there.
func (r *report) conversionError(path *resource.Path, err error) {
	if !r.HasErrorsUnder(path) {
		r.Errorf(path, "%v", err)
	}
}

// droppedRule reports a rule left out of the conversion, unless
// validation has already reported what is wrong with it.
func (r *report) droppedRule(path *resource.Path, err error) {
	if !r.HasErrorsUnder(path) {
		r.Errorf(path, "rule left out: %v", err)
	}
}

// networkPolicyTypes applies the API server's defaulting of
// policyTypes (Ingress, plus Egress when there are egress rules), then
// Calico's reading of them: Ingress before Egress, and Ingress alone when
// neither is listed.
func networkPolicyTypes(spec *NetworkPolicySpec) []model.Direction {
	listed := spec.PolicyTypes
	if len(listed) == 0 {
		listed = []string{string(model.Ingress)}
		if len(spec.Egress) > 0 {
			listed = append(listed, string(model.Egress))
		}
	}
	var types []model.Direction
	if slices.Contains(listed, string(model.Ingress)) {
		types = append(types, model.Ingress)
	}
	if slices.Contains(listed, string(model.Egress)) {
		types = append(types, model.Egress)
	}
	if len(types) == 0 {
		types = append(types, model.Ingress)
	}
	return types
}

// convertNetworkPolicyRule converts one Kubernetes rule to Calico
// Allow rules: one per protocol group of the ports (protocols sorted by
// name) times one per peer (in order). Ingress rules put the peer in the
// source and the ports in the destination; egress rules put both in the
// destination.
func convertNetworkPolicyRule(peers []NetworkPolicyPeer, ports []NetworkPolicyPort, dir model.Direction) ([]model.Rule, error) {
	groups := portGroups{}
	if len(ports) == 0 {
		groups.all()
	}
	for i, p := range ports {
		proto := protocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if _, ok := groupProtocol(proto); !ok || proto == "" {
			return nil, fmt.Errorf("ports[%d]: protocol %q is not TCP, UDP or SCTP", i, proto)
		}
		port, err := networkPolicyPort(&p)
		if err != nil {
			return nil, fmt.Errorf("ports[%d]: %w", i, err)
		}
		groups.add(proto, port)
	}

	sides := []model.EntityRule{{}}
	if len(peers) > 0 {
		sides = sides[:0]
		for i := range peers {
			side, err := networkPolicyPeer(&peers[i])
			if err != nil {
				return nil, fmt.Errorf("peer %d: %w", i, err)
			}
			sides = append(sides, side)
		}
	}

	var rules []model.Rule
	for _, proto := range groups.protocols() {
		protocol, _ := groupProtocol(proto)
		rulePorts := simplifyPorts(groups[proto])
		for _, side := range sides {
			peer := cloneEntityRule(side)
			rule := model.Rule{Action: model.Allow, Protocol: protocol}
			if dir == model.Ingress {
				rule.Source = peer
				rule.Destination.Ports = slices.Clone(rulePorts)
			} else {
				peer.Ports = slices.Clone(rulePorts)
				rule.Destination = peer
			}
			rules = append(rules, rule)
		}
	}
	return rules, nil
}

// cloneEntityRule copies the lists of a converted peer, so that the
// rules made from one peer share no slices. Selectors are immutable and
// shared.
func cloneEntityRule(e model.EntityRule) model.EntityRule {
	e.Nets = slices.Clone(e.Nets)
	e.NotNets = slices.Clone(e.NotNets)
	e.Ports = slices.Clone(e.Ports)
	return e
}

// calicoPortNameRE is the syntax Calico accepts for a named port in a
// rule; the API server's rule (an IANA service name) is stricter.
var calicoPortNameRE = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)

// digitsRE matches a port written as a decimal string, which Calico
// reads as a number.
var digitsRE = regexp.MustCompile(`^[0-9]+$`)

// networkPolicyPort converts a port entry to a Calico port; nil means
// every port of the protocol.
func networkPolicyPort(p *NetworkPolicyPort) (*model.Port, error) {
	if p.Port == nil {
		return nil, nil
	}
	if p.Port.IsString {
		s := p.Port.StrVal
		if p.EndPort != nil {
			return nil, fmt.Errorf("endPort %d cannot follow the named port %q", *p.EndPort, s)
		}
		if digitsRE.MatchString(s) {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || !resource.PortNumber(n) {
				return nil, fmt.Errorf("port %q is not from 1 to 65535", s)
			}
			return &model.Port{Min: uint16(n), Max: uint16(n)}, nil
		}
		if !calicoPortNameRE.MatchString(s) {
			return nil, fmt.Errorf("port %q is not a valid port name", s)
		}
		return &model.Port{Name: s}, nil
	}
	n := int64(p.Port.IntVal)
	if !resource.PortNumber(n) {
		return nil, fmt.Errorf("port %d is not from 1 to 65535", n)
	}
	if p.EndPort == nil {
		return &model.Port{Min: uint16(n), Max: uint16(n)}, nil
	}
	end := int64(*p.EndPort)
	if !resource.PortNumber(end) || end < n {
		return nil, fmt.Errorf("port range %d:%d is not a range from 1 to 65535", n, end)
	}
	return &model.Port{Min: uint16(n), Max: uint16(end)}, nil
}

// networkPolicyPeer converts a peer: an ipBlock to nets and notNets,
// otherwise the orchestrator clause and pod selector (just the clause when
// the pod selector is absent) and a namespace selector (all() for {}, none
// when absent, which means the policy's own namespace).
func networkPolicyPeer(p *NetworkPolicyPeer) (model.EntityRule, error) {
	var side model.EntityRule
	if p.IPBlock != nil {
		cidr, ok := parseCIDR(p.IPBlock.CIDR)
		if !ok {
			return side, fmt.Errorf("ipBlock.cidr %q is not a CIDR", p.IPBlock.CIDR)
		}
		side.Nets = append(side.Nets, cidr)
		for _, e := range p.IPBlock.Except {
			except, ok := parseCIDR(e)
			if !ok {
				return side, fmt.Errorf("ipBlock.except %q is not a CIDR", e)
			}
			side.NotNets = append(side.NotNets, except)
		}
		return side, nil
	}
	var err1, err2 error
	side.Selector, err1 = calicoSelector(p.PodSelector, true)
	side.NamespaceSelector, err2 = calicoSelector(p.NamespaceSelector, false)
	return side, errors.Join(err1, err2)
}
