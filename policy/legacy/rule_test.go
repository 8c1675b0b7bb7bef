package legacy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRuleString(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want string
	}{
		{"zero rule allows", Rule{}, "allow"},
		{"next-tier", Rule{Action: "next-tier"}, "next-tier"},
		{"grammar fields", Rule{Action: "deny", Protocol: "udp", SrcPorts: []Port{{53, 53, ""}}, DstNet: "10.0.0.0/8"},
			"deny udp from ports 53 to 10.0.0.0/8"},
		{"protocol number", Rule{Action: "allow", Protocol: "132", DstPorts: []Port{{9, 9, ""}}},
			"allow 132 to ports 9"},
		{"named port", Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{Name: "http"}}},
			"allow tcp to ports http"},
		{"fields with no words follow as JSON", Rule{Action: "allow", Protocol: "tcp", NotSrcTag: "blocked",
			DstPorts: []Port{{80, 80, ""}}, SrcSelector: "role == 'a' && has(b)"},
			`allow tcp to ports 80 {"src_selector":"role == 'a' && has(b)","!src_tag":"blocked"}`},
		{"everything else", Rule{Action: "log", IPVersion: 6, NotProtocol: "udp", NotICMPType: intp(1), NotICMPCode: intp(2),
			SrcNets: []string{"fd00::/8"}, NotDstNet: "fd00::1", NotDstPorts: []Port{{1, 2, ""}}, LogPrefix: "x"},
			`log {"!protocol":"udp","ip_version":6,"!icmp_type":1,"!icmp_code":2,"src_nets":["fd00::/8"],` +
				`"!dst_net":"fd00::1","!dst_ports":["1:2"],"log_prefix":"x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.rule.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRuleEqual(t *testing.T) {
	a := Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}}}
	tests := []struct {
		name string
		b    Rule
		want bool
	}{
		{"same", Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}}}, true},
		{"empty action is allow", Rule{Protocol: "tcp", DstPorts: []Port{{80, 80, ""}}}, true},
		{"other action", Rule{Action: "deny", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}}}, false},
		{"other port", Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{81, 81, ""}}}, false},
		{"source port", Rule{Action: "allow", Protocol: "tcp", SrcPorts: []Port{{80, 80, ""}}}, false},
		{"negated port", Rule{Action: "allow", Protocol: "tcp", NotDstPorts: []Port{{80, 80, ""}}}, false},
		{"extra field", Rule{Action: "allow", Protocol: "tcp", DstPorts: []Port{{80, 80, ""}}, IPVersion: 4}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.Equal(tc.b); got != tc.want {
				t.Errorf("Equal = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRuleJSON(t *testing.T) {
	text := `{"action":"next-tier","protocol":6,"!protocol":"udp","ip_version":4,"icmp_type":0,"icmp_code":0,` +
		`"!icmp_type":3,"src_tag":"a","src_net":"10.0.0.0/8","src_nets":["10.1.0.0/16"],"src_selector":"x == 'y'",` +
		`"src_ports":[80,"1000:2000","http"],"!src_tag":"b","!src_net":"10.2.0.0/16","!src_nets":["10.3.0.0/16"],` +
		`"!src_selector":"has(z)","!src_ports":[81],"dst_tag":"c","dst_net":"10.4.0.0/16","dst_nets":["10.5.0.0/16"],` +
		`"dst_selector":"all()","dst_ports":["443"],"!dst_tag":"d","!dst_net":"10.6.0.0/16","!dst_nets":["10.7.0.0/16"],` +
		`"!dst_selector":"has(q)","!dst_ports":["7:8"],"log_prefix":"p"}`
	var r Rule
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatal(err)
	}
	want := Rule{Action: "next-tier", Protocol: "6", NotProtocol: "udp", IPVersion: 4, ICMPType: intp(0), ICMPCode: intp(0),
		NotICMPType: intp(3), SrcTag: "a", SrcNet: "10.0.0.0/8", SrcNets: []string{"10.1.0.0/16"}, SrcSelector: "x == 'y'",
		SrcPorts: []Port{{80, 80, ""}, {1000, 2000, ""}, {Name: "http"}}, NotSrcTag: "b", NotSrcNet: "10.2.0.0/16",
		NotSrcNets: []string{"10.3.0.0/16"}, NotSrcSelector: "has(z)", NotSrcPorts: []Port{{81, 81, ""}},
		DstTag: "c", DstNet: "10.4.0.0/16", DstNets: []string{"10.5.0.0/16"}, DstSelector: "all()",
		DstPorts: []Port{{443, 443, ""}}, NotDstTag: "d", NotDstNet: "10.6.0.0/16", NotDstNets: []string{"10.7.0.0/16"},
		NotDstSelector: "has(q)", NotDstPorts: []Port{{7, 8, ""}}, LogPrefix: "p"}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Fatalf("decoded rule (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	// The string "443" and protocol 6 are written back in their canonical
	// forms; everything else reads back as written.
	wantOut := strings.Replace(text, `"dst_ports":["443"]`, `"dst_ports":[443]`, 1)
	if string(out) != wantOut {
		t.Errorf("MarshalJSON =\n%s\nwant\n%s", out, wantOut)
	}
	var again Rule
	if err := json.Unmarshal(out, &again); err != nil || !again.Equal(r) {
		t.Errorf("round trip: %v, %+v", err, again)
	}
}

func TestRuleUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"not an object", `[1]`, []string{"must be a map, not a list"}},
		{"duplicate key", `{"action":"deny","action":"allow"}`, []string{`action: key "action" is given twice in one object`}},
		{"no action", `{"protocol":"tcp"}`, []string{"action: is required: allow, deny, log, pass or next-tier"}},
		{"null action", `{"action":null}`, []string{"action: is required"}},
		{"empty action", `{"action":""}`, []string{"action: is required"}},
		{"empty rule", `{}`, []string{"action: is required"}},
		{"unknown key", `{"action":"allow","dst_port":[80]}`, []string{`dst_port: unknown field "dst_port"; did you mean "dst_ports"?`}},
		{"unknown negation", `{"action":"allow","!action":"allow"}`, []string{`!action: unknown field "!action"`}},
		{"upper-case action", `{"action":"Allow"}`, []string{`action: "Allow": the legacy formats spell actions in lower case ("allow")`}},
		{"unknown action", `{"action":"accept"}`, []string{`action: unknown action "accept"`}},
		{"upper-case protocol", `{"action":"allow","protocol":"TCP"}`, []string{`protocol: "TCP": the legacy formats spell protocols in lower case ("tcp")`}},
		{"unknown protocol", `{"action":"allow","!protocol":"tpc"}`, []string{`!protocol: unknown protocol "tpc"`}},
		{"protocol 0", `{"action":"allow","protocol":0}`, []string{"protocol: protocol number 0 is out of range 1 to 255"}},
		{"protocol not a string", `{"action":"allow","protocol":true}`, []string{"protocol: must be a protocol name or number, not true or false"}},
		{"ip version", `{"action":"allow","ip_version":5}`, []string{"ip_version: must be 4 or 6, not 5"}},
		{"fractional type", `{"action":"allow","protocol":"icmp","icmp_type":8.5}`, []string{"icmp_type: must be a whole number, not 8.5"}},
		{"code without type", `{"action":"allow","protocol":"icmp","icmp_code":1}`, []string{"icmp_code: an ICMP code needs an ICMP type"}},
		{"negated code without type", `{"action":"allow","!icmp_code":1}`, []string{"!icmp_code: an ICMP code needs an ICMP type"}},
		{"type range", `{"action":"allow","icmp_type":255,"!icmp_code":256,"!icmp_type":-1}`, []string{
			"icmp_type: ICMP type 255 is out of range 0 to 254", "!icmp_type: ICMP type -1 is out of range 0 to 254",
			"!icmp_code: ICMP code 256 is out of range 0 to 255"}},
		{"bad ports", `{"action":"allow","protocol":"tcp","dst_ports":[0,"5:1",70000,"a b",true],"!src_ports":"80"}`, []string{
			"!src_ports: must be a list, not a string",
			"dst_ports[4]: must be a port number, a range \"lo:hi\" or a port name, not true or false",
			"dst_ports[0]: port 0 is out of range 1 to 65535",
			"dst_ports[1]: port range 5:1 runs backwards",
			"dst_ports[2]: port 70000 is out of range 1 to 65535",
			`dst_ports[3]: "a b" is not a port number, a range lo:hi or a port name`}},
		{"bad tags and nets", `{"action":"allow","src_tag":"a b","!dst_tag":"x/y","src_net":"10.0.0/8","dst_nets":["ok/no"],"!src_nets":[1]}`, []string{
			"!src_nets[0]: must be a string, not a number",
			`src_tag: tag "a b" may hold only letters`,
			`src_net: "10.0.0/8" is not a CIDR or an IP address`,
			`dst_nets[0]: "ok/no" is not a CIDR or an IP address`,
			`!dst_tag: tag "x/y" may hold only letters`}},
		{"bad selector", `{"action":"allow","src_selector":"a ==","!dst_selector":"has("}`, []string{"src_selector: bad selector:", "!dst_selector: bad selector:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Rule
			err := json.Unmarshal([]byte(tc.text), &r)
			var is Issues
			if !errors.As(err, &is) {
				t.Fatalf("error = %v, want Issues", err)
			}
			if len(is) != len(tc.want) {
				t.Fatalf("got %d issues, want %d:\n%v", len(is), len(tc.want), err)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(is[i].String(), want) {
					t.Errorf("issue %d = %q, want it to start with %q", i, is[i].String(), want)
				}
			}
		})
	}
}

func TestRuleV3(t *testing.T) {
	tests := []struct {
		name string
		rule Rule
		want map[string]any
	}{
		{"empty action allows", Rule{}, map[string]any{"action": "Allow"}},
		{"next-tier passes", Rule{Action: "next-tier"}, map[string]any{"action": "Pass"}},
		{"pass", Rule{Action: "pass"}, map[string]any{"action": "Pass"}},
		{"log", Rule{Action: "log", LogPrefix: "ignored"}, map[string]any{"action": "Log"}},
		{"protocols re-cased, numbers kept", Rule{Action: "deny", Protocol: "icmpv6", NotProtocol: "132", IPVersion: 6},
			map[string]any{"action": "Deny", "protocol": "ICMPv6", "notProtocol": 132.0, "ipVersion": 6.0}},
		{"udplite", Rule{Protocol: "udplite"}, map[string]any{"action": "Allow", "protocol": "UDPLite"}},
		{"icmp", Rule{Protocol: "icmp", ICMPType: intp(3), ICMPCode: intp(0), NotICMPType: intp(8)},
			map[string]any{"action": "Allow", "protocol": "ICMP",
				"icmp": map[string]any{"type": 3.0, "code": 0.0}, "notICMP": map[string]any{"type": 8.0}}},
		{"tag alone", Rule{SrcTag: "WEB"},
			map[string]any{"action": "Allow", "source": map[string]any{"selector": "has(WEB)"}}},
		{"tag and selector", Rule{DstTag: "db", DstSelector: "role == 'x' || a == 'b'"},
			map[string]any{"action": "Allow", "destination": map[string]any{"selector": "(role == 'x' || a == 'b') && has(db)"}}},
		{"negated tag alone", Rule{NotSrcTag: "bad"},
			map[string]any{"action": "Allow", "source": map[string]any{"notSelector": "has(bad)"}}},
		{"negated tag and notSelector", Rule{NotDstTag: "bad", NotDstSelector: "x == 'y'"},
			map[string]any{"action": "Allow", "destination": map[string]any{"notSelector": "(x == 'y') || has(bad)"}}},
		{"nets joined", Rule{SrcNet: "10.0.0.0/8", SrcNets: []string{"10.1.0.0/16"}, NotSrcNet: "10.2.0.1", NotSrcNets: []string{"10.3.0.0/16"}},
			map[string]any{"action": "Allow", "source": map[string]any{
				"nets": []any{"10.0.0.0/8", "10.1.0.0/16"}, "notNets": []any{"10.2.0.1", "10.3.0.0/16"}}}},
		{"ports", Rule{Protocol: "tcp", DstPorts: []Port{{80, 80, ""}, {8000, 8080, ""}, {Name: "http"}}, NotDstPorts: []Port{{22, 22, ""}}},
			map[string]any{"action": "Allow", "protocol": "TCP", "destination": map[string]any{
				"ports": []any{80.0, "8000:8080", "http"}, "notPorts": []any{22.0}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.rule.v3()); diff != "" {
				t.Errorf("v3 (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIssues(t *testing.T) {
	one := Issues{{Path: "a.b", Msg: "bad"}}
	if one.Error() != "a.b: bad" {
		t.Errorf("one issue: %q", one.Error())
	}
	two := Issues{{Path: "a", Msg: "x"}, {Msg: "y"}}
	if want := "2 problems:\n  a: x\n  y"; two.Error() != want {
		t.Errorf("two issues: %q, want %q", two.Error(), want)
	}
	if (Issue{Msg: "m"}).String() != "m" {
		t.Error("an issue without a path prints only its message")
	}
}

func TestIssuePaths(t *testing.T) {
	tests := []struct{ got, want string }{
		{child("", "spec"), "spec"},
		{child("spec", "ingress"), "spec.ingress"},
		{index("spec.ingress", 2), "spec.ingress[2]"},
		{key("Networks", "net1"), "Networks.net1"},
		{key("Networks", "my.net"), `Networks["my.net"]`},
		{key("Labels", "org.projectcalico.label.role"), `Labels["org.projectcalico.label.role"]`},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("path %q, want %q", tc.got, tc.want)
		}
	}
}
