package eval_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/eval"
	"github.com/verdictlabs/verdict/model"
)

func TestResolvePeer(t *testing.T) {
	a := netip.MustParseAddr
	set := model.Set{Endpoints: []model.Endpoint{
		{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "db", Addresses: []netip.Addr{a("fd00::7"), a("10.0.2.7")}},
		{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "web", Addresses: []netip.Addr{a("10.0.1.5")}},
		{Kind: model.KindWorkloadEndpoint, Name: "frontend", Addresses: []netip.Addr{a("172.17.0.2")}},
		{Kind: model.KindHostEndpoint, Name: "twin", Addresses: []netip.Addr{a("10.0.9.1")}},
		{Kind: model.KindWorkloadEndpoint, Name: "twin", Addresses: []netip.Addr{a("10.0.9.2")}},
		{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "empty"},
	}}
	tests := []struct {
		ref      string
		endpoint string // key of the endpoint found; "" for an address
		addrs    string
		err      string
	}{
		{ref: "10.0.0.1", addrs: "[10.0.0.1]"},
		{ref: "::ffff:10.0.0.1", addrs: "[10.0.0.1]"},
		{ref: "fe80::1%eth0", addrs: "[fe80::1]"},
		{ref: "prod/db", endpoint: "WorkloadEndpoint prod/db", addrs: "[fd00::7 10.0.2.7]"},
		{ref: "frontend", endpoint: "WorkloadEndpoint frontend", addrs: "[172.17.0.2]"},
		{ref: "db", err: "no endpoint without a namespace"},
		{ref: "prod/nosuch", err: "no endpoint prod/nosuch"},
		{ref: "twin", err: `"twin" names 2 endpoints (HostEndpoint, WorkloadEndpoint)`},
		{ref: "prod/empty", err: "has no address"},
	}
	for _, tt := range tests {
		p, err := eval.ResolvePeer(&set, tt.ref)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ResolvePeer(%q) error %v, want one containing %q", tt.ref, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ResolvePeer(%q): %v", tt.ref, err)
			continue
		}
		got := ""
		if p.Endpoint != nil {
			got = p.Endpoint.Key().String()
		}
		if got != tt.endpoint || p.Ref != tt.ref {
			t.Errorf("ResolvePeer(%q) = endpoint %q, ref %q", tt.ref, got, p.Ref)
		}
		if s := fmtAddrs(p.Addrs); s != tt.addrs {
			t.Errorf("ResolvePeer(%q) addresses %s, want %s", tt.ref, s, tt.addrs)
		}
	}

	db, _ := eval.ResolvePeer(&set, "prod/db")
	web, _ := eval.ResolvePeer(&set, "prod/web")
	v6, _ := eval.ResolvePeer(&set, "fd00::1")
	if s, d, err := eval.PickAddresses(web, db); err != nil || s != a("10.0.1.5") || d != a("10.0.2.7") {
		t.Errorf("PickAddresses(web, db) = %v, %v, %v; want the IPv4 pair", s, d, err)
	}
	if s, d, err := eval.PickAddresses(db, v6); err != nil || s != a("fd00::7") || d != a("fd00::1") {
		t.Errorf("PickAddresses(db, fd00::1) = %v, %v, %v; want the IPv6 pair", s, d, err)
	}
	if _, _, err := eval.PickAddresses(web, v6); err == nil || !strings.Contains(err.Error(), "prod/web and fd00::1 have no addresses of the same IP family") {
		t.Errorf("PickAddresses(web, fd00::1) error %v", err)
	}
}

func fmtAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}
