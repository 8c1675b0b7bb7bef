package kube

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/internal/resource"
)

// kubeNP wraps a spec in a NetworkPolicy named np in namespace prod.
func kubeNP(spec string) string {
	return `{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
		"metadata": {"name": "np", "namespace": "prod"}, "spec": ` + spec + `}`
}

// kubeWantNP is the converted policy np in prod with the given parts.
func kubeWantNP(sel string, types []model.Direction, ingress, egress []model.Rule) model.Policy {
	return model.Policy{
		Kind:      model.KindKubernetesNetworkPolicy,
		Name:      "np",
		Namespace: "prod",
		Tier:      model.TierDefault,
		Order:     kubeOrder(1000),
		Selector:  kubeSel(sel),
		Types:     types,
		Ingress:   ingress,
		Egress:    egress,
	}
}

var (
	kubeIn    = []model.Direction{model.Ingress}
	kubeOut   = []model.Direction{model.Egress}
	kubeInOut = []model.Direction{model.Ingress, model.Egress}
)

func TestConvertKubernetesNetworkPolicy(t *testing.T) {
	web := kubePodSel("app == 'web'")
	tests := []struct {
		name string
		np   string
		want model.Policy
	}{{
		name: "empty spec selects every pod, ingress only",
		np:   kubeNP(`{"podSelector": {}}`),
		want: kubeWantNP(kubeOrch, kubeIn, nil, nil),
	}, {
		name: "pod selector terms: labels sorted by key, then expressions in order",
		np: kubeNP(`{"podSelector": {
			"matchLabels": {"tier": "db", "app": "pg"},
			"matchExpressions": [
				{"key": "zone", "operator": "In", "values": ["b", "a"]},
				{"key": "env", "operator": "NotIn", "values": ["dev"]},
				{"key": "backup", "operator": "Exists"},
				{"key": "legacy", "operator": "DoesNotExist"}]}}`),
		want: kubeWantNP(kubeOrch+" && app == 'pg' && tier == 'db' && zone in {'a', 'b'} && env not in {'dev'} && has(backup) && !has(legacy)",
			kubeIn, nil, nil),
	}, {
		name: "rule without peers or ports allows everything",
		np:   kubeNP(`{"podSelector": {}, "ingress": [{}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{{Action: model.Allow}}, nil),
	}, {
		name: "ports grouped per protocol, protocols sorted, TCP by default",
		np: kubeNP(`{"podSelector": {}, "ingress": [{"ports": [
			{"port": 80}, {"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 81},
			{"protocol": "SCTP", "port": 9}]}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Protocol: kubeSCTP, Destination: model.EntityRule{Ports: kubePorts(9)}},
			{Action: model.Allow, Protocol: kubeTCP, Destination: model.EntityRule{Ports: kubePorts([2]int{80, 81})}},
			{Action: model.Allow, Protocol: kubeUDP, Destination: model.EntityRule{Ports: kubePorts(53)}},
		}, nil),
	}, {
		name: "one rule per protocol times one per peer, peers inner",
		np: kubeNP(`{"podSelector": {}, "ingress": [{
			"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 443}],
			"from": [
				{"podSelector": {"matchLabels": {"app": "web"}}},
				{"namespaceSelector": {}},
				{"ipBlock": {"cidr": "192.0.2.0/24"}}]}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Protocol: kubeTCP, Source: model.EntityRule{Selector: web}, Destination: model.EntityRule{Ports: kubePorts(443)}},
			{Action: model.Allow, Protocol: kubeTCP, Source: model.EntityRule{Selector: kubeSel(kubeOrch), NamespaceSelector: kubeSel("all()")}, Destination: model.EntityRule{Ports: kubePorts(443)}},
			{Action: model.Allow, Protocol: kubeTCP, Source: model.EntityRule{Nets: kubePrefixes("192.0.2.0/24")}, Destination: model.EntityRule{Ports: kubePorts(443)}},
			{Action: model.Allow, Protocol: kubeUDP, Source: model.EntityRule{Selector: web}, Destination: model.EntityRule{Ports: kubePorts(53)}},
			{Action: model.Allow, Protocol: kubeUDP, Source: model.EntityRule{Selector: kubeSel(kubeOrch), NamespaceSelector: kubeSel("all()")}, Destination: model.EntityRule{Ports: kubePorts(53)}},
			{Action: model.Allow, Protocol: kubeUDP, Source: model.EntityRule{Nets: kubePrefixes("192.0.2.0/24")}, Destination: model.EntityRule{Ports: kubePorts(53)}},
		}, nil),
	}, {
		name: "a port entry without port allows every port of its protocol, whatever the order",
		np: kubeNP(`{"podSelector": {}, "ingress": [
			{"ports": [{"port": 80}, {"protocol": "TCP"}, {"protocol": "UDP", "port": 53}]},
			{"ports": [{"protocol": "UDP"}, {"protocol": "UDP", "port": 53}]}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Protocol: kubeTCP},
			{Action: model.Allow, Protocol: kubeUDP, Destination: model.EntityRule{Ports: kubePorts(53)}},
			{Action: model.Allow, Protocol: kubeUDP},
		}, nil),
	}, {
		name: "endPort ranges and touching or overlapping ports merge into minimal ranges",
		np: kubeNP(`{"podSelector": {}, "ingress": [{"ports": [
			{"port": 100}, {"port": 80}, {"port": 82, "endPort": 90}, {"port": 81},
			{"port": 85, "endPort": 87}, {"port": 100}, {"port": 102}]}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Protocol: kubeTCP, Destination: model.EntityRule{Ports: kubePorts([2]int{80, 90}, 100, 102)}},
		}, nil),
	}, {
		name: "named ports pass through, ahead of merged numeric ports",
		np: kubeNP(`{"podSelector": {}, "ingress": [
			{"ports": [{"port": 80}, {"port": "http"}, {"port": 81}]},
			{"ports": [{"port": 8080}, {"port": "metrics"}]}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Protocol: kubeTCP, Destination: model.EntityRule{Ports: kubePorts("http", [2]int{80, 81})}},
			{Action: model.Allow, Protocol: kubeTCP, Destination: model.EntityRule{Ports: kubePorts(8080, "metrics")}},
		}, nil),
	}, {
		name: "egress puts peers and ports in the destination; policyTypes defaulted",
		np: kubeNP(`{"podSelector": {"matchLabels": {"app": "web"}}, "egress": [{
			"ports": [{"protocol": "TCP", "port": 5432}],
			"to": [{"namespaceSelector": {"matchLabels": {"env": "prod"}}, "podSelector": {"matchLabels": {"app": "db"}}}]}]}`),
		want: kubeWantNP(kubeOrch+" && app == 'web'", kubeInOut, nil, []model.Rule{{
			Action: model.Allow, Protocol: kubeTCP,
			Destination: model.EntityRule{Selector: kubePodSel("app == 'db'"), NamespaceSelector: kubeSel("env == 'prod'"), Ports: kubePorts(5432)},
		}}),
	}, {
		name: "policyTypes Egress alone",
		np:   kubeNP(`{"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}`),
		want: kubeWantNP(kubeOrch, kubeOut, nil, []model.Rule{{Action: model.Allow}}),
	}, {
		name: "policyTypes listed Egress first still come out Ingress first",
		np:   kubeNP(`{"podSelector": {}, "policyTypes": ["Egress", "Ingress"]}`),
		want: kubeWantNP(kubeOrch, kubeInOut, nil, nil),
	}, {
		name: "peers: namespace selector alone, pod selector alone, both, expressions",
		np: kubeNP(`{"podSelector": {}, "ingress": [{"from": [
			{"namespaceSelector": {"matchLabels": {"team": "a"}}},
			{"podSelector": {}},
			{"podSelector": {"matchLabels": {"podA": "B", "podC": "D"}}, "namespaceSelector": {"matchLabels": {"namespaceRole": "dev", "namespaceFoo": "bar"}}},
			{"namespaceSelector": {"matchExpressions": [{"key": "team", "operator": "DoesNotExist"}]}}]}]}`),
		want: kubeWantNP(kubeOrch, kubeIn, []model.Rule{
			{Action: model.Allow, Source: model.EntityRule{Selector: kubeSel(kubeOrch), NamespaceSelector: kubeSel("team == 'a'")}},
			{Action: model.Allow, Source: model.EntityRule{Selector: kubeSel(kubeOrch)}},
			{Action: model.Allow, Source: model.EntityRule{Selector: kubePodSel("podA == 'B'", "podC == 'D'"), NamespaceSelector: kubeSel("namespaceFoo == 'bar' && namespaceRole == 'dev'")}},
			{Action: model.Allow, Source: model.EntityRule{Selector: kubeSel(kubeOrch), NamespaceSelector: kubeSel("! has(team)")}},
		}, nil),
	}, {
		name: "ipBlock: nets and notNets, host bits dropped",
		np: kubeNP(`{"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "10.0.1.5/16", "except": ["10.0.1.0/24", "10.0.2.7/32"]}}]},
			{"to": [{"ipBlock": {"cidr": "2001:db8::1/32", "except": ["2001:db8:1::/48"]}}]}]}`),
		want: kubeWantNP(kubeOrch, kubeInOut, nil, []model.Rule{
			{Action: model.Allow, Destination: model.EntityRule{Nets: kubePrefixes("10.0.0.0/16"), NotNets: kubePrefixes("10.0.1.0/24", "10.0.2.7/32")}},
			{Action: model.Allow, Destination: model.EntityRule{Nets: kubePrefixes("2001:db8::/32"), NotNets: kubePrefixes("2001:db8:1::/48")}},
		}),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var np NetworkPolicy
			kubeDecode(t, tc.np, &np)
			got, problems := ConvertNetworkPolicy(&np)
			if len(problems) > 0 {
				t.Fatalf("unexpected problems:\n%s", kubeProblemList(problems))
			}
			if diff := cmp.Diff(tc.want, got, kubeCmp); diff != "" {
				t.Errorf("policy differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvertKubernetesNetworkPolicyDefaultsNamespace(t *testing.T) {
	var np NetworkPolicy
	kubeDecode(t, `{"metadata": {"name": "np"}, "spec": {}}`, &np)
	got, problems := ConvertNetworkPolicy(&np)
	if len(problems) > 0 {
		t.Fatalf("unexpected problems:\n%s", kubeProblemList(problems))
	}
	if got.Namespace != "default" {
		t.Errorf("namespace = %q, want default", got.Namespace)
	}
}

func TestConvertKubernetesNetworkPolicyInertEgress(t *testing.T) {
	// The API server never defaults Egress in when policyTypes is given,
	// so these egress rules are kept but never apply.
	var np NetworkPolicy
	kubeDecode(t, kubeNP(`{"podSelector": {}, "policyTypes": ["Ingress"], "egress": [{"to": [{"podSelector": {}}]}]}`), &np)
	got, problems := ConvertNetworkPolicy(&np)
	kubeCheckProblems(t, problems, []kubeWant{{resource.SeverityWarning, "spec.policyTypes", "does not include Egress"}})
	want := kubeWantNP(kubeOrch, kubeIn, nil, []model.Rule{{Action: model.Allow, Destination: model.EntityRule{Selector: kubeSel(kubeOrch)}}})
	if diff := cmp.Diff(want, got, kubeCmp); diff != "" {
		t.Errorf("policy differs (-want +got):\n%s", diff)
	}
}

func TestConvertKubernetesNetworkPolicyDropsBadRules(t *testing.T) {
	// Calico drops a rule it cannot convert and keeps converting the
	// others; the rule indices of later rules shift accordingly.
	var np NetworkPolicy
	kubeDecode(t, kubeNP(`{"podSelector": {}, "ingress": [
		{"ports": [{"port": 80}]},
		{"ports": [{"port": "http", "endPort": 90}]},
		{"from": [{"ipBlock": {"cidr": "10.0.0.0/33"}}]},
		{"ports": [{"port": 443}]}]}`), &np)
	got, problems := ConvertNetworkPolicy(&np)
	kubeCheckProblems(t, problems, []kubeWant{
		{resource.SeverityError, "spec.ingress[1].ports[0].endPort", "numeric port"},
		{resource.SeverityError, "spec.ingress[2].from[0].ipBlock.cidr", "not a CIDR"},
	})
	want := kubeWantNP(kubeOrch, kubeIn, []model.Rule{
		{Action: model.Allow, Protocol: kubeTCP, Destination: model.EntityRule{Ports: kubePorts(80)}},
		{Action: model.Allow, Protocol: kubeTCP, Destination: model.EntityRule{Ports: kubePorts(443)}},
	}, nil)
	if diff := cmp.Diff(want, got, kubeCmp); diff != "" {
		t.Errorf("policy differs (-want +got):\n%s", diff)
	}
}

func TestConvertKubernetesNetworkPolicyRulesShareNoSlices(t *testing.T) {
	var np NetworkPolicy
	kubeDecode(t, kubeNP(`{"podSelector": {}, "egress": [{
		"ports": [{"protocol": "TCP", "port": 1}, {"protocol": "UDP", "port": 1}],
		"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}`), &np)
	got, _ := ConvertNetworkPolicy(&np)
	if len(got.Egress) != 2 {
		t.Fatalf("got %d rules, want 2", len(got.Egress))
	}
	got.Egress[0].Destination.Nets[0] = kubePrefixes("192.0.2.0/24")[0]
	got.Egress[0].Destination.Ports[0].Min = 9
	if got.Egress[1].Destination.Nets[0] != kubePrefixes("10.0.0.0/8")[0] || got.Egress[1].Destination.Ports[0].Min != 1 {
		t.Errorf("changing one converted rule changed another: %+v", got.Egress[1].Destination)
	}
}

func TestConvertKubernetesNetworkPolicyNil(t *testing.T) {
	_, problems := ConvertNetworkPolicy(nil)
	kubeCheckProblems(t, problems, []kubeWant{{resource.SeverityError, "", "no object"}})
}

func TestValidateKubernetesNetworkPolicy(t *testing.T) {
	tests := []struct {
		name string
		np   string
		want []kubeWant
	}{{
		name: "names",
		np:   `{"metadata": {"namespace": "Prod_1"}, "spec": {}}`,
		want: []kubeWant{
			{resource.SeverityError, "metadata.name", "is required"},
			{resource.SeverityError, "metadata.namespace", "RFC 1123 label"},
		},
	}, {
		name: "name not a subdomain, bad labels",
		np:   `{"metadata": {"name": "Allow_Web", "namespace": "prod", "labels": {"-x": "ok", "k": "bad value"}}, "spec": {}}`,
		want: []kubeWant{
			{resource.SeverityError, "metadata.name", "RFC 1123 subdomain"},
			{resource.SeverityError, "metadata.labels", `key "-x"`},
			{resource.SeverityError, "metadata.labels", `value "bad value" of key "k"`},
		},
	}, {
		name: "label selector operators and values",
		np: kubeNP(`{"podSelector": {"matchExpressions": [
			{"key": "a", "operator": "In"},
			{"key": "b", "operator": "Exists", "values": ["x"]},
			{"key": "c", "operator": "Equals", "values": ["x"]},
			{"key": "d/e/f", "operator": "NotIn", "values": ["ok", "not ok"]},
			{"key": "", "operator": ""}]}}`),
		want: []kubeWant{
			{resource.SeverityError, "spec.podSelector.matchExpressions[0].values", "must be given when the operator is In"},
			{resource.SeverityError, "spec.podSelector.matchExpressions[1].values", "must be empty when the operator is Exists"},
			{resource.SeverityError, "spec.podSelector.matchExpressions[2].operator", `"Equals" is not a selector operator`},
			{resource.SeverityError, "spec.podSelector.matchExpressions[3].key", `"d/e/f"`},
			{resource.SeverityError, "spec.podSelector.matchExpressions[3].values[1]", `"not ok"`},
			{resource.SeverityError, "spec.podSelector.matchExpressions[4].key", "is required"},
			{resource.SeverityError, "spec.podSelector.matchExpressions[4].operator", "is required"},
		},
	}, {
		name: "ports",
		np: kubeNP(`{"podSelector": {}, "ingress": [{"ports": [
			{"protocol": "ICMP", "port": 1},
			{"port": 0},
			{"port": 90, "endPort": 80},
			{"port": "http", "endPort": 90},
			{"port": "80"},
			{"endPort": 90},
			{"port": "HTTP"},
			{"port": "a-very-long-port-name"},
			{"port": 80, "endPort": 70000},
			{"port": "a--b"}]}]}`),
		want: []kubeWant{
			{resource.SeverityError, "spec.ingress[0].ports[0].protocol", `"ICMP" is not supported`},
			{resource.SeverityError, "spec.ingress[0].ports[1].port", "0 is not a port number"},
			{resource.SeverityError, "spec.ingress[0].ports[2].endPort", "80 is less than port 90"},
			{resource.SeverityError, "spec.ingress[0].ports[3].endPort", "numeric port"},
			{resource.SeverityError, "spec.ingress[0].ports[4].port", "at least one letter"},
			{resource.SeverityError, "spec.ingress[0].ports[5].endPort", "only with port"},
			{resource.SeverityError, "spec.ingress[0].ports[6].port", "lower-case"},
			{resource.SeverityError, "spec.ingress[0].ports[7].port", "no more than 15"},
			{resource.SeverityError, "spec.ingress[0].ports[8].endPort", "70000 is not a port number"},
			{resource.SeverityError, "spec.ingress[0].ports[9].port", "consecutive"},
		},
	}, {
		name: "peers and ipBlocks",
		np: kubeNP(`{"podSelector": {}, "ingress": [{"from": [
			{},
			{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}},
			{"ipBlock": {"cidr": "10.0.0.0/33"}},
			{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16", "10.0.0.0/8", "fd00::/64", "x", "10.1.0.0/16"]}},
			{"ipBlock": {"cidr": ""}}]}],
			"egress": [{"to": [{"namespaceSelector": {"matchLabels": {"ok": "-bad-"}}}]}]}`),
		want: []kubeWant{
			{resource.SeverityError, "spec.ingress[0].from[0]", "needs podSelector, namespaceSelector or ipBlock"},
			{resource.SeverityError, "spec.ingress[0].from[1]", "cannot be combined"},
			{resource.SeverityError, "spec.ingress[0].from[2].ipBlock.cidr", "not a CIDR"},
			{resource.SeverityError, "spec.ingress[0].from[3].ipBlock.except[0]", "strictly inside"},
			{resource.SeverityError, "spec.ingress[0].from[3].ipBlock.except[1]", "strictly inside"},
			{resource.SeverityError, "spec.ingress[0].from[3].ipBlock.except[2]", "strictly inside"},
			{resource.SeverityError, "spec.ingress[0].from[3].ipBlock.except[3]", "not a CIDR"},
			{resource.SeverityError, "spec.ingress[0].from[4].ipBlock.cidr", "is required"},
			{resource.SeverityError, "spec.egress[0].to[0].namespaceSelector.matchLabels", `value "-bad-"`},
		},
	}, {
		name: "policy types",
		np:   kubeNP(`{"podSelector": {}, "policyTypes": ["Ingress", "Egress", "ingress"]}`),
		want: []kubeWant{
			{resource.SeverityError, "spec.policyTypes", "only Ingress and Egress"},
			{resource.SeverityError, "spec.policyTypes[2]", `"ingress" is not a policy type`},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var np NetworkPolicy
			kubeDecode(t, tc.np, &np)
			_, problems := ConvertNetworkPolicy(&np)
			kubeCheckProblems(t, problems, tc.want)
			for _, p := range problems {
				if p.Kind != "NetworkPolicy" || p.Name != np.Metadata.Name || p.Namespace != np.Metadata.NamespaceOrDefault() {
					t.Errorf("problem %q does not name the object", p.String())
				}
			}
		})
	}
}

func TestKubeSimplifyPorts(t *testing.T) {
	tests := []struct {
		name     string
		in, want []model.Port
	}{
		{"empty", nil, nil},
		{"one range stays", kubePorts([2]int{5, 9}), kubePorts([2]int{5, 9})},
		{"one number and names keep their order", kubePorts(80, "http"), kubePorts(80, "http")},
		{"duplicates collapse", kubePorts(80, 80), kubePorts(80)},
		{"adjacent numbers merge", kubePorts(3, 1, 2), kubePorts([2]int{1, 3})},
		{"gaps stay", kubePorts(1, 3), kubePorts(1, 3)},
		{"ranges overlap and touch", kubePorts([2]int{10, 20}, [2]int{15, 30}, [2]int{31, 31}, [2]int{40, 50}), kubePorts([2]int{10, 31}, [2]int{40, 50})},
		{"range inside range", kubePorts([2]int{1, 100}, [2]int{5, 6}), kubePorts([2]int{1, 100})},
		{"names first once numbers merge", kubePorts(2, "a", 1, "b"), kubePorts("a", "b", [2]int{1, 2})},
		{"edges of the port space", kubePorts(65535, [2]int{1, 65534}), kubePorts([2]int{1, 65535})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, simplifyPorts(tc.in), kubeCmp); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
