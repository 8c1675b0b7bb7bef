package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis"
)

// The seed 004 example: the voting application, its tiers, its staged
// default deny, the db policy and a day of Calico flow logs.
const exampleDir = "../../examples/tiers-staged/"

func example(names ...string) []string {
	var args []string
	for _, n := range names {
		args = append(args, "-f", exampleDir+n)
	}
	return args
}

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExplainCommand(t *testing.T) {
	base := append([]string{"explain"}, example("cluster.yaml", "tiers.yaml", "db-policy.yaml")...)
	code, out, errs := runCmd(t, "", append(base, "--src", "vote/vote-7d9c", "--dst", "vote/db-0", "--dport", "5432", "-o", "json")...)
	if code != exitNo {
		t.Fatalf("exit %d, want 1 (denied): %s", code, errs)
	}
	var report struct {
		Allowed bool `json:"allowed"`
		Account struct {
			Ingress struct {
				Walk struct {
					Tiers []struct {
						Name     string `json:"name"`
						Policies []struct {
							Name  string `json:"name"`
							Rules []struct {
								Failed *struct {
									Field string `json:"field"`
									Want  string `json:"want"`
									Got   string `json:"got"`
								} `json:"failed"`
							} `json:"rules"`
						} `json:"policies"`
					} `json:"tiers"`
				} `json:"walk"`
			} `json:"ingress"`
		} `json:"account"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatal(err)
	}
	tiers := report.Account.Ingress.Walk.Tiers
	if len(tiers) != 1 || tiers[0].Name != "platform" || tiers[0].Policies[0].Rules[0].Failed == nil || tiers[0].Policies[0].Rules[0].Failed.Field != "source.selector" {
		t.Fatalf("account %+v, want the db rule failing on source.selector", report.Account)
	}
	if got := tiers[0].Policies[0].Rules[0].Failed.Got; got != "10.0.1.10 (app=vote)" {
		t.Errorf("failed.got %q", got)
	}

	code, out, _ = runCmd(t, "", append(base, "--src", "vote/worker-6c4d", "--dst", "vote/db-0", "--dport", "5432")...)
	if code != exitYes || !strings.Contains(out, "ingress walk at WorkloadEndpoint vote/db-0:") || !strings.Contains(out, "rule 0 allow: matched") {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
	code, out, _ = runCmd(t, "", append(base, "--src", "vote/vote-7d9c", "--dst", "vote/db-0", "--dport", "5432")...)
	if code != exitNo || !strings.Contains(out, "rule 0 allow: source.selector app == 'worker' || app == 'result' does not match 10.0.1.10 (app=vote)") {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
	// --staged decides by the pending verdict: the staged default deny
	// cuts vote from redis.
	staged := append([]string{"explain"}, example("cluster.yaml", "tiers.yaml", "staged-default-deny.yaml")...)
	if code, _, _ := runCmd(t, "", append(staged, "--src", "vote/vote-7d9c", "--dst", "vote/redis-5f6b", "--dport", "6379")...); code != exitYes {
		t.Errorf("enforced: exit %d, want 0", code)
	}
	if code, out, _ := runCmd(t, "", append(staged, "--src", "vote/vote-7d9c", "--dst", "vote/redis-5f6b", "--dport", "6379", "--staged")...); code != exitNo || !strings.Contains(out, "egress pending walk") {
		t.Errorf("--staged: exit %d\n%s", code, out)
	}
	if code, _, errs := runCmd(t, "", append(base, "--src", "vote/nope", "--dst", "vote/db-0", "--dport", "5432")...); code != exitUsage || !strings.Contains(errs, "vote/nope") {
		t.Errorf("unknown endpoint: exit %d, %s", code, errs)
	}
}

func impactReport(t *testing.T, out string) analysis.ImpactReport {
	t.Helper()
	var r analysis.ImpactReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return r
}

func TestImpactCommand(t *testing.T) {
	flows := []string{"--flows", exampleDir + "flows.calico.jsonl"}
	args := func(extra ...string) []string {
		a := append([]string{"impact"}, example("cluster.yaml", "tiers.yaml", "staged-default-deny.yaml", "db-policy.yaml")...)
		return append(append(a, flows...), extra...)
	}
	code, out, errs := runCmd(t, "", args("-o", "json")...)
	if code != exitNo {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	r := impactReport(t, out)
	if r.Mode != "pending" || r.Summary.Records != 13 || r.Summary.Flows != 1275 || r.Summary.NewlyDenied != 1200 || r.Summary.Unresolved != 3 || len(r.Changes) != 9 {
		t.Errorf("pending impact: %+v, %d changes", r.Summary, len(r.Changes))
	}
	if errs != "" {
		t.Errorf("standard error is not a terminal, yet: %q", errs)
	}

	// As applied, the staged default deny is enforced: the same flows.
	if code, out, _ := runCmd(t, "", args("-o", "json", "--as-applied")...); code != exitNo || impactReport(t, out).Summary.NewlyDenied != 1200 {
		t.Errorf("--as-applied: exit %d\n%s", code, out)
	}
	// A candidate allowing everything from vote changes nothing enforced.
	dir := t.TempDir()
	cand := filepath.Join(dir, "cand.yaml")
	os.WriteFile(cand, []byte("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: deny-dns}\nspec:\n  selector: app == 'worker'\n  types: [Egress]\n  egress: [{action: Deny, protocol: UDP, destination: {ports: [53]}}, {action: Allow}]\n"), 0o644)
	code, out, _ = runCmd(t, "", args("-o", "json", "--candidate", cand)...)
	if r := impactReport(t, out); code != exitNo || r.Mode != "candidate" || r.Summary.NewlyDenied != 30 {
		t.Errorf("--candidate: exit %d %+v", code, r.Summary)
	}
	for _, format := range []string{"table", "yaml", "markdown"} {
		if code, out, _ := runCmd(t, "", args("-o", format)...); code != exitNo || !strings.Contains(out, "vote/app=worker") {
			t.Errorf("-o %s: exit %d\n%s", format, code, out)
		}
	}
	if code, out, _ := runCmd(t, "", args("-o", "markdown", "--max-groups", "2")...); code != exitNo || !strings.Contains(out, "| newly denied | other |") {
		t.Errorf("--max-groups 2:\n%s", out)
	}

	// A bad record is exit 2 naming the file and line.
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"src":"vote/vote-7d9c","dst":"vote/redis-5f6b","dport":6379}`+"\n"+`{"src":"vote/vote-7d9c","dport":6379}`+"\n"), 0o644)
	a := append([]string{"impact"}, example("cluster.yaml", "tiers.yaml")...)
	if code, _, errs := runCmd(t, "", append(a, "--flows", bad)...); code != exitUsage || !strings.Contains(errs, "bad.jsonl:2: dst is missing") {
		t.Errorf("bad record: exit %d, %q", code, errs)
	}
	// Standard input, and nothing changing: exit 0.
	if code, out, _ := runCmd(t, `{"src":"vote/vote-7d9c","dst":"vote/redis-5f6b","dport":6379}`, append(a, "--flows", "-")...); code != exitYes || !strings.Contains(out, "1 records, 1 flows: 0 newly denied") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{
		append(a, "--flows", bad, "-o", "csv"),
		append(a, "--flows", bad, "--as-applied", "--candidate", cand),
		a,
		append(a, "--flows", bad, "--flows-format", "netflow"),
		append(a, "--flows", filepath.Join(dir, "missing.jsonl")),
	} {
		if code, _, _ := runCmd(t, "", bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// TestNoProgressWithoutTerminal: a file is not a terminal, so nothing but
// results reaches standard error.
func TestNoProgressWithoutTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	args := append(append([]string{"impact"}, example("cluster.yaml", "tiers.yaml", "staged-default-deny.yaml")...), "--flows", exampleDir+"flows.calico.jsonl")
	var out bytes.Buffer
	run(args, strings.NewReader(""), &out, f)
	if b, _ := os.ReadFile(f.Name()); len(b) != 0 {
		t.Errorf("standard error got %q", b)
	}
}

func TestRecommendCommand(t *testing.T) {
	args := func(extra ...string) []string {
		a := append([]string{"recommend"}, example("cluster.yaml", "tiers.yaml", "db-policy.yaml")...)
		return append(append(a, "--flows", exampleDir+"flows.calico.jsonl", "--namespace", "vote"), extra...)
	}
	code, out, errs := runCmd(t, "", args("--selector", "app == 'redis'")...)
	if code != exitYes || !strings.Contains(out, "kind: StagedNetworkPolicy") || !strings.Contains(out, "name: redis") || strings.Contains(out, "name: worker") {
		t.Errorf("exit %d %s\n%s", code, errs, out)
	}
	code, out, _ = runCmd(t, "", args("--enforce", "--tier", "platform", "-o", "json")...)
	if code != exitYes || !strings.Contains(out, `"kind": "NetworkPolicy"`) || !strings.Contains(out, `"tier": "platform"`) || strings.Contains(out, "Staged") {
		t.Errorf("--enforce --tier platform: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, "", args("--exact", "--selector", "app == 'redis'")...)
	if code != exitYes || !strings.Contains(out, "10.0.1.11/32") {
		t.Errorf("--exact: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{
		args("--selector", "app == 'nginx'"),
		args("--tier", "security2"),
		args("--selector", "app =="),
		args("-o", "table"),
		{"recommend", "-f", exampleDir + "cluster.yaml", "--flows", exampleDir + "flows.calico.jsonl"},
		{"recommend", "-f", exampleDir + "cluster.yaml", "--namespace", "vote"},
		{"recommend", "-f", exampleDir + "cluster.yaml", "--namespace", "vote", "--flows", "-", "--flows", "-"},
	} {
		if code, _, _ := runCmd(t, "", bad...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	// A bad record is exit 2 naming the file and line, as in impact.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"src":"vote/vote-7d9c","dst":"vote/redis-5f6b","dport":6379}`+"\n"+`{"src":"vote/vote-7d9c","dport":6379}`+"\n"), 0o644)
	if code, _, errs := runCmd(t, "", "recommend", "-f", exampleDir+"cluster.yaml", "--namespace", "vote", "--flows", bad); code != exitUsage || !strings.Contains(errs, "bad.jsonl:2: dst is missing") {
		t.Errorf("bad record: exit %d, %q", code, errs)
	}
}

// -f takes directories wherever it is taken.
func TestFileFlagTakesDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"cluster.yaml", "tiers.yaml", "db-policy.yaml"} {
		b, err := os.ReadFile(exampleDir + n)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, n), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a resource"), 0o644)
	if code, _, errs := runCmd(t, "", "explain", "-f", dir, "--src", "vote/vote-7d9c", "--dst", "vote/db-0", "--dport", "5432"); code != exitNo {
		t.Errorf("explain -f DIR: exit %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "", "impact", "-f", dir, "--flows", exampleDir+"flows.calico.jsonl"); code != exitYes {
		t.Errorf("impact -f DIR: exit %d %s", code, errs)
	}
	if code, _, errs := runCmd(t, "", "recommend", "-f", dir, "--flows", exampleDir+"flows.calico.jsonl", "--namespace", "vote"); code != exitYes {
		t.Errorf("recommend -f DIR: exit %d %s", code, errs)
	}
}
