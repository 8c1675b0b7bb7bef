package kube

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// ClusterNetworkPolicy is a policy.networking.k8s.io/v1alpha2
// ClusterNetworkPolicy, the cluster-wide policy of the Kubernetes network
// policy API.
type ClusterNetworkPolicy struct {
	APIVersion string                   `json:"apiVersion,omitempty"`
	Kind       string                   `json:"kind,omitempty"`
	Metadata   ObjectMeta               `json:"metadata"`
	Spec       ClusterNetworkPolicySpec `json:"spec"`
	// Status is written by implementations and ignored here.
	Status *ClusterNetworkPolicyStatus `json:"status,omitempty"`
}

// ClusterNetworkPolicySpec is the spec of a ClusterNetworkPolicy.
type ClusterNetworkPolicySpec struct {
	// Tier is Admin or Baseline.
	Tier string `json:"tier"`
	// Priority orders policies inside the tier, lower first: 0 to 1000.
	Priority int32                             `json:"priority"`
	Subject  ClusterNetworkPolicySubject       `json:"subject"`
	Ingress  []ClusterNetworkPolicyIngressRule `json:"ingress,omitempty"`
	Egress   []ClusterNetworkPolicyEgressRule  `json:"egress,omitempty"`
}

// ClusterNetworkPolicyStatus is the status an implementation reports.
type ClusterNetworkPolicyStatus struct {
	Conditions []json.RawMessage `json:"conditions,omitempty"`
}

// ClusterNetworkPolicySubject picks the pods the policy applies to: every
// pod of some namespaces, or some pods of some namespaces. Exactly one
// field is set.
type ClusterNetworkPolicySubject struct {
	Namespaces *LabelSelector `json:"namespaces,omitempty"`
	Pods       *NamespacedPod `json:"pods,omitempty"`
}

// NamespacedPod selects pods by their namespace's labels and their own;
// an empty selector selects everything.
type NamespacedPod struct {
	NamespaceSelector LabelSelector `json:"namespaceSelector"`
	PodSelector       LabelSelector `json:"podSelector"`
}

// ClusterNetworkPolicyIngressRule applies its action to traffic from any
// of its peers on any of its protocols.
type ClusterNetworkPolicyIngressRule struct {
	Name string `json:"name,omitempty"`
	// Action is Accept, Deny or Pass.
	Action    string                            `json:"action"`
	From      []ClusterNetworkPolicyIngressPeer `json:"from"`
	Protocols []ClusterNetworkPolicyProtocol    `json:"protocols,omitempty"`
}

// ClusterNetworkPolicyEgressRule applies its action to traffic to any of
// its peers on any of its protocols.
type ClusterNetworkPolicyEgressRule struct {
	Name string `json:"name,omitempty"`
	// Action is Accept, Deny or Pass.
	Action    string                           `json:"action"`
	To        []ClusterNetworkPolicyEgressPeer `json:"to"`
	Protocols []ClusterNetworkPolicyProtocol   `json:"protocols,omitempty"`
}

// ClusterNetworkPolicyIngressPeer is a source: the pods of some namespaces
// or some pods. Exactly one field is set.
type ClusterNetworkPolicyIngressPeer struct {
	Namespaces *LabelSelector `json:"namespaces,omitempty"`
	Pods       *NamespacedPod `json:"pods,omitempty"`
}

// ClusterNetworkPolicyEgressPeer is a destination: the pods of some
// namespaces, some pods, some nodes, CIDRs or domain names. Exactly one
// field is set. Calico converts namespaces, pods and networks; a rule with
// a nodes or domainNames peer cannot be converted (see
// ConvertClusterNetworkPolicy).
type ClusterNetworkPolicyEgressPeer struct {
	Namespaces  *LabelSelector `json:"namespaces,omitempty"`
	Pods        *NamespacedPod `json:"pods,omitempty"`
	Nodes       *LabelSelector `json:"nodes,omitempty"`
	Networks    []string       `json:"networks,omitempty"`
	DomainNames []string       `json:"domainNames,omitempty"`
}

// ClusterNetworkPolicyProtocol matches TCP, UDP or SCTP traffic, or a
// destination named port of any protocol. Exactly one field is set.
type ClusterNetworkPolicyProtocol struct {
	TCP                  *ClusterNetworkPolicyProtocolPort `json:"tcp,omitempty"`
	UDP                  *ClusterNetworkPolicyProtocolPort `json:"udp,omitempty"`
	SCTP                 *ClusterNetworkPolicyProtocolPort `json:"sctp,omitempty"`
	DestinationNamedPort string                            `json:"destinationNamedPort,omitempty"`
}

// ClusterNetworkPolicyProtocolPort narrows a protocol to a destination port.
type ClusterNetworkPolicyProtocolPort struct {
	DestinationPort *ClusterNetworkPolicyPort `json:"destinationPort,omitempty"`
}

// ClusterNetworkPolicyPort is one port number or one range; exactly one is
// set.
type ClusterNetworkPolicyPort struct {
	Number int32                          `json:"number,omitempty"`
	Range  *ClusterNetworkPolicyPortRange `json:"range,omitempty"`
}

// ClusterNetworkPolicyPortRange is an inclusive range of ports, Start below
// End.
type ClusterNetworkPolicyPortRange struct {
	Start int32 `json:"start"`
	End   int32 `json:"end"`
}

// Cluster network policy tiers and actions, as the API spells them.
const (
	ClusterNetworkPolicyTierAdmin    = "Admin"
	ClusterNetworkPolicyTierBaseline = "Baseline"

	ClusterNetworkPolicyActionAccept = "Accept"
	ClusterNetworkPolicyActionDeny   = "Deny"
	ClusterNetworkPolicyActionPass   = "Pass"
)

// ruleNameAnnotation is the rule annotation Calico gives a converted
// rule to carry the name of the rule it came from.
const ruleNameAnnotation = "name"

// ConvertClusterNetworkPolicy validates a ClusterNetworkPolicy and
// converts it as Calico does, to a global policy of kind
// KubernetesClusterNetworkPolicy: tier kube-admin for Admin and
// kube-baseline for Baseline, order = priority; a namespaces subject
// becomes the namespace selector with a selector of
// projectcalico.org/orchestrator == 'k8s', and a pods subject adds the pod
// selector's terms to that clause.
//
// Each rule becomes one rule per protocol group (no protocol first, then
// SCTP, TCP, UDP; named ports belong to no protocol) times one per peer.
// Accept becomes Allow; Deny and Pass stay. A rule Calico cannot convert,
// such as one with a nodes or domainNames peer, fails closed: it becomes an
// unconditional Deny when its action is Deny or Pass and is left out when
// it is Accept; a warning says so. Types list the directions that have
// rules after conversion, so a policy without rules has none: Felix then
// applies it in both directions, where it matches nothing and only brings
// its tier's default Pass into play, as the conformance vectors show.
//
// It returns false when Calico would drop the policy: a tier that is
// neither Admin nor Baseline, or a subject with neither field set. Both
// are also validation errors.
func ConvertClusterNetworkPolicy(c *ClusterNetworkPolicy) (model.Policy, bool, Problems) {
	if c == nil {
		r := newReport(kindClusterPolicy, "", "")
		r.Errorf(resource.Root(), "no object")
		return model.Policy{}, false, r.Problems
	}
	r := newReport(kindClusterPolicy, "", c.Metadata.Name)
	r.validateMeta(&c.Metadata, false, resource.DNS1123Subdomain)
	r.validateClusterNetworkPolicySpec(&c.Spec)

	spec := resource.Root().Child("spec")
	var tier string
	switch c.Spec.Tier {
	case ClusterNetworkPolicyTierAdmin:
		tier = model.TierKubeAdmin
	case ClusterNetworkPolicyTierBaseline:
		tier = model.TierKubeBaseline
	default:
		return model.Policy{}, false, r.Problems
	}
	order := float64(c.Spec.Priority)
	pol := model.Policy{
		Kind:  model.KindKubernetesClusterNetworkPolicy,
		Name:  c.Metadata.Name,
		Tier:  tier,
		Order: &order,
	}

	var nsErr, podErr error
	switch subject := c.Spec.Subject; {
	case subject.Namespaces != nil:
		pol.NamespaceSelector, nsErr = calicoSelector(subject.Namespaces, false)
		pol.Selector, podErr = calicoSelector(nil, true)
	case subject.Pods != nil:
		pol.NamespaceSelector, nsErr = calicoSelector(&subject.Pods.NamespaceSelector, false)
		pol.Selector, podErr = calicoSelector(&subject.Pods.PodSelector, true)
	default:
		return model.Policy{}, false, r.Problems
	}
	if err := errors.Join(nsErr, podErr); err != nil {
		r.conversionError(spec.Child("subject"), err)
	}

	for i := range c.Spec.Ingress {
		rule := &c.Spec.Ingress[i]
		peers := make([]clusterPeer, len(rule.From))
		for j, p := range rule.From {
			peers[j] = clusterPeer{namespaces: p.Namespaces, pods: p.Pods}
		}
		rules := r.convertClusterRule(spec.Child("ingress").Index(i), rule.Name, rule.Action, peers, rule.Protocols, model.Ingress)
		pol.Ingress = append(pol.Ingress, rules...)
	}
	for i := range c.Spec.Egress {
		rule := &c.Spec.Egress[i]
		peers := make([]clusterPeer, len(rule.To))
		for j, p := range rule.To {
			peers[j] = clusterPeer{namespaces: p.Namespaces, pods: p.Pods, nodes: p.Nodes, networks: p.Networks, domainNames: p.DomainNames}
		}
		rules := r.convertClusterRule(spec.Child("egress").Index(i), rule.Name, rule.Action, peers, rule.Protocols, model.Egress)
		pol.Egress = append(pol.Egress, rules...)
	}

	if len(pol.Ingress) > 0 {
		pol.Types = append(pol.Types, model.Ingress)
	}
	if len(pol.Egress) > 0 {
		pol.Types = append(pol.Types, model.Egress)
	}
	return pol, true, r.Problems
}

// clusterPeer is an ingress or egress peer; ingress peers only ever
// set namespaces and pods.
type clusterPeer struct {
	namespaces  *LabelSelector
	pods        *NamespacedPod
	nodes       *LabelSelector
	networks    []string
	domainNames []string
}

// convertClusterRule converts one rule, or applies Calico's fail-closed
// handling when it cannot: Deny and Pass rules become an unconditional
// Deny, Accept rules are left out.
func (r *report) convertClusterRule(path *resource.Path, name, action string, peers []clusterPeer, protocols []ClusterNetworkPolicyProtocol, dir model.Direction) []model.Rule {
	rules, err := clusterRule(name, action, peers, protocols, dir)
	if err == nil {
		return rules
	}
	failClosed := action == ClusterNetworkPolicyActionDeny || action == ClusterNetworkPolicyActionPass
	if !r.HasErrorsUnder(path) {
		if failClosed {
			r.Warnf(path, "Calico cannot convert this rule (%v): it becomes a rule that denies everything", err)
		} else {
			r.Warnf(path, "Calico cannot convert this rule (%v): it is left out", err)
		}
	}
	if failClosed {
		return []model.Rule{{Action: model.Deny}}
	}
	return nil
}

// clusterRule converts one rule: protocol groups (sorted, no
// protocol first) times peers (in order). Ingress rules put the peer in the
// source and the ports in the destination; egress rules put both in the
// destination.
func clusterRule(name, action string, peers []clusterPeer, protocols []ClusterNetworkPolicyProtocol, dir model.Direction) ([]model.Rule, error) {
	var act model.Action
	switch action {
	case ClusterNetworkPolicyActionAccept:
		act = model.Allow
	case ClusterNetworkPolicyActionDeny:
		act = model.Deny
	case ClusterNetworkPolicyActionPass:
		act = model.Pass
	default:
		return nil, fmt.Errorf("action %q is not Accept, Deny or Pass", action)
	}

	groups := portGroups{}
	if len(protocols) == 0 {
		groups.all()
	}
	for i := range protocols {
		proto, port, err := clusterProtocolPort(&protocols[i])
		if err != nil {
			return nil, fmt.Errorf("protocols[%d]: %w", i, err)
		}
		if proto == "" && port == nil {
			// An entry that constrains nothing matches every protocol and
			// port, so the other entries no longer matter.
			groups.all()
			break
		}
		groups.add(proto, port)
	}

	sides := make([]model.EntityRule, 0, len(peers))
	for i := range peers {
		side, err := clusterPeerSide(&peers[i])
		if err != nil {
			return nil, fmt.Errorf("peer %d: %w", i, err)
		}
		sides = append(sides, side)
	}

	var annotations map[string]string
	if name != "" {
		annotations = map[string]string{ruleNameAnnotation: name}
	}
	var rules []model.Rule
	for _, proto := range groups.protocols() {
		protocol, _ := groupProtocol(proto)
		rulePorts := simplifyPorts(groups[proto])
		for _, side := range sides {
			peer := cloneEntityRule(side)
			rule := model.Rule{Action: act, Protocol: protocol, Annotations: maps.Clone(annotations)}
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

// clusterProtocolPort converts one protocols entry to a group key and
// a port; a nil port means every port of the protocol, and "" with nil
// means any protocol and port.
func clusterProtocolPort(p *ClusterNetworkPolicyProtocol) (string, *model.Port, error) {
	var proto string
	var pp *ClusterNetworkPolicyProtocolPort
	switch {
	case p.TCP != nil:
		proto, pp = protocolTCP, p.TCP
	case p.UDP != nil:
		proto, pp = protocolUDP, p.UDP
	case p.SCTP != nil:
		proto, pp = protocolSCTP, p.SCTP
	case p.DestinationNamedPort != "":
		if !calicoPortNameRE.MatchString(p.DestinationNamedPort) {
			return "", nil, fmt.Errorf("destinationNamedPort %q is not a valid port name", p.DestinationNamedPort)
		}
		return "", &model.Port{Name: p.DestinationNamedPort}, nil
	default:
		return "", nil, nil
	}
	port := pp.DestinationPort
	switch {
	case port == nil:
		return proto, nil, nil
	case port.Number != 0:
		if !resource.PortNumber(int64(port.Number)) {
			return "", nil, fmt.Errorf("port %d is not from 1 to 65535", port.Number)
		}
		return proto, &model.Port{Min: uint16(port.Number), Max: uint16(port.Number)}, nil
	case port.Range != nil:
		lo, hi := port.Range.Start, port.Range.End
		if !resource.PortNumber(int64(lo)) || !resource.PortNumber(int64(hi)) || lo > hi {
			return "", nil, fmt.Errorf("port range %d:%d is not a range from 1 to 65535", lo, hi)
		}
		return proto, &model.Port{Min: uint16(lo), Max: uint16(hi)}, nil
	}
	return proto, nil, nil
}

// clusterPeerSide converts a peer. A namespaces peer is only a
// namespace selector, so it also matches the namespaced network sets of
// those namespaces; a pods peer adds the orchestrator clause and pod
// terms, and wins when both are given. Networks become nets. Nodes and
// domain names are not something Calico converts.
func clusterPeerSide(p *clusterPeer) (model.EntityRule, error) {
	var side model.EntityRule
	found := false
	var nsErr, podErr error
	if p.namespaces != nil {
		side.NamespaceSelector, nsErr = calicoSelector(p.namespaces, false)
		found = true
	}
	if p.pods != nil {
		side.NamespaceSelector, nsErr = calicoSelector(&p.pods.NamespaceSelector, false)
		side.Selector, podErr = calicoSelector(&p.pods.PodSelector, true)
		found = true
	}
	if err := errors.Join(nsErr, podErr); err != nil {
		return side, err
	}
	for _, n := range p.networks {
		cidr, ok := parseCIDR(n)
		if !ok {
			return side, fmt.Errorf("network %q is not a CIDR", n)
		}
		side.Nets = append(side.Nets, cidr)
		found = true
	}
	if !found {
		switch {
		case p.nodes != nil:
			return side, errors.New("nodes peers are not supported")
		case len(p.domainNames) > 0:
			return side, errors.New("domainNames peers are not supported")
		}
		return side, errors.New("the peer sets none of the fields Calico supports")
	}
	return side, nil
}
