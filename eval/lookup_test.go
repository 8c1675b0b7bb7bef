package eval_test

import (
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

// Endpoint and EndpointAt give the endpoints a server needs beside a
// verdict (an authorisation server checks the source's identity, and
// names its protected workload): EndpointAt finds the endpoint Evaluate
// judges at an address, a workload endpoint before a host endpoint
// sharing it, and follows changes.
func TestSnapshotEndpointLookup(t *testing.T) {
	web := pod("web", "shop", "10.0.1.5", map[string]string{"app": "web"})
	web.ServiceAccount = "frontend"
	host := model.Endpoint{Kind: model.KindHostEndpoint, Name: "node-1", Addresses: []netip.Addr{addr("10.0.9.1"), addr("10.0.1.5")}}
	set := model.Set{
		Profiles:    []model.Profile{nsProfile("shop", nil)},
		Endpoints:   []model.Endpoint{host, web},
		NetworkSets: []model.NetworkSet{{Name: "outside", Nets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}},
	}
	eng, err := eval.New(set)
	if err != nil {
		t.Fatal(err)
	}
	s := eng.Snapshot()
	tests := []struct {
		addr string
		want model.Key // zero: none
	}{
		{"10.0.1.5", web.Key()},
		{"::ffff:10.0.1.5", web.Key()},
		{"10.0.9.1", host.Key()},
		{"10.0.3.3", model.Key{}}, // only a network set owns it
		{"fd00::1", model.Key{}},
	}
	for _, tt := range tests {
		ep, ok := s.EndpointAt(addr(tt.addr))
		if ok != (tt.want != model.Key{}) || ok && ep.Key() != tt.want {
			t.Errorf("EndpointAt(%s) = %v, %v; want %v", tt.addr, ep, ok, tt.want)
			continue
		}
		if !ok {
			continue
		}
		// The same endpoint Evaluate judges there.
		v := s.Evaluate(tcp("10.0.3.3", tt.addr, 80))
		if v.Ingress.Endpoint != tt.want {
			t.Errorf("Evaluate judges %v at %s, EndpointAt says %v", v.Ingress.Endpoint, tt.addr, tt.want)
		}
	}
	if ep, ok := s.Endpoint(web.Key()); !ok || ep.ServiceAccount != "frontend" {
		t.Errorf("Endpoint(%v) = %v, %v", web.Key(), ep, ok)
	}
	if _, ok := s.Endpoint(model.Key{Kind: model.KindGlobalNetworkSet, Name: "outside"}); ok {
		t.Error("Endpoint found a network set")
	}
	if err := eng.Apply(model.Change{Deletes: []model.Key{web.Key()}}); err != nil {
		t.Fatal(err)
	}
	if _, ok := eng.Snapshot().Endpoint(web.Key()); ok {
		t.Error("a deleted endpoint is still found by key")
	}
	if ep, ok := eng.Snapshot().EndpointAt(addr("10.0.1.5")); !ok || ep.Key() != host.Key() {
		t.Errorf("after the pod is deleted, EndpointAt(10.0.1.5) = %v, %v; want the host endpoint", ep, ok)
	}
	// The old snapshot is unchanged.
	if _, ok := s.Endpoint(web.Key()); !ok {
		t.Error("the old snapshot lost the endpoint")
	}
}
