package policy_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/policy"
)

// Addresses and networks in resources are read as Calico reads them,
// through the one pair of functions flows share their unmapping with
// (model.ParseAddr, model.ParsePrefix): IPv4-mapped IPv6 is IPv4, so the
// endpoint owns the IPv4 flow address and the rule covers it; a zone is
// refused.
func TestLoadedAddressesAreUnmapped(t *testing.T) {
	const in = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod}
spec: {containers: [{name: web}]}
status: {podIP: "::ffff:10.0.0.5"}
---
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: node1-k8s-db-eth0, namespace: prod}
spec: {node: node1, orchestrator: k8s, workload: db, endpoint: eth0, interfaceName: cali1, ipNetworks: ["::ffff:10.0.0.6/128"]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: bastion}
spec: {node: node1, expectedIPs: ["::ffff:10.0.0.7"]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: corp}
spec: {nets: ["::ffff:192.0.2.0/120"]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: p}
spec:
  selector: all()
  ingress:
  - action: Deny
    source: {nets: ["::ffff:10.0.0.0/104"], notNets: ["::ffff:10.1.0.0/112"]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: k, namespace: prod}
spec:
  podSelector: {}
  ingress:
  - from:
    - ipBlock: {cidr: "::ffff:172.16.0.0/108", except: ["::ffff:172.16.1.0/120"]}
`
	set, err := policy.Decode(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Check(); err != nil {
		t.Errorf("the loaded set fails Check: %v", err)
	}
	addrs := map[string]string{}
	for _, ep := range set.Endpoints {
		for _, a := range ep.Addresses {
			addrs[ep.Name] = a.String()
		}
	}
	want := map[string]string{"web": "10.0.0.5", "node1-k8s-db-eth0": "10.0.0.6", "bastion": "10.0.0.7"}
	for name, a := range want {
		if addrs[name] != a {
			t.Errorf("endpoint %s has address %q, want %s (all: %v)", name, addrs[name], a, addrs)
		}
	}
	if got := set.NetworkSets[0].Nets; !slices.Equal(got, []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}) {
		t.Errorf("network set nets = %v, want [192.0.2.0/24]", got)
	}
	var nets []string
	for _, p := range set.Policies {
		for _, r := range p.Ingress {
			for _, n := range slices.Concat(r.Source.Nets, r.Source.NotNets) {
				nets = append(nets, n.String())
			}
		}
	}
	slices.Sort(nets)
	if wantNets := []string{"10.0.0.0/8", "10.1.0.0/16", "172.16.0.0/12", "172.16.1.0/24"}; !slices.Equal(nets, wantNets) {
		t.Errorf("rule nets = %v, want %v", nets, wantNets)
	}
}

func TestLoadedZonesAreRefused(t *testing.T) {
	for _, in := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: prod}\nspec: {containers: [{name: web}]}\nstatus: {podIP: \"fe80::1%eth0\"}\n",
		"apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {node: node1, expectedIPs: [\"fe80::1%eth0\"]}\n",
		"apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: s}\nspec: {nets: [\"fe80::1%eth0\"]}\n",
	} {
		_, err := policy.Decode(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "fe80::1%eth0") {
			t.Errorf("Decode(%q) = %v, want an error naming the zoned address", in, err)
		}
	}
}
