package analysis

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// otherPort finds the lowest port outside every unnamed range, as a scan
// of each port in turn finds it.
func TestOtherPortIsLowestFree(t *testing.T) {
	scan := func(ports []model.Port) (uint16, bool) {
		for n := 1; n <= 65535; n++ {
			if !slices.ContainsFunc(ports, func(p model.Port) bool { return p.Name == "" && int(p.Min) <= n && n <= int(p.Max) }) {
				return uint16(n), true
			}
		}
		return 0, false
	}
	rng := rand.New(rand.NewPCG(1, 2))
	cases := [][]model.Port{
		nil,
		{{Min: 1, Max: 65535}},
		{{Min: 0, Max: 65535}},
		{{Name: "http"}, {Min: 1, Max: 1}},
		{{Min: 2, Max: 9}, {Min: 1, Max: 1}, {Min: 11, Max: 12}},
		{{Min: 1, Max: 100}, {Min: 50, Max: 60}, {Min: 101, Max: 65534}},
		{{Min: 9, Max: 3}},
	}
	for range 300 {
		var ports []model.Port
		for range rng.IntN(8) {
			lo := uint16(rng.IntN(40))
			ports = append(ports, model.Port{Min: lo, Max: lo + uint16(rng.IntN(10))})
		}
		cases = append(cases, ports)
	}
	for _, ports := range cases {
		gotN, gotOK := otherPort(ports)
		wantN, wantOK := scan(ports)
		if gotN != wantN || gotOK != wantOK {
			t.Fatalf("otherPort(%v) = %d, %v; want %d, %v", ports, gotN, gotOK, wantN, wantOK)
		}
	}
}

// Many rules naming one port, declared by many endpoints, give each
// declared number once, and the other port skips them all.
func TestDefaultPortsNamedManyTimes(t *testing.T) {
	var set model.Set
	for i := range 200 {
		set.Endpoints = append(set.Endpoints, model.Endpoint{
			Kind: model.KindWorkloadEndpoint, Namespace: "ns", Name: fmt.Sprint("pod-", i),
			Ports: []model.EndpointPort{{Name: "http", Protocol: model.ProtoTCP, Port: 1 + uint16(i%3)}, {Name: "dns", Protocol: model.ProtoUDP, Port: 53}},
		})
	}
	for i := range 100 {
		set.Policies = append(set.Policies, model.Policy{
			Kind: model.KindNetworkPolicy, Namespace: "ns", Name: fmt.Sprint("p-", i),
			Ingress: []model.Rule{
				{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoTCP), Destination: model.EntityRule{Ports: []model.Port{{Name: "http"}, {Min: 4, Max: 4}}}},
				{Action: model.Allow, Destination: model.EntityRule{Ports: []model.Port{{Name: "dns"}}}},
			},
		})
	}
	want := []Port{
		{Protocol: model.ProtoTCP, Number: 1}, {Protocol: model.ProtoTCP, Number: 2}, {Protocol: model.ProtoTCP, Number: 3},
		{Protocol: model.ProtoTCP, Number: 4}, {Protocol: model.ProtoTCP, Number: 5, Other: true},
		{Protocol: model.ProtoUDP, Number: 53}, {Protocol: model.ProtoUDP, Number: 1, Other: true},
	}
	if got := DefaultPorts(set); !slices.Equal(got, want) {
		t.Errorf("DefaultPorts = %v, want %v", got, want)
	}
}
