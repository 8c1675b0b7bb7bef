package main

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/model"
)

// The fixtures: cluster.yaml holds namespaces prod and dev, pods prod/web
// (10.0.1.5), prod/db (10.0.2.7, fd00::2:7, named port mysql 3306) and
// dev/tool (10.0.3.3), the host endpoint bastion (10.0.9.1) and the
// global network set jump-hosts (10.0.8.0/24, role bastion).
// policies.yaml holds the security tier's no-ssh policy (Log and Deny TCP
// 22, else Pass), prod/db-ingress (web to mysql, ICMP echo requests, GET
// /status from the bastion) and the staged prod/db-lockdown (deny from
// web).
var evalFiles = []string{"-f", "testdata/eval/cluster.yaml", "-f", "testdata/eval/policies.yaml"}

func evalArgs(args ...string) []string {
	return append(append([]string{"eval"}, evalFiles...), args...)
}

func TestEvalCommand(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout []string // substrings of standard output, in order
		stderr []string
	}{
		{
			name: "allowed by a named port, denied when pending",
			args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "TCP", "--dport", "3306", "--sport", "40000"),
			code: exitYes,
			stdout: []string{
				"flow     10.0.1.5:40000 -> 10.0.2.7:3306 TCP",
				"verdict  ALLOWED",
				"pending  DENIED at ingress (staged policies enforced)",
				"egress at WorkloadEndpoint prod/web (10.0.1.5): allow",
				"decided by  Profile kns.prod (the namespace profile of prod) rule #1 (index 0) (profiles, after every tier): allow",
				"ingress at WorkloadEndpoint prod/db (10.0.2.7): allow",
				"decided by  NetworkPolicy prod/db-ingress rule #1 (index 0) in tier default: allow",
				"1  security  GlobalNetworkPolicy  no-ssh",
				"2  default   NetworkPolicy        prod/db-ingress  1       allow",
				"pending     deny, decided by StagedNetworkPolicy prod/db-lockdown rule #1 (index 0) in tier default: deny",
			},
		},
		{
			name:   "--staged: the pending verdict decides the exit status",
			args:   evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "3306", "--staged"),
			code:   exitNo,
			stdout: []string{"verdict  ALLOWED", "pending  DENIED at ingress"},
		},
		{
			name:   "the named port is the destination's own",
			args:   evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "6", "--dport", "3307"),
			code:   exitNo,
			stdout: []string{"verdict  DENIED at ingress", "NetworkPolicy prod/db-ingress in tier default: no rule matched, tier default's default action: deny", "prod/db-ingress  tier default  deny"},
		},
		{
			name: "an outside source is not enforced; Log rules are listed",
			args: evalArgs("--src", "192.0.2.1", "--dst", "10.0.2.7", "--proto", "tcp", "--dport", "22"),
			code: exitNo,
			stdout: []string{
				"verdict  DENIED at ingress",
				"egress at 192.0.2.1: not enforced (no workload endpoint owns the address)",
				"decided by  GlobalNetworkPolicy no-ssh rule #2 (index 1) in tier security: deny",
				"logged by GlobalNetworkPolicy no-ssh rule #1 (index 0) in tier security",
			},
		},
		{
			name:   "ICMP type is enforced",
			args:   evalArgs("--src", "dev/tool", "--dst", "prod/db", "--proto", "icmp", "--icmp-type", "8", "--icmp-code", "0"),
			code:   exitYes,
			stdout: []string{"flow     10.0.3.3 -> 10.0.2.7 ICMP type 8 code 0", "verdict  ALLOWED", "NetworkPolicy prod/db-ingress rule #2 (index 1)"},
		},
		{
			name:   "another ICMP type is denied",
			args:   evalArgs("--src", "dev/tool", "--dst", "prod/db", "--proto", "ICMP", "--icmp-type", "0"),
			code:   exitNo,
			stdout: []string{"verdict  DENIED at ingress"},
		},
		{
			name:   "a network set's address, with an HTTP request",
			args:   evalArgs("--src", "10.0.8.5", "--dst", "prod/db", "--dport", "80", "--http-method", "GET", "--http-path", "/status/disk"),
			code:   exitYes,
			stdout: []string{"10.0.8.5:0 -> 10.0.2.7:80 TCP HTTP GET /status/disk", "egress at 10.0.8.5: not enforced", "NetworkPolicy prod/db-ingress rule #3 (index 2)"},
		},
		{
			name:   "a host endpoint by its bare name cannot be judged (SPEC 8)",
			args:   evalArgs("--src", "bastion", "--dst", "prod/db", "--dport", "80"),
			code:   exitUsage,
			stderr: []string{"--src bastion is HostEndpoint bastion", "cannot judge yet", "its egress here", "SPEC 8"},
		},
		{
			name:   "a host endpoint's address as the destination cannot be judged",
			args:   evalArgs("--src", "prod/web", "--dst", "10.0.9.1", "--dport", "22"),
			code:   exitUsage,
			stderr: []string{"--dst 10.0.9.1 is HostEndpoint bastion", "its ingress here"},
		},
		{
			name:   "HTTP prefixes match at a segment boundary",
			args:   evalArgs("--src", "10.0.8.5", "--dst", "prod/db", "--dport", "80", "--http-method", "GET", "--http-path", "/statusx"),
			code:   exitNo,
			stdout: []string{"verdict  DENIED at ingress"},
		},
		{
			name:   "IPv6: the endpoint's address of the source's family",
			args:   evalArgs("--src", "fd00::99", "--dst", "prod/db", "--dport", "22"),
			code:   exitNo,
			stdout: []string{"[fd00::99]:0 -> [fd00::2:7]:22 TCP", "GlobalNetworkPolicy no-ssh rule #2 (index 1)"},
		},
		{
			name:   "both sides enforced",
			args:   evalArgs("--src", "dev/tool", "--dst", "prod/web", "--proto", "udp", "--dport", "53"),
			code:   exitYes,
			stdout: []string{"egress at WorkloadEndpoint dev/tool (10.0.3.3): allow", "ingress at WorkloadEndpoint prod/web (10.0.1.5): allow"},
		},
		{
			name:   "warnings go to standard error and evaluation goes on",
			args:   []string{"eval", "-f", "testdata/eval/cluster.yaml", "-f", "testdata/eval/lowercase.yaml", "--src", "dev/tool", "--dst", "8.8.8.8", "--proto", "udp", "--dport", "53"},
			code:   exitNo,
			stdout: []string{"verdict  DENIED at egress", "GlobalNetworkPolicy tool-out rule #1 (index 0) in tier default: deny"},
			stderr: []string{`lowercase.yaml:12:15: document 1: GlobalNetworkPolicy tool-out: spec.egress[0].action: warning: action "deny"`},
		},
		{
			name:   "policies from standard input",
			args:   []string{"eval", "-f", "testdata/eval/cluster.yaml", "-f", "-", "--src", "dev/tool", "--dst", "8.8.8.8", "--proto", "udp", "--dport", "53"},
			stdin:  mustReadFile(t, "testdata/eval/lowercase.yaml"),
			code:   exitNo,
			stdout: []string{"verdict  DENIED at egress"},
		},
		{
			name:   "problems in the files",
			args:   []string{"eval", "-f", "testdata/eval/cluster.yaml", "-f", "testdata/eval/broken.yaml", "--src", "prod/web", "--dst", "prod/db", "--dport", "80"},
			code:   exitUsage,
			stderr: []string{`broken.yaml:7:9: document 1: GlobalNetworkPolicy orphan: spec.tier:`, "nothing was evaluated"},
		},
		{name: "unreadable file", args: []string{"eval", "-f", "testdata/eval/nosuch.yaml", "--src", "10.0.0.1", "--dst", "10.0.0.2", "--dport", "80"}, code: exitUsage, stderr: []string{"nosuch.yaml"}},
		{name: "no files", args: []string{"eval", "--src", "10.0.0.1", "--dst", "10.0.0.2"}, code: exitUsage, stderr: []string{"-f FILE"}},
		{name: "no destination", args: evalArgs("--src", "10.0.0.1"), code: exitUsage, stderr: []string{"--src and --dst are both required"}},
		{name: "unknown protocol", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "tpc"), code: exitUsage, stderr: []string{"--proto", `"tpc"`}},
		{name: "protocol 0", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "0"), code: exitUsage, stderr: []string{"out of range 1 to 255"}},
		{name: "port out of range", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "70000"), code: exitUsage, stderr: []string{"--dport", "port must be 1-65535"}},
		{name: "port 0", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "0"), code: exitUsage, stderr: []string{"--dport", "port must be 1-65535"}},
		{name: "source port out of range", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "80", "--sport", "65536"), code: exitUsage, stderr: []string{"--sport", "port must be 1-65535"}},
		{name: "TCP without --dport", args: evalArgs("--src", "prod/web", "--dst", "prod/db"), code: exitUsage, stderr: []string{"--dport is required with --proto TCP"}},
		{name: "UDP without --dport", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "udp"), code: exitUsage, stderr: []string{"--dport is required with --proto UDP"}},
		{name: "SCTP without --dport", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "sctp", "--sport", "5"), code: exitUsage, stderr: []string{"--dport is required with --proto SCTP"}},
		{name: "UDPLite without --dport", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "136"), code: exitUsage, stderr: []string{"--dport is required with --proto UDPLite"}},
		{name: "--dport with ICMP", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "icmp", "--dport", "80"), code: exitUsage, stderr: []string{"--dport is not allowed with --proto ICMP"}},
		{name: "--sport with ICMPv6", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "icmpv6", "--sport", "80"), code: exitUsage, stderr: []string{"--sport is not allowed with --proto ICMPv6"}},
		{name: "explain shares the port checks", args: []string{"explain", "-f", "testdata/eval/cluster.yaml", "--src", "prod/web", "--dst", "prod/db", "--proto", "udp"}, code: exitUsage, stderr: []string{"--dport is required with --proto UDP"}},
		{name: "unknown endpoint", args: evalArgs("--src", "prod/nosuch", "--dst", "prod/db", "--dport", "80"), code: exitUsage, stderr: []string{"--src", "no endpoint prod/nosuch"}},
		{name: "bare name of a pod", args: evalArgs("--src", "prod/web", "--dst", "db", "--dport", "80"), code: exitUsage, stderr: []string{"--dst", "namespace/name"}},
		{name: "ICMP type with TCP", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "80", "--icmp-type", "8"), code: exitUsage, stderr: []string{"--icmp-type needs"}},
		{name: "ICMP code alone", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "icmp", "--icmp-code", "1"), code: exitUsage, stderr: []string{"--icmp-code needs --icmp-type"}},
		{name: "HTTP with UDP", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--proto", "udp", "--dport", "53", "--http-path", "/"), code: exitUsage, stderr: []string{"need --proto tcp"}},
		{name: "families differ", args: evalArgs("--src", "prod/web", "--dst", "fd00::1", "--dport", "80"), code: exitUsage, stderr: []string{"same IP family"}},
		{name: "bad output format", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "-o", "xml"), code: exitUsage, stderr: []string{"-o must be table, json or yaml"}},
		{name: "an argument is a policy file", args: evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "80", "extra"), code: exitUsage, stderr: []string{"extra: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			assertInOrder(t, "stdout", stdout.String(), tt.stdout)
			assertInOrder(t, "stderr", stderr.String(), tt.stderr)
		})
	}
}

func mustReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEvalStructuredOutput checks that JSON and YAML give the same exact
// account: verdicts, endpoints, deciding hits and traces.
func TestEvalStructuredOutput(t *testing.T) {
	for _, format := range []string{"json", "yaml"} {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "3306", "-o", format), strings.NewReader(""), &stdout, &stderr)
			if code != exitYes {
				t.Fatalf("exit status %d, stderr:\n%s", code, stderr.String())
			}
			var got evalReport
			var err error
			if format == "json" {
				err = json.Unmarshal(stdout.Bytes(), &got)
			} else {
				err = yaml.UnmarshalStrict(stdout.Bytes(), &got)
			}
			if err != nil {
				t.Fatalf("%v in:\n%s", err, stdout.String())
			}
			if !got.Allowed || got.PendingAllowed {
				t.Errorf("allowed %v, pending %v; want true, false", got.Allowed, got.PendingAllowed)
			}
			if got.Flow.Src.String() != "10.0.1.5" || got.Flow.Dst.String() != "10.0.2.7" || got.Flow.Protocol != 6 || got.Flow.DstPort != 3306 {
				t.Errorf("flow %+v", got.Flow)
			}
			in := got.Ingress
			if !in.Enforced || in.Endpoint == nil || *in.Endpoint != (model.Key{Kind: "WorkloadEndpoint", Namespace: "prod", Name: "db"}) {
				t.Errorf("ingress endpoint %+v", in.Endpoint)
			}
			if in.Decision == nil || !in.Decision.Allowed || in.Decision.Hit.Name != "db-ingress" || in.Decision.Hit.Index != 0 {
				t.Errorf("ingress decision %+v", in.Decision)
			}
			if in.Pending == nil || in.Pending.Allowed || in.Pending.Hit.Name != "db-lockdown" {
				t.Errorf("ingress pending %+v", in.Pending)
			}
			if len(in.Trace) != 2 || in.Trace[0].Action != "pass" || len(in.PendingTrace) != 2 || in.PendingTrace[1].Kind != "StagedNetworkPolicy" {
				t.Errorf("ingress traces %+v / %+v", in.Trace, in.PendingTrace)
			}
			if eg := got.Egress; !eg.Enforced || eg.Decision.Hit.Kind != "Profile" || eg.Decision.Hit.Tier != "__PROFILE__" {
				t.Errorf("egress %+v", eg)
			}
		})
	}
}

// TestEvalJSONFieldNames checks the names of eval's JSON: camelCase, the
// library's own tags, at every level, and no deciding hit when the end of
// the profiles decided.
func TestEvalJSONFieldNames(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "3306", "--proto", "tcp", "-o", "json"), strings.NewReader(""), &stdout, &stderr)
	if code != exitYes {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr.String())
	}
	var raw map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	keys := func(v any) []string {
		m, _ := v.(map[string]any)
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	side := raw["ingress"].(map[string]any)
	decision := side["decision"].(map[string]any)
	tests := []struct {
		what string
		got  []string
		want []string
	}{
		{"top level", keys(raw), []string{"allowed", "egress", "flow", "ingress", "pendingAllowed"}},
		{"flow", keys(raw["flow"]), []string{"dst", "dstPort", "protocol", "src", "srcPort"}},
		{"side", keys(side), []string{"address", "decision", "direction", "endpoint", "enforced", "pending", "pendingTrace", "trace"}},
		{"endpoint", keys(side["endpoint"]), []string{"kind", "name", "namespace"}},
		{"decision", keys(decision), []string{"allowed", "hit"}},
		{"hit", keys(decision["hit"]), []string{"action", "index", "kind", "name", "namespace", "tier"}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s: fields %v, want %v", tt.what, tt.got, tt.want)
		}
	}
}

// TestEvalNotEnforcedSideInJSON checks the JSON of a side nothing owns:
// no endpoint, no decision, empty traces.
func TestEvalNotEnforcedSideInJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(evalArgs("--src", "192.0.2.1", "--dst", "prod/db", "--dport", "3306", "-o", "json"), strings.NewReader(""), &stdout, &stderr)
	if code != exitNo {
		t.Fatalf("exit status %d, stderr:\n%s", code, stderr.String())
	}
	var raw struct {
		Egress map[string]any `json:"egress"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	eg := raw.Egress
	if eg["enforced"] != false || eg["endpoint"] != nil || eg["decision"] != nil {
		t.Errorf("egress %v", eg)
	}
	if tr, ok := eg["trace"].([]any); !ok || len(tr) != 0 {
		t.Errorf("egress trace %v, want []", eg["trace"])
	}
}

// TestEvalEnginesAgree checks that --engine compiled (the default) and
// --engine reference print the same account of the same flows.
func TestEvalEnginesAgree(t *testing.T) {
	flows := [][]string{
		{"--src", "prod/web", "--dst", "prod/db", "--dport", "3306"},
		{"--src", "prod/web", "--dst", "prod/db", "--dport", "3307"},
		{"--src", "prod/web", "--dst", "prod/db", "--dport", "3306", "--staged"},
	}
	for _, flow := range flows {
		t.Run(strings.Join(flow, " "), func(t *testing.T) {
			var outputs [2]string
			var codes [2]int
			for i, engine := range []string{"compiled", "reference"} {
				var stdout, stderr bytes.Buffer
				codes[i] = run(evalArgs(append(flow, "--engine", engine, "-o", "json")...), strings.NewReader(""), &stdout, &stderr)
				outputs[i] = stdout.String()
			}
			if codes[0] != codes[1] || outputs[0] != outputs[1] {
				t.Errorf("engines differ:\ncompiled (exit %d):\n%s\nreference (exit %d):\n%s", codes[0], outputs[0], codes[1], outputs[1])
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run(evalArgs("--src", "prod/web", "--dst", "prod/db", "--engine", "fast"), strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("an unknown engine gave exit status %d, want %d", code, exitUsage)
	}
}

// -f takes a directory: every *.yaml, *.yml and *.json file in it.
func TestEvalDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"cluster.yaml", "policies.yaml"} {
		b, err := os.ReadFile("testdata/eval/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir+"/"+name, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "--src", "prod/web", "--dst", "prod/db", "--dport", "3306", "-f", dir}, strings.NewReader(""), &stdout, &stderr)
	if code != exitYes || !strings.Contains(stdout.String(), "NetworkPolicy prod/db-ingress rule #1 (index 0)") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}

// The table explains Calico's identifiers; JSON keeps them.
func TestEvalReadableTableCalicoJSON(t *testing.T) {
	code, out, _ := runCmd(t, "", evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "3307")...)
	for _, want := range []string{
		"(no source port given: judged as port 0; --sport sets one)\n",
		"\npeers    prod/web -> prod/db\n",
		"Profile kns.prod (the namespace profile of prod) rule #1 (index 0) (profiles, after every tier): allow",
		"NetworkPolicy prod/db-ingress in tier default: no rule matched, tier default's default action: deny",
		"1  (profiles)  Profile  kns.prod  1       allow",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exit %d: table lacks %q:\n%s", code, want, out)
		}
	}
	_, out, _ = runCmd(t, "", evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "3307", "-o", "json")...)
	for _, want := range []string{`"tier": "__PROFILE__"`, `"name": "kns.prod"`, `"index": 0`, `"index": -1`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "namespace profile of") || strings.Contains(out, "peers") {
		t.Errorf("JSON holds the table's words:\n%s", out)
	}
}
