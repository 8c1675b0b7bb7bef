package policy

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

func u8(v uint8) *uint8 { return &v }

func TestDecodeRule(t *testing.T) {
	tests := []struct {
		name string
		json string
		want model.Rule
	}{
		{"empty allow", `{"action":"Allow"}`, model.Rule{Action: model.Allow}},
		{"letter case is a warning only", `{"action":"deny","protocol":"udp"}`,
			model.Rule{Action: model.Deny, Protocol: model.ProtocolNamed(model.ProtoUDP)}},
		{"protocol number", `{"action":"Log","protocol":6,"notProtocol":"17"}`,
			model.Rule{Action: model.Log, Protocol: model.ProtocolNumber(6), NotProtocol: model.ProtocolNumber(17)}},
		{"ports of every form", `{"action":"Allow","protocol":"TCP","destination":{"ports":[80,"443","8000:8080","http"],"notPorts":["22:22"]}}`,
			model.Rule{Action: model.Allow, Protocol: tcp(), Destination: model.EntityRule{
				Ports:    []model.Port{{Min: 80, Max: 80}, {Min: 443, Max: 443}, {Min: 8000, Max: 8080}, {Name: "http"}},
				NotPorts: []model.Port{{Min: 22, Max: 22}},
			}}},
		{"named port without protocol", `{"action":"Allow","destination":{"ports":["metrics"]}}`,
			model.Rule{Action: model.Allow, Destination: model.EntityRule{Ports: []model.Port{{Name: "metrics"}}}}},
		{"nets, bare addresses and ipVersion", `{"action":"Pass","ipVersion":6,"source":{"nets":["2001:db8::/32","2001:db8::1"]},"destination":{"notNets":["fd00::/8"]}}`,
			model.Rule{Action: model.Pass, IPVersion: 6,
				Source:      model.EntityRule{Nets: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("2001:db8::1/128")}},
				Destination: model.EntityRule{NotNets: []netip.Prefix{netip.MustParsePrefix("fd00::/8")}}}},
		{"selectors", `{"action":"Allow","source":{"selector":"role == 'db'","notSelector":"has(x)","namespaceSelector":"global()","serviceAccounts":{"names":["a","b"],"selector":"k == 'v'"}}}`,
			model.Rule{Action: model.Allow, Source: model.EntityRule{
				Selector: sel("role == 'db'"), NotSelector: sel("has(x)"), NamespaceSelector: sel("global()"),
				ServiceAccounts: &model.ServiceAccountMatch{Names: []string{"a", "b"}, Selector: sel("k == 'v'")},
			}}},
		{"icmp", `{"action":"Allow","protocol":"ICMP","icmp":{"type":8,"code":0},"notICMP":{"type":3}}`,
			model.Rule{Action: model.Allow, Protocol: model.ProtocolNamed(model.ProtoICMP),
				ICMP: &model.ICMPMatch{Type: u8(8), Code: u8(0)}, NotICMP: &model.ICMPMatch{Type: u8(3)}}},
		{"http", `{"action":"Allow","protocol":"TCP","http":{"methods":["GET","PUT"],"paths":[{"exact":"/a"},{"prefix":"/b/"}]}}`,
			model.Rule{Action: model.Allow, Protocol: tcp(), HTTP: &model.HTTPMatch{
				Methods: []string{"GET", "PUT"}, Paths: []model.HTTPPath{{Exact: "/a"}, {Prefix: "/b/"}},
			}}},
		{"services and annotations", `{"action":"Allow","destination":{"services":{"name":"db","namespace":"prod"}},"metadata":{"annotations":{"name":"to-db"}}}`,
			model.Rule{Action: model.Allow, Destination: model.EntityRule{Services: &model.ServiceMatch{Name: "db", Namespace: "prod"}},
				Annotations: map[string]string{"name": "to-db"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRule([]byte(tt.json))
			if err != nil {
				t.Fatalf("DecodeRule: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, modelCmp); diff != "" {
				t.Errorf("rule differs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRuleErrors(t *testing.T) {
	tests := []struct {
		json  string
		paths []string
		msg   string
	}{
		{`{"action":"Allow","protocol":"TCP","destination":{"ports":[0]}}`, []string{"destination.ports[0]"}, "port 0"},
		{`{"action":"Allow","source":{"nets":["10.0.0.0/8"]},"destination":{"nets":["::/1"]}}`, []string{"destination.nets[0]"}, "one IP family"},
		{`{"action":"Allow","bogus":1,"ipVersion":7}`, []string{"bogus", "ipVersion"}, ""},
		{`{"action":"Allow","protocol":{}}`, []string{"protocol"}, "expected an integer or a string"},
		{`{"action":"Allow","source":{"services":{"name":"db"}}}`, []string{"source.services.namespace"}, "is required"},
		{`{"action":"Allow","destination":{"services":{"name":"db"}}}`, []string{"destination.services.namespace"}, "is required"},
		{`[1]`, []string{""}, "expected an object"},
		{`{"action":`, []string{""}, "not a JSON rule"},
		{`{"action":"Allow","action":"Deny"}`, []string{"action"}, `key "action" is given twice`},
		{`{"action":"Deny","source":{"nets":["10.0.0.0/8"],"nets":[]}}`, []string{"source.nets"}, `key "nets" is given twice`},
	}
	for _, tt := range tests {
		_, err := DecodeRule([]byte(tt.json))
		var probs Problems
		if !errors.As(err, &probs) {
			t.Errorf("%s: error %v is not Problems", tt.json, err)
			continue
		}
		var paths []string
		for _, p := range probs.Errors() {
			paths = append(paths, p.Path)
		}
		if strings.Join(paths, ",") != strings.Join(tt.paths, ",") {
			t.Errorf("%s: problems at %q, want %q: %v", tt.json, paths, tt.paths, probs)
		}
		if !strings.Contains(probs.Error(), tt.msg) {
			t.Errorf("%s: %q does not mention %q", tt.json, probs.Error(), tt.msg)
		}
	}
}

// A lone rule has no direction, so the checks that need one wait for the
// policy holding the rule.
func TestDecodeRuleHasNoDirection(t *testing.T) {
	for _, j := range []string{
		`{"action":"Allow","http":{"methods":["GET"]}}`,
		`{"action":"Allow","source":{"services":{"name":"a","namespace":"b"}}}`,
		`{"action":"Allow","destination":{"services":{"name":"a","namespace":"b"}}}`,
	} {
		if _, err := DecodeRule([]byte(j)); err != nil {
			t.Errorf("%s: %v", j, err)
		}
	}
}
