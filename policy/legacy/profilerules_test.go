package legacy

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeJSON decodes a JSON object as the loader would hand it over.
func decodeJSON(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		t.Fatalf("test JSON: %v", err)
	}
	return m
}

func TestIsProfileRules(t *testing.T) {
	tests := []struct {
		doc  string
		want bool
	}{
		{`{"id": "APP", "inbound_rules": []}`, true},
		{`{"id": "APP", "outbound_rules": []}`, true},
		{`{"outbound_rules": null}`, true},
		{`{"id": "APP"}`, false},
		{`{"apiVersion": "v1", "kind": "profile", "inbound_rules": []}`, false},
		{`{"kind": "Profile", "outbound_rules": []}`, false},
		{`{"Id": "abc", "Config": {}}`, false},
	}
	for _, tc := range tests {
		if got := IsProfileRules(decodeJSON(t, tc.doc)); got != tc.want {
			t.Errorf("IsProfileRules(%s) = %v, want %v", tc.doc, got, tc.want)
		}
	}
}

func TestTranslateProfileRulesSeed003(t *testing.T) {
	data, err := os.ReadFile("testdata/seed003-APP-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeJSON(t, string(data))
	if !IsProfileRules(doc) {
		t.Fatal("APP-rules.json is not recognised as profile rules")
	}
	got, issues := TranslateProfileRules(doc)
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	want := map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": map[string]any{"name": "APP"},
		"spec": map[string]any{
			"ingress": []any{
				map[string]any{"action": "Allow", "protocol": "TCP",
					"source":      map[string]any{"selector": "has(APP_7890)"},
					"destination": map[string]any{"ports": []any{7890.0}}},
				map[string]any{"action": "Allow", "protocol": "ICMP", "icmp": map[string]any{"type": 8.0}},
			},
			"egress": []any{map[string]any{"action": "Allow"}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTranslateProfileRulesNegations(t *testing.T) {
	doc := decodeJSON(t, `{
		"id": "guarded",
		"inbound_rules": [
			{"action": "deny", "!src_tag": "trusted", "!src_net": "10.0.0.0/8", "!src_nets": ["10.1.0.0/16"],
			 "!src_selector": "env == 'dev'", "!dst_ports": [22, "6000:6063"], "protocol": "tcp", "!protocol": "udp"},
			{"action": "next-tier", "protocol": "icmp", "!icmp_type": 8, "!icmp_code": 0, "ip_version": 4,
			 "src_tag": "ops", "src_selector": "team == 'sre'", "src_nets": ["192.168.0.0/16"], "log_prefix": "x"},
			{"action": "allow", "protocol": 17, "!dst_tag": "blocked", "!dst_selector": "has(quarantine)", "dst_net": "fd00::/8",
			 "src_ports": ["53"], "!src_ports": ["1:1023"]}
		],
		"outbound_rules": []
	}`)
	got, issues := TranslateProfileRules(doc)
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	want := map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": map[string]any{"name": "guarded"},
		"spec": map[string]any{
			"ingress": []any{
				map[string]any{"action": "Deny", "protocol": "TCP", "notProtocol": "UDP",
					"source": map[string]any{
						"notNets":     []any{"10.0.0.0/8", "10.1.0.0/16"},
						"notSelector": "(env == 'dev') || has(trusted)",
					},
					"destination": map[string]any{"notPorts": []any{22.0, "6000:6063"}}},
				map[string]any{"action": "Pass", "protocol": "ICMP", "ipVersion": 4.0,
					"notICMP": map[string]any{"type": 8.0, "code": 0.0},
					"source": map[string]any{
						"nets":     []any{"192.168.0.0/16"},
						"selector": "(team == 'sre') && has(ops)",
					}},
				map[string]any{"action": "Allow", "protocol": 17.0,
					"source": map[string]any{"ports": []any{53.0}, "notPorts": []any{"1:1023"}},
					"destination": map[string]any{
						"nets":        []any{"fd00::/8"},
						"notSelector": "(has(quarantine)) || has(blocked)",
					}},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTranslateProfileRulesIssues(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []Issue
	}{
		{"unknown top-level key", `{"id": "P", "inbound_rules": [], "tag": "x"}`,
			[]Issue{{"tag", `unknown field "tag"`}}},
		{"misspelt list", `{"id": "P", "inbound_rule": []}`,
			[]Issue{{"inbound_rule", `unknown field "inbound_rule"; did you mean "inbound_rules"?`}}},
		{"unknown rule key", `{"id": "P", "inbound_rules": [{"action": "allow"}, {"action": "deny", "src_tags": "a"}]}`,
			[]Issue{{"inbound_rules[1].src_tags", `unknown field "src_tags"; did you mean "src_tag"?`}}},
		{"negated key that does not exist", `{"id": "P", "outbound_rules": [{"action": "log", "!log_prefix": "a"}]}`,
			[]Issue{{"outbound_rules[0].!log_prefix", `unknown field "!log_prefix"; did you mean "log_prefix"?`}}},
		{"missing id", `{"inbound_rules": []}`,
			[]Issue{{"id", "is required: the name of the profile"}}},
		{"empty id", `{"id": "", "inbound_rules": []}`,
			[]Issue{{"id", "must name the profile"}}},
		{"id not a string", `{"id": 7, "inbound_rules": []}`,
			[]Issue{{"id", "must be a string, not a number"}}},
		{"null id", `{"id": null, "inbound_rules": []}`,
			[]Issue{{"id", "must name the profile"}}},
		{"bad port and code without type", `{"id": "P", "inbound_rules": [{"action": "allow", "protocol": "icmp", "icmp_code": 3}, {"action": "allow", "protocol": "tcp", "dst_ports": ["http:80"]}]}`,
			[]Issue{
				{"inbound_rules[0].icmp_code", "an ICMP code needs an ICMP type"},
				{"inbound_rules[1].dst_ports[0]", `"http:80" is not a port number, a range lo:hi or a port name`},
			}},
		// Calico's validator requires an action: a rule without one is
		// refused, never read as allow.
		{"rule without an action", `{"id": "P", "inbound_rules": [{"protocol": "tcp"}, {}]}`,
			[]Issue{
				{"inbound_rules[0].action", "is required: allow, deny, log, pass or next-tier"},
				{"inbound_rules[1].action", "is required: allow, deny, log, pass or next-tier"},
			}},
		{"null action", `{"id": "P", "outbound_rules": [{"action": null}]}`,
			[]Issue{{"outbound_rules[0].action", "is required: allow, deny, log, pass or next-tier"}}},
		{"null rule", `{"id": "P", "inbound_rules": [null]}`,
			[]Issue{{"inbound_rules[0]", "is null: a rule needs at least an action"}}},
		{"upper-case spellings", `{"id": "P", "outbound_rules": [{"action": "Deny", "protocol": "UDP"}]}`,
			[]Issue{
				{"outbound_rules[0].action", `"Deny": the legacy formats spell actions in lower case ("deny")`},
				{"outbound_rules[0].protocol", `"UDP": the legacy formats spell protocols in lower case ("udp")`},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, issues := TranslateProfileRules(decodeJSON(t, tc.doc))
			if got != nil {
				t.Errorf("a document with issues was translated: %v", got)
			}
			if diff := cmp.Diff(tc.want, issues); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
		})
	}
}
