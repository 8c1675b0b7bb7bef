package reference

import (
	"net/netip"
	"testing"

	"github.com/verdictlabs/verdict/model"
)

// criterionWorld is a namespace "vote" with a vote pod, a worker pod and
// a db pod, a pod of another namespace, a network set and a service in
// front of db.
func criterionWorld(rule model.Rule, dir model.Direction) model.Set {
	vote := pod("vote-1", "vote", "10.1.0.10", map[string]string{"app": "vote"})
	vote.ServiceAccount = "default"
	worker := pod("worker-1", "vote", "10.1.0.11", map[string]string{"app": "worker"})
	worker.ServiceAccount = "worker"
	db := pod("db-0", "vote", "10.1.0.20", map[string]string{"app": "db"})
	db.Addresses = append(db.Addresses, addr("fd00::2"))
	other := pod("x-1", "other", "10.2.0.5", map[string]string{"app": "worker"})
	p := model.Policy{Kind: model.KindNetworkPolicy, Namespace: "vote", Name: "db", Tier: model.TierDefault, Order: order(10),
		Selector: sel("app == 'db'"), Types: []model.Direction{dir}}
	if dir == model.Ingress {
		p.Ingress = []model.Rule{rule}
	} else {
		p.Egress = []model.Rule{rule}
	}
	return model.Set{
		Policies:    []model.Policy{p},
		Profiles:    []model.Profile{nsProfile("vote", nil), nsProfile("other", nil)},
		Namespaces:  []model.Namespace{{Name: "vote"}, {Name: "other"}},
		Endpoints:   []model.Endpoint{vote, worker, db, other},
		NetworkSets: []model.NetworkSet{{Name: "outside", Nets: prefixes("192.0.2.0/24"), Labels: map[string]string{"zone": "ext"}}},
		Services: []model.Service{{Namespace: "vote", Name: "db", Slices: []model.ServiceSlice{{
			Addresses: []netip.Addr{addr("10.1.0.20")}, Ports: []model.EndpointPort{{Protocol: model.ProtoTCP, Port: 5432}},
		}}}},
	}
}

func TestCriterionKinds(t *testing.T) {
	tcp, udp := model.ProtocolNamed(model.ProtoTCP), model.ProtocolNamed(model.ProtoUDP)
	toDB := model.Flow{Src: addr("10.1.0.10"), Dst: addr("10.1.0.20"), Protocol: model.ProtoTCP, SrcPort: 40000, DstPort: 5432}
	fromOther := toDB
	fromOther.Src = addr("10.2.0.5")
	ping := model.Flow{Src: addr("10.1.0.10"), Dst: addr("10.1.0.20"), Protocol: model.ProtoICMP, ICMP: &model.ICMPTypeCode{Type: 0}}
	pingUntyped := ping
	pingUntyped.ICMP = nil
	icmp := model.ProtocolNamed(model.ProtoICMP)
	v6 := model.Flow{Src: addr("fd00::2"), Dst: addr("fd00::1"), Protocol: model.ProtoTCP, DstPort: 5432}
	fromOutside := toDB
	fromOutside.Src = addr("192.0.2.7")
	dbOut := model.Flow{Src: addr("10.1.0.20"), Dst: addr("10.1.0.10"), Protocol: model.ProtoTCP, DstPort: 8080}
	withHTTP := toDB
	withHTTP.HTTP = &model.HTTPRequest{Method: "POST", Path: "/admin"}

	tests := []struct {
		name  string
		rule  model.Rule
		dir   model.Direction
		flow  model.Flow
		field string
		text  string
	}{
		{"ip version", model.Rule{Action: model.Allow, IPVersion: 6}, model.Ingress, toDB,
			"ipVersion", "ipVersion 6 does not match an IPv4 flow"},
		{"family implied by nets", model.Rule{Action: model.Allow, Source: model.EntityRule{Nets: prefixes("10.0.0.0/8")}}, model.Egress, v6,
			"ipVersion", "ipVersion 4 (implied by source.nets) does not match an IPv6 flow"},
		{"protocol", model.Rule{Action: model.Allow, Protocol: udp}, model.Ingress, toDB,
			"protocol", "protocol UDP does not match TCP"},
		{"not protocol", model.Rule{Action: model.Allow, NotProtocol: tcp}, model.Ingress, toDB,
			"notProtocol", "notProtocol TCP matches TCP"},
		{"icmp", model.Rule{Action: model.Allow, Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8)}}, model.Ingress, ping,
			"icmp", "icmp type 8 does not match type 0 code 0"},
		{"icmp on a flow without one", model.Rule{Action: model.Allow, Protocol: icmp, ICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}}, model.Ingress, pingUntyped,
			"icmp", "icmp type 8 code 0 does not match a flow without an ICMP type"},
		{"not icmp", model.Rule{Action: model.Allow, NotICMP: &model.ICMPMatch{Type: u8(0)}}, model.Ingress, ping,
			"notICMP", "notICMP type 0 matches type 0 code 0"},
		{"source nets", model.Rule{Action: model.Allow, Source: model.EntityRule{Nets: prefixes("10.9.0.0/16")}}, model.Ingress, toDB,
			"source.nets", "source.nets 10.1.0.10 not in [10.9.0.0/16]"},
		{"source not nets", model.Rule{Action: model.Allow, Source: model.EntityRule{NotNets: prefixes("10.1.0.0/16", "10.3.0.0/16")}}, model.Ingress, toDB,
			"source.notNets", "source.notNets 10.1.0.10 in [10.1.0.0/16, 10.3.0.0/16]"},
		{"source selector", model.Rule{Action: model.Allow, Source: model.EntityRule{Selector: sel("app == 'worker'")}}, model.Ingress, toDB,
			"source.selector", "source.selector app == 'worker' does not match 10.1.0.10 (app=vote)"},
		{"source selector on an outside peer", model.Rule{Action: model.Allow, Source: model.EntityRule{Selector: sel("app == 'worker' && tier in {'a', 'b'}")}}, model.Ingress, withAddr(toDB, "203.0.113.9"),
			"source.selector", "source.selector app == 'worker' && tier in {'a', 'b'} does not match 203.0.113.9 (no endpoint or network set)"},
		{"source selector on a network set", model.Rule{Action: model.Allow, Source: model.EntityRule{Selector: sel("zone == 'int'"), NamespaceSelector: sel("global()")}}, model.Ingress, fromOutside,
			"source.selector", "source.selector zone == 'int' does not match 192.0.2.7 (zone=ext)"},
		{"own namespace", model.Rule{Action: model.Allow, Source: model.EntityRule{Selector: sel("app == 'worker'")}}, model.Ingress, fromOther,
			"source.namespace", "source.namespace vote does not match 10.2.0.5 (namespace other)"},
		{"namespace selector", model.Rule{Action: model.Allow, Source: model.EntityRule{NamespaceSelector: sel("projectcalico.org/name == 'vote'")}}, model.Ingress, fromOther,
			"source.namespaceSelector", "source.namespaceSelector projectcalico.org/name == 'vote' does not match 10.2.0.5 (namespace other)"},
		{"service accounts", model.Rule{Action: model.Allow, Source: model.EntityRule{ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"worker"}}}}, model.Ingress, toDB,
			"source.serviceAccounts", "source.serviceAccounts names [worker] does not match 10.1.0.10 (service account default)"},
		{"not selector", model.Rule{Action: model.Allow, Source: model.EntityRule{NotSelector: sel("app == 'vote'")}}, model.Ingress, toDB,
			"source.notSelector", "source.notSelector app == 'vote' matches 10.1.0.10 (app=vote)"},
		{"destination ports", model.Rule{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{Ports: []model.Port{{Min: 8080, Max: 8080}}}}, model.Ingress, toDB,
			"destination.ports", "destination.ports 5432 not in [8080]"},
		{"destination ports in the issue's words", model.Rule{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{Ports: []model.Port{{Min: 5432, Max: 5432}}}}, model.Egress, dbOut,
			"destination.ports", "destination.ports 8080 not in [5432]"},
		{"destination not ports", model.Rule{Action: model.Allow, Protocol: tcp, Destination: model.EntityRule{NotPorts: []model.Port{{Min: 5000, Max: 6000}, {Name: "metrics"}}}}, model.Ingress, toDB,
			"destination.notPorts", "destination.notPorts 5432 in [5000:6000, metrics]"},
		{"source ports", model.Rule{Action: model.Allow, Protocol: tcp, Source: model.EntityRule{Ports: []model.Port{{Min: 1, Max: 1023}}}}, model.Ingress, toDB,
			"source.ports", "source.ports 40000 not in [1:1023]"},
		{"destination services", model.Rule{Action: model.Allow, Destination: model.EntityRule{Services: &model.ServiceMatch{Name: "db", Namespace: "vote"}}}, model.Egress, dbOut,
			"destination.services", "destination.services vote/db does not match 10.1.0.10:8080 TCP"},
		{"service without a namespace", model.Rule{Action: model.Allow, Destination: model.EntityRule{Services: &model.ServiceMatch{Name: "db"}}}, model.Egress, dbOut,
			"destination.services", "destination.services db (no namespace, so no service; the policy's would be vote/db) does not match 10.1.0.10:8080 TCP"},
		{"missing service", model.Rule{Action: model.Allow, Source: model.EntityRule{Services: &model.ServiceMatch{Name: "cache", Namespace: "vote"}}}, model.Ingress, toDB,
			"source.services", "source.services vote/cache (no such service) does not match 10.1.0.10"},
		{"http", model.Rule{Action: model.Allow, HTTP: &model.HTTPMatch{Methods: []string{"GET"}, Paths: []model.HTTPPath{{Prefix: "/api"}}}}, model.Ingress, withHTTP,
			"http", "http methods [GET] paths [prefix /api] does not match POST /admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(criterionWorld(tt.rule, tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			a := e.Account(tt.flow)
			side := a.Ingress
			if tt.dir == model.Egress {
				side = a.Egress
			}
			if len(side.Walk.Tiers) == 0 || len(side.Walk.Tiers[0].Policies) == 0 {
				t.Fatalf("the policy is not in the walk: %+v", side.Walk)
			}
			r := side.Walk.Tiers[0].Policies[0].Rules[0]
			if r.Matched || r.Failed == nil {
				t.Fatalf("rule matched: %+v", r)
			}
			if r.Failed.Field != tt.field {
				t.Errorf("field %q, want %q", r.Failed.Field, tt.field)
			}
			if got := r.Failed.String(); got != tt.text {
				t.Errorf("String()\n got %s\nwant %s", got, tt.text)
			}
		})
	}
}

func withAddr(f model.Flow, src string) model.Flow {
	f.Src = addr(src)
	return f
}
