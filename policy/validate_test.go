package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// Each case is one malformed resource that must give exactly one error,
// at exactly this field path, with a message holding msg.
var malformedCases = []struct {
	name string
	doc  string
	path string
	msg  string
}{
	// Protocols.
	{"protocol name misspelt", gnpRule("ingress", "{action: Allow, protocol: TPC}"), "spec.ingress[0].protocol", `unknown protocol "TPC"`},
	{"protocol 0", gnpRule("ingress", "{action: Allow, protocol: 0}"), "spec.ingress[0].protocol", "protocol number 0 is out of range"},
	{"protocol 256", gnpRule("ingress", "{action: Allow, protocol: 256}"), "spec.ingress[0].protocol", "protocol number 256 is out of range"},
	{"protocol string 300", gnpRule("ingress", `{action: Allow, protocol: "300"}`), "spec.ingress[0].protocol", "out of range"},
	{"protocol of the wrong type", gnpRule("ingress", "{action: Allow, protocol: true}"), "spec.ingress[0].protocol", "expected an integer or a string"},
	{"notProtocol unknown", gnpRule("egress", "{action: Deny, notProtocol: GRE}"), "spec.egress[0].notProtocol", `unknown protocol "GRE"`},

	// Ports.
	{"port 0", gnpRule("ingress", "{action: Allow, protocol: TCP, destination: {ports: [0]}}"), "spec.ingress[0].destination.ports[0]", "port 0 is out of range"},
	{"port 65536", gnpRule("ingress", "{action: Allow, protocol: UDP, destination: {ports: [80, 65536]}}"), "spec.ingress[0].destination.ports[1]", "port 65536 is out of range"},
	{"range backwards", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: ["9:3"]}}`), "spec.ingress[0].destination.ports[0]", "runs backwards"},
	{"range from 0", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: ["0:10"]}}`), "spec.ingress[0].destination.ports[0]", "port range 0:10 is out of range"},
	{"range too high", gnpRule("ingress", `{action: Allow, protocol: TCP, source: {ports: ["1000:70000"]}}`), "spec.ingress[0].source.ports[0]", "out of range"},
	{"named port upper case", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: [HTTP]}}`), "spec.ingress[0].destination.ports[0]", "only lower-case letters"},
	{"named port double dash", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: [a--b]}}`), "spec.ingress[0].destination.ports[0]", "consecutive '-'"},
	{"named port too long", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: [abcdefghijklmnop]}}`), "spec.ingress[0].destination.ports[0]", "15 characters"},
	{"named port without a letter", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: ["80-90"]}}`), "spec.ingress[0].destination.ports[0]", "at least one letter"},
	{"named port leading dash", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: ["-web"]}}`), "spec.ingress[0].destination.ports[0]", "begin or end"},
	{"ports with ICMP", gnpRule("ingress", "{action: Allow, protocol: ICMP, destination: {ports: [80]}}"), "spec.ingress[0].destination.ports[0]", "protocol ICMP has no ports"},
	{"ports with UDPLite", gnpRule("ingress", "{action: Allow, protocol: UDPLite, destination: {ports: [80]}}"), "spec.ingress[0].destination.ports[0]", "protocol UDPLite has no ports"},
	{"named port with ICMP", gnpRule("ingress", "{action: Allow, protocol: 1, source: {ports: [http]}}"), "spec.ingress[0].source.ports[0]", "has no ports"},
	{"numeric port without protocol", gnpRule("ingress", "{action: Allow, destination: {ports: [80]}}"), "spec.ingress[0].destination.ports[0]", "needs protocol TCP, UDP or SCTP"},
	{"numeric notPort without protocol", gnpRule("egress", "{action: Allow, destination: {notPorts: [http, 22]}}"), "spec.egress[0].destination.notPorts[1]", "only named ports"},
	{"ports of the wrong type", gnpRule("ingress", `{action: Allow, protocol: TCP, destination: {ports: "80"}}`), "spec.ingress[0].destination.ports", "expected a list"},

	// ICMP.
	{"icmp code without type", gnpRule("ingress", "{action: Allow, protocol: ICMP, icmp: {code: 0}}"), "spec.ingress[0].icmp.code", "needs a type"},
	{"icmp type 255", gnpRule("ingress", "{action: Allow, protocol: ICMP, icmp: {type: 255}}"), "spec.ingress[0].icmp.type", "ICMP type 255 is out of range 0 to 254"},
	{"icmp code 256", gnpRule("ingress", "{action: Allow, protocol: ICMPv6, icmp: {type: 1, code: 256}}"), "spec.ingress[0].icmp.code", "ICMP code 256 is out of range"},
	{"notICMP type 255", gnpRule("ingress", "{action: Deny, notICMP: {type: 255}}"), "spec.ingress[0].notICMP.type", "out of range 0 to 254"},
	{"icmp with TCP", gnpRule("ingress", "{action: Allow, protocol: TCP, icmp: {type: 8}}"), "spec.ingress[0].icmp", "needs protocol ICMP or ICMPv6, not TCP"},
	{"icmp without protocol", gnpRule("ingress", "{action: Allow, icmp: {type: 8}}"), "spec.ingress[0].icmp", "needs protocol ICMP or ICMPv6"},
	{"ICMP with ipVersion 6", gnpRule("ingress", "{action: Allow, protocol: ICMP, ipVersion: 6}"), "spec.ingress[0].ipVersion", "must be 4"},
	{"ICMPv6 with ipVersion 4", gnpRule("ingress", "{action: Allow, protocol: 58, ipVersion: 4}"), "spec.ingress[0].ipVersion", "must be 6"},
	{"notProtocol ICMP with ipVersion 6", gnpRule("egress", "{action: Allow, notProtocol: ICMP, ipVersion: 6}"), "spec.egress[0].ipVersion", "notProtocol ICMP"},
	{"ipVersion 5", gnpRule("ingress", "{action: Allow, ipVersion: 5}"), "spec.ingress[0].ipVersion", "must be 4 or 6"},

	// Nets.
	{"mixed families in one list", gnpRule("ingress", `{action: Allow, source: {nets: [10.0.0.0/8, "2001:db8::/32"]}}`), "spec.ingress[0].source.nets[1]", "all nets of a rule must be one IP family"},
	{"mixed families across sides", gnpRule("egress", `{action: Allow, source: {nets: [10.0.0.0/8]}, destination: {notNets: ["::1/128"]}}`), "spec.egress[0].destination.notNets[0]", "spec.egress[0].source.nets[0] (10.0.0.0/8) is IPv4"},
	{"net of the other ipVersion", gnpRule("ingress", "{action: Allow, ipVersion: 6, source: {nets: [10.1.0.0/16]}}"), "spec.ingress[0].source.nets[0]", "but the rule has ipVersion 6"},
	{"notNets catch-all IPv4", gnpRule("ingress", "{action: Allow, source: {notNets: [0.0.0.0/0]}}"), "spec.ingress[0].source.notNets[0]", "catch-all"},
	{"notNets catch-all IPv6", gnpRule("egress", `{action: Allow, destination: {notNets: ["::/0"]}}`), "spec.egress[0].destination.notNets[0]", "catch-all"},
	{"net not a CIDR", gnpRule("ingress", "{action: Allow, source: {nets: [10.0.0.0/33]}}"), "spec.ingress[0].source.nets[0]", "is not a CIDR"},
	{"net with host bits", gnpRule("ingress", "{action: Allow, source: {nets: [10.0.0.1/8]}}"), "spec.ingress[0].source.nets[0]", "did you mean 10.0.0.0/8"},

	// HTTP.
	{"http on a Deny rule", gnpRule("ingress", "{action: Deny, http: {methods: [GET]}}"), "spec.ingress[0].http", "only allowed on Allow rules"},
	{"http with UDP", gnpRule("ingress", "{action: Allow, protocol: UDP, http: {methods: [GET]}}"), "spec.ingress[0].http", "needs protocol TCP"},
	{"http in an egress rule", gnpRule("egress", "{action: Allow, http: {methods: [GET]}}"), "spec.egress[0].http", "not allowed in egress rules"},
	{"http path without slash", gnpRule("ingress", "{action: Allow, http: {paths: [{exact: foo}]}}"), "spec.ingress[0].http.paths[0].exact", "must start with /"},
	{"http prefix with query", gnpRule("ingress", `{action: Allow, http: {paths: [{exact: /a}, {prefix: "/b?x=1"}]}}`), "spec.ingress[0].http.paths[1].prefix", "must not contain"},
	{"http path with both", gnpRule("ingress", "{action: Allow, http: {paths: [{exact: /a, prefix: /b}]}}"), "spec.ingress[0].http.paths[0]", "both exact and prefix"},
	{"http path with neither", gnpRule("ingress", "{action: Allow, http: {paths: [{}]}}"), "spec.ingress[0].http.paths[0]", "needs exact or prefix"},
	{"http methods repeated", gnpRule("ingress", "{action: Allow, http: {methods: [GET, PUT, GET]}}"), "spec.ingress[0].http.methods[2]", `method "GET" is listed twice`},

	// Services.
	{"destination services with ports", gnpRule("egress", "{action: Allow, protocol: TCP, destination: {services: {name: db, namespace: prod}, ports: [80]}}"), "spec.egress[0].destination.ports", "cannot be combined with services"},
	{"services with a selector", gnpRule("ingress", "{action: Allow, source: {services: {name: db, namespace: prod}, selector: a == 'b'}}"), "spec.ingress[0].source.selector", "cannot be combined with services"},
	{"services with nets", gnpRule("ingress", "{action: Allow, source: {services: {name: db, namespace: prod}, nets: [10.0.0.0/8]}}"), "spec.ingress[0].source.nets", "cannot be combined with services"},
	{"source services in egress", gnpRule("egress", "{action: Allow, source: {services: {name: db, namespace: prod}}}"), "spec.egress[0].source.services", "not allowed in an egress rule's source"},
	{"destination services in ingress", gnpRule("ingress", "{action: Allow, destination: {services: {name: db, namespace: prod}}}"), "spec.ingress[0].destination.services", "not allowed in an ingress rule's destination"},
	{"global services without namespace", gnpRule("ingress", "{action: Allow, source: {services: {name: db}}}"), "spec.ingress[0].source.services.namespace", "is required"},
	{"services without name", gnpRule("ingress", "{action: Allow, source: {services: {namespace: prod}}}"), "spec.ingress[0].source.services.name", "is required"},

	// Selectors.
	{"broken rule selector", gnpRule("ingress", `{action: Allow, source: {selector: "role == 'db"}}`), "spec.ingress[0].source.selector", "invalid selector"},
	{"global() in a rule selector", gnpRule("ingress", "{action: Allow, source: {selector: global()}}"), "spec.ingress[0].source.selector", "global() can only be used"},
	{"global() combined in namespaceSelector", gnpRule("ingress", `{action: Allow, source: {namespaceSelector: "global() && a == 'b'"}}`), "spec.ingress[0].source.namespaceSelector", "cannot be combined"},
	{"broken service account selector", gnpRule("ingress", `{action: Allow, source: {serviceAccounts: {selector: "a ="}}}`), "spec.ingress[0].source.serviceAccounts.selector", "invalid selector"},
	{"broken notSelector", gnpRule("egress", `{action: Allow, destination: {notSelector: "has (x)"}}`), "spec.egress[0].destination.notSelector", "invalid selector"},
	{"policy selector with global()", calico("GlobalNetworkPolicy", "{name: p}", "{selector: global()}"), "spec.selector", "global() can only be used"},
	{"policy namespaceSelector with global()", calico("GlobalNetworkPolicy", "{name: p}", "{namespaceSelector: global()}"), "spec.namespaceSelector", "global() can only be used"},
	{"selector of the wrong type", calico("GlobalNetworkPolicy", "{name: p}", "{selector: 5}"), "spec.selector", "expected a string, got the number 5"},
	{"selector too long", calico("GlobalNetworkPolicy", "{name: p}", "{selector: \"a == '"+strings.Repeat("x", 1100)+"'\"}"), "spec.selector", "at most 1024"},

	// Actions and rule fields.
	{"unknown action", gnpRule("ingress", "{action: accept}"), "spec.ingress[0].action", `unknown action "accept"`},
	{"missing action", gnpRule("ingress", "{protocol: TCP}"), "spec.ingress[0].action", "is required"},
	{"unknown rule field", gnpRule("ingress", "{action: Allow, prot: TCP}"), "spec.ingress[0].prot", `unknown field "prot"`},
	{"unknown entity field", gnpRule("ingress", "{action: Allow, source: {selecter: all()}}"), "spec.ingress[0].source.selecter", `(did you mean "selector"?)`},
	{"bad rule annotation key", gnpRule("ingress", `{action: Allow, metadata: {annotations: {"bad key!": x}}}`), "spec.ingress[0].metadata.annotations[bad key!]", "annotation key"},

	// Policies.
	{"global policy name with two dots", calico("GlobalNetworkPolicy", "{name: a.b.c}", "{}"), "metadata.name", "two joined by one '.'"},
	{"global policy name upper case", calico("GlobalNetworkPolicy", "{name: Web}", "{}"), "metadata.name", `"Web"`},
	{"network policy name with two dots", calico("NetworkPolicy", "{name: a.b.c, namespace: prod}", "{}"), "metadata.name", "must be a lower-case DNS label"},
	{"missing name", calico("GlobalNetworkPolicy", "{}", "{}"), "metadata.name", "is required"},
	{"bad namespace", calico("NetworkPolicy", "{name: p, namespace: Prod}", "{}"), "metadata.namespace", "RFC 1123 label"},
	{"namespace on a global policy", calico("GlobalNetworkPolicy", "{name: p, namespace: prod}", "{}"), "metadata.namespace", "has no namespace"},
	{"bad tier name", calico("GlobalNetworkPolicy", "{name: p}", "{tier: Security}"), "spec.tier", "not a tier name"},
	{"unknown tier", calico("NetworkPolicy", "{name: p, namespace: prod}", "{tier: security}"), "spec.tier", `NetworkPolicy prod/p is in tier "security", which does not exist`},
	{"type listed twice", calico("GlobalNetworkPolicy", "{name: p}", "{types: [Ingress, Ingress]}"), "spec.types[1]", "listed twice"},
	{"unknown type", calico("GlobalNetworkPolicy", "{name: p}", "{types: [Both]}"), "spec.types[0]", `unknown policy type "Both"`},
	{"preDNAT with doNotTrack", calico("GlobalNetworkPolicy", "{name: p}", "{preDNAT: true, doNotTrack: true, applyOnForward: true}"), "spec.preDNAT", "cannot be combined with doNotTrack"},
	{"preDNAT with egress rules", calico("GlobalNetworkPolicy", "{name: p}", "{preDNAT: true, applyOnForward: true, types: [Ingress], egress: [{action: Allow}]}"), "spec.egress", "cannot have egress rules"},
	{"preDNAT with type Egress", calico("GlobalNetworkPolicy", "{name: p}", "{preDNAT: true, applyOnForward: true, types: [Ingress, Egress]}"), "spec.types[1]", "cannot have type Egress"},
	{"doNotTrack without applyOnForward", calico("GlobalNetworkPolicy", "{name: p}", "{doNotTrack: true}"), "spec.applyOnForward", "must be true"},
	{"namespaceSelector on a namespaced policy", calico("NetworkPolicy", "{name: p}", "{namespaceSelector: all()}"), "spec.namespaceSelector", `unknown field "namespaceSelector"`},
	{"unknown performance hint", calico("GlobalNetworkPolicy", "{name: p}", "{performanceHints: [Fast]}"), "spec.performanceHints[0]", "unknown performance hint"},
	{"order of the wrong type", calico("NetworkPolicy", "{name: p}", "{order: first}"), "spec.order", "expected a number"},
	{"stagedAction on an enforced policy", calico("GlobalNetworkPolicy", "{name: p}", "{stagedAction: Set}"), "spec.stagedAction", "only staged policies"},
	{"unknown staged action", calico("StagedNetworkPolicy", "{name: p}", "{stagedAction: Remove}"), "spec.stagedAction", `unknown staged action "Remove"`},
	{"staged Delete with a spec", calico("StagedGlobalNetworkPolicy", "{name: p}", "{stagedAction: Delete, tier: default, selector: all(), ingress: [{action: Allow}]}"), "spec", "it sets selector, ingress"},
	{"bad label value", calico("GlobalNetworkPolicy", `{name: p, labels: {app: "a b"}}`, "{}"), "metadata.labels[app]", "label value"},

	// Tiers.
	{"tier default action Allow", calico("Tier", "{name: t}", "{defaultAction: Allow}"), "spec.defaultAction", "want Deny or Pass"},
	{"tier name with a dot", calico("Tier", "{name: a.b}", "{}"), "metadata.name", "RFC 1123 label"},
	{"built-in tier order", calico("Tier", "{name: default}", "{order: 5}"), "spec.order", "the built-in tier default has order 1e+06"},
	{"built-in tier default action", calico("Tier", "{name: kube-admin}", "{defaultAction: Deny}"), "spec.defaultAction", "has default action Pass"},

	// Network sets, profiles and endpoints.
	{"network set with the namespace label", calico("NetworkSet", `{name: s, labels: {projectcalico.org/namespace: x}}`, "{nets: [10.0.0.0/8]}"), "metadata.labels[projectcalico.org/namespace]", "is reserved"},
	{"global network set with a bad net", calico("GlobalNetworkSet", "{name: s}", "{nets: [10.0.0.0/8, nonsense]}"), "spec.nets[1]", `"nonsense" is not a CIDR`},
	{"profile with a bad label key", calico("Profile", "{name: p}", `{labelsToApply: {"a b": x}}`), "spec.labelsToApply[a b]", "label key"},
	{"profile with a bad name", calico("Profile", `{name: "a b"}`, "{}"), "metadata.name", "RFC 1123 subdomain"},
	{"host endpoint without node", calico("HostEndpoint", "{name: h}", "{interfaceName: eth0}"), "spec.node", "is required"},
	{"host endpoint without interface or IPs", calico("HostEndpoint", "{name: h}", "{node: n1}"), "spec.interfaceName", "is required when there are no expectedIPs"},
	{"host endpoint with a bad IP", calico("HostEndpoint", "{name: h}", "{node: n1, expectedIPs: [10.0.0.300]}"), "spec.expectedIPs[0]", "is not an IP address"},
	{"host endpoint port with a host port", calico("HostEndpoint", "{name: h}", "{node: n1, interfaceName: eth0, ports: [{name: ssh, protocol: TCP, port: 22, hostPort: 22}]}"), "spec.ports[0].hostPort", `unknown field "hostPort"`},
	{"workload with a network of many addresses", calico("WorkloadEndpoint", "{name: w, namespace: prod}", "{ipNetworks: [10.0.0.0/24]}"), "spec.ipNetworks[0]", "more than one address"},
	{"workload port with ICMP", calico("WorkloadEndpoint", "{name: w}", "{ports: [{name: web, protocol: ICMP, port: 80}]}"), "spec.ports[0].protocol", "has no ports"},
	{"workload port with a bad name", calico("WorkloadEndpoint", "{name: w}", "{ports: [{name: Web, protocol: TCP, port: 80}]}"), "spec.ports[0].name", "not a valid port name"},
	{"workload port 0", calico("WorkloadEndpoint", "{name: w}", "{ports: [{name: web, protocol: TCP, port: 0}]}"), "spec.ports[0].port", "is required"},

	// Documents.
	{"unknown v3 kind", calico("Policy", "{name: p}", "{}"), "kind", `unknown kind "Policy"`},
	{"missing kind", "apiVersion: projectcalico.org/v3\nmetadata: {name: p}\n", "kind", "is required"},
	{"missing apiVersion", "kind: GlobalNetworkPolicy\nmetadata: {name: p}\n", "apiVersion", "is required"},
	{"unknown apiVersion", "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\n", "apiVersion", `"crd.projectcalico.org/v1" is not an apiVersion of kind GlobalNetworkPolicy`},
	{"spec of the wrong type", calico("GlobalNetworkPolicy", "{name: p}", "[]"), "spec", "expected an object, got a list"},
}

func TestMalformedResources(t *testing.T) {
	if len(malformedCases) < 60 {
		t.Fatalf("only %d cases", len(malformedCases))
	}
	for _, tt := range malformedCases {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := loadOne(t, tt.doc)
			if len(probs) != 1 {
				t.Fatalf("got %d problems, want 1 at %s:\n%v", len(probs), tt.path, probs)
			}
			p := probs[0]
			if p.Path != tt.path {
				t.Errorf("path = %q, want %q (%s)", p.Path, tt.path, p)
			}
			if !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", p.Msg, tt.msg)
			}
			if p.File != "test.yaml" || p.Document != 1 {
				t.Errorf("located at %q document %d, want test.yaml document 1", p.File, p.Document)
			}
		})
	}
}

func TestEveryProblemIsReported(t *testing.T) {
	text := strings.Join([]string{
		gnpRule("ingress", "{action: Allow, protocol: TCP, destination: {ports: [0, 70000]}, icmp: {type: 8}}"),
		calico("NetworkPolicy", "{name: db, namespace: prod}", "{tier: platform, selector: \"app ==\"}"),
		calico("Tier", "{name: t}", "{order: 1, defaultAction: Allow}"),
		calico("GlobalNetworkSet", "{name: s}", "{nets: [bad]}"),
		gnpRule("egress", "{action: Allow}"), // valid, but p again
	}, "---\n")
	_, probs := loadOne(t, text)
	want := []struct {
		doc        int
		kind, name string
		path       string
	}{
		{1, "GlobalNetworkPolicy", "p", "spec.ingress[0].icmp"},
		{1, "GlobalNetworkPolicy", "p", "spec.ingress[0].destination.ports[0]"},
		{1, "GlobalNetworkPolicy", "p", "spec.ingress[0].destination.ports[1]"},
		{2, "NetworkPolicy", "db", "spec.selector"},
		{3, "Tier", "t", "spec.defaultAction"},
		{4, "GlobalNetworkSet", "s", "spec.nets[0]"},
		{5, "GlobalNetworkPolicy", "p", "metadata.name"},
		{2, "NetworkPolicy", "db", "spec.tier"},
	}
	if len(probs) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(probs), len(want), probs)
	}
	for i, w := range want {
		p := probs[i]
		if p.Document != w.doc || p.Kind != w.kind || p.Name != w.name || p.Path != w.path {
			t.Errorf("problem %d = %s; want document %d %s %s at %s", i, p, w.doc, w.kind, w.name, w.path)
		}
	}
	if ns := probs[3].Namespace; ns != "prod" {
		t.Errorf("namespace of the NetworkPolicy problem = %q, want prod", ns)
	}
}

func TestLetterCaseWarnings(t *testing.T) {
	res := mustLoad(t, gnpRule("ingress", "{action: allow, protocol: tcp, destination: {ports: [80]}}")+
		"---\n"+calico("Tier", "{name: t}", "{defaultAction: pass}")+
		"---\n"+calico("GlobalNetworkPolicy", "{name: q}", "{types: [ingress]}"))
	var paths []string
	for _, w := range res.Warnings {
		paths = append(paths, w.Path)
		if w.Severity != SeverityWarning || !strings.Contains(w.Msg, "is spelled") {
			t.Errorf("unexpected warning %s", w)
		}
	}
	want := []string{"spec.ingress[0].action", "spec.ingress[0].protocol", "spec.defaultAction", "spec.types[0]"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("warnings at %v, want %v", paths, want)
	}
	p := res.Set.Policies[0].Ingress[0]
	if p.Action != "Allow" || p.Protocol != tcp() {
		t.Errorf("rule read as %+v, want Allow TCP", p)
	}
	if res.Set.Tiers[0].DefaultAction != "Pass" {
		t.Errorf("tier default action %q, want Pass", res.Set.Tiers[0].DefaultAction)
	}
}

// SPEC 7: a service named without a namespace in a namespaced policy never
// matches (Calico looks up "/<name>"), so validation warns and names the
// namespace to add, in both directions and in staged policies; the policy
// still loads.
func TestServiceWithoutNamespaceWarns(t *testing.T) {
	res := mustLoad(t, strings.Join([]string{
		calico("NetworkPolicy", "{name: p, namespace: prod}", "{ingress: [{action: Allow, source: {services: {name: web}}}], egress: [{action: Allow, destination: {services: {name: db}}}, {action: Allow, destination: {services: {name: db, namespace: prod}}}]}"),
		calico("StagedNetworkPolicy", "{name: s, namespace: dev}", "{ingress: [{action: Deny, source: {services: {name: web}}}]}"),
	}, "---\n"))
	want := []struct{ name, path, svc, ns string }{
		{"p", "spec.ingress[0].source.services.namespace", `"web"`, "namespace: prod"},
		{"p", "spec.egress[0].destination.services.namespace", `"db"`, "namespace: prod"},
		{"s", "spec.ingress[0].source.services.namespace", `"web"`, "namespace: dev"},
	}
	if len(res.Warnings) != len(want) {
		t.Fatalf("warnings %v, want %d", res.Warnings, len(want))
	}
	for i, w := range want {
		got := res.Warnings[i]
		if got.Severity != SeverityWarning || got.Name != w.name || got.Path != w.path ||
			!strings.Contains(got.Msg, "never matches") || !strings.Contains(got.Msg, w.svc) || !strings.Contains(got.Msg, w.ns) {
			t.Errorf("warning %d = %s; want one at %s %s saying the rule never matches, naming %s and %s", i, got, w.name, w.path, w.svc, w.ns)
		}
	}
	if sm := res.Set.Policies[0].Ingress[0].Source.Services; sm == nil || sm.Name != "web" || sm.Namespace != "" {
		t.Errorf("service match loaded as %+v, want web with no namespace (it must not become the policy's)", sm)
	}
}

// Calico keeps whether an endpoint port's protocol was written as a name
// or a number; a rule without a protocol resolves only the named ones
// (model.EndpointPort.ProtocolByNumber).
func TestEndpointPortProtocolByNumber(t *testing.T) {
	res := mustLoad(t, calico("WorkloadEndpoint", "{name: w1, namespace: prod}",
		`{orchestrator: k8s, ipNetworks: [10.0.0.9/32], ports: [{name: a, protocol: TCP, port: 80}, {name: b, protocol: 6, port: 81}, {name: c, protocol: "17", port: 82}]}`))
	want := []model.EndpointPort{
		{Name: "a", Protocol: model.ProtoTCP, Port: 80},
		{Name: "b", Protocol: model.ProtoTCP, Port: 81, ProtocolByNumber: true},
		{Name: "c", Protocol: model.ProtoUDP, Port: 82, ProtocolByNumber: true},
	}
	if diff := cmp.Diff(want, res.Set.Endpoints[0].Ports); diff != "" {
		t.Errorf("ports (-want +got):\n%s", diff)
	}
	// Encoding keeps the spelling, so a round trip decides the same.
	var b strings.Builder
	if err := Encode(&b, res.Set, "yaml"); err != nil {
		t.Fatal(err)
	}
	back := mustLoad(t, b.String())
	if diff := cmp.Diff(want, back.Set.Endpoints[0].Ports); diff != "" {
		t.Errorf("ports after a round trip (-want +got):\n%s\n%s", diff, b.String())
	}
}

// Issue 20, point 6: endpoints sharing an address are reported, each
// later one naming the first, as a warning (they can still be judged by
// name); an endpoint listing an address twice is not.
func TestSharedAddressWarns(t *testing.T) {
	res := mustLoad(t, strings.Join([]string{
		calico("WorkloadEndpoint", "{name: a, namespace: prod}", "{orchestrator: k8s, ipNetworks: [10.0.0.5/32, 10.0.0.5/32]}"),
		calico("WorkloadEndpoint", "{name: b, namespace: prod}", "{orchestrator: k8s, ipNetworks: [10.0.0.5/32]}"),
		calico("HostEndpoint", "{name: h}", "{node: n1, expectedIPs: [10.0.0.5, 10.0.0.9]}"),
	}, "---\n"))
	if len(res.Warnings) != 2 {
		t.Fatalf("warnings %v, want 2", res.Warnings)
	}
	for i, name := range []string{"b", "h"} {
		w := res.Warnings[i]
		if w.Severity != SeverityWarning || w.Name != name || w.Document != i+2 ||
			!strings.Contains(w.Msg, "10.0.0.5") || !strings.Contains(w.Msg, "WorkloadEndpoint prod/a") || !strings.Contains(w.Msg, "document 1") {
			t.Errorf("warning %d = %s; want one at %s naming 10.0.0.5 and WorkloadEndpoint prod/a in document 1", i, w, name)
		}
	}
}

// A kind known under another apiVersion is blamed on the apiVersion; an
// unknown kind gets the nearest known one.
func TestKindAndAPIVersionProblems(t *testing.T) {
	tests := []struct {
		doc, path, msg string
	}{
		{"apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicyy\nmetadata: {name: x}\n", "kind",
			`unknown kind "GlobalNetworkPolicyy" of apiVersion "projectcalico.org/v3"; did you mean GlobalNetworkPolicy?`},
		{"apiVersion: projectcalico.org/v3\nkind: networkpolicy\nmetadata: {name: x}\n", "kind",
			`unknown kind "networkpolicy" of apiVersion "projectcalico.org/v3"; did you mean NetworkPolicy?`},
		{"apiVersion: v1\nkind: Namespce\nmetadata: {name: x}\n", "kind",
			`unknown kind "Namespce" of apiVersion "v1"; did you mean Namespace?`},
		{"apiVersion: projectcalico.org/v3\nkind: Pod\nmetadata: {name: x}\n", "apiVersion",
			`"projectcalico.org/v3" is not an apiVersion of kind Pod, which is v1`},
		{"apiVersion: projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: x}\n", "apiVersion",
			`"projectcalico.org/v1" is not an apiVersion of kind GlobalNetworkPolicy, which is projectcalico.org/v3`},
		{"apiVersion: v1\nkind: NetworkPolicy\nmetadata: {name: x}\n", "apiVersion",
			`"v1" is not an apiVersion of kind NetworkPolicy, which is networking.k8s.io/v1 or projectcalico.org/v3`},
		{"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n", "kind",
			`unknown kind "Widget" of apiVersion "example.com/v1"`},
	}
	for _, tt := range tests {
		_, probs := loadOne(t, tt.doc)
		if len(probs) != 1 || probs[0].Path != tt.path || probs[0].Msg != tt.msg {
			t.Errorf("%s: got %v, want %s: %s", tt.doc, probs, tt.path, tt.msg)
		}
	}
	// Every kind of the table is one the loader reads.
	for v, kinds := range knownKinds {
		for _, k := range kinds {
			_, probs := loadOne(t, fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata: {name: x, namespace: n}\n", v, k))
			for _, p := range probs {
				if strings.Contains(p.Msg, "unknown kind") || strings.Contains(p.Msg, "is not an apiVersion") {
					t.Errorf("%s %s: %v", v, k, p)
				}
			}
		}
	}
}
