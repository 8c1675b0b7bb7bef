package kube

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// kubeCNP wraps a spec in a ClusterNetworkPolicy named cnp.
func kubeCNP(spec string) string {
	return `{"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
		"metadata": {"name": "cnp"}, "spec": ` + spec + `}`
}

func kubeWantCNP(tier string, order float64, nsSel, sel string, types []model.Direction, ingress, egress []model.Rule) model.Policy {
	return model.Policy{
		Kind:              model.KindKubernetesClusterNetworkPolicy,
		Name:              "cnp",
		Tier:              tier,
		Order:             kubeOrder(order),
		NamespaceSelector: kubeSel(nsSel),
		Selector:          kubeSel(sel),
		Types:             types,
		Ingress:           ingress,
		Egress:            egress,
	}
}

func kubeNamed(name string) map[string]string { return map[string]string{"name": name} }

func TestConvertClusterNetworkPolicy(t *testing.T) {
	teamA := model.EntityRule{NamespaceSelector: kubeSel("team == 'a'")}
	webPods := model.EntityRule{Selector: kubePodSel("app == 'web'"), NamespaceSelector: kubeSel("all()")}
	tests := []struct {
		name string
		cnp  string
		want model.Policy
	}{{
		name: "admin tier, namespaces subject, no rules: no types",
		cnp:  kubeCNP(`{"tier": "Admin", "priority": 5, "subject": {"namespaces": {}}}`),
		want: kubeWantCNP(model.TierKubeAdmin, 5, "all()", kubeOrch, nil, nil, nil),
	}, {
		name: "baseline tier, pods subject",
		cnp: kubeCNP(`{"tier": "Baseline", "priority": 0, "subject": {"pods": {
			"namespaceSelector": {"matchLabels": {"env": "prod"}},
			"podSelector": {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}}}}`),
		want: kubeWantCNP(model.TierKubeBaseline, 0, "env == 'prod'", kubeOrch+" && has(tier)", nil, nil, nil),
	}, {
		name: "protocol groups, no protocol first, times peers",
		cnp: kubeCNP(`{"tier": "Admin", "priority": 1, "subject": {"namespaces": {}}, "ingress": [{
			"name": "web-in", "action": "Accept",
			"from": [{"namespaces": {"matchLabels": {"team": "a"}}}, {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}}],
			"protocols": [
				{"udp": {"destinationPort": {"range": {"start": 1000, "end": 2000}}}},
				{"tcp": {"destinationPort": {"number": 80}}},
				{"destinationNamedPort": "http"},
				{"sctp": {"destinationPort": {"number": 9}}},
				{"tcp": {"destinationPort": {"number": 81}}}]}]}`),
		want: kubeWantCNP(model.TierKubeAdmin, 1, "all()", kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Source: teamA, Destination: model.EntityRule{Ports: kubePorts("http")}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Source: webPods, Destination: model.EntityRule{Ports: kubePorts("http")}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Protocol: kubeSCTP, Source: teamA, Destination: model.EntityRule{Ports: kubePorts(9)}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Protocol: kubeSCTP, Source: webPods, Destination: model.EntityRule{Ports: kubePorts(9)}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Protocol: kubeTCP, Source: teamA, Destination: model.EntityRule{Ports: kubePorts([2]int{80, 81})}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Protocol: kubeTCP, Source: webPods, Destination: model.EntityRule{Ports: kubePorts([2]int{80, 81})}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Protocol: kubeUDP, Source: teamA, Destination: model.EntityRule{Ports: kubePorts([2]int{1000, 2000})}},
			{Action: model.Allow, Annotations: kubeNamed("web-in"), Protocol: kubeUDP, Source: webPods, Destination: model.EntityRule{Ports: kubePorts([2]int{1000, 2000})}},
		}, nil),
	}, {
		name: "egress: networks, namespaces and pods in the destination; Deny and Pass",
		cnp: kubeCNP(`{"tier": "Baseline", "priority": 10, "subject": {"namespaces": {"matchLabels": {"team": "a"}}}, "egress": [
			{"action": "Deny", "to": [{"networks": ["10.0.0.1/8", "fd00::/8"]}], "protocols": [{"tcp": {"destinationPort": {"number": 443}}}]},
			{"action": "Pass", "name": "to-web", "to": [{"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "web"}}}}, {"namespaces": {"matchLabels": {"team": "a"}}}]}]}`),
		want: kubeWantCNP(model.TierKubeBaseline, 10, "team == 'a'", kubeOrch, kubeOut, nil, []model.Rule{
			{Action: model.Deny, Protocol: kubeTCP, Destination: model.EntityRule{Nets: kubePrefixes("10.0.0.0/8", "fd00::/8"), Ports: kubePorts(443)}},
			{Action: model.Pass, Annotations: kubeNamed("to-web"), Destination: webPods},
			{Action: model.Pass, Annotations: kubeNamed("to-web"), Destination: teamA},
		}),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c ClusterNetworkPolicy
			kubeDecode(t, tc.cnp, &c)
			got, ok, problems := ConvertClusterNetworkPolicy(&c)
			if len(problems) > 0 {
				t.Fatalf("unexpected problems:\n%s", kubeProblemList(problems))
			}
			if !ok {
				t.Fatal("policy dropped")
			}
			if diff := cmp.Diff(tc.want, got, kubeCmp); diff != "" {
				t.Errorf("policy differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertClusterNetworkPolicyFailsClosed(t *testing.T) {
	// Calico cannot convert nodes or domainNames peers. Such a rule, good
	// peers and all, becomes a deny-everything rule when it would deny or
	// pass, and disappears when it would accept.
	var c ClusterNetworkPolicy
	kubeDecode(t, kubeCNP(`{"tier": "Admin", "priority": 3, "subject": {"namespaces": {}},
		"ingress": [{"action": "Accept", "from": [{"namespaces": {}}]}],
		"egress": [
			{"action": "Deny", "name": "no-nodes", "to": [{"namespaces": {}}, {"nodes": {"matchLabels": {"zone": "eu"}}}]},
			{"action": "Accept", "to": [{"domainNames": ["example.com"]}]},
			{"action": "Pass", "to": [{"domainNames": ["*.example.com"]}], "protocols": [{"tcp": {"destinationPort": {"number": 443}}}]},
			{"action": "Accept", "to": [{"namespaces": {}}]}]}`), &c)
	got, ok, problems := ConvertClusterNetworkPolicy(&c)
	if !ok {
		t.Fatal("policy dropped")
	}
	kubeCheckProblems(t, problems, []kubeWant{
		{resource.SeverityWarning, "spec.egress[0]", "nodes peers are not supported): it becomes a rule that denies everything"},
		{resource.SeverityWarning, "spec.egress[1]", "domainNames peers are not supported): it is left out"},
		{resource.SeverityWarning, "spec.egress[2]", "domainNames peers are not supported): it becomes a rule that denies everything"},
	})
	want := kubeWantCNP(model.TierKubeAdmin, 3, "all()", kubeOrch, kubeInOut,
		[]model.Rule{{Action: model.Allow, Source: model.EntityRule{NamespaceSelector: kubeSel("all()")}}},
		[]model.Rule{
			{Action: model.Deny},
			{Action: model.Deny},
			{Action: model.Allow, Destination: model.EntityRule{NamespaceSelector: kubeSel("all()")}},
		})
	if diff := cmp.Diff(want, got, kubeCmp); diff != "" {
		t.Errorf("policy differs (-want +got):\n%s", diff)
	}
}

func TestConvertClusterNetworkPolicyTypesFollowConvertedRules(t *testing.T) {
	// Only the accepting rule had egress, and Calico dropped it: no Egress
	// type, so egress of the subject pods is not this policy's business.
	var c ClusterNetworkPolicy
	kubeDecode(t, kubeCNP(`{"tier": "Baseline", "priority": 3, "subject": {"namespaces": {}},
		"egress": [{"action": "Accept", "to": [{"nodes": {}}]}]}`), &c)
	got, ok, problems := ConvertClusterNetworkPolicy(&c)
	if !ok || len(problems.Errors()) > 0 {
		t.Fatalf("ok = %v, problems:\n%s", ok, kubeProblemList(problems))
	}
	if len(got.Types) != 0 || len(got.Egress) != 0 {
		t.Errorf("types %v, %d egress rules; want none", got.Types, len(got.Egress))
	}
}

func TestConvertClusterNetworkPolicyDropped(t *testing.T) {
	tests := []struct {
		name string
		cnp  string
		want []kubeWant
	}{{
		name: "tier not of the API",
		cnp:  kubeCNP(`{"tier": "Developer", "priority": 3, "subject": {"namespaces": {}}}`),
		want: []kubeWant{{resource.SeverityError, "spec.tier", `"Developer" is not a tier`}},
	}, {
		name: "no tier",
		cnp:  kubeCNP(`{"priority": 3, "subject": {"namespaces": {}}}`),
		want: []kubeWant{{resource.SeverityError, "spec.tier", "is required"}},
	}, {
		name: "empty subject",
		cnp:  kubeCNP(`{"tier": "Admin", "priority": 3, "subject": {}}`),
		want: []kubeWant{{resource.SeverityError, "spec.subject", "must set namespaces or pods"}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c ClusterNetworkPolicy
			kubeDecode(t, tc.cnp, &c)
			_, ok, problems := ConvertClusterNetworkPolicy(&c)
			if ok {
				t.Error("policy kept, want it dropped")
			}
			kubeCheckProblems(t, problems, tc.want)
		})
	}
}

func TestKubeConvertClusterRulePorts(t *testing.T) {
	peers := []clusterPeer{{namespaces: &LabelSelector{}}}
	all := model.EntityRule{NamespaceSelector: kubeSel("all()")}
	tests := []struct {
		name      string
		protocols []ClusterNetworkPolicyProtocol
		want      []model.Rule
	}{{
		name: "no protocols: any protocol and port",
		want: []model.Rule{{Action: model.Deny, Source: all}},
	}, {
		name: "an entry that constrains nothing wins over the others",
		protocols: []ClusterNetworkPolicyProtocol{
			{TCP: &ClusterNetworkPolicyProtocolPort{DestinationPort: &ClusterNetworkPolicyPort{Number: 80}}},
			{},
			{UDP: &ClusterNetworkPolicyProtocolPort{DestinationPort: &ClusterNetworkPolicyPort{Number: 53}}},
		},
		want: []model.Rule{{Action: model.Deny, Source: all}},
	}, {
		name: "a protocol without a port allows all its ports",
		protocols: []ClusterNetworkPolicyProtocol{
			{TCP: &ClusterNetworkPolicyProtocolPort{DestinationPort: &ClusterNetworkPolicyPort{Number: 80}}},
			{TCP: &ClusterNetworkPolicyProtocolPort{}},
		},
		want: []model.Rule{{Action: model.Deny, Protocol: kubeTCP, Source: all}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := clusterRule("", ClusterNetworkPolicyActionDeny, peers, tc.protocols, model.Ingress)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, kubeCmp); diff != "" {
				t.Errorf("rules differ (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidateClusterNetworkPolicy(t *testing.T) {
	tests := []struct {
		name string
		cnp  string
		want []kubeWant
	}{{
		name: "priority, subject with both fields, name with a namespace",
		cnp: `{"metadata": {"name": "Bad", "namespace": "ns"}, "spec": {"tier": "Admin", "priority": 1001,
			"subject": {"namespaces": {}, "pods": {"namespaceSelector": {}, "podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}}}}}`,
		want: []kubeWant{
			{resource.SeverityError, "metadata.name", "RFC 1123 subdomain"},
			{resource.SeverityWarning, "metadata.namespace", "is ignored"},
			{resource.SeverityError, "spec.priority", "1001 is not from 0 to 1000"},
			{resource.SeverityError, "spec.subject", "only one of namespaces and pods"},
			{resource.SeverityError, "spec.subject.pods.podSelector.matchExpressions[0].values", "must be given"},
		},
	}, {
		name: "rules",
		cnp: kubeCNP(`{"tier": "Admin", "priority": 1, "subject": {"namespaces": {}},
			"ingress": [
				{"action": "Allow", "from": [{}]},
				{"action": "Deny", "from": [], "protocols": []},
				{"name": "` + strings.Repeat("n", 101) + `", "action": "Pass", "from": [{"namespaces": {}, "pods": {"namespaceSelector": {}, "podSelector": {}}}],
				 "protocols": [{}, {"tcp": {}}, {"udp": {"destinationPort": {"number": 70000}}},
					{"sctp": {"destinationPort": {"range": {"start": 90, "end": 80}}}},
					{"tcp": {"destinationPort": {"number": 1, "range": {"start": 1, "end": 2}}}},
					{"tcp": {"destinationPort": {"number": 1}}, "destinationNamedPort": "http"},
					{"destinationNamedPort": "Http"}]}],
			"egress": [
				{"action": "Accept", "to": [{"networks": ["10.0.0.0/8", "bad"]}, {"networks": []}, {"domainNames": ["ok.example", "-bad"]}],
				 "protocols": [{"destinationNamedPort": "http"}]},
				{"to": [{"namespaces": {}, "nodes": {}}]}]}`),
		want: []kubeWant{
			{resource.SeverityError, "spec.ingress[0].action", `"Allow" is not an action`},
			{resource.SeverityError, "spec.ingress[0].from[0]", "exactly one of namespaces and pods"},
			{resource.SeverityError, "spec.ingress[1].from", "at least one item"},
			{resource.SeverityError, "spec.ingress[1].protocols", "at least one item"},
			{resource.SeverityError, "spec.ingress[2].name", "more than 100"},
			{resource.SeverityError, "spec.ingress[2].from[0]", "exactly one of namespaces and pods"},
			{resource.SeverityError, "spec.ingress[2].protocols[0]", "exactly one of tcp, udp, sctp and destinationNamedPort"},
			{resource.SeverityError, "spec.ingress[2].protocols[1].tcp.destinationPort", "is required"},
			{resource.SeverityError, "spec.ingress[2].protocols[2].udp.destinationPort.number", "70000 is not a port number"},
			{resource.SeverityError, "spec.ingress[2].protocols[3].sctp.destinationPort.range", "start 90 must be less than end 80"},
			{resource.SeverityError, "spec.ingress[2].protocols[4].tcp.destinationPort", "only one of number and range"},
			{resource.SeverityError, "spec.ingress[2].protocols[5]", "exactly one of tcp, udp, sctp and destinationNamedPort"},
			{resource.SeverityError, "spec.ingress[2].protocols[6].destinationNamedPort", "lower-case"},
			{resource.SeverityError, "spec.egress[0].to[0].networks[1]", `"bad" is not a CIDR`},
			{resource.SeverityError, "spec.egress[0].to[1].networks", "at least one item"},
			{resource.SeverityError, "spec.egress[0].to[2].domainNames[1]", `"-bad" is not a domain name`},
			{resource.SeverityError, "spec.egress[0].protocols[0].destinationNamedPort", "no named ports"},
			{resource.SeverityError, "spec.egress[1].action", "is required"},
			{resource.SeverityError, "spec.egress[1].to[0]", "exactly one of namespaces, pods, nodes, networks and domainNames"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c ClusterNetworkPolicy
			kubeDecode(t, tc.cnp, &c)
			_, _, problems := ConvertClusterNetworkPolicy(&c)
			var errs Problems
			for _, p := range problems {
				// Rules that fail validation are also rules Calico cannot
				// convert; no warning repeats what the error says.
				if p.Severity == resource.SeverityWarning && p.Path != "metadata.namespace" {
					t.Errorf("unexpected warning %q", p.String())
					continue
				}
				errs = append(errs, p)
			}
			kubeCheckProblems(t, errs, tc.want)
		})
	}
}
