package workload

import (
	"slices"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/kube"
)

// kubePolicies writes Kubernetes NetworkPolicies the way application
// teams do, from the communication graph: most applications admit their
// callers on the ports they call and may reach their own dependencies and
// the cluster DNS; some namespaces deny all ingress by default; and a few
// policies are staged as StagedKubernetesNetworkPolicies. Each goes
// through package policy's conversion, the one the loader uses.
func (b *builder) kubePolicies(pg *policyGen) []model.Policy {
	r := pg.r
	in := map[*deployment][]edge{}
	out := map[*deployment][]edge{}
	for _, e := range b.edges {
		in[e.server] = append(in[e.server], e)
		out[e.client] = append(out[e.client], e)
	}
	var policies []model.Policy
	var specs []*kube.NetworkPolicy
	for _, d := range b.deployments {
		// Where the default deny applies (production and staging), every
		// application has a policy with egress rules; in development some
		// have none.
		ns := b.namespaceInfo(d.namespace)
		strict := ns.env != "dev"
		if ns.system || (!strict && r.chance(0.4)) {
			continue
		}
		np := &kube.NetworkPolicy{
			Metadata: kube.ObjectMeta{Name: pg.name(model.KindKubernetesNetworkPolicy, d.namespace, d.app), Namespace: d.namespace},
			Spec:     kube.NetworkPolicySpec{PodSelector: kube.LabelSelector{MatchLabels: selectLabels(d)}},
		}
		np.Spec.Ingress = b.kubeIngress(r, d, in[d])
		if strict || r.chance(0.6) {
			np.Spec.Egress = b.kubeEgress(r, d, out[d])
		}
		if len(np.Spec.Egress) > 0 && r.chance(0.5) {
			np.Spec.PolicyTypes = []string{"Ingress", "Egress"}
		} else if len(np.Spec.Egress) == 0 && r.chance(0.2) {
			// Egress listed with no egress rules: this application may
			// not open connections at all.
			np.Spec.PolicyTypes = []string{"Ingress", "Egress"}
		}
		specs = append(specs, np)
		policies = append(policies, convertKube(np))
	}
	for _, ns := range b.appNamespaces() {
		if !r.chance(0.3) {
			continue
		}
		np := &kube.NetworkPolicy{
			Metadata: kube.ObjectMeta{Name: pg.name(model.KindKubernetesNetworkPolicy, ns, "default-deny-ingress"), Namespace: ns},
			Spec:     kube.NetworkPolicySpec{PolicyTypes: []string{"Ingress"}},
		}
		policies = append(policies, convertKube(np))
	}
	// Stage a stricter version of some policies: the same spec without its
	// last ingress rule, or without any egress.
	staged := sample(r, specs, max(1, len(specs)/8))
	for i, np := range staged {
		spec := np.Spec
		if len(spec.Ingress) > 0 && r.chance(0.6) {
			spec.Ingress = spec.Ingress[:len(spec.Ingress)-1]
		} else {
			spec.Egress = nil
			spec.PolicyTypes = []string{"Ingress", "Egress"}
		}
		action := ""
		if i > 0 {
			action = string(pick(r, stagedActions))
		}
		s := &kube.StagedKubernetesNetworkPolicy{
			Metadata: kube.ObjectMeta{Name: pg.name(model.KindStagedKubernetesNetworkPolicy, np.Metadata.Namespace, np.Metadata.Name), Namespace: np.Metadata.Namespace},
			Spec:     kube.StagedKubernetesNetworkPolicySpec{StagedAction: action, NetworkPolicySpec: spec},
		}
		p, ok, problems := kube.ConvertStagedKubernetesNetworkPolicy(s)
		mustBeValid(problems)
		if ok {
			policies = append(policies, p)
		}
	}
	return policies
}

func convertKube(np *kube.NetworkPolicy) model.Policy {
	p, problems := kube.ConvertNetworkPolicy(np)
	mustBeValid(problems)
	return p
}

// selectLabels returns the labels that tell a deployment's pods apart:
// app, or what system components use instead.
func selectLabels(d *deployment) map[string]string {
	for _, k := range []string{"app", "k8s-app", "app.kubernetes.io/name"} {
		if v, ok := d.template[k]; ok {
			return map[string]string{k: v}
		}
	}
	if d.stateful {
		return map[string]string{"controller-revision-hash": d.template["controller-revision-hash"]}
	}
	return map[string]string{"pod-template-hash": d.template["pod-template-hash"]}
}

// kubeIngress admits the callers of d, one rule per port they call, with
// each caller a peer: by pod selector in the same namespace, by namespace
// and pod selector from elsewhere. Now and then a rule names several
// callers with a set expression, opens a range of ports with endPort, or
// admits an address block with exceptions.
func (b *builder) kubeIngress(r *rng, d *deployment, edges []edge) []kube.NetworkPolicyIngressRule {
	var rules []kube.NetworkPolicyIngressRule
	for _, port := range distinctPorts(edges) {
		var peers []kube.NetworkPolicyPeer
		var sameNS []string
		for _, e := range edges {
			if e.port != port {
				continue
			}
			if e.client.namespace == d.namespace && e.client.template["app"] != "" {
				sameNS = append(sameNS, e.client.app)
				continue
			}
			peers = append(peers, kubePeer(e.client, e.client.namespace != d.namespace))
		}
		sameNS = dedupStrings(sameNS)
		if len(sameNS) > 1 && r.chance(0.5) {
			peers = append(peers, kube.NetworkPolicyPeer{PodSelector: &kube.LabelSelector{
				MatchExpressions: []kube.LabelSelectorRequirement{{Key: "app", Operator: kube.LabelSelectorOpIn, Values: sameNS}},
			}})
		} else {
			for _, app := range sameNS {
				peers = append(peers, kube.NetworkPolicyPeer{PodSelector: &kube.LabelSelector{MatchLabels: map[string]string{"app": app}}})
			}
		}
		if r.chance(0.1) {
			peers = append(peers, kube.NetworkPolicyPeer{PodSelector: &kube.LabelSelector{
				MatchExpressions: []kube.LabelSelectorRequirement{
					{Key: "tier", Operator: kube.LabelSelectorOpNotIn, Values: []string{"data"}},
					{Key: "canary", Operator: kube.LabelSelectorOpDoesNotExist},
					{Key: "team", Operator: kube.LabelSelectorOpExists},
				},
			}, NamespaceSelector: &kube.LabelSelector{}})
		}
		rule := kube.NetworkPolicyIngressRule{From: peers, Ports: []kube.NetworkPolicyPort{kubePort(r, port)}}
		if r.chance(0.1) {
			lo, hi := int32(port.Port), int32(port.Port)+int32(r.between(1, 20))
			proto := model.ProtocolName(port.Protocol)
			rule.Ports = append(rule.Ports, kube.NetworkPolicyPort{Protocol: &proto, Port: intPort(lo), EndPort: &hi})
		}
		rules = append(rules, rule)
	}
	if r.chance(0.15) {
		block := pick(r, b.outside)
		bits := 24
		if block.Is6() {
			bits = 64
		}
		cidr := prefixOf(block, bits)
		except := prefixOf(randomIn(r, cidr), bits+4)
		rules = append(rules, kube.NetworkPolicyIngressRule{
			From:  []kube.NetworkPolicyPeer{{IPBlock: &kube.IPBlock{CIDR: cidr.String(), Except: []string{except.String()}}}},
			Ports: []kube.NetworkPolicyPort{kubePort(r, portHTTPS)},
		})
	}
	return rules
}

// kubeEgress lets d reach its dependencies on the ports it calls them on,
// and the cluster DNS; sometimes also an outside range on 443.
func (b *builder) kubeEgress(r *rng, d *deployment, edges []edge) []kube.NetworkPolicyEgressRule {
	var rules []kube.NetworkPolicyEgressRule
	dns := false
	for _, e := range edges {
		if e.server.name == "coredns" {
			dns = true
			continue
		}
		rules = append(rules, kube.NetworkPolicyEgressRule{
			To:    []kube.NetworkPolicyPeer{kubePeer(e.server, e.server.namespace != d.namespace)},
			Ports: []kube.NetworkPolicyPort{kubePort(r, e.port)},
		})
	}
	if dns {
		udp, tcp := "UDP", "TCP"
		rules = append(rules, kube.NetworkPolicyEgressRule{
			To: []kube.NetworkPolicyPeer{{
				NamespaceSelector: &kube.LabelSelector{MatchLabels: map[string]string{labelMetadataName: namespaceKubeSystem}},
				PodSelector:       &kube.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
			}},
			Ports: []kube.NetworkPolicyPort{{Protocol: &udp, Port: intPort(53)}, {Protocol: &tcp, Port: intPort(53)}},
		})
	}
	if r.chance(0.2) {
		cidr := pick(r, b.outside)
		bits := 16
		if cidr.Is6() {
			bits = 48
		}
		rules = append(rules, kube.NetworkPolicyEgressRule{
			To:    []kube.NetworkPolicyPeer{{IPBlock: &kube.IPBlock{CIDR: prefixOf(cidr, bits).String()}}},
			Ports: []kube.NetworkPolicyPort{{Port: intPort(443)}},
		})
	}
	return rules
}

// kubePeer selects the pods of a deployment, from another namespace by
// that namespace's name label.
func kubePeer(d *deployment, otherNamespace bool) kube.NetworkPolicyPeer {
	peer := kube.NetworkPolicyPeer{PodSelector: &kube.LabelSelector{MatchLabels: selectLabels(d)}}
	if otherNamespace {
		peer.NamespaceSelector = &kube.LabelSelector{MatchLabels: map[string]string{labelMetadataName: d.namespace}}
	}
	return peer
}

// kubePort writes a port by name or number, with the protocol left out
// (TCP) half the time when it is TCP.
func kubePort(r *rng, p model.EndpointPort) kube.NetworkPolicyPort {
	out := kube.NetworkPolicyPort{Port: intPort(int32(p.Port))}
	if r.chance(0.5) {
		name := kube.IntOrStringFromString(p.Name)
		out.Port = &name
	}
	if p.Protocol != model.ProtoTCP || r.chance(0.5) {
		proto := model.ProtocolName(p.Protocol)
		out.Protocol = &proto
	}
	return out
}

func intPort(n int32) *kube.IntOrString {
	v := kube.IntOrStringFromInt(n)
	return &v
}

// distinctPorts returns the ports of the edges, first seen first.
func distinctPorts(edges []edge) []model.EndpointPort {
	var out []model.EndpointPort
	for _, e := range edges {
		if !slices.Contains(out, e.port) {
			out = append(out, e.port)
		}
	}
	return out
}
