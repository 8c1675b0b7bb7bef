package legacy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// mustParse parses rule text in tests.
func mustParse(t *testing.T, text string) Rule {
	t.Helper()
	r, err := ParseRule(text)
	if err != nil {
		t.Fatalf("ParseRule(%q): %v", text, err)
	}
	return r
}

// Seed 002: the profile of the Docker network "databases", then a rule
// added for the applications network.
func TestSeed002Show(t *testing.T) {
	p := NewProfile("databases")
	const first = "Inbound rules:\n" +
		"   1 allow from tag databases\n" +
		"Outbound rules:\n" +
		"   1 allow\n"
	if got := p.Show(); got != first {
		t.Errorf("rule show =\n%s\nwant\n%s", got, first)
	}
	// calicoctl profile databases rule add inbound allow tcp from tag applications to ports 3306
	if err := p.AddRule(true, 0, mustParse(t, "allow tcp from tag applications to ports 3306")); err != nil {
		t.Fatal(err)
	}
	const second = "Inbound rules:\n" +
		"   1 allow from tag databases\n" +
		"   2 allow tcp from tag applications to ports 3306\n" +
		"Outbound rules:\n" +
		"   1 allow\n"
	if got := p.Show(); got != second {
		t.Errorf("rule show =\n%s\nwant\n%s", got, second)
	}
}

// Seed 003: the WEB and APP profiles of the Advanced Network Policy
// tutorial.
func TestSeed003(t *testing.T) {
	web := NewProfile("WEB")
	// The tutorial prints "   1 allow from tag WEB " with a trailing space,
	// its own formatting; calicoctl's line ends with the rule.
	const first = "Inbound rules:\n" +
		"   1 allow from tag WEB\n" +
		"Outbound rules:\n" +
		"   1 allow\n"
	if got := web.Show(); got != first {
		t.Errorf("rule show =\n%s\nwant\n%s", got, first)
	}
	if err := web.RemoveRuleAt(true, 1); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"allow tcp to ports 80,443", "allow icmp type 8"} {
		if err := web.AddRule(true, 0, mustParse(t, text)); err != nil {
			t.Fatal(err)
		}
	}
	const second = "Inbound rules:\n" +
		"   1 allow tcp to ports 80,443\n" +
		"   2 allow icmp type 8\n" +
		"Outbound rules:\n" +
		"   1 allow\n"
	if got := web.Show(); got != second {
		t.Errorf("rule show =\n%s\nwant\n%s", got, second)
	}

	app := NewProfile("APP")
	data, err := os.ReadFile("testdata/seed003-APP-rules.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.UpdateRules(data); err != nil {
		t.Fatal(err)
	}
	const appShow = "Inbound rules:\n" +
		"   1 allow tcp from tag APP_7890 to ports 7890\n" +
		"   2 allow icmp type 8\n" +
		"Outbound rules:\n" +
		"   1 allow\n"
	if got := app.Show(); got != appShow {
		t.Errorf("APP rule show =\n%s\nwant\n%s", got, appShow)
	}

	if err := web.AddTag("APP_7890"); err != nil {
		t.Fatal(err)
	}
	if got, want := web.ShowTags(), "WEB\nAPP_7890\n"; got != want {
		t.Errorf("tag show = %q, want %q", got, want)
	}

	wantWEB := map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": map[string]any{"name": "WEB"},
		"spec": map[string]any{
			"labelsToApply": map[string]any{"WEB": "", "APP_7890": ""},
			"ingress": []any{
				map[string]any{"action": "Allow", "protocol": "TCP", "destination": map[string]any{"ports": []any{80.0, 443.0}}},
				map[string]any{"action": "Allow", "protocol": "ICMP", "icmp": map[string]any{"type": 8.0}},
			},
			"egress": []any{map[string]any{"action": "Allow"}},
		},
	}
	if diff := cmp.Diff(wantWEB, web.V3()); diff != "" {
		t.Errorf("WEB V3 (-want +got):\n%s", diff)
	}
	wantAPP := map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": map[string]any{"name": "APP"},
		"spec": map[string]any{
			"labelsToApply": map[string]any{"APP": ""},
			"ingress": []any{
				map[string]any{"action": "Allow", "protocol": "TCP",
					"source":      map[string]any{"selector": "has(APP_7890)"},
					"destination": map[string]any{"ports": []any{7890.0}}},
				map[string]any{"action": "Allow", "protocol": "ICMP", "icmp": map[string]any{"type": 8.0}},
			},
			"egress": []any{map[string]any{"action": "Allow"}},
		},
	}
	if diff := cmp.Diff(wantAPP, app.V3()); diff != "" {
		t.Errorf("APP V3 (-want +got):\n%s", diff)
	}
}

func TestNewProfileV3(t *testing.T) {
	want := map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": map[string]any{"name": "databases"},
		"spec": map[string]any{
			"labelsToApply": map[string]any{"databases": ""},
			"ingress":       []any{map[string]any{"action": "Allow", "source": map[string]any{"selector": "has(databases)"}}},
			"egress":        []any{map[string]any{"action": "Allow"}},
		},
	}
	if diff := cmp.Diff(want, NewProfile("databases").V3()); diff != "" {
		t.Errorf("V3 (-want +got):\n%s", diff)
	}
	empty := &Profile{Name: "bare"}
	if diff := cmp.Diff(map[string]any{"apiVersion": "projectcalico.org/v3", "kind": "Profile",
		"metadata": map[string]any{"name": "bare"}}, empty.V3()); diff != "" {
		t.Errorf("a profile with nothing has no spec (-want +got):\n%s", diff)
	}
}

// showRules lists the rule texts of one direction.
func showRules(rules []Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.String()
	}
	return out
}

func TestAddRuleAt(t *testing.T) {
	tests := []struct {
		name string
		at   int
		want []string
		err  string
	}{
		{"append", 0, []string{"allow tcp", "allow udp", "deny"}, ""},
		{"insert first", 1, []string{"deny", "allow tcp", "allow udp"}, ""},
		{"insert second", 2, []string{"allow tcp", "deny", "allow udp"}, ""},
		{"insert one past the end", 3, []string{"allow tcp", "allow udp", "deny"}, ""},
		{"past the end", 4, nil, "cannot insert at outbound position 4: positions run from 1 to 3"},
		{"negative", -1, nil, "cannot insert at outbound position -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &Profile{Name: "P", Outbound: []Rule{mustParse(t, "allow tcp"), mustParse(t, "allow udp")}}
			err := p.AddRule(false, tc.at, mustParse(t, "deny"))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				if len(p.Outbound) != 2 {
					t.Errorf("a failed add changed the rules: %v", showRules(p.Outbound))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, showRules(p.Outbound)); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			if len(p.Inbound) != 0 {
				t.Errorf("outbound add touched inbound rules")
			}
		})
	}
}

func TestAddRuleChecksTheRule(t *testing.T) {
	p := NewProfile("P")
	err := p.AddRule(true, 0, Rule{Action: "Allow", SrcTag: "a b"})
	var is Issues
	if !errors.As(err, &is) || len(is) != 2 {
		t.Fatalf("error = %v, want two issues", err)
	}
	if len(p.Inbound) != 1 {
		t.Errorf("a bad rule was added")
	}
}

func TestRemoveRule(t *testing.T) {
	newP := func() *Profile {
		return &Profile{Name: "P", Inbound: []Rule{
			mustParse(t, "allow from tag a"), mustParse(t, "allow tcp to ports 80"), mustParse(t, "allow from tag a"),
		}}
	}
	t.Run("at", func(t *testing.T) {
		p := newP()
		if err := p.RemoveRuleAt(true, 2); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"allow from tag a", "allow from tag a"}, showRules(p.Inbound)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("at out of range", func(t *testing.T) {
		p := newP()
		for _, at := range []int{0, 4, -2} {
			err := p.RemoveRuleAt(true, at)
			if err == nil || !strings.Contains(err.Error(), "positions run from 1 to 3") {
				t.Errorf("RemoveRuleAt(%d) error = %v", at, err)
			}
		}
		err := p.RemoveRuleAt(false, 1)
		if err == nil || !strings.Contains(err.Error(), "there are no outbound rules") {
			t.Errorf("removing from an empty list: %v", err)
		}
	})
	t.Run("by text removes the first match", func(t *testing.T) {
		p := newP()
		if err := p.RemoveRule(true, mustParse(t, "allow from tag a")); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"allow tcp to ports 80", "allow from tag a"}, showRules(p.Inbound)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("by text, no match", func(t *testing.T) {
		p := newP()
		err := p.RemoveRule(true, mustParse(t, "allow tcp to ports 81"))
		if err == nil || err.Error() != `profile P has no inbound rule "allow tcp to ports 81"` {
			t.Errorf("error = %v", err)
		}
		if len(p.Inbound) != 3 {
			t.Errorf("rules changed")
		}
	})
}

func TestTags(t *testing.T) {
	p := NewProfile("WEB")
	if err := p.AddTag("APP_7890"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"duplicate", p.AddTag("APP_7890"), "profile WEB already has tag APP_7890"},
		{"bad tag", p.AddTag("no spaces"), `profile WEB: tag "no spaces" may hold only letters`},
		{"empty tag", p.AddTag(""), `profile WEB: tag "" may hold only`},
		{"remove missing", p.RemoveTag("DB"), "profile WEB has no tag DB"},
	} {
		if tc.err == nil || !strings.HasPrefix(tc.err.Error(), tc.want) {
			t.Errorf("%s: error = %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	if err := p.RemoveTag("WEB"); err != nil {
		t.Fatal(err)
	}
	if got := p.ShowTags(); got != "APP_7890\n" {
		t.Errorf("tags = %q", got)
	}
}

func TestRulesJSON(t *testing.T) {
	p := NewProfile("DB")
	if err := p.AddRule(true, 0, mustParse(t, "deny tcp from ports 1:1023 tag x 10.0.0.0/8 to ports 5432")); err != nil {
		t.Fatal(err)
	}
	data, err := p.RulesJSON()
	if err != nil {
		t.Fatal(err)
	}
	const want = `{
  "id": "DB",
  "inbound_rules": [
    {
      "action": "allow",
      "src_tag": "DB"
    },
    {
      "action": "deny",
      "protocol": "tcp",
      "src_tag": "x",
      "src_net": "10.0.0.0/8",
      "src_ports": [
        "1:1023"
      ],
      "dst_ports": [
        5432
      ]
    }
  ],
  "outbound_rules": [
    {
      "action": "allow"
    }
  ]
}
`
	if string(data) != want {
		t.Errorf("rule json =\n%s\nwant\n%s", data, want)
	}
	q := &Profile{Name: "DB"}
	if err := q.UpdateRules(data); err != nil {
		t.Fatal(err)
	}
	if q.Show() != p.Show() {
		t.Errorf("rule update of rule json changed the rules:\n%s\nwant\n%s", q.Show(), p.Show())
	}
	empty, err := (&Profile{Name: "E"}).RulesJSON()
	if err != nil || string(empty) != "{\n  \"id\": \"E\",\n  \"inbound_rules\": [],\n  \"outbound_rules\": []\n}\n" {
		t.Errorf("empty profile: %q, %v", empty, err)
	}
}

func TestUpdateRulesErrors(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"not JSON", `{"id": "APP",`, "profile APP: rules JSON: unexpected end of JSON input"},
		{"not an object", `[]`, "profile APP: rules JSON: must be a map, not a list"},
		{"other profile", `{"id": "WEB", "inbound_rules": []}`, `profile APP: rules JSON: id: "WEB" is not the profile being updated (APP)`},
		{"no id", `{"inbound_rules": []}`, "profile APP: rules JSON: id: is required: the name of the profile"},
		{"unknown key", `{"id": "APP", "tags": ["x"]}`, `profile APP: rules JSON: tags: unknown field "tags"`},
		{"rules not a list", `{"id": "APP", "outbound_rules": {}}`, "outbound_rules: must be a list, not a map"},
		{"rule not a map", `{"id": "APP", "outbound_rules": ["allow"]}`, "outbound_rules[0]: must be a map, not a string"},
		{"bad rule", `{"id": "APP", "inbound_rules": [{"action": "allow"}, {"dst_ports": [0]}]}`,
			"inbound_rules[1].dst_ports[0]: port 0 is out of range 1 to 65535"},
		{"null rule", `{"id": "APP", "inbound_rules": [null]}`, "inbound_rules[0]: is null: a rule needs at least an action"},
		{"duplicate list", `{"id": "APP", "inbound_rules": [{"action": "deny"}], "inbound_rules": []}`,
			`profile APP: rules JSON: inbound_rules: key "inbound_rules" is given twice in one object`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewProfile("APP")
			before := p.Show()
			err := p.UpdateRules([]byte(tc.json))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if p.Show() != before {
				t.Errorf("a failed update changed the rules")
			}
		})
	}
}

func TestUpdateRulesMissingListEmptiesIt(t *testing.T) {
	p := NewProfile("APP")
	if err := p.UpdateRules([]byte(`{"id": "APP", "inbound_rules": [{"action": "allow"}]}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := p.Show(), "Inbound rules:\n   1 allow\nOutbound rules:\n"; got != want {
		t.Errorf("show = %q, want %q", got, want)
	}
}
