package model_test

import (
	"fmt"
	"net/netip"
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
