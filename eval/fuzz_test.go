package eval_test

import (
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// FuzzResolvePeer: any --src or --dst argument gives a peer or an error,
// never a panic; an address comes out as a packet carries it (no zone, not
// IPv4-mapped), and a named endpoint is one of the set's with that name.
func FuzzResolvePeer(f *testing.F) {
	set := model.Set{Endpoints: []model.Endpoint{
		{Kind: model.KindWorkloadEndpoint, Name: "web", Namespace: "prod", Addresses: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
		{Kind: model.KindWorkloadEndpoint, Name: "db", Namespace: "prod"},
		{Kind: model.KindHostEndpoint, Name: "bastion", Addresses: []netip.Addr{netip.MustParseAddr("fd00::9")}},
		{Kind: model.KindWorkloadEndpoint, Name: "bastion"},
	}}
	for _, s := range []string{"10.0.0.1", "prod/web", "prod/db", "bastion", "web", "fe80::1%eth0", "::ffff:10.0.0.5", "a/b/c", "", "/", "prod/", "1.2.3.4/24"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		p, err := eval.ResolvePeer(&set, arg)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if len(p.Addrs) == 0 {
			t.Fatalf("%q: a peer without an address", arg)
		}
		if p.Endpoint == nil {
			a := p.Addrs[0]
			if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("%q: address %v is not as a packet carries it", arg, a)
			}
			return
		}
		name := p.Endpoint.Name
		if p.Endpoint.Namespace != "" {
			name = p.Endpoint.Namespace + "/" + name
		}
		if name != arg {
			t.Fatalf("%q resolved to endpoint %s", arg, p.Endpoint.Key())
		}
	})
}
