package workload_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/benchmarks/workload"
	"github.com/verdictlabs/verdict/model"
)

func TestNewClusterDeterministic(t *testing.T) {
	for _, p := range []workload.ClusterParams{
		workload.DefaultClusterParams(120),
		{Seed: 9},
		{Seed: 3, Namespaces: 5, Endpoints: 300, MaxReplicas: 6, Policies: 40, NetworkSets: 9, HostEndpoints: 4, DualStack: 1, Flows: 500},
	} {
		a, b := workload.NewCluster(p), workload.NewCluster(p)
		if diff := cmp.Diff(a, b, cmpOpts...); diff != "" {
			t.Errorf("NewCluster(%+v) differs between two calls (-first +second):\n%s", p, diff)
		}
	}
}

func TestNewClusterSeedsDiffer(t *testing.T) {
	p := workload.DefaultClusterParams(100)
	a := workload.NewCluster(p)
	p.Seed++
	b := workload.NewCluster(p)
	if cmp.Equal(a.Set, b.Set, cmpOpts...) {
		t.Error("seeds 1 and 2 gave the same set")
	}
	if cmp.Equal(a.Flows, b.Flows, cmpOpts...) {
		t.Error("seeds 1 and 2 gave the same flows")
	}
}

// More flows must not change the resources, nor the flows already drawn:
// each part of a cluster has its own random stream.
func TestNewClusterStreamsIndependent(t *testing.T) {
	p := workload.DefaultClusterParams(80)
	p.Flows = 100
	few := workload.NewCluster(p)
	p.Flows = 400
	many := workload.NewCluster(p)
	if diff := cmp.Diff(few.Set, many.Set, cmpOpts...); diff != "" {
		t.Errorf("asking for more flows changed the set:\n%s", diff)
	}
	if diff := cmp.Diff(few.Flows, many.Flows[:100], cmpOpts...); diff != "" {
		t.Errorf("asking for more flows changed the first ones:\n%s", diff)
	}
}

func TestNewClusterSizes(t *testing.T) {
	tests := []struct {
		name string
		p    workload.ClusterParams
		// want: pods, hosts, namespaces, network sets, flows
		pods, hosts, namespaces, netsets, flows int
	}{
		{name: "zero value", p: workload.ClusterParams{}, pods: 0, hosts: 1, namespaces: 4, netsets: 4, flows: 0},
		{name: "only system pods", p: workload.ClusterParams{Endpoints: 3, Flows: 10}, pods: 3, hosts: 1, namespaces: 4, netsets: 4, flows: 10},
		{name: "default 200", p: workload.DefaultClusterParams(200), pods: 200, hosts: 10, namespaces: 11, netsets: 20, flows: 2000},
		{name: "explicit", p: workload.ClusterParams{Seed: 5, Namespaces: 7, Endpoints: 333, MaxReplicas: 1, NetworkSets: 12, HostEndpoints: 3, Flows: 17},
			pods: 333, hosts: 3, namespaces: 10, netsets: 12, flows: 17},
		{name: "negative counts", p: workload.ClusterParams{Namespaces: -1, Endpoints: -5, HostEndpoints: -2, NetworkSets: -3, Flows: -1, DualStack: -1},
			pods: 0, hosts: 1, namespaces: 4, netsets: 4, flows: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := workload.NewCluster(tt.p)
			pods, hosts := countWorkloads(c.Set)
			got := []int{pods, hosts, len(c.Set.Namespaces), len(c.Set.NetworkSets), len(c.Flows)}
			want := []int{tt.pods, tt.hosts, tt.namespaces, tt.netsets, tt.flows}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pods, hosts, namespaces, network sets, flows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClusterReplicas(t *testing.T) {
	p := workload.ClusterParams{Seed: 4, Namespaces: 3, Endpoints: 150, MaxReplicas: 3}
	c := workload.NewCluster(p)
	perApp := map[string]int{}
	for _, ep := range c.Set.Endpoints {
		if ep.Kind == model.KindWorkloadEndpoint && ep.Labels["app"] != "" && ep.Namespace != "monitoring" {
			perApp[ep.Namespace+"/"+ep.Labels["app"]+"/"+ep.Labels["pod-template-hash"]]++
		}
	}
	for app, n := range perApp {
		if n > p.MaxReplicas {
			t.Errorf("%s has %d pods, more than MaxReplicas %d", app, n, p.MaxReplicas)
		}
	}
}

// Every selector form, rule criterion, kind, tier shape and prefix length
// the package documents is in a cluster of the smallest useful size.
func TestNewClusterCoverage(t *testing.T) {
	p := workload.ClusterParams{Seed: 11, Endpoints: 40, DualStack: 0.5, Flows: 400}
	c := workload.NewCluster(p)
	have := map[string]bool{}
	see := func(what string) { have[what] = true }

	var selectors []string
	addSel := func(s interface{ String() string }, isNil bool) {
		if !isNil {
			selectors = append(selectors, s.String())
		}
	}
	for _, t := range c.Set.Tiers {
		if t.Order == nil {
			see("tier without order")
		}
		if t.DefaultAction == model.Pass {
			see("tier with Pass default")
		}
	}
	for _, pol := range c.Set.Policies {
		see("kind " + string(pol.Kind))
		see("policy in tier " + pol.Tier)
		if pol.Order == nil {
			see("policy without order")
		}
		if pol.NamespaceSelector != nil {
			see("policy namespaceSelector")
		}
		if pol.ServiceAccountSelector != nil {
			see("policy serviceAccountSelector")
		}
		if pol.Kind.Staged() {
			see("staged " + string(pol.StagedAction))
		}
		if pol.DoNotTrack {
			see("doNotTrack")
		}
		if pol.PreDNAT {
			see("preDNAT")
		}
		if len(pol.Types) == 2 && len(pol.Ingress) == 0 && len(pol.Egress) == 0 && pol.Kind == model.KindGlobalNetworkPolicy {
			see("default deny")
		}
		addSel(pol.Selector, pol.Selector == nil)
		addSel(pol.NamespaceSelector, pol.NamespaceSelector == nil)
		addSel(pol.ServiceAccountSelector, pol.ServiceAccountSelector == nil)
		for _, dir := range []model.Direction{model.Ingress, model.Egress} {
			for _, r := range pol.Rules(dir) {
				see("action " + string(r.Action))
				if r.IPVersion != 0 {
					see("ipVersion")
				}
				if r.Protocol.IsSet() {
					if r.Protocol.ByName {
						see("protocol by name")
					} else {
						see("protocol by number")
					}
				}
				if r.NotProtocol.IsSet() {
					see("notProtocol")
				}
				if r.ICMP != nil {
					see("icmp type")
					if r.ICMP.Code != nil {
						see("icmp code")
					}
				}
				if r.NotICMP != nil {
					see("notICMP")
				}
				if r.HTTP != nil {
					if len(r.HTTP.Methods) > 0 {
						see("http methods")
					}
					for _, hp := range r.HTTP.Paths {
						if hp.Exact != "" {
							see("http exact path")
						} else {
							see("http prefix path")
						}
					}
				}
				for _, side := range []model.EntityRule{r.Source, r.Destination} {
					if len(side.Nets) > 0 {
						see("nets")
					}
					if len(side.NotNets) > 0 {
						see("notNets")
					}
					if side.Selector != nil {
						see("selector")
					}
					if side.NotSelector != nil {
						see("notSelector")
					}
					if side.NamespaceSelector != nil {
						see("namespaceSelector")
					}
					if sa := side.ServiceAccounts; sa != nil {
						if len(sa.Names) > 0 {
							see("serviceAccounts names")
						}
						if sa.Selector != nil {
							see("serviceAccounts selector")
						}
						addSel(sa.Selector, sa.Selector == nil)
					}
					if side.Services != nil {
						see("services")
					}
					for _, port := range side.Ports {
						switch {
						case port.Name != "":
							see("named port")
						case port.Min != port.Max:
							see("port range")
						default:
							see("port")
						}
					}
					if len(side.NotPorts) > 0 {
						see("notPorts")
					}
					addSel(side.Selector, side.Selector == nil)
					addSel(side.NotSelector, side.NotSelector == nil)
					addSel(side.NamespaceSelector, side.NamespaceSelector == nil)
				}
			}
		}
	}
	text := strings.Join(selectors, "\n")
	for _, form := range []string{" == ", " != ", " in {", " not in {", "has(", "!has(", " contains ", " starts with ",
		" ends with ", "all()", "global()", " && ", " || ", "!("} {
		if strings.Contains(text, form) {
			see("selector form " + form)
		}
	}

	bits := map[int]bool{}
	for _, ns := range c.Set.NetworkSets {
		if ns.Namespace == "" {
			see("global network set")
		} else {
			see("namespaced network set")
		}
		for _, n := range ns.Nets {
			off := 0
			if n.Addr().Is6() {
				off = 1000
			}
			bits[off+n.Bits()] = true
		}
	}
	for b := 8; b <= 32; b++ {
		if bits[b] {
			see("IPv4 prefix length")
			have["IPv4 /"+itoa(b)] = true
		}
	}
	for b := 32; b <= 128; b++ {
		if bits[1000+b] {
			have["IPv6 /"+itoa(b)] = true
		}
	}
	for _, ep := range c.Set.Endpoints {
		v4, v6 := false, false
		for _, a := range ep.Addresses {
			v4, v6 = v4 || a.Is4(), v6 || a.Is6()
		}
		if ep.Kind == model.KindWorkloadEndpoint && v4 && v6 {
			see("dual-stack pod")
		}
		if ep.Kind == model.KindHostEndpoint && len(ep.Addresses) > 0 {
			see("host endpoint with expected IPs")
		}
		if len(ep.Ports) > 0 {
			see("named endpoint ports")
		}
	}
	if len(c.Set.Services) > 0 {
		see("services with slices")
	}
	for _, f := range c.Flows {
		switch {
		case f.ICMP != nil:
			see("ICMP flow with type")
		case f.HTTP != nil:
			see("HTTP flow")
		}
		if f.Src.Is6() {
			see("IPv6 flow")
		}
	}

	want := []string{
		"tier without order", "tier with Pass default", "policy without order", "policy namespaceSelector",
		"policy serviceAccountSelector", "doNotTrack", "preDNAT", "default deny",
		"staged Set", "staged Learn", "staged Ignore",
		"action Allow", "action Deny", "action Pass", "action Log",
		"ipVersion", "protocol by name", "protocol by number", "notProtocol", "icmp type", "icmp code", "notICMP",
		"http methods", "http exact path", "http prefix path",
		"nets", "notNets", "selector", "notSelector", "namespaceSelector", "serviceAccounts names",
		"serviceAccounts selector", "services", "named port", "port range", "port", "notPorts",
		"global network set", "namespaced network set", "dual-stack pod", "host endpoint with expected IPs",
		"named endpoint ports", "services with slices", "ICMP flow with type", "HTTP flow", "IPv6 flow",
	}
	for _, k := range []model.Kind{model.KindGlobalNetworkPolicy, model.KindNetworkPolicy, model.KindStagedGlobalNetworkPolicy,
		model.KindStagedNetworkPolicy, model.KindStagedKubernetesNetworkPolicy, model.KindKubernetesNetworkPolicy} {
		want = append(want, "kind "+string(k))
	}
	for _, tier := range []string{"security", "platform", "app-teams", "default", "kube-admin", "kube-baseline"} {
		want = append(want, "policy in tier "+tier)
	}
	for _, form := range []string{" == ", " != ", " in {", " not in {", "has(", "!has(", " contains ", " starts with ",
		" ends with ", "all()", "global()", " && ", " || ", "!("} {
		want = append(want, "selector form "+form)
	}
	for b := 8; b <= 32; b++ {
		want = append(want, "IPv4 /"+itoa(b))
	}
	for b := 32; b <= 128; b++ {
		want = append(want, "IPv6 /"+itoa(b))
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("generated cluster has no %s", w)
		}
	}
}

// An IPv4-only cluster has no IPv6 address or CIDR anywhere.
func TestNewClusterIPv4Only(t *testing.T) {
	p := workload.DefaultClusterParams(100)
	p.DualStack = 0
	c := workload.NewCluster(p)
	check := func(what string, a netip.Addr) {
		if a.Is6() {
			t.Errorf("%s: IPv6 address %s in an IPv4-only cluster", what, a)
		}
	}
	for _, ep := range c.Set.Endpoints {
		for _, a := range ep.Addresses {
			check(ep.Key().String(), a)
		}
	}
	for _, ns := range c.Set.NetworkSets {
		for _, n := range ns.Nets {
			check(ns.Key().String(), n.Addr())
		}
	}
	for _, pol := range c.Set.Policies {
		for _, dir := range []model.Direction{model.Ingress, model.Egress} {
			for _, r := range pol.Rules(dir) {
				for _, n := range append(append(append(r.Source.Nets, r.Source.NotNets...), r.Destination.Nets...), r.Destination.NotNets...) {
					check(pol.Key().String(), n.Addr())
				}
				if r.IPVersion == 6 {
					t.Errorf("%s: ipVersion 6 in an IPv4-only cluster", pol.Key())
				}
			}
		}
	}
	for _, f := range c.Flows {
		check("flow", f.Src)
		check("flow", f.Dst)
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestGlobalPoliciesBound checks that GlobalPolicies bounds the random
// global policies, leaving the fixed and coverage ones, and that
// LargeClusterParams sets the bound.
func TestGlobalPoliciesBound(t *testing.T) {
	globals := func(p workload.ClusterParams) int {
		n := 0
		for _, pol := range workload.NewCluster(p).Set.Policies {
			if !pol.Kind.Namespaced() {
				n++
			}
		}
		return n
	}
	p := workload.DefaultClusterParams(200)
	p.Policies = 0
	fixed := globals(p)
	p.Policies = 300
	unbounded := globals(p)
	p.GlobalPolicies = 7
	bounded := globals(p)
	if unbounded <= fixed+7 {
		t.Fatalf("without a bound only %d of 300 random policies were global; the test needs more", unbounded-fixed)
	}
	if bounded != fixed+7 {
		t.Errorf("GlobalPolicies 7: %d global policies, want the %d fixed ones and 7 random", bounded, fixed)
	}
	large := workload.LargeClusterParams(20_000)
	if large.Policies != 2_000 || large.GlobalPolicies != 120 {
		t.Errorf("LargeClusterParams(20000): %d policies, %d global, want 2000 and 120", large.Policies, large.GlobalPolicies)
	}
}
