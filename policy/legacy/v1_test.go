package legacy

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// decodeYAML decodes YAML as the loader does, through sigs.k8s.io/yaml.
func decodeYAML(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("test YAML: %v", err)
	}
	return v
}

func yamlMap(t *testing.T, text string) map[string]any {
	t.Helper()
	m, ok := decodeYAML(t, text).(map[string]any)
	if !ok {
		t.Fatalf("test YAML is not a map")
	}
	return m
}

func yamlMaps(t *testing.T, text string) []map[string]any {
	t.Helper()
	l, ok := decodeYAML(t, text).([]any)
	if !ok {
		t.Fatalf("test YAML is not a list")
	}
	out := make([]map[string]any, len(l))
	for i, e := range l {
		out[i] = e.(map[string]any)
	}
	return out
}

// Seed 001's policies, apiVersion v1, become seed 000's v3 policies with
// Calico v3's spelling.
func TestTranslateV1Seed001(t *testing.T) {
	data, err := os.ReadFile("testdata/seed001-policies.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, doc := range yamlMaps(t, string(data)) {
		out, issues := TranslateV1(doc)
		if len(issues) > 0 {
			t.Fatalf("issues: %v", issues)
		}
		got = append(got, out...)
	}
	want := yamlMaps(t, `
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata:
    name: database
  spec:
    order: 0
    selector: role == 'database'
    ingress:
    - action: Allow
      protocol: TCP
      source:
        selector: role == 'frontend'
      destination:
        ports:
        -  3306
    - action: Allow
      source:
        selector: role == 'database'
    egress:
    - action: Allow
      destination:
        selector: role == 'database'
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata:
    name: frontend
  spec:
    order: 0
    selector: role == 'frontend'
    egress:
    - action: Allow
      protocol: TCP
      destination:
        selector: role == 'database'
        ports:
        -  3306
`)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTranslateV1(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"policy with every field", `
apiVersion: v1
kind: policy
metadata:
  name: full
  annotations: {owner: ops}
spec:
  order: 10.5
  selector: has(app)
  types: [ingress, egress]
  doNotTrack: true
  ingress:
  - action: next-tier
    ipVersion: 4
    protocol: icmp
    icmp: {type: 3, code: 1}
    notICMP: {type: 8}
    source:
      tag: web
      selector: tier == 'front'
      net: 10.0.0.0/8
      nets: [10.1.0.0/16]
      notTag: banned
      notNet: 10.9.0.0/16
      notNets: [10.8.0.0/16]
      notSelector: has(quarantine)
  egress:
  - action: log
    notProtocol: 132
  - action: deny
    protocol: udp
    destination:
      ports: [53, "5000:5010"]
      notPorts: [5005]
  - {action: allow}
`, `
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata:
    name: full
    annotations: {owner: ops}
  spec:
    order: 10.5
    selector: has(app)
    types: [Ingress, Egress]
    doNotTrack: true
    applyOnForward: true
    ingress:
    - action: Pass
      ipVersion: 4
      protocol: ICMP
      icmp: {type: 3, code: 1}
      notICMP: {type: 8}
      source:
        selector: (tier == 'front') && has(web)
        nets: [10.0.0.0/8, 10.1.0.0/16]
        notSelector: (has(quarantine)) || has(banned)
        notNets: [10.9.0.0/16, 10.8.0.0/16]
    egress:
    - action: Log
      notProtocol: 132
    - action: Deny
      protocol: UDP
      destination:
        ports: [53, "5000:5010"]
        notPorts: [5005]
    - action: Allow
`},
		{"preDNAT policy", `
apiVersion: v1
kind: policy
metadata: {name: nodeports}
spec:
  preDNAT: true
  selector: has(host)
  ingress: [{action: deny, protocol: tcp, destination: {ports: ["30000:32767"]}}]
`, `
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata: {name: nodeports}
  spec:
    preDNAT: true
    applyOnForward: true
    selector: has(host)
    ingress: [{action: Deny, protocol: TCP, destination: {ports: ["30000:32767"]}}]
`},
		{"profile with tags and labels", `
apiVersion: v1
kind: profile
metadata:
  name: databases
  tags: [databases, backup, role]
  labels: {role: database, tier: data}
spec:
  ingress:
  - action: allow
    source: {tag: databases}
  - action: allow
    protocol: tcp
    source: {tag: applications}
    destination: {ports: [3306]}
  egress:
  - action: allow
`, `
- apiVersion: projectcalico.org/v3
  kind: Profile
  metadata: {name: databases}
  spec:
    labelsToApply: {databases: "", backup: "", role: database, tier: data}
    ingress:
    - action: Allow
      source: {selector: has(databases)}
    - action: Allow
      protocol: TCP
      source: {selector: has(applications)}
      destination: {ports: [3306]}
    egress:
    - action: Allow
`},
		{"bare profile", `
apiVersion: v1
kind: profile
metadata: {name: empty}
`, `
- apiVersion: projectcalico.org/v3
  kind: Profile
  metadata: {name: empty}
`},
		{"workload endpoint", `
apiVersion: v1
kind: workloadEndpoint
metadata:
  name: eth0
  workload: default.frontend-5gs43
  orchestrator: k8s
  node: rack1-host1
  activeInstanceID: 8d5a3d8e
  labels: {app: frontend, calico/k8s_ns: default}
spec:
  interfaceName: cali0ef24ba
  mac: ca:fe:1d:52:bb:e9
  ipNetworks: [192.168.0.0/32]
  ipNATs: [{internalIP: 192.168.0.0, externalIP: 172.16.1.1}]
  ipv4Gateway: 192.168.0.1
  profiles: [prof1]
  ports:
  - {name: http, protocol: tcp, port: 8080}
  - {name: dns, protocol: udp, port: 53}
  - {name: any, port: 99}
`, `
- apiVersion: projectcalico.org/v3
  kind: WorkloadEndpoint
  metadata:
    name: rack1--host1-k8s-default.frontend--5gs43-eth0
    labels: {app: frontend, calico/k8s_ns: default}
  spec:
    node: rack1-host1
    orchestrator: k8s
    workload: default.frontend-5gs43
    endpoint: eth0
    interfaceName: cali0ef24ba
    mac: ca:fe:1d:52:bb:e9
    ipNetworks: [192.168.0.0/32]
    ipNATs: [{internalIP: 192.168.0.0, externalIP: 172.16.1.1}]
    ipv4Gateway: 192.168.0.1
    profiles: [prof1]
    ports:
    - {name: http, protocol: TCP, port: 8080}
    - {name: dns, protocol: UDP, port: 53}
    - {name: any, port: 99}
`},
		{"host endpoint", `
apiVersion: v1
kind: hostEndpoint
metadata:
  name: eth0
  node: myhost
  labels: {type: production}
spec:
  interfaceName: eth0
  expectedIPs: [192.168.0.1, 192.168.0.2]
  profiles: [profile1, profile2]
  ports: [{name: ssh, protocol: tcp, port: 22}]
`, `
- apiVersion: projectcalico.org/v3
  kind: HostEndpoint
  metadata:
    name: eth0
    labels: {type: production}
  spec:
    node: myhost
    interfaceName: eth0
    expectedIPs: [192.168.0.1, 192.168.0.2]
    profiles: [profile1, profile2]
    ports: [{name: ssh, protocol: TCP, port: 22}]
`},
		{"policy list", `
apiVersion: v1
kind: policyList
metadata: {}
items:
- metadata: {name: a}
  spec: {selector: all()}
- apiVersion: v1
  kind: policy
  metadata: {name: b}
`, `
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata: {name: a}
  spec: {selector: all()}
- apiVersion: projectcalico.org/v3
  kind: GlobalNetworkPolicy
  metadata: {name: b}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, issues := TranslateV1(yamlMap(t, tc.in))
			if len(issues) > 0 {
				t.Fatalf("issues: %v", issues)
			}
			if diff := cmp.Diff(yamlMaps(t, tc.want), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTranslateV1Issues(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Issue
	}{
		{"upper-case action, protocol and type", `
apiVersion: v1
kind: policy
metadata: {name: p}
spec:
  types: [Ingress]
  ingress: [{action: Allow, protocol: TCP, notProtocol: Udp}]
`, []Issue{
			{"spec.types[0]", `"Ingress": apiVersion v1 spells policy types in lower case ("ingress")`},
			{"spec.ingress[0].action", `"Allow": the legacy formats spell actions in lower case ("allow")`},
			{"spec.ingress[0].protocol", `"TCP": the legacy formats spell protocols in lower case ("tcp")`},
			{"spec.ingress[0].notProtocol", `"Udp": the legacy formats spell protocols in lower case ("udp")`},
		}},
		{"unknown fields at every level", `
apiVersion: v1
kind: policy
status: {}
metadata: {name: p, namespace: x}
spec:
  tier: t
  ingress:
  - action: allow
    http: {}
    icmp: {typ: 8}
    source: {tags: a}
    destination: {port: [80]}
`, []Issue{
			{"status", `unknown field "status"`},
			{"metadata.namespace", `unknown field "namespace"`},
			{"spec.tier", `unknown field "tier"`},
			{"spec.ingress[0].http", `unknown field "http"`},
			{"spec.ingress[0].icmp.typ", `unknown field "typ"; did you mean "type"?`},
			{"spec.ingress[0].source.tags", `unknown field "tags"; did you mean "tag"?`},
			{"spec.ingress[0].destination.port", `unknown field "port"; did you mean "ports"?`},
		}},
		{"bad values get v1 paths", `
apiVersion: v1
kind: policy
metadata: {name: p}
spec:
  order: first
  selector: "role =="
  types: [both]
  doNotTrack: "yes"
  egress:
  - action: allow
    protocol: icmp
    icmp: {code: 1}
    notICMP: {type: 300}
    ipVersion: 5
    source: {tag: "a b", net: "10.0.0.0/40", notNets: [x]}
    destination: {ports: [0, "9:1"], notSelector: "has("}
`, []Issue{
			{"spec.order", "must be a number, not a string"},
			{"spec.selector", "bad selector: "},
			{"spec.types[0]", `unknown policy type "both": want ingress or egress`},
			{"spec.egress[0].ipVersion", "must be 4 or 6, not 5"},
			{"spec.egress[0].icmp.code", "an ICMP code needs an ICMP type"},
			{"spec.egress[0].notICMP.type", "ICMP type 300 is out of range 0 to 254"},
			{"spec.egress[0].source.tag", `tag "a b" may hold only letters, digits, '_', '.' and '-'`},
			{"spec.egress[0].source.net", `"10.0.0.0/40" is not a CIDR or an IP address`},
			{"spec.egress[0].source.notNets[0]", `"x" is not a CIDR or an IP address`},
			{"spec.egress[0].destination.ports[0]", "port 0 is out of range 1 to 65535"},
			{"spec.egress[0].destination.ports[1]", "port range 9:1 runs backwards"},
			{"spec.egress[0].destination.notSelector", "bad selector: "},
			{"spec.doNotTrack", "must be true or false, not a string"},
		}},
		{"wrong apiVersion", `{apiVersion: projectcalico.org/v3, kind: policy, metadata: {name: p}}`,
			[]Issue{{"apiVersion", "must be v1, not projectcalico.org/v3"}}},
		{"no kind", `{apiVersion: v1, metadata: {name: p}}`,
			[]Issue{{"kind", "is required: one of policy, profile, workloadEndpoint, hostEndpoint, policyList, profileList, workloadEndpointList, hostEndpointList"}}},
		{"v3 kind name", `{apiVersion: v1, kind: Policy, metadata: {name: p}}`,
			[]Issue{{"kind", `unknown apiVersion v1 kind "Policy"; did you mean "policy"?`}}},
		{"other v1 kind", `{apiVersion: v1, kind: ipPool, metadata: {cidr: 10.0.0.0/8}}`,
			[]Issue{{"kind", `unknown apiVersion v1 kind "ipPool"`}}},
		{"missing name", `{apiVersion: v1, kind: profile, metadata: {tags: [a]}}`,
			[]Issue{{"metadata.name", "is required"}}},
		{"bad tags and labels", `{apiVersion: v1, kind: profile, metadata: {name: p, tags: [ok, "no good"], labels: {a: 1}}}`,
			[]Issue{{"metadata.labels.a", "must be a string, not a number"}, {"metadata.tags[1]", `tag "no good" may hold only letters, digits, '_', '.' and '-'`}}},
		{"rules not a list", `{apiVersion: v1, kind: profile, metadata: {name: p}, spec: {ingress: {action: allow}}}`,
			[]Issue{{"spec.ingress", "must be a list, not a map"}}},
		{"rule not a map", `{apiVersion: v1, kind: profile, metadata: {name: p}, spec: {egress: [allow, {action: allow}]}}`,
			[]Issue{{"spec.egress[0]", "must be a map, not a string"}}},
		{"list item of another kind", `
apiVersion: v1
kind: profileList
items:
- {kind: policy, metadata: {name: a}}
- {kind: profile, metadata: {name: b}, spec: {egress: [{action: bogus}]}}
- 3
`, []Issue{
			{"items[0].kind", "an item of a profileList must be a profile, not policy"},
			{"items[1].spec.egress[0].action", `unknown action "bogus": want allow, deny, log, pass or next-tier`},
			{"items[2]", "must be a map, not a number"},
		}},
		// Calico's validator requires an action; a rule without one, with
		// a null one, or a null rule is refused, never read as allow.
		{"rules without an action", `
apiVersion: v1
kind: policy
metadata: {name: p}
spec:
  ingress:
  - protocol: tcp
  - action: null
  - null
  egress:
  - {}
`, []Issue{
			{"spec.ingress[0].action", "is required: allow, deny, log, pass or next-tier"},
			{"spec.ingress[1].action", "is required: allow, deny, log, pass or next-tier"},
			{"spec.ingress[2]", "is null: a rule needs at least an action"},
			{"spec.egress[0].action", "is required: allow, deny, log, pass or next-tier"},
		}},
		{"endpoint problems", `
apiVersion: v1
kind: workloadEndpoint
metadata: {workload: w, hostname: h}
spec:
  ipNetworks: [10.0.0.300/32]
  ipNATs: [{internalIP: 10.0.0.1}, 10.0.0.2, {internalIP: 10.0.0.3, externalIP: 10.0.0.4, external: x}]
  ports: [{protocol: TCP, port: 0}, {name: x, port: "80"}, [80], {name: web, port: 1, ports: [2]}]
`, []Issue{
			{"metadata.hostname", `unknown field "hostname"`},
			{"metadata.name", "is required"},
			{"spec.ipNetworks[0]", `"10.0.0.300/32" is not a CIDR or an IP address`},
			{"spec.ipNATs[0].externalIP", "is required"},
			{"spec.ipNATs[1]", "must be a map, not a string"},
			{"spec.ipNATs[2].external", `unknown field "external"; did you mean "externalIP"?`},
			{"spec.ports[0].name", "is required"},
			{"spec.ports[0].protocol", `"TCP": the legacy formats spell protocols in lower case ("tcp")`},
			{"spec.ports[0].port", "port 0 is out of range 1 to 65535"},
			{"spec.ports[1].port", "must be a number, not a string"},
			{"spec.ports[2]", "must be a map, not a list"},
			{"spec.ports[3].ports", `unknown field "ports"; did you mean "port"?`},
		}},
		{"host endpoint ports", `
apiVersion: v1
kind: hostEndpoint
metadata: {name: eth0, node: host1}
spec:
  ports: {name: ssh}
`, []Issue{
			{"spec.ports", "must be a list, not a map"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, issues := TranslateV1(yamlMap(t, tc.in))
			// Only the message's start is compared where it quotes another
			// package's words (selector errors).
			trimmed := make([]Issue, len(issues))
			for i, is := range issues {
				trimmed[i] = is
				if strings.HasPrefix(is.Msg, "bad selector: ") {
					trimmed[i].Msg = "bad selector: "
				}
			}
			if diff := cmp.Diff(tc.want, trimmed); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
			if tc.name != "list item of another kind" && got != nil {
				t.Errorf("a resource with issues was translated: %v", got)
			}
		})
	}
}
