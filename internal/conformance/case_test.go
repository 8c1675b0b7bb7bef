package conformance

import (
	"strings"
	"testing"
)

// minimal is the smallest case the schema allows, on one line.
const minimal = `{"id":"v1-0001","tiers":[],"policies":[],"profiles":[],"namespaces":[{"name":"ns1","labels":{}}],"service_accounts":[],` +
	`"src":{"ip":"10.0.1.1"},"dst":{"name":"dst","namespace":"ns1","labels":{},"ip":"10.0.2.1"},` +
	`"flow":{"direction":"ingress","protocol":6,"src_port":1,"dst_port":80},` +
	`"result":{"verdict":"allow","trace":[{"tier":"__PROFILE__","kind":"Profile","name":"kns.ns1","index":0,"action":"allow"}],"pending_verdict":"allow","pending_trace":[{"tier":"__PROFILE__","kind":"Profile","name":"kns.ns1","index":0,"action":"allow"}]}}`

func TestReadCases(t *testing.T) {
	cases, err := ReadCases(strings.NewReader("\n" + minimal + "\n\n" + strings.Replace(minimal, "v1-0001", "s2-0002", 1) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("read %d cases, want 2", len(cases))
	}
	if cases[0].ID != "v1-0001" || cases[0].Line != 2 || cases[1].ID != "s2-0002" || cases[1].Line != 4 {
		t.Errorf("ids and lines: %s@%d %s@%d", cases[0].ID, cases[0].Line, cases[1].ID, cases[1].Line)
	}
	if cases[0].Src.Name != "" || cases[0].Dst.Profiles != nil || cases[0].Result.Trace[0].Name != "kns.ns1" {
		t.Errorf("decoded %+v", cases[0])
	}
}

func TestReadCasesErrors(t *testing.T) {
	cases := []struct {
		name  string
		input string
		want  []string
	}{
		{"not JSON", "{", []string{"line 1"}},
		{"unknown field", strings.Replace(minimal, `"tiers":[]`, `"tiers":[],"extra":1`, 1), []string{"line 1", `case "v1-0001"`, "extra"}},
		{"unknown field in a hit", strings.Replace(minimal, `"index":0,`, `"index":0,"rule":3,`, 1), []string{`case "v1-0001"`, "rule"}},
		{"wrong type", strings.Replace(minimal, `"protocol":6`, `"protocol":"tcp"`, 1), []string{`case "v1-0001"`, "protocol"}},
		{"no id", strings.Replace(minimal, `"id":"v1-0001",`, ``, 1), []string{"line 1", "without an id"}},
		{"two values on a line", minimal + " {}", []string{`case "v1-0001"`, "more than one"}},
		{"duplicate id", minimal + "\n" + minimal, []string{"line 2", "already used on line 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCases(strings.NewReader(c.input))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReadFileNamesTheFile(t *testing.T) {
	if _, err := ReadFile("testdata/nosuch.jsonl"); err == nil || !strings.Contains(err.Error(), "nosuch.jsonl") {
		t.Errorf("error %v does not name the file", err)
	}
	cases, err := ReadFile("testdata/verdicts.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if c := cases[len(cases)-1]; c.File != "testdata/verdicts.jsonl" || c.Line != len(cases) {
		t.Errorf("last case located at %s:%d, want testdata/verdicts.jsonl:%d", c.File, c.Line, len(cases))
	}
}
