package model_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func ExamplePacketAddr() {
	for _, s := range []string{"fe80::1%eth0", "::ffff:10.0.0.5", "10.0.0.5", "fd00::5"} {
		fmt.Println(model.PacketAddr(netip.MustParseAddr(s)))
	}
	// Output:
	// fe80::1
	// 10.0.0.5
	// 10.0.0.5
	// fd00::5
}

func TestFlowNormalized(t *testing.T) {
	f := model.Flow{Src: netip.MustParseAddr("::ffff:192.0.2.1"), Dst: netip.MustParseAddr("fe80::2%1"), Protocol: model.ProtoTCP, DstPort: 80}
	got := f.Normalized()
	want := model.Flow{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("fe80::2"), Protocol: model.ProtoTCP, DstPort: 80}
	if got != want {
		t.Errorf("Normalized() = %+v, want %+v", got, want)
	}
	if f.Src.Is4() || f.Dst.Zone() == "" {
		t.Error("Normalized changed its receiver")
	}
	var zero model.Flow
	if zero.Normalized() != zero {
		t.Error("the zero flow changed")
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"10.0.0.5", "10.0.0.5", ""},
		{"::ffff:10.0.0.5", "10.0.0.5", ""},
		{"fd00::5", "fd00::5", ""},
		{"fe80::1%eth0", "", "it has a zone (%eth0)"},
		{"10.0.0.300", "", "is not an IP address"},
		{"", "", "is not an IP address"},
	}
	for _, tt := range tests {
		got, err := model.ParseAddr(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAddr(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseAddr(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"10.0.0.0/8", "10.0.0.0/8", ""},
		{"::ffff:10.0.0.0/104", "10.0.0.0/8", ""},
		{"::ffff:10.0.0.5/128", "10.0.0.5/32", ""},
		{"::ffff:0.0.0.0/96", "0.0.0.0/0", ""},
		// Kept unmasked: callers mask or refuse, as Calico's do.
		{"::ffff:10.0.0.5/104", "10.0.0.5/8", ""},
		// Shorter than the mapped prefix: an IPv6 network, as in Go's net.
		{"::ffff:0:0/80", "::ffff:0.0.0.0/80", ""},
		{"fd00::/8", "fd00::/8", ""},
		{"fe80::1%eth0/64", "", "is not a CIDR"},
		{"10.0.0.0/33", "", "is not a CIDR"},
	}
	for _, tt := range tests {
		got, err := model.ParsePrefix(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParsePrefix(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParsePrefix(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// A library caller's IPv4-mapped address or network would own or match
// no flow, since flows are unmapped: the evaluators refuse it.
func TestCheckRefusesMappedAddresses(t *testing.T) {
	set := model.Set{
		Endpoints:   []model.Endpoint{{Kind: model.KindWorkloadEndpoint, Namespace: "ns", Name: "a", Addresses: []netip.Addr{netip.MustParseAddr("::ffff:10.0.0.5")}}},
		NetworkSets: []model.NetworkSet{{Name: "s", Nets: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}}},
		Policies: []model.Policy{{Kind: model.KindGlobalNetworkPolicy, Name: "p", Ingress: []model.Rule{{
			Action: model.Deny, Source: model.EntityRule{NotNets: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}},
		}}}},
	}
	err := set.Check()
	var ce *model.CheckError
	if !errors.As(err, &ce) {
		t.Fatalf("Check() = %v, want a *CheckError", err)
	}
	want := []string{
		"addresses[0]: ::ffff:10.0.0.5 is IPv4-mapped: write it as 10.0.0.5",
		"nets[0]: ::ffff:10.0.0.0/104 is IPv4-mapped: write it as 10.0.0.0/8",
		"ingress[0].source.notNets[0]: ::ffff:10.0.0.0/104 is IPv4-mapped",
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Check() error lacks %q:\n%v", w, err)
		}
	}
	// The network of fewer bits is IPv6 and stays allowed.
	set = model.Set{NetworkSets: []model.NetworkSet{{Name: "s", Nets: []netip.Prefix{netip.MustParsePrefix("::ffff:0:0/80")}}}}
	if err := set.Check(); err != nil {
		t.Errorf("Check() of an IPv6 network = %v", err)
	}
}
