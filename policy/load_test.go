package policy

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy/legacy"
)

func TestPolicyDefaults(t *testing.T) {
	res := mustLoad(t, strings.Join([]string{
		calico("GlobalNetworkPolicy", "{name: none}", "{}"),
		calico("GlobalNetworkPolicy", "{name: in}", "{ingress: [{action: Allow}]}"),
		calico("GlobalNetworkPolicy", "{name: out}", "{egress: [{action: Allow}]}"),
		calico("GlobalNetworkPolicy", "{name: both}", "{ingress: [{action: Allow}], egress: [{action: Allow}]}"),
		calico("GlobalNetworkPolicy", "{name: explicit}", "{types: [Egress, Ingress], ingress: [{action: Allow}]}"),
		calico("NetworkPolicy", "{name: np}", "{}"),
		calico("StagedNetworkPolicy", "{name: snp, namespace: prod}", "{tier: t}"),
		calico("Tier", "{name: t}", "{}"),
	}, "---\n"))
	want := map[string][]model.Direction{
		"none":     {model.Ingress},
		"in":       {model.Ingress},
		"out":      {model.Egress},
		"both":     {model.Ingress, model.Egress},
		"explicit": {model.Egress, model.Ingress},
		"np":       {model.Ingress},
		"snp":      {model.Ingress},
	}
	for _, p := range res.Set.Policies {
		if diff := cmp.Diff(want[p.Name], p.Types); diff != "" {
			t.Errorf("%s types (-want +got):\n%s", p.Name, diff)
		}
		switch p.Name {
		case "np":
			if p.Namespace != "default" || p.Tier != "default" {
				t.Errorf("np in %q tier %q, want namespace default, tier default", p.Namespace, p.Tier)
			}
		case "snp":
			if p.StagedAction != model.StagedSet || p.Tier != "t" {
				t.Errorf("snp staged action %q tier %q, want Set in t", p.StagedAction, p.Tier)
			}
		default:
			if p.Tier != "default" || p.Order != nil || p.StagedAction != "" {
				t.Errorf("%s: tier %q order %v staged %q", p.Name, p.Tier, p.Order, p.StagedAction)
			}
		}
	}
	if len(res.Set.Policies) != len(want) {
		t.Errorf("got %d policies, want %d", len(res.Set.Policies), len(want))
	}
	wantTiers := append([]model.Tier{{Name: "t", Order: order(1e6), DefaultAction: model.Deny}}, model.BuiltinTiers()...)
	if diff := cmp.Diff(wantTiers, res.Set.Tiers); diff != "" {
		t.Errorf("tiers (-want +got):\n%s", diff)
	}
	wantCounts := map[string]int{"GlobalNetworkPolicy": 5, "NetworkPolicy": 1, "StagedNetworkPolicy": 1, "Tier": 1}
	if diff := cmp.Diff(wantCounts, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

func TestBuiltinTierDefinedByTheUser(t *testing.T) {
	res := mustLoad(t, calico("Tier", "{name: kube-admin}", "{}")+"---\n"+calico("Tier", "{name: default}", "{order: 1000000, defaultAction: Deny}"))
	var names []string
	for _, tr := range res.Set.Tiers {
		names = append(names, tr.Name)
		for _, b := range model.BuiltinTiers() {
			if b.Name == tr.Name && (*b.Order != *tr.Order || b.DefaultAction != tr.DefaultAction) {
				t.Errorf("built-in tier %s became %v %s", tr.Name, *tr.Order, tr.DefaultAction)
			}
		}
	}
	if strings.Join(names, " ") != "kube-admin default kube-baseline" {
		t.Errorf("tiers %v", names)
	}
}

// A staged Delete is checked, and named in problems, but never reaches
// the model.
func TestStagedDeleteIsLeftOut(t *testing.T) {
	res := mustLoad(t, calico("StagedGlobalNetworkPolicy", "{name: gone}", "{stagedAction: Delete, tier: default}")+"---\n"+
		calico("StagedNetworkPolicy", "{name: gone, namespace: prod}", "{stagedAction: Delete}")+"---\n"+
		calico("StagedGlobalNetworkPolicy", "{name: kept}", "{stagedAction: Learn}"))
	if len(res.Set.Policies) != 1 || res.Set.Policies[0].Name != "kept" || res.Set.Policies[0].StagedAction != model.StagedLearn {
		t.Errorf("policies %+v, want only kept (Learn)", res.Set.Policies)
	}
	wantDeletes := []model.Key{
		{Kind: model.KindStagedGlobalNetworkPolicy, Name: "gone"},
		{Kind: model.KindStagedNetworkPolicy, Namespace: "prod", Name: "gone"},
	}
	if !slices.Equal(res.StagedDeletes, wantDeletes) {
		t.Errorf("StagedDeletes %v, want %v", res.StagedDeletes, wantDeletes)
	}
	_, probs := loadOne(t, calico("StagedGlobalNetworkPolicy", "{name: gone}", "{stagedAction: Delete, tier: nowhere}"))
	if len(probs) != 1 || probs[0].Path != "spec.tier" {
		t.Errorf("a staged Delete in a missing tier: %v", probs)
	}
}

func TestTiersAcrossInputs(t *testing.T) {
	_, probs := loadInputs(t,
		[2]string{"policies.yaml", calico("GlobalNetworkPolicy", "{name: p}", "{tier: security}")},
		[2]string{"tiers.yaml", calico("Tier", "{name: security}", "{order: 10}")})
	if len(probs) != 0 {
		t.Errorf("a tier in a later input is not found: %v", probs)
	}
	_, probs = loadInputs(t, [2]string{"policies.yaml", calico("GlobalNetworkPolicy", "{name: p}", "{tier: security}") + "---\n" + calico("Tier", "{name: other}", "{}")})
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, `GlobalNetworkPolicy p is in tier "security", which does not exist`) ||
		!strings.Contains(probs[0].Msg, "loaded tiers: [other]") {
		t.Errorf("missing tier: %v", probs)
	}
}

// A Tier with a problem still exists for its policies, which are not
// blamed for it.
func TestInvalidTierDoesNotBlameItsPolicies(t *testing.T) {
	_, probs := loadOne(t, calico("Tier", "{name: platform}", "{defaultAction: Allow}")+"---\n"+
		calico("NetworkPolicy", "{name: db, namespace: prod}", "{tier: platform}"))
	if len(probs) != 1 || probs[0].Kind != "Tier" {
		t.Errorf("got %v", probs)
	}
}

func TestDuplicates(t *testing.T) {
	_, probs := loadInputs(t,
		[2]string{"a.yaml", calico("GlobalNetworkPolicy", "{name: p}", "{}") + "---\n" + calico("StagedGlobalNetworkPolicy", "{name: p}", "{}")},
		[2]string{"b.yaml", calico("NetworkSet", "{name: s}", "{}") + "---\n" + calico("GlobalNetworkPolicy", "{name: p}", "{}")})
	if len(probs) != 1 {
		t.Fatalf("got %v", probs)
	}
	p := probs[0]
	if p.File != "b.yaml" || p.Document != 2 || p.Path != "metadata.name" || !strings.Contains(p.Msg, "first at a.yaml:1, document 1") {
		t.Errorf("duplicate reported as %s", p)
	}
}

func TestKubernetesWorkloads(t *testing.T) {
	res, probs := loadOne(t, `
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {team: a}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: prod, labels: {role: api}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}, uid: x}
spec: {serviceAccountName: api, containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]}
status: {phase: Running, podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: job, namespace: batch}
status: {podIPs: [{ip: 10.0.0.6}]}
`)
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Path != "metadata.namespace" || res.Warnings[0].Name != "job" ||
		!strings.Contains(res.Warnings[0].Msg, `namespace "batch" has no Namespace`) || res.Warnings[0].Document != 4 {
		t.Errorf("warnings: %v", res.Warnings)
	}
	var nsNames []string
	for _, ns := range res.Set.Namespaces {
		nsNames = append(nsNames, ns.Name)
	}
	if strings.Join(nsNames, " ") != "prod batch" {
		t.Errorf("namespaces %v, want prod and the supplied batch", nsNames)
	}
	if got := res.Set.Namespaces[1].Labels; len(got) != 1 || got["kubernetes.io/metadata.name"] != "batch" {
		t.Errorf("supplied namespace labels %v", got)
	}
	var profiles []string
	for _, p := range res.Set.Profiles {
		profiles = append(profiles, p.Name)
	}
	if strings.Join(profiles, " ") != "kns.prod kns.batch ksa.prod.api" {
		t.Errorf("profiles %v", profiles)
	}
	web := res.Set.Endpoints[0]
	if web.Name != "web" || web.Namespace != "prod" || web.ServiceAccount != "api" ||
		len(web.Addresses) != 1 || web.Addresses[0] != netip.MustParseAddr("10.0.0.5") || len(web.Ports) != 1 {
		t.Errorf("pod endpoint %+v", web)
	}
	wantCounts := map[string]int{"Namespace": 1, "ServiceAccount": 1, "Pod": 2}
	if diff := cmp.Diff(wantCounts, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}

// A profile the input gives replaces the one Calico derives from a
// namespace, a service account or a Docker network, with a note; two
// given profiles of one name still conflict.
func TestGivenProfileReplacesDerived(t *testing.T) {
	res, probs := loadOne(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n---\n"+
		"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: prod}\n---\n"+
		calico("Profile", "{name: kns.prod}", "{}")+"---\n"+calico("Profile", "{name: ksa.prod.api}", "{}"))
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	var notes []string
	for _, w := range res.Warnings {
		notes = append(notes, w.String())
	}
	want := []string{
		"test.yaml:11:18: document 3: Profile kns.prod: metadata.name: warning: this profile replaces the one Calico makes from Namespace prod",
		"test.yaml:16:18: document 4: Profile ksa.prod.api: metadata.name: warning: this profile replaces the one Calico makes from ServiceAccount prod/api",
	}
	if diff := cmp.Diff(want, notes); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if len(res.Set.Profiles) != 2 || len(res.Set.Profiles[0].Ingress)+len(res.Set.Profiles[1].Ingress) != 0 {
		t.Errorf("profiles %+v, want the two given, without rules", res.Set.Profiles)
	}

	networks := `[{"Name": "databases", "Id": "n1", "Driver": "calico", "Containers": {"c1": {"Name": "mysql-1", "IPv4Address": "10.0.0.2/24"}}}]`
	edited := calico("Profile", "{name: databases}", "{ingress: [{action: Allow, protocol: TCP}], labelsToApply: {databases: ''}}")
	res, probs = loadInputs(t, [2]string{"networks.json", networks}, [2]string{"profile.yaml", edited})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].String() != "profile.yaml:3:18: document 1: Profile databases: metadata.name: warning: this profile replaces the one Calico makes from Docker network databases (networks.json:1, document 1)" {
		t.Errorf("warnings %q", res.Warnings[0].String())
	}
	if len(res.Set.Profiles) != 1 || len(res.Set.Profiles[0].Ingress) != 1 || res.Set.Profiles[0].Ingress[0].Protocol.Number != model.ProtoTCP {
		t.Errorf("profiles %+v, want the edited one", res.Set.Profiles)
	}

	_, probs = loadInputs(t, [2]string{"networks.json", networks}, [2]string{"profile.yaml", edited}, [2]string{"again.yaml", edited})
	if len(probs) != 1 || probs[0].File != "again.yaml" || !strings.Contains(probs[0].Msg, "defined twice: first at profile.yaml:1, document 1") {
		t.Errorf("two given profiles: %v", probs)
	}
}

func TestKubernetesPolicyKinds(t *testing.T) {
	res, probs := loadOne(t, `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{ports: [{port: 80}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: admin}
spec:
  tier: Admin
  priority: 10
  subject: {namespaces: {}}
  ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: b}}}]}]
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: staged, namespace: prod}
spec: {podSelector: {}, policyTypes: [Egress]}
`)
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	var kinds []string
	for _, p := range res.Set.Policies {
		kinds = append(kinds, string(p.Kind)+":"+p.Tier)
	}
	want := "KubernetesNetworkPolicy:default KubernetesClusterNetworkPolicy:kube-admin StagedKubernetesNetworkPolicy:default"
	if strings.Join(kinds, " ") != want {
		t.Errorf("policies %v, want %s", kinds, want)
	}
	// Kubernetes policy kinds are strict, workload kinds are not.
	_, probs = loadOne(t, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec: {podSelector: {}, ingres: []}\n")
	if len(probs) != 1 || probs[0].Path != "spec.ingres" || probs[0].Kind != "NetworkPolicy" || probs[0].Namespace != "default" {
		t.Errorf("unknown field in a NetworkPolicy: %v", probs)
	}
}

func TestServices(t *testing.T) {
	res := mustLoad(t, `
apiVersion: v1
kind: Service
metadata: {name: db, namespace: prod}
spec: {ports: [{port: 5432}], clusterIP: 10.96.0.10}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: db-abc, namespace: prod, labels: {kubernetes.io/service-name: db}}
addressType: IPv4
endpoints: [{addresses: [10.0.0.7], conditions: {ready: true}}]
ports: [{name: pg, protocol: TCP, port: 5432}]
`)
	want := []model.Service{{Name: "db", Namespace: "prod", Slices: []model.ServiceSlice{{
		Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.7")},
		Ports:     []model.EndpointPort{{Name: "pg", Protocol: model.ProtoTCP, Port: 5432}},
	}}}}
	if diff := cmp.Diff(want, res.Set.Services, modelCmp); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
}

func TestCalicoEndpointsAndSets(t *testing.T) {
	res := mustLoad(t, strings.Join([]string{
		calico("HostEndpoint", "{name: h1, labels: {role: gw}}", "{node: n1, interfaceName: eth0, expectedIPs: [192.0.2.1], profiles: [p], ports: [{name: ssh, protocol: TCP, port: 22}]}"),
		calico("WorkloadEndpoint", "{name: w1, namespace: prod}", "{orchestrator: k8s, node: n1, pod: w1, endpoint: eth0, serviceAccountName: sa, ipNetworks: [10.0.0.9/32, \"fd00::9\"], profiles: [kns.prod], interfaceName: cali123, mac: \"ee:ee:ee:ee:ee:ee\", ports: [{name: web, protocol: TCP, port: 8080}, {protocol: UDP, port: 53, hostPort: 53}]}"),
		calico("WorkloadEndpoint", "{name: frontend-A}", "{orchestrator: libnetwork, workload: frontend-A}"),
		calico("GlobalNetworkSet", "{name: g, labels: {kind: ext}}", "{nets: [192.0.2.7/24, \"2001:db8::1\"]}"),
		calico("NetworkSet", "{name: s}", "{nets: [10.1.0.0/16]}"),
	}, "---\n"))
	want := []model.Endpoint{
		{Kind: model.KindHostEndpoint, Name: "h1", Labels: map[string]string{"role": "gw"}, Node: "n1", Interface: "eth0",
			Addresses: []netip.Addr{netip.MustParseAddr("192.0.2.1")}, Profiles: []string{"p"},
			Ports: []model.EndpointPort{{Name: "ssh", Protocol: model.ProtoTCP, Port: 22}}},
		{Kind: model.KindWorkloadEndpoint, Name: "w1", Namespace: "prod", Orchestrator: "k8s", Node: "n1", ServiceAccount: "sa",
			Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("fd00::9")},
			Profiles:  []string{"kns.prod"}, Interface: "cali123",
			Ports: []model.EndpointPort{{Name: "web", Protocol: model.ProtoTCP, Port: 8080}}},
		{Kind: model.KindWorkloadEndpoint, Name: "frontend-A", Orchestrator: "libnetwork"},
	}
	if diff := cmp.Diff(want, res.Set.Endpoints, modelCmp); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
	wantSets := []model.NetworkSet{
		{Name: "g", Labels: map[string]string{"kind": "ext"}, Nets: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::1/128")}},
		{Name: "s", Namespace: "default", Nets: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
	}
	if diff := cmp.Diff(wantSets, res.Set.NetworkSets, modelCmp); diff != "" {
		t.Errorf("network sets (-want +got):\n%s", diff)
	}
	// The Docker-style names are accepted with a warning each.
	var warned []string
	for _, w := range res.Warnings {
		warned = append(warned, w.Path)
	}
	if strings.Join(warned, " ") != "metadata.name spec.workload" {
		t.Errorf("warnings at %v", warned)
	}
}

func TestLegacyInputs(t *testing.T) {
	res := mustLoad(t, `
- apiVersion: v1
  kind: policy
  metadata: {name: database}
  spec:
    selector: role == 'database'
    ingress: [{action: allow, protocol: tcp, destination: {ports: [3306]}}]
- apiVersion: v1
  kind: profile
  metadata: {name: WEB, tags: [WEB, APP_7890]}
  spec: {ingress: [{action: allow, source: {tag: WEB}}], egress: [{action: allow}]}
`)
	if len(res.Warnings) != 0 {
		t.Errorf("legacy input warned: %v", res.Warnings)
	}
	if len(res.Set.Policies) != 1 || res.Set.Policies[0].Ingress[0].Protocol != tcp() {
		t.Errorf("policies %+v", res.Set.Policies)
	}
	if len(res.Set.Profiles) != 1 || res.Set.Profiles[0].Name != "WEB" || res.Set.Profiles[0].Ingress[0].Source.Selector.String() != "has(WEB)" {
		t.Errorf("profiles %+v", res.Set.Profiles)
	}
	if diff := cmp.Diff(map[string]int{"policy": 1, "profile": 1}, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	// A legacy issue is a problem of the legacy document.
	_, probs := loadOne(t, "apiVersion: v1\nkind: policy\nmetadata: {name: p}\nspec: {ingress: [{action: accept}]}\n")
	if len(probs) != 1 || probs[0].Kind != "policy" || probs[0].Name != "p" || !strings.HasPrefix(probs[0].Path, "spec.ingress[0]") {
		t.Errorf("legacy problem: %v", probs)
	}
}

// A legacy rule without an action is refused with its path, in every
// legacy format, never read as Allow.
func TestLegacyRuleWithoutAction(t *testing.T) {
	tests := []struct{ name, in, path string }{
		{"v1 no action", "apiVersion: v1\nkind: policy\nmetadata: {name: p}\nspec: {ingress: [{protocol: tcp}]}\n", "spec.ingress[0].action"},
		{"v1 null action", "apiVersion: v1\nkind: policy\nmetadata: {name: p}\nspec: {ingress: [{action: null}]}\n", "spec.ingress[0].action"},
		{"v1 null rule", "apiVersion: v1\nkind: policy\nmetadata: {name: p}\nspec:\n  egress:\n  - null\n", "spec.egress[0]"},
		{"profile rules null rule", `{"id": "APP", "inbound_rules": [null]}`, "inbound_rules[0]"},
		{"profile rules no action", `{"id": "APP", "outbound_rules": [{"protocol": "tcp"}]}`, "outbound_rules[0].action"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, probs := loadOne(t, tc.in)
			if len(probs) != 1 || probs[0].Path != tc.path {
				t.Fatalf("problems %v, want one at %s; set %+v", probs, tc.path, res.Set)
			}
		})
	}
}

func TestDockerInputs(t *testing.T) {
	containers := `[
  {"Id": "aaa", "Name": "/frontend-A", "Config": {"Labels": {"org.projectcalico.label.role": "frontend", "other": "x"}},
   "NetworkSettings": {"Networks": {"net1": {"IPAddress": "192.168.0.2", "GlobalIPv6Address": "", "NetworkID": "n1"}}}},
  {"Id": "bbb", "Name": "/database-A", "Config": {"Labels": {"org.projectcalico.label.role": "database"}},
   "NetworkSettings": {"Networks": {"net1": {"IPAddress": "192.168.0.3", "GlobalIPv6Address": "", "NetworkID": "n1"}}}}
]`
	labels := []Option{DockerMode(legacy.DockerLabels)}
	res, probs := loadInputsWith(t, labels, [2]string{"containers.json", containers})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if res.DockerMode != legacy.DockerLabels {
		t.Errorf("DockerMode %q, want labels", res.DockerMode)
	}
	if len(res.Set.Endpoints) != 2 || len(res.Set.Profiles) != 0 {
		t.Fatalf("endpoints %+v profiles %+v", res.Set.Endpoints, res.Set.Profiles)
	}
	fe := res.Set.Endpoints[0]
	if fe.Name != "frontend-A" || fe.Namespace != "" || fe.Labels["role"] != "frontend" || len(fe.Labels) != 1 ||
		fe.Addresses[0] != netip.MustParseAddr("192.168.0.2") {
		t.Errorf("frontend endpoint %+v", fe)
	}
	if diff := cmp.Diff(map[string]int{"Docker container": 2}, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}

	// Networks in the load do not change the mode: still no profiles.
	networks := `[{"Name": "databases", "Id": "n1", "Driver": "calico", "Containers": {}}]`
	res, probs = loadInputsWith(t, labels, [2]string{"containers.json", containers}, [2]string{"networks.json", networks})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if res.DockerMode != legacy.DockerLabels || len(res.Set.Profiles) != 0 || len(res.Set.Endpoints) != 2 {
		t.Errorf("label mode with networks: mode %q, profiles %+v", res.DockerMode, res.Set.Profiles)
	}

	// In the default mode, Calico networks are profiles.
	res, probs = loadInputs(t, [2]string{"containers.json", containers}, [2]string{"networks.json", networks})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if res.DockerMode != legacy.DockerProfiles {
		t.Errorf("DockerMode %q, want profiles", res.DockerMode)
	}
	if len(res.Set.Profiles) != 1 || res.Set.Profiles[0].Name != "databases" {
		t.Errorf("profiles %+v", res.Set.Profiles)
	}
	for _, e := range res.Set.Endpoints {
		if len(e.Profiles) != 1 || e.Profiles[0] != "databases" {
			t.Errorf("endpoint %s profiles %v", e.Name, e.Profiles)
		}
	}

	// A container on Docker's bridge only is not a Calico endpoint: a
	// warning at its document says so.
	bridged := `[{"Id": "ccc", "Name": "/cache", "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2"}}}}]`
	res, probs = loadInputs(t, [2]string{"bridged.json", bridged})
	if len(probs) != 0 || len(res.Set.Endpoints) != 0 || len(res.Warnings) != 1 ||
		res.Warnings[0].File != "bridged.json" || !strings.Contains(res.Warnings[0].Msg, "cache is on no Calico network, only bridge") {
		t.Errorf("bridge: problems %v, warnings %v", probs, res.Warnings)
	}

	// Problems name the container's file and document.
	bad := `[{"Id": "aaa", "Name": "/x", "Config": {"Labels": {}}, "NetworkSettings": {"Networks": {"net1": {"IPAddress": "999.1.1.1"}}}}]`
	_, probs = loadInputs(t, [2]string{"bad.json", bad})
	if len(probs) != 1 || probs[0].File != "bad.json" || probs[0].Document != 1 || probs[0].Kind != "Docker container" ||
		!strings.HasPrefix(probs[0].Path, "NetworkSettings") {
		t.Errorf("docker problem: %v", probs)
	}
}

func TestUnknownDocuments(t *testing.T) {
	_, probs := loadOne(t, "{\"hello\": \"world\"}")
	if len(probs) != 1 || !strings.Contains(probs[0].Msg, "no apiVersion and kind") {
		t.Errorf("got %v", probs)
	}
}

// What validation finds in a translated Docker document is reported at
// the input it came from: the container, or the network whose list of
// containers alone described it.
func TestDockerOrigins(t *testing.T) {
	containers := `[
  {"Id": "a", "Name": "/web", "NetworkSettings": {"Networks": {"apps": {"IPAddress": "10.0.0.1"}}}},
  {"Id": "b", "Name": "/odd", "Config": {"Labels": {"org.projectcalico.label.role": "has space"}},
   "NetworkSettings": {"Networks": {"apps": {"IPAddress": "10.0.0.2"}}}}
]`
	networks := `[
  {"Name": "bridge", "Id": "n0", "Driver": "bridge"},
  {"Name": "apps", "Id": "n1", "Driver": "calico"},
  {"Name": "data", "Id": "n2", "Driver": "calico", "Containers": {"z": {"Name": "bad name", "IPv4Address": "10.0.1.9/24"}}}
]`
	_, probs := loadInputs(t, [2]string{"containers.json", containers}, [2]string{"networks.json", networks})
	type at struct {
		file string
		doc  int
		name string
	}
	var got []at
	for _, p := range probs {
		if a := (at{p.File, p.Document, p.Name}); !slices.Contains(got, a) {
			got = append(got, a)
		}
	}
	want := []at{{"containers.json", 2, "odd"}, {"networks.json", 3, "bad name"}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(at{})); diff != "" {
		t.Errorf("problems %v (-want +got):\n%s", probs, diff)
	}

	// Two containers of one name make one endpoint name twice: the second
	// is reported at its own document, not at the first container, which
	// a lookup by name would find.
	twins := `[
  {"Id": "a", "Name": "/web", "NetworkSettings": {"Networks": {"apps": {"IPAddress": "10.0.0.1"}}}},
  {"Id": "b", "Name": "/web", "NetworkSettings": {"Networks": {"apps": {"IPAddress": "10.0.0.2"}}}}
]`
	_, probs = loadInputs(t, [2]string{"twins.json", twins})
	if len(probs) != 1 || probs[0].Document != 2 || !strings.Contains(probs[0].Msg, "defined twice: first at twins.json:2, document 1") {
		t.Errorf("twins: %v", probs)
	}

	res, probs := loadInputs(t, [2]string{"containers.json", containers[:strings.Index(containers, ",\n  {\"Id\": \"b\"")] + "]"}, [2]string{"networks.json", networks[:strings.Index(networks, ",\n  {\"Name\": \"data\"")] + "]"})
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	wantOrigins := map[model.Key]Origin{
		{Kind: model.KindWorkloadEndpoint, Name: "web"}: {File: "containers.json", Document: 1},
		{Kind: model.KindProfile, Name: "apps"}:         {File: "networks.json", Document: 2},
	}
	if diff := cmp.Diff(wantOrigins, res.Origins); diff != "" {
		t.Errorf("origins (-want +got):\n%s", diff)
	}
}
