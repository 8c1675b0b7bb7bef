package compile

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/eval/reference"
	"github.com/verdictlabs/verdict/model"
)

// TestClassifierLimits builds tiers large enough to be classified by
// default, whose flows overflow the peer list (one selector shared by 550
// rules) and the network-set owners (an address inside 70 sets): the
// classifier must then fall back to checking those rules in full, and
// still answer as the reference does.
func TestClassifierLimits(t *testing.T) {
	set := model.Set{Profiles: []model.Profile{nsProfile("ns0", "x")}}
	for i := range 70 {
		set.NetworkSets = append(set.NetworkSets, model.NetworkSet{
			Name: fmt.Sprintf("n%d", i), Labels: map[string]string{"set": fmt.Sprint(i % 3)},
			Nets: []netip.Prefix{netip.PrefixFrom(netip.MustParseAddr("192.168.0.0"), 16+i%7)},
		})
	}
	web := pod("web", "ns0", "10.0.0.1", map[string]string{"app": "web"})
	db := pod("db", "ns0", "10.0.0.2", map[string]string{"app": "db"})
	set.Endpoints = []model.Endpoint{web, db}
	var ingress []model.Rule
	for i := range 1100 {
		r := model.Rule{Action: model.Pass, Protocol: model.ProtocolNamed(model.ProtoTCP),
			Destination: model.EntityRule{Ports: []model.Port{{Min: uint16(1000 + i), Max: uint16(1000 + i)}}}}
		if i%2 == 0 {
			r.Source.Selector = sel(`app == "web"`) // 550 rules share it
		} else if i%5 != 0 {
			r.Source.Selector = sel(fmt.Sprintf(`set == "%d"`, i%3))
			r.Action = model.Allow
		}
		ingress = append(ingress, r)
	}
	ingress = append(ingress, model.Rule{Action: model.Deny, Source: model.EntityRule{Selector: sel(`app == "web"`)}})
	set.Policies = []model.Policy{{Kind: model.KindGlobalNetworkPolicy, Name: "big", Tier: model.TierDefault,
		Selector: sel(`app == "db"`), Types: []model.Direction{model.Ingress}, Ingress: ingress}}
	p := mustCompile(t, set)
	id, _ := p.entityIDs.get(db.Key())
	if tr := p.classes.get(p.entities.get(id).class).res[dirIngress].tiers[0]; tr.classify == nil {
		t.Fatal("a tier of 1,101 rules was not classified")
	}
	ref, err := reference.New(set)
	if err != nil {
		t.Fatal(err)
	}
	var l peerList
	f := model.Flow{Src: addr("10.0.0.1"), Dst: addr("10.0.0.2")}
	c := newFlowCtx(p, &f)
	tr := p.classes.get(p.entities.get(id).class).res[dirIngress].tiers[0]
	if c.collectPeers(tr.classify, false, &l); !l.open {
		t.Error("550 rules of one selector did not overflow the peer list")
	}
	l = peerList{}
	f.Src = addr("192.168.3.4")
	c = newFlowCtx(p, &f)
	if c.collectPeers(tr.classify, false, &l); !l.open {
		t.Error("an address in 70 network sets did not leave the peer dimension open")
	}
	for _, src := range []string{"10.0.0.1", "192.168.3.4", "192.168.200.1", "172.16.0.1"} {
		for _, port := range []uint16{1000, 1001, 1002, 1300, 1599, 2000, 80} {
			f := model.Flow{Src: addr(src), Dst: addr("10.0.0.2"), Protocol: model.ProtoTCP, SrcPort: 5000, DstPort: port}
			if diff := cmp.Diff(ref.Evaluate(f), p.Evaluate(f)); diff != "" {
				t.Errorf("%s -> :%d (-reference +compiled):\n%s", src, port, diff)
			}
			if diff := cmp.Diff(p.Explain(f).Verdict, p.Evaluate(f)); diff != "" {
				t.Errorf("%s -> :%d: Evaluate and Explain disagree:\n%s", src, port, diff)
			}
		}
	}
}
