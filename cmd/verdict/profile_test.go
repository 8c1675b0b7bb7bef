package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var seed002 = []string{"-f", dockerDir + "seed002-networks.json", "-f", dockerDir + "seed002-containers.json"}

func profileArgs(args ...string) []string {
	return append(append([]string{"profile"}, args...), seed002...)
}

// Seed 002 on the command line: show the network's profile as calicoctl
// numbered it, add the rule, load the edit beside the network, remove it
// again.
func TestProfileRuleCommands(t *testing.T) {
	code, out, errs := runCmd(t, "", profileArgs("databases", "rule", "show")...)
	want := "Inbound rules:\n   1 allow from tag databases\nOutbound rules:\n   1 allow\n"
	if code != exitYes || out != want {
		t.Fatalf("show: exit %d:\n%s\nwant:\n%s%s", code, out, want, errs)
	}

	code, edited, errs := runCmd(t, "", profileArgs("databases", "rule", "add", "inbound", "allow", "tcp", "from", "tag", "applications", "to", "ports", "3306")...)
	if code != exitYes || !strings.Contains(edited, "kind: Profile") {
		t.Fatalf("add: exit %d:\n%s%s", code, edited, errs)
	}
	path := filepath.Join(t.TempDir(), "databases.yaml")
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCmd(t, "", append(profileArgs("databases", "rule", "show"), "-f", path)...)
	want = "Inbound rules:\n   1 allow from tag databases\n   2 allow tcp from tag applications to ports 3306\nOutbound rules:\n   1 allow\n"
	if code != exitYes || out != want {
		t.Errorf("show after the edit: exit %d:\n%s\nwant:\n%s%s", code, out, want, errs)
	}
	code, out, errs = runCmd(t, "", append(append([]string{"eval"}, seed002...), "-f", path, "--src", "app-1", "--dst", "mysql-1", "--dport", "3306")...)
	if code != exitYes {
		t.Errorf("eval with the edit: exit %d, want 0:\n%s%s", code, out, errs)
	}

	// --at inserts at a 1-based position; remove by position or text.
	code, out, errs = runCmd(t, "", append(profileArgs("databases", "rule", "add", "inbound", "--at", "1", "deny", "icmp"), "-f", path)...)
	if code != exitYes || strings.Index(out, "protocol: ICMP") > strings.Index(out, "has(databases)") {
		t.Errorf("add --at 1: exit %d, the rule is not first:\n%s%s", code, out, errs)
	}
	for _, args := range [][]string{
		{"databases", "rule", "remove", "inbound", "--at", "2"},
		{"databases", "rule", "remove", "inbound", "allow", "tcp", "from", "tag", "applications", "to", "ports", "3306"},
	} {
		code, out, errs = runCmd(t, "", append(profileArgs(args...), "-f", path)...)
		if code != exitYes || strings.Contains(out, "applications") || !strings.Contains(out, "has(databases)") {
			t.Errorf("%v: exit %d:\n%s%s", args, code, out, errs)
		}
	}

	// In place: the file that defines the profile is rewritten.
	code, _, errs = runCmd(t, "", append(profileArgs("databases", "rule", "remove", "inbound", "--at", "2", "--in-place"), "-f", path)...)
	data, _ := os.ReadFile(path)
	if code != exitYes || strings.Contains(string(data), "applications") || !strings.Contains(string(data), "has(databases)") {
		t.Errorf("--in-place: exit %d, file:\n%s%s", code, data, errs)
	}
}

func TestProfileRuleErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{profileArgs("databses", "rule", "show"), `no profile "databses" in the files; did you mean databases?`},
		{profileArgs("databases", "tag", "show"), "only the rule commands exist"},
		{profileArgs("databases", "rule", "list"), "the rule commands are show, add and remove"},
		{profileArgs("databases", "rule", "add", "allow", "tcp"), "needs inbound or outbound first"},
		{profileArgs("databases", "rule", "add", "inbound", "allow", "tcp", "from"), `rule "allow tcp from"`},
		{profileArgs("databases", "rule", "remove", "inbound", "--at", "5"), "positions run from 1 to 1"},
		{profileArgs("databases", "rule", "remove", "outbound", "deny", "udp"), `has no outbound rule "deny udp"`},
		{profileArgs("databases", "rule", "add", "inbound", "--in-place", "deny", "udp"), "which is not a Profile document of its own"},
		{[]string{"profile", "databases", "rule", "show"}, "no policy files"},
	}
	for _, tt := range tests {
		code, out, errs := runCmd(t, "", tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, want 2 with %q:\n%s%s", tt.args, code, tt.want, out, errs)
		}
	}
}

// rule show -o json|yaml gives the numbered rules as data; add and remove
// write the edited Profile as YAML or, with -o json, JSON.
func TestProfileStructuredOutput(t *testing.T) {
	type report struct {
		Profile           string
		Inbound, Outbound []struct {
			Number int
			Rule   string
		}
	}
	for _, format := range []string{"json", "yaml"} {
		code, out, errs := runCmd(t, "", profileArgs("databases", "rule", "show", "-o", format)...)
		var r report
		var err error
		if format == "json" {
			err = json.Unmarshal([]byte(out), &r)
		} else {
			err = yaml.Unmarshal([]byte(out), &r)
		}
		if code != exitYes || err != nil || r.Profile != "databases" || len(r.Inbound) != 1 || r.Inbound[0].Number != 1 ||
			r.Inbound[0].Rule != "allow from tag databases" || len(r.Outbound) != 1 || r.Outbound[0].Rule != "allow" {
			t.Errorf("show -o %s: exit %d, %v, %+v:\n%s%s", format, code, err, r, out, errs)
		}
	}
	code, out, errs := runCmd(t, "", profileArgs("databases", "rule", "add", "outbound", "deny", "icmp", "-o", "json")...)
	var profile struct {
		Kind     string
		Metadata struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &profile); code != exitYes || err != nil || profile.Kind != "Profile" || profile.Metadata.Name != "databases" {
		t.Errorf("add -o json: exit %d, %v:\n%s%s", code, err, out, errs)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"databases", "rule", "show", "-o", "csv"}, "-o must be table, json or yaml"},
		{[]string{"databases", "rule", "add", "inbound", "allow", "-o", "table"}, "-o must be yaml or json"},
		{[]string{"databases", "rule", "add", "inbound", "allow", "-o", "json", "--in-place"}, "--in-place writes"},
	} {
		if code, _, errs := runCmd(t, "", profileArgs(tt.args...)...); code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, want 2 and %q: %s", tt.args, code, tt.want, errs)
		}
	}
}
