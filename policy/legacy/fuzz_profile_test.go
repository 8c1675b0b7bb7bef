package legacy

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzProfileUpdateRules: `rule update` with any input never panics; a
// refused document leaves the profile exactly as it was, with an error
// that says why; an accepted one reads back unchanged through rule json,
// and its rules translate to v3 without issues.
func FuzzProfileUpdateRules(f *testing.F) {
	for _, s := range []string{
		`{"id": "P", "inbound_rules": [{"action": "allow", "src_tag": "a", "dst_ports": [80, "1000:2000"], "protocol": "tcp"}], "outbound_rules": [{"action": "deny"}]}`,
		`{"id": "P", "inbound_rules": [null]}`,
		`{"id": "P", "inbound_rules": [{}]}`,
		`{"id": "Q", "inbound_rules": []}`,
		`{"id": "P", "inbound_rules": [{"action": "allow"}], "inbound_rules": [{"action": "deny"}]}`,
		`{"id": "P", "outbound_rules": [{"action": "next-tier", "!icmp_type": 8, "!icmp_code": 0, "protocol": 1}]}`,
		`[]`,
		`{"id": "P"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := &Profile{Name: "P", Tags: []string{"t"}, Inbound: []Rule{{Action: "deny"}}, Outbound: []Rule{{Action: "allow"}}}
		before := *p
		before.Inbound = append([]Rule(nil), p.Inbound...)
		before.Outbound = append([]Rule(nil), p.Outbound...)
		if err := p.UpdateRules(data); err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			if !reflect.DeepEqual(*p, before) {
				t.Fatalf("a refused update changed the profile: %+v, was %+v", *p, before)
			}
			return
		}
		written, err := p.RulesJSON()
		if err != nil {
			t.Fatal(err)
		}
		q := &Profile{Name: "P"}
		if err := q.UpdateRules(written); err != nil {
			t.Fatalf("rule json output does not read back: %v\n%s", err, written)
		}
		if q.Show() != p.Show() {
			t.Fatalf("rule json round trip changed the rules:\n%s\n%s", p.Show(), q.Show())
		}
		var doc map[string]any
		if err := json.Unmarshal(written, &doc); err != nil {
			t.Fatal(err)
		}
		if _, issues := TranslateProfileRules(doc); len(issues) > 0 {
			t.Fatalf("accepted rules do not translate: %v\n%s", issues, written)
		}
	})
}
