package conformance

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/verdictlabs/verdict/model"
)

func mustRead(t *testing.T, line string) *Case {
	t.Helper()
	cases, err := ReadCases(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	return &cases[0]
}

func TestBuildMinimal(t *testing.T) {
	s, err := mustRead(t, minimal).Build()
	if err != nil {
		t.Fatal(err)
	}
	want := model.Endpoint{
		Kind: model.KindWorkloadEndpoint, Name: "dst", Namespace: "ns1", Labels: map[string]string{},
		Addresses: []netip.Addr{netip.MustParseAddr("10.0.2.1")}, Profiles: []string{"kns.ns1"}, Orchestrator: "k8s",
	}
	if diff := cmp.Diff(&want, s.Judged, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("judged endpoint (-want +got):\n%s", diff)
	}
	if s.Direction != model.Ingress {
		t.Errorf("direction %s", s.Direction)
	}
	if len(s.Set.Endpoints) != 1 {
		t.Errorf("an address-only source became an endpoint: %+v", s.Set.Endpoints)
	}
	wantFlow := model.Flow{Src: netip.MustParseAddr("10.0.1.1"), Dst: netip.MustParseAddr("10.0.2.1"), Protocol: 6, SrcPort: 1, DstPort: 80}
	if s.Flow != wantFlow {
		t.Errorf("flow %+v, want %+v", s.Flow, wantFlow)
	}
	var tiers []string
	for _, tr := range s.Set.Tiers {
		tiers = append(tiers, tr.Name)
	}
	if diff := cmp.Diff([]string{model.TierKubeAdmin, model.TierDefault, model.TierKubeBaseline}, tiers); diff != "" {
		t.Errorf("tiers (-want +got):\n%s", diff)
	}
	if len(s.Set.Profiles) != 1 || s.Set.Profiles[0].Name != "kns.ns1" || s.Set.Profiles[0].LabelsToApply["pcns.projectcalico.org/name"] != "ns1" {
		t.Errorf("namespace profile: %+v", s.Set.Profiles)
	}
}

// TestBuildNoDefaulting checks that a case's Calico objects are built as
// Felix saw them: no types stays no types, a null tier order stays nil.
func TestBuildNoDefaulting(t *testing.T) {
	line := strings.Replace(minimal, `"tiers":[],"policies":[]`,
		`"tiers":[{"name":"t","order":null,"default_action":"Pass"}],`+
			`"policies":[{"name":"p","tier":"t","selector":""},{"name":"q","namespace":"ns1","staged":true,"order":5,"types":["Egress"],"egress":[{"action":"Deny"}]},`+
			`{"name":"g","staged":true,"namespace_selector":"team == 'a'","service_account_selector":""}]`, 1)
	s, err := mustRead(t, line).Build()
	if err != nil {
		t.Fatal(err)
	}
	var tier *model.Tier
	for i := range s.Set.Tiers {
		if s.Set.Tiers[i].Name == "t" {
			tier = &s.Set.Tiers[i]
		}
	}
	if tier == nil || tier.Order != nil || tier.DefaultAction != model.Pass {
		t.Errorf("tier t: %+v", tier)
	}
	p, q, g := s.Set.Policies[0], s.Set.Policies[1], s.Set.Policies[2]
	if p.Kind != model.KindGlobalNetworkPolicy || p.Types != nil || p.Order != nil || p.Selector.String() != "all()" || p.Tier != "t" {
		t.Errorf("policy p: %+v", p)
	}
	if q.Kind != model.KindStagedNetworkPolicy || q.StagedAction != model.StagedSet || q.Tier != model.TierDefault ||
		*q.Order != 5 || len(q.Types) != 1 || len(q.Egress) != 1 || q.Egress[0].Action != model.Deny {
		t.Errorf("policy q: %+v", q)
	}
	if g.Kind != model.KindStagedGlobalNetworkPolicy || g.Selector != nil || g.NamespaceSelector.String() != `team == "a"` || g.ServiceAccountSelector != nil {
		t.Errorf("policy g: %+v", g)
	}
}

func TestBuildEndpointsAndPeers(t *testing.T) {
	line := strings.Replace(minimal, `"src":{"ip":"10.0.1.1"},"dst":{"name":"dst","namespace":"ns1","labels":{},"ip":"10.0.2.1"}`,
		`"src":{"name":"src","namespace":"ns1","labels":{"a":"b"},"service_account":"sa1","ip":"10.0.1.1"},`+
			`"dst":{"name":"dst","namespace":"ns1","labels":{},"ip":"fd00::1","profiles":[]},`+
			`"global_network_sets":[{"name":"g","labels":{"k":"v"},"nets":["192.168.0.0/16","8.8.8.8"]}],`+
			`"network_sets":[{"name":"n","namespace":"ns1","labels":{},"nets":["10.9.0.0/16"]}],`+
			`"host_endpoints":[{"name":"h","labels":{"x":"y"},"expected_ips":["172.16.0.1"]}]`, 1)
	line = strings.Replace(line, `"direction":"ingress"`, `"direction":"egress"`, 1)
	line = strings.Replace(line, `"service_accounts":[]`, `"service_accounts":[{"name":"sa1","namespace":"ns1","labels":{"role":"x"}}]`, 1)
	s, err := mustRead(t, line).Build()
	if err != nil {
		t.Fatal(err)
	}
	if s.Direction != model.Egress || s.Judged.Name != "src" {
		t.Errorf("judged %s at %s, want src at egress", s.Judged.Name, s.Direction)
	}
	if diff := cmp.Diff([]string{"kns.ns1", "ksa.ns1.sa1"}, s.Judged.Profiles); diff != "" {
		t.Errorf("default profiles (-want +got):\n%s", diff)
	}
	if s.Judged.ServiceAccount != "sa1" {
		t.Errorf("service account %q", s.Judged.ServiceAccount)
	}
	eps := s.Set.Endpoints
	if len(eps) != 3 || eps[1].Name != "dst" || eps[1].Profiles == nil || len(eps[1].Profiles) != 0 {
		// A listed empty profiles list means no profiles at all, not the
		// default ones.
		t.Fatalf("endpoints %+v", eps)
	}
	if eps[2].Kind != model.KindHostEndpoint || eps[2].Addresses[0] != netip.MustParseAddr("172.16.0.1") || eps[2].Profiles != nil {
		t.Errorf("host endpoint %+v", eps[2])
	}
	sets := s.Set.NetworkSets
	if len(sets) != 2 || sets[0].Namespace != "" || sets[0].Nets[1] != netip.MustParsePrefix("8.8.8.8/32") || sets[1].Namespace != "ns1" {
		t.Errorf("network sets %+v", sets)
	}
	var sa *model.Profile
	for i := range s.Set.Profiles {
		if s.Set.Profiles[i].Name == "ksa.ns1.sa1" {
			sa = &s.Set.Profiles[i]
		}
	}
	if sa == nil || sa.LabelsToApply["pcsa.role"] != "x" || len(sa.Ingress)+len(sa.Egress) != 0 {
		t.Errorf("service account profile %+v", sa)
	}
}

func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name    string
		old     string
		replace string
		want    []string
	}{
		{"bad address", `"ip":"10.0.2.1"`, `"ip":"10.0.2"`, []string{`case "v1-0001"`, "dst (dst)", "ip"}},
		{"bad direction", `"direction":"ingress"`, `"direction":"both"`, []string{"flow.direction", "both"}},
		{"judged side is only an address", `"direction":"ingress"`, `"direction":"egress"`, []string{"flow.direction", "egress"}},
		{"bad selector", `"policies":[]`, `"policies":[{"name":"p","selector":"a = b"}]`, []string{"policies[0] (p)", "selector"}},
		{"bad type", `"policies":[]`, `"policies":[{"name":"p","types":["ingress"]}]`, []string{"policies[0] (p)", "types[0]"}},
		{"bad rule", `"policies":[]`, `"policies":[{"name":"p","ingress":[{"action":"Allow"},{"action":"Allow","protocol":"TPC"}]}]`, []string{"policies[0] (p)", "ingress[1]", "TPC"}},
		{"bad profile rule", `"profiles":[]`, `"profiles":[{"name":"pr","egress":[{"action":"Allow","bogus":1}]}]`, []string{"profiles[0] (pr)", "egress[0]", "bogus"}},
		{"bad net", `"tiers":[]`, `"tiers":[],"global_network_sets":[{"name":"g","labels":{},"nets":["10.0.0.0/33"]}]`, []string{"global_network_sets[0] (g)", "nets[0]"}},
		{"global set with a namespace", `"tiers":[]`, `"tiers":[],"global_network_sets":[{"name":"g","namespace":"ns1","labels":{},"nets":[]}]`, []string{"global_network_sets[0] (g)", "namespace"}},
		{"namespaced set without one", `"tiers":[]`, `"tiers":[],"network_sets":[{"name":"n","labels":{},"nets":[]}]`, []string{"network_sets[0] (n)", "namespace"}},
		{"bad host address", `"tiers":[]`, `"tiers":[],"host_endpoints":[{"name":"h","labels":{},"expected_ips":["nope"]}]`, []string{"host_endpoints[0] (h)", "expected_ips"}},
		{"bad Kubernetes policy", `"tiers":[]`, `"tiers":[],"k8s_network_policies":[{"metadata":{"name":"k"},"spec":{"podSelector":{},"bogus":true}}]`, []string{"k8s_network_policies[0]", "bogus"}},
		{"tier without a name", `"tiers":[]`, `"tiers":[{"order":1}]`, []string{"tiers[0]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := strings.Replace(minimal, c.old, c.replace, 1)
			if line == minimal {
				t.Fatalf("%q is not in the minimal case", c.old)
			}
			_, err := mustRead(t, line).Build()
			if err == nil {
				t.Fatal("Build succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
