package compile

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dumpedSet has one of each thing a dump shows: an ordered tier with a
// Pass default, staged, doNotTrack and namespaced policies, peer
// selectors matching a network set, a long CIDR list, a service, profile
// labels and rules, and an endpoint naming an undefined profile.
func dumpedSet() model.Set {
	s := checkedSet()
	s.Tiers = []model.Tier{{Name: "security", Order: order(100), DefaultAction: model.Pass}}
	var many []netip.Prefix
	for i := range 10 {
		many = append(many, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 9, byte(i), 0}), 24))
	}
	many = append(many, netip.MustParsePrefix("fd00::/64"))
	s.Policies = append(s.Policies,
		model.Policy{
			Kind: model.KindGlobalNetworkPolicy, Name: "block", Tier: "security", Order: order(1),
			Selector: sel(`has(app)`),
			Egress: []model.Rule{
				{Action: model.Deny, Destination: model.EntityRule{Nets: many}},
				{Action: model.Pass, Protocol: model.ProtocolNamed(model.ProtoICMP), ICMP: &model.ICMPMatch{Type: u8(8)}},
				{Action: model.Log, IPVersion: 6, NotProtocol: model.ProtocolNamed(model.ProtoUDP)},
			},
		},
		model.Policy{
			Kind: model.KindStagedNetworkPolicy, Name: "try", Namespace: "prod", Tier: model.TierDefault,
			Selector: sel(`app in {"db", "web"}`), Types: []model.Direction{model.Ingress},
			Ingress: []model.Rule{{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP),
				Source:      model.EntityRule{Selector: sel(`app == "web"`), NotSelector: sel(`!has(app) || app starts with "x"`)},
				Destination: model.EntityRule{Ports: []model.Port{{Name: "http"}, {Min: 80, Max: 90}}, Services: &model.ServiceMatch{Name: "front", Namespace: "prod"}},
				HTTP:        &model.HTTPMatch{Methods: []string{"GET"}},
			}},
		},
		model.Policy{Kind: model.KindGlobalNetworkPolicy, Name: "raw", Tier: model.TierDefault, DoNotTrack: true, ApplyOnForward: true, Selector: sel(`all()`)},
	)
	s.Services = []model.Service{{Name: "front", Namespace: "prod", Slices: []model.ServiceSlice{{
		Addresses: []netip.Addr{addr("10.0.0.3")},
		Ports:     []model.EndpointPort{{Name: "http", Protocol: model.ProtoTCP, Port: 80}},
	}}}}
	s.Endpoints[0].Profiles = append(s.Endpoints[0].Profiles, "missing")
	return s
}

// TestDump compares the dump of a compiled program, and of the program
// after a change that frees ids, with golden files; -update rewrites them.
func TestDump(t *testing.T) {
	p := mustCompile(t, dumpedSet())
	next, err := p.Apply(model.Change{
		Upserts: model.Set{Endpoints: []model.Endpoint{pod("db-2", "prod", "10.0.0.4", map[string]string{"app": "db", "new": "yes"})}},
		Deletes: []model.Key{
			{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "web-3"},
			{Kind: model.KindGlobalNetworkPolicy, Name: "block"},
			{Kind: model.KindNetworkSet, Namespace: "prod", Name: "office"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		p    *Program
	}{{"dump.golden", p}, {"dump-applied.golden", next}} {
		t.Run(tc.file, func(t *testing.T) {
			got := tc.p.String()
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("dump differs from %s (-want +got; -update rewrites it):\n%s", path, diff)
			}
		})
	}
}
