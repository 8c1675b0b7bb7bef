package legacy

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/policy/internal/resource"
)

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		"allow", "deny from tag WEB", "allow tcp from tag applications to ports 3306",
		"allow tcp to ports 80,443", "allow icmp type 8", "deny icmp type 3 code 1 from 10.0.0.0/8 to tag x fd00::1",
		"allow udp from ports 1024:65535 tag a 10.0.0.1 to ports 53 tag b 10.0.0.2", "allow from tag to to tag from",
		"allow from", "allow icmp from ports 80", "allow icmp code 3", "allow tcp junk", "allow tcp to ports 90:80",
		"allow tcp to ports 80,", "allow from tag a/b", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := ParseRule(text)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("ParseRule(%q) error %v is not a *SyntaxError", text, err)
			}
			if se.Offset < 0 || se.Offset > len(text) {
				t.Fatalf("ParseRule(%q): offset %d outside the text", text, se.Offset)
			}
			return
		}
		shown := r.String()
		again, err := ParseRule(shown)
		if err != nil {
			t.Fatalf("ParseRule(%q) = %q, which does not parse: %v", text, shown, err)
		}
		if !again.Equal(r) || again.String() != shown {
			t.Fatalf("round trip of %q: %q became %q", text, shown, again.String())
		}
		var is issueList
		r.check(jsonPath(""), &is)
		if is.count() > 0 {
			t.Fatalf("ParseRule(%q) accepted a rule with issues: %v", text, is.list)
		}
		_ = r.v3()
	})
}

func FuzzTranslateProfileRules(f *testing.F) {
	if data, err := os.ReadFile("testdata/seed003-APP-rules.json"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		`{"id": "P", "inbound_rules": [{"!src_tag": "a", "!dst_ports": [1, "2:3"], "protocol": "tcp"}]}`,
		`{"id": "P", "outbound_rules": [{"action": "next-tier", "!icmp_type": 8, "!icmp_code": 0, "protocol": 1}]}`,
		`{"id": "P", "inbound_rules": [{"src_selector": "a == 'b'", "src_tag": "t", "src_nets": ["::/0"], "ip_version": 6}]}`,
		`{"id": 1, "inbound_rules": {}, "x": null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc map[string]any
		if json.Unmarshal(data, &doc) != nil {
			return
		}
		_ = IsProfileRules(doc)
		out, issues := TranslateProfileRules(doc)
		if (out == nil) == (len(issues) == 0) {
			t.Fatalf("TranslateProfileRules gave %v with issues %v", out, issues)
		}
		if out == nil {
			return
		}
		// What translates also updates a profile, and reads back unchanged
		// through rule json.
		id := doc["id"].(string)
		p := &Profile{Name: id}
		// encoding/json keeps the last of two equal keys, so the map above
		// may have taken text that UpdateRules, reading the raw bytes, must
		// refuse as Calico's loader would.
		if resource.CheckDuplicateKeys(data) != nil {
			if p.UpdateRules(data) == nil {
				t.Fatalf("UpdateRules took rules json with a duplicate key: %q", data)
			}
			return
		}
		if err := p.UpdateRules(data); err != nil {
			t.Fatalf("UpdateRules refused what TranslateProfileRules took: %v", err)
		}
		written, err := p.RulesJSON()
		if err != nil {
			t.Fatal(err)
		}
		q := &Profile{Name: id}
		if err := q.UpdateRules(written); err != nil {
			t.Fatalf("rule json output does not read back: %v\n%s", err, written)
		}
		if q.Show() != p.Show() {
			t.Fatalf("rule json round trip changed the rules:\n%s\n%s", p.Show(), q.Show())
		}
	})
}

func FuzzTranslateV1(f *testing.F) {
	if data, err := os.ReadFile("testdata/seed001-policies.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"apiVersion: v1\nkind: profile\nmetadata: {name: p, tags: [a], labels: {a: b}}\nspec: {ingress: [{action: allow, source: {tag: a}}]}\n",
		"apiVersion: v1\nkind: workloadEndpoint\nmetadata: {name: e, workload: w}\nspec: {ipNetworks: [10.0.0.1/32], ports: [{name: h, port: 1}]}\n",
		"apiVersion: v1\nkind: hostEndpointList\nitems: [{metadata: {name: h}, spec: {expectedIPs: [10.0.0.1]}}]\n",
		"apiVersion: v1\nkind: policy\nmetadata: {name: p}\nspec: {types: [egress], egress: [{notICMP: {type: 1}, destination: {notNet: 10.0.0.0/8}}]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if yaml.Unmarshal(data, &v) != nil {
			return
		}
		docs := []any{v}
		if l, ok := v.([]any); ok {
			docs = l
		}
		for _, d := range docs {
			m, ok := d.(map[string]any)
			if !ok {
				continue
			}
			out, issues := TranslateV1(m)
			for _, doc := range out {
				if doc["apiVersion"] != apiVersionV3 {
					t.Fatalf("translated document without the v3 apiVersion: %v", doc)
				}
			}
			if len(issues) == 0 && len(out) == 0 && m["kind"] != nil && v1ListKinds[m["kind"].(string)] == "" {
				t.Fatalf("a resource without issues gave no document: %v", m)
			}
		}
	})
}

func FuzzTranslateDocker(f *testing.F) {
	// Seeds are small, holding only the fields TranslateDocker reads: the
	// fuzzer minimises every input that finds new coverage, and the whole
	// 12 KB inspect files made it spend its time minimising (5 executions
	// in 45 s).
	for _, seed := range []string{
		`[{"Id":"c1","Name":"/web","Config":{"Labels":{"org.projectcalico.label.app":"web","other":"x"}},"NetworkSettings":{"Networks":{"calico":{"NetworkID":"n1","IPAddress":"10.0.0.5","GlobalIPv6Address":"fd00::5"}}}}]`,
		`[{"Name":"calico","Id":"n1","Driver":"calico","Scope":"local","IPAM":{"Driver":"calico-ipam"},"Labels":{"a":"b"},"Containers":{"c1":{"Name":"web","IPv4Address":"10.0.0.5/32","IPv6Address":"fd00::5/128"}}}]`,
		`[{"Id":"c1","Name":"/web","NetworkSettings":{"Networks":{"calico":{"NetworkID":"n1","IPAddress":"10.0.0.5"}}}},{"Name":"calico","Id":"n1","Driver":"calico","Containers":{"c1":{"Name":"web","IPv4Address":"10.0.0.5/32"}}}]`,
		`[{"Id":"c2","Name":"/db","Config":{"Labels":{"org.projectcalico.label.role":"db"}},"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.2"}}}}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Add([]byte(`[{"Id": "a", "Name": "/x", "NetworkSettings": {"Networks": {"n": {"IPAddress": "10.0.0.1"}}}},
		{"Name": "n", "Driver": "calico", "Containers": {"b": {"Name": "y", "IPv4Address": "10.0.0.2/24"}}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var docs []map[string]any
		if json.Unmarshal(data, &docs) != nil {
			return
		}
		var containers, networks []map[string]any
		for _, d := range docs {
			switch {
			case IsDockerContainer(d):
				containers = append(containers, d)
			case IsDockerNetwork(d):
				networks = append(networks, d)
			}
		}
		// Both modes, chosen by the input so the fuzzer explores each.
		mode := DockerProfiles
		if len(data)%2 == 1 {
			mode = DockerLabels
		}
		out, issues := TranslateDocker(containers, networks, mode)
		for _, doc := range out {
			if doc.Doc["apiVersion"] != apiVersionV3 {
				t.Fatalf("translated document without the v3 apiVersion: %v", doc.Doc)
			}
			checkDockerInput(t, doc.From, containers, networks)
		}
		for _, is := range issues {
			checkDockerInput(t, is.From, containers, networks)
		}
	})
}

// checkDockerInput fails unless from names one of the inputs.
func checkDockerInput(t *testing.T, from DockerInput, containers, networks []map[string]any) {
	t.Helper()
	n := len(containers)
	if from.Network {
		n = len(networks)
	}
	if from.Index < 0 || from.Index >= n {
		t.Fatalf("%v names no input: %d containers, %d networks", from, len(containers), len(networks))
	}
}
