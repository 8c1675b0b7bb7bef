package compile

import (
	"math/rand/v2"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

func TestPortSetNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	for range 500 {
		var ports []model.Port
		for range 1 + r.IntN(20) {
			lo := uint16(1 + r.IntN(200))
			hi := lo + uint16(r.IntN(10))
			if r.IntN(5) == 0 {
				hi = lo - 1 // an empty range holds nothing
			}
			ports = append(ports, model.Port{Min: lo, Max: hi})
		}
		if r.IntN(3) == 0 {
			ports = append(ports, model.Port{Name: "http"}, model.Port{Name: "http"})
		}
		s := newPortSet(ports)
		for p := range uint16(220) {
			want := false
			for _, x := range ports {
				want = want || x.Name == "" && x.Min <= p && p <= x.Max
			}
			if got := s.hasNumber(p); got != want {
				t.Fatalf("port %d in %v: got %v, want %v", p, ports, got, want)
			}
		}
		for i := 1; i < len(s.ranges); i++ {
			if int(s.ranges[i].lo) <= int(s.ranges[i-1].hi)+1 {
				t.Fatalf("ranges not merged: %v", s.ranges)
			}
		}
		if len(s.named) > 1 {
			t.Fatalf("named ports not de-duplicated: %v", s.named)
		}
	}
}

func TestNamedPortProtocol(t *testing.T) {
	tests := []struct {
		rule model.Protocol
		want uint8
	}{
		{model.Protocol{}, 0},
		{model.ProtocolNamed(model.ProtoTCP), model.ProtoTCP},
		{model.ProtocolNamed(model.ProtoUDP), model.ProtoUDP},
		{model.ProtocolNumber(model.ProtoSCTP), model.ProtoSCTP},
		{model.ProtocolNamed(model.ProtoUDPLite), model.ProtoTCP}, // Felix: anything else is tcp
		{model.ProtocolNumber(99), model.ProtoTCP},
	}
	for _, tt := range tests {
		if got := namedPortProtocol(tt.rule); got != tt.want {
			t.Errorf("rule protocol %v: port protocol %d, want %d", tt.rule, got, tt.want)
		}
	}
}
