package reference

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// One test per deliberate difference from a Calico component (SPEC 7).
// Each says in its name which one it pins.

// Calico's per-flow evaluator misses network-set CIDRs of /25 to /31
// (IPv6 /121 to /127); the dataplane, and Verdict, match every length.
func TestDeliberateNetworkSetSlash25To31(t *testing.T) {
	cases := []struct {
		src  string
		bits []int
	}{
		{"10.200.0.1", []int{24, 25, 26, 27, 28, 29, 30, 31, 32}},
		{"fd00:200::1", []int{120, 121, 122, 123, 124, 125, 126, 127, 128}},
	}
	for _, c := range cases {
		for _, bits := range c.bits {
			t.Run(fmt.Sprintf("%s/%d", c.src, bits), func(t *testing.T) {
				set := cluster()
				set.NetworkSets = append(set.NetworkSets, model.NetworkSet{
					Name: "narrow", Labels: map[string]string{"kind": "narrow"},
					Nets: []netip.Prefix{netip.PrefixFrom(addr(c.src), bits).Masked()},
				})
				set.Policies = []model.Policy{gnp("p", 1, "app == 'db'", ingressOnly, []model.Rule{{
					Action: model.Allow, Source: model.EntityRule{Selector: sel("kind == 'narrow'")},
				}}, nil)}
				e := mustNew(t, set)
				dst := "10.0.2.1"
				if strings.Contains(c.src, ":") {
					dst = "fd00::2:1"
				}
				if d, hits := ingressAt(t, e, tcp(c.src, dst, 80)); !d.Allowed {
					t.Errorf("address in a /%d network set did not match: %+v", bits, hits)
				}
			})
		}
	}
}

// Calico's per-flow evaluator ignores icmp and notICMP; its dataplanes
// enforce them, and so does Verdict.
func TestDeliberateICMPTypeEnforced(t *testing.T) {
	set := cluster()
	icmp := model.ProtocolNamed(model.ProtoICMP)
	set.Policies = []model.Policy{gnp("p", 1, "app == 'db'", ingressOnly, []model.Rule{
		{Action: model.Deny, Protocol: icmp, NotICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}},
		{Action: model.Allow, Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8)}},
	}, nil)}
	e := mustNew(t, set)
	ping := func(typ, code uint8) model.Flow {
		return model.Flow{Src: addr("10.0.1.1"), Dst: addr("10.0.2.1"), Protocol: model.ProtoICMP, ICMP: &model.ICMPTypeCode{Type: typ, Code: code}}
	}
	if d, _ := ingressAt(t, e, ping(8, 0)); !d.Allowed || d.Hit.Index != 1 {
		t.Errorf("echo request: %+v, want allowed by rule 1", d)
	}
	if d, _ := ingressAt(t, e, ping(0, 0)); d.Allowed || d.Hit.Index != 0 {
		t.Errorf("echo reply: %+v, want denied by rule 0 (notICMP)", d)
	}
	if d, _ := ingressAt(t, e, ping(8, 1)); d.Allowed || d.Hit.Index != 0 {
		t.Errorf("type 8 code 1: %+v, want denied by rule 0 (notICMP excludes only code 0)", d)
	}
}

// Calico's per-flow evaluator ignores ipVersion and lets an IPv4-only
// notNets rule match IPv6; the dataplane renders such rules for IPv4 only.
func TestDeliberateIPVersionEnforced(t *testing.T) {
	set := cluster()
	set.Policies = []model.Policy{gnp("p", 1, "app == 'db'", ingressOnly, []model.Rule{
		{Action: model.Deny, IPVersion: 4},
		{Action: model.Deny, Source: model.EntityRule{NotNets: prefixes("10.0.0.0/8")}},
		{Action: model.Allow, IPVersion: 6},
	}, nil)}
	e := mustNew(t, set)
	if d, _ := ingressAt(t, e, tcp("fd00::1:1", "fd00::2:1", 80)); !d.Allowed || d.Hit.Index != 2 {
		t.Errorf("IPv6 flow: %+v, want allowed by rule 2", d)
	}
	if d, _ := ingressAt(t, e, tcp("10.0.1.1", "10.0.2.1", 80)); d.Allowed || d.Hit.Index != 0 {
		t.Errorf("IPv4 flow: %+v, want denied by rule 0", d)
	}
}

// Calico's per-flow evaluator can never match a named port; the dataplane
// matches (address, protocol, port) of the entity owning the address.
func TestDeliberateNamedPorts(t *testing.T) {
	set := cluster()
	set.Policies = []model.Policy{gnp("p", 1, "app == 'db'", ingressOnly, []model.Rule{{
		Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
		Destination: model.EntityRule{Ports: []model.Port{{Name: "http"}}},
	}}, nil)}
	e := mustNew(t, set)
	if d, _ := ingressAt(t, e, tcp("10.0.1.1", "10.0.2.1", 8080)); !d.Allowed {
		t.Errorf("named port http (8080 on dst): %+v, want allowed", d)
	}
	if d, _ := ingressAt(t, e, tcp("10.0.1.1", "10.0.2.1", 9090)); d.Allowed {
		t.Errorf("port 9090 (http on another pod only): %+v, want denied", d)
	}
}

// iptables treats Pass in a profile as "go on to the next profile"; BPF
// and Calico's checker deny. Verdict denies, and the hit says deny.
func TestDeliberatePassInProfileDenies(t *testing.T) {
	set := model.Set{
		Profiles: []model.Profile{
			{Name: "passes", Ingress: []model.Rule{{Action: model.Pass}}},
			{Name: "allows", Ingress: []model.Rule{{Action: model.Allow}}},
		},
		Endpoints: []model.Endpoint{{Kind: model.KindWorkloadEndpoint, Name: "c1", Addresses: []netip.Addr{addr("10.0.2.1")}, Profiles: []string{"passes", "allows"}}},
	}
	e := mustNew(t, set)
	d, hits := ingressAt(t, e, tcp("10.0.1.1", "10.0.2.1", 80))
	want := profileHit("passes", 0, model.HitDeny)
	if d.Allowed || d.Hit != want || len(hits) != 1 || hits[0] != want {
		t.Errorf("decision %+v, trace %+v; want denied by %+v", d, hits, want)
	}
}

// Calico's checker treats an address set it does not have as matching
// (fail open); the dataplane's set is then empty. Verdict matches nothing:
// a selector no entity satisfies, and a service that does not exist.
func TestDeliberateMissingSetMatchesNothing(t *testing.T) {
	set := cluster()
	set.Policies = []model.Policy{gnp("p", 1, "app == 'db'", ingressOnly, []model.Rule{
		{Action: model.Allow, Source: model.EntityRule{Selector: sel("app == 'nobody-has-this'")}},
		{Action: model.Allow, Source: model.EntityRule{Services: &model.ServiceMatch{Name: "nosuch", Namespace: "ns1"}}},
		{Action: model.Allow, Destination: model.EntityRule{Services: &model.ServiceMatch{Name: "nosuch", Namespace: "ns1"}}},
	}, nil)}
	e := mustNew(t, set)
	for _, src := range []string{"10.0.1.1", "8.8.8.8"} {
		if d, hits := ingressAt(t, e, tcp(src, "10.0.2.1", 5432)); d.Allowed {
			t.Errorf("from %s: allowed by %+v, want no rule to match", src, hits)
		}
	}
}

// Calico's documentation says a service named without a namespace is in
// the policy's namespace; Felix looks up "/<name>" and finds nothing.
// Verdict decides as the cluster does: the rule never matches, though the
// policy's namespace has a service of that name holding the address.
func TestDeliberateServiceEmptyNamespace(t *testing.T) {
	set := cluster()
	set.Policies = []model.Policy{np("p", "ns1", 1, "app == 'db'", ingressOnly, []model.Rule{
		{Action: model.Allow, Source: model.EntityRule{Services: &model.ServiceMatch{Name: "web"}}},
		{Action: model.Deny, Source: model.EntityRule{Services: &model.ServiceMatch{Name: "web", Namespace: "ns1"}}},
	}, nil)}
	e := mustNew(t, set)
	d, hits := ingressAt(t, e, tcp("10.0.1.1", "10.0.2.1", 80))
	if want := npHit("p", "ns1", 1, model.HitDeny); d.Allowed || d.Hit != want {
		t.Errorf("service web without a namespace: %+v (trace %+v), want rule 0 skipped and %+v", d, hits, want)
	}
}

// Felix enforces a policy whose tier does not exist after every other
// tier; Verdict refuses the model instead, naming both.
func TestDeliberateMissingTierRejected(t *testing.T) {
	p := gnp("orphan", 1, "all()", nil, nil, nil)
	p.Tier = "nosuch"
	_, err := New(model.Set{Policies: []model.Policy{p}})
	if err == nil {
		t.Fatal("New accepted a policy in a tier that does not exist")
	}
	for _, want := range []string{"GlobalNetworkPolicy orphan", `"nosuch"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
