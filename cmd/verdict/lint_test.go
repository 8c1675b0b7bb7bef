package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis"
)

func lintFiles(names ...string) []string {
	var args []string
	for _, n := range names {
		args = append(args, "-f", "testdata/lint/"+n)
	}
	return args
}

func runLintJSON(t *testing.T, args ...string) ([]analysis.Finding, int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append(append([]string{"lint"}, args...), "-o", "json"), strings.NewReader(""), &stdout, &stderr)
	var out struct {
		Findings []analysis.Finding `json:"findings"`
	}
	if code != exitUsage {
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("lint %v: %v\n%s\n%s", args, err, stdout.String(), stderr.String())
		}
	}
	return out.Findings, code, stderr.String()
}

// Every lint code: an input that triggers it (with the file, document and
// field it names) and one that must not.
func TestLintCodes(t *testing.T) {
	before := func(names ...string) []string {
		var args []string
		for _, n := range names {
			args = append(args, "--before", "testdata/lint/"+n)
		}
		return args
	}
	type where struct {
		file string
		doc  int
		path string
	}
	tests := []struct {
		code    string
		args    []string
		want    []where // every finding of the code, in order; none when empty
		related string  // a substring of the first finding's related items
	}{
		{analysis.CodeSelectorMatchesNothing, lintFiles("pods.yaml", "services.yaml", "selectors.yaml"),
			[]where{{"selectors.yaml", 1, "spec.selector"}, {"selectors.yaml", 2, "spec.ingress[1].source.selector"}}, ""},
		{analysis.CodeSelectorMatchesNothing, lintFiles("pods.yaml", "services.yaml", "rules.yaml"), nil, ""},
		{analysis.CodeSelectorMatchesAll, lintFiles("pods.yaml", "services.yaml", "selectors.yaml"),
			[]where{{"selectors.yaml", 3, "spec.ingress[0].source.selector"}, {"selectors.yaml", 3, "spec.selector"}}, ""},
		{analysis.CodeSelectorMatchesAll, lintFiles("pods.yaml", "services.yaml", "rules.yaml"), nil, ""},
		{analysis.CodeNoEndpoints, lintFiles("unconditional.yaml"), []where{{"", 0, ""}}, ""},
		{analysis.CodeNoEndpoints, lintFiles("pods.yaml", "unconditional.yaml"), nil, ""},
		{analysis.CodeRuleShadowed, lintFiles("pods.yaml", "services.yaml", "shadowed.yaml"),
			[]where{{"shadowed.yaml", 4, "spec.ingress[1]"}, {"shadowed.yaml", 4, "spec.ingress[2]"}, {"shadowed.yaml", 4, "spec.ingress[4]"}},
			"NetworkPolicy prod/db spec.ingress[0] (tier default)"},
		{analysis.CodeRuleShadowed, lintFiles("pods.yaml", "services.yaml", "rules.yaml"), nil, ""},
		{analysis.CodeRuleShadowed, lintFiles("pods.yaml", "unconditional.yaml"), []where{{"unconditional.yaml", 1, "spec.ingress[1]"}}, "spec.ingress[0]"},
		{analysis.CodeRuleAfterUnconditional, lintFiles("unconditional.yaml"), []where{{"unconditional.yaml", 1, "spec.ingress[1]"}}, "GlobalNetworkPolicy deny-first spec.ingress[0]"},
		// With endpoints the rule is reported shadowed instead.
		{analysis.CodeRuleAfterUnconditional, lintFiles("pods.yaml", "unconditional.yaml"), nil, ""},
		{analysis.CodeNamedPortUnknown, lintFiles("pods.yaml", "services.yaml", "rules.yaml"), []where{{"rules.yaml", 1, "spec.egress[0].destination.ports[1]"}}, ""},
		{analysis.CodeNamedPortUnknown, lintFiles("pods.yaml", "services.yaml", "selectors.yaml"), nil, ""},
		{analysis.CodeTypesWithoutRules, lintFiles("pods.yaml", "services.yaml", "rules.yaml"), []where{{"rules.yaml", 2, "spec.types"}}, ""},
		{analysis.CodeTypesWithoutRules, lintFiles("pods.yaml", "services.yaml", "selectors.yaml"), nil, ""},
		{analysis.CodeLogOnly, lintFiles("pods.yaml", "services.yaml", "rules.yaml"), []where{{"rules.yaml", 3, "spec.ingress"}}, ""},
		{analysis.CodeLogOnly, lintFiles("pods.yaml", "services.yaml", "log-pass-tier.yaml"), nil, ""},
		{analysis.CodeDNSUnreachable, lintFiles("pods.yaml", "services.yaml", "egress-locked.yaml"),
			[]where{{"egress-locked.yaml", 1, "spec.egress"}}, "WorkloadEndpoint prod/web"},
		{analysis.CodeDNSUnreachable, lintFiles("pods.yaml", "services.yaml", "egress-open.yaml"), nil, ""},
		{analysis.CodeDNSUnreachable, append(lintFiles("pods.yaml", "services.yaml", "egress-locked.yaml"), "--dns-selector", "app == 'db'"), nil, ""},
		{analysis.CodeDNSCut, append(lintFiles("pods.yaml", "services.yaml", "egress-locked.yaml"), before("pods.yaml", "services.yaml")...),
			[]where{{"egress-locked.yaml", 1, "spec.egress"}}, "WorkloadEndpoint prod/web"},
		{analysis.CodeDNSCut, append(lintFiles("pods.yaml", "services.yaml", "egress-open.yaml"), before("pods.yaml", "services.yaml")...), nil, ""},
		{analysis.CodeAPIServerCut, append(lintFiles("pods.yaml", "services.yaml", "egress-locked.yaml"), before("pods.yaml", "services.yaml")...),
			[]where{{"egress-locked.yaml", 1, "spec.egress"}}, "WorkloadEndpoint prod/web"},
		{analysis.CodeAPIServerCut, append(lintFiles("pods.yaml", "services.yaml", "egress-open.yaml"), before("pods.yaml", "services.yaml")...), nil, ""},
		{analysis.CodeAPIServerCut, append(append(lintFiles("pods.yaml", "egress-open.yaml"), before("pods.yaml")...), "--apiserver", "10.0.0.1:6443"), nil, ""},
		{analysis.CodeAPIServerCut, append(append(lintFiles("pods.yaml", "egress-open.yaml"), before("pods.yaml")...), "--apiserver", "10.0.0.1:443"),
			[]where{{"egress-open.yaml", 1, "spec.egress"}}, ""},
		{analysis.CodeDNSTargetUnknown, lintFiles("pods.yaml", "egress-locked.yaml"), []where{{"", 0, ""}}, ""},
		{analysis.CodeDNSTargetUnknown, lintFiles("pods.yaml", "services.yaml", "egress-locked.yaml"), nil, ""},
		{analysis.CodeAPIServerTargetUnknown, append(lintFiles("pods.yaml", "egress-open.yaml"), before("pods.yaml")...), []where{{"", 0, ""}}, ""},
		{analysis.CodeAPIServerTargetUnknown, append(lintFiles("pods.yaml", "services.yaml", "egress-open.yaml"), before("pods.yaml")...), nil, ""},
	}
	for _, tt := range tests {
		name := tt.code + "/triggered"
		if tt.want == nil {
			name = tt.code + "/not triggered"
		}
		t.Run(name, func(t *testing.T) {
			findings, code, stderr := runLintJSON(t, tt.args...)
			if code == exitUsage {
				t.Fatalf("exit 2: %s", stderr)
			}
			var got []where
			var first *analysis.Finding
			for i, f := range findings {
				if f.Code != tt.code {
					continue
				}
				if first == nil {
					first = &findings[i]
				}
				file := f.File
				if file != "" {
					file = strings.TrimPrefix(file, "testdata/lint/")
				}
				got = append(got, where{file, f.Document, f.Path})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("findings of %s at %v, want %v\nall: %+v", tt.code, got, tt.want, findings)
			}
			if tt.related != "" && first != nil && !strings.Contains(strings.Join(first.Related, "\n"), tt.related) {
				t.Errorf("related %q lacks %q", first.Related, tt.related)
			}
			warned := false
			for _, f := range findings {
				warned = warned || f.Severity == analysis.Warning
			}
			if want := map[bool]int{true: exitNo, false: exitYes}[warned]; code != want {
				t.Errorf("exit %d with warnings %v, want %d", code, warned, want)
			}
		})
	}
}

func TestLintTableAndUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"lint"}, lintFiles("pods.yaml", "services.yaml", "rules.yaml")...), strings.NewReader(""), &stdout, &stderr)
	if code != exitNo {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, want := range []string{
		"testdata/lint/rules.yaml:1", "named-port-unknown", "NetworkPolicy prod/ports", "spec.egress[0].destination.ports[1]",
		`declares a port named "postgres"`, "5 findings: 4 warnings, 1 infos",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, args := range [][]string{
		{"lint"},
		append([]string{"lint", "-o", "xml"}, lintFiles("pods.yaml")...),
		append([]string{"lint", "--dns-selector", "a ==="}, lintFiles("pods.yaml")...),
		append([]string{"lint", "--apiserver", "10.0.0.1"}, lintFiles("pods.yaml")...),
		{"lint", "-f", "testdata/eval/broken.yaml"},
		{"lint", "-f", "testdata/lint/nosuch.yaml"},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitUsage || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a reason", args, code, stderr.String())
		}
	}
}
