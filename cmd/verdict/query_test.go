package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestQueryCommand(t *testing.T) {
	shop := []string{"-f", "testdata/matrix/shop.yaml"}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"endpoint, -f after the argument", append([]string{"query", "endpoint", "shop/api"}, shop...), exitYes,
			[]string{"endpoint   WorkloadEndpoint shop/api", "projectcalico.org/namespace=shop", "ingress:", "tier default (default Deny)", "NetworkPolicy shop/api", "egress: no policy applies"}, nil},
		{"endpoint by address, a peer of the API's rule", append([]string{"query", "endpoint", "10.1.0.1"}, shop...), exitYes,
			[]string{"WorkloadEndpoint shop/frontend-1", "peer of:", "NetworkPolicy shop/api  spec.ingress[0].source  Allow"}, nil},
		{"endpoint not in the files", append([]string{"query", "endpoint", "shop/nosuch"}, shop...), exitUsage, nil, []string{"endpoint shop/nosuch is not in the input"}},
		{"policy", append([]string{"query", "policy", "shop/api"}, shop...), exitYes,
			[]string{"policy    NetworkPolicy shop/api", "tier      default", "ingress applies to 1 endpoints: WorkloadEndpoint shop/api",
				"spec.ingress[0] Allow", "1 entities: WorkloadEndpoint shop/frontend-1", "spec.ingress[1] Allow", "GlobalNetworkSet partners"}, nil},
		{"policy by bare name and kind", append([]string{"query", "policy", "api", "--kind", "NetworkPolicy"}, shop...), exitYes, []string{"NetworkPolicy shop/api"}, nil},
		{"policy not in the files", append([]string{"query", "policy", "nosuch"}, shop...), exitUsage, nil, []string{"policy nosuch is not in the input"}},
		{"a name two kinds hold", append([]string{"query", "policy", "shop/api", "-f", "testdata/query/staged-api.yaml"}, shop...), exitUsage, nil,
			[]string{"shop/api names 2 resources", "NetworkPolicy shop/api", "StagedNetworkPolicy shop/api"}},
		{"the kind picks one", append([]string{"query", "policy", "shop/api", "--kind", "StagedNetworkPolicy", "-f", "testdata/query/staged-api.yaml"}, shop...), exitYes,
			[]string{"StagedNetworkPolicy shop/api (staged)"}, nil},
		{"selector", append([]string{"query", "selector", "has(app)"}, shop...), exitYes,
			[]string{"selector  has(app)", "WorkloadEndpoint shop/api", "WorkloadEndpoint shop/frontend-1", "WorkloadEndpoint shop/frontend-2"}, nil},
		{"selector in a namespace", append([]string{"query", "selector", "role == 'partner'", "--namespace", "shop"}, shop...), exitNo,
			[]string{"matches nothing"}, nil},
		{"selector of network sets", append([]string{"query", "selector", "role == 'partner'"}, shop...), exitYes, []string{"GlobalNetworkSet partners"}, nil},
		{"selector that does not parse", append([]string{"query", "selector", "app =="}, shop...), exitUsage, nil, []string{"verdict:"}},
		{"no files", []string{"query", "selector", "all()"}, exitUsage, nil, []string{"-f FILE"}},
		{"bad format", append([]string{"query", "selector", "all()", "-o", "xml"}, shop...), exitUsage, nil, []string{"-o must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout.String())
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(stderr.String(), s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr.String())
				}
			}
		})
	}
}

func TestQueryJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"query", "endpoint", "shop/api", "-o", "json", "-f", "testdata/matrix/shop.yaml"}, strings.NewReader(""), &stdout, &stderr); code != exitYes {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"endpoint", "labels", "ingress", "egress", "peerOf"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, stdout.String())
		}
	}
	var ep struct {
		Kind, Namespace, Name string
	}
	if err := json.Unmarshal(got["endpoint"], &ep); err != nil || ep.Name != "api" || ep.Namespace != "shop" {
		t.Errorf("endpoint %s", got["endpoint"])
	}
}

func TestDiffCommand(t *testing.T) {
	before := []string{"--before", "testdata/matrix/shop.yaml"}
	after := []string{"--after", "testdata/matrix/shop-resources.yaml", "--after", "testdata/matrix/shop-locked.yaml"}
	var stdout, stderr bytes.Buffer
	code := run(append(append([]string{"diff", "--group-by", "app", "-o", "json"}, before...), after...), strings.NewReader(""), &stdout, &stderr)
	if code != exitNo {
		t.Fatalf("exit %d, want 1 (access removed): %s", code, stderr.String())
	}
	var d struct {
		Removed, Added []struct{ Source, Destination, Port, Before, After string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Removed) != 1 || d.Removed[0].Source != "globalnetworkset partners" || d.Removed[0].Destination != "shop/app=api" ||
		d.Removed[0].Port != "tcp/8080" || d.Removed[0].Before != "allow" || d.Removed[0].After != "deny" {
		t.Errorf("removed %+v", d.Removed)
	}
	if len(d.Added) != 1 || d.Added[0].Source != "shop/app=frontend" || d.Added[0].Before != "partial" || d.Added[0].After != "allow" {
		t.Errorf("added %+v", d.Added)
	}

	stdout.Reset()
	code = run(append(append([]string{"diff", "--group-by", "app", "-o", "markdown"}, after...), "--before", "testdata/matrix/shop-resources.yaml", "--before", "testdata/matrix/shop-locked.yaml"), strings.NewReader(""), &stdout, &stderr)
	if code != exitYes {
		t.Errorf("no change: exit %d, want 0", code)
	}
	if !strings.Contains(stdout.String(), "### Access removed\n\nNone.") || !strings.Contains(stdout.String(), "### Access added\n\nNone.") {
		t.Errorf("markdown:\n%s", stdout.String())
	}

	// Reversed, access is added only: exit 0, and the markdown tables.
	stdout.Reset()
	code = run([]string{"diff", "--group-by", "app", "-o", "markdown", "--after", "testdata/matrix/shop.yaml", "--before", "testdata/matrix/shop-resources.yaml", "--before", "testdata/matrix/shop-locked.yaml"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitNo {
		t.Errorf("reversed: exit %d, want 1 (the frontends lost full access)", code)
	}
	for _, want := range []string{"### Access removed", "| `shop/app=frontend` | `shop/app=api` | tcp/8080 | allow | partial |", "### Access added", "| `globalnetworkset partners` | `shop/app=api` | tcp/8080 | deny | allow |"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, args := range [][]string{
		{"diff", "--before", "testdata/matrix/shop.yaml"},
		{"diff", "--after", "testdata/matrix/shop.yaml"},
		append(append([]string{"diff", "-o", "svg"}, before...), after...),
	} {
		stderr.Reset()
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != exitUsage || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2", args, code, stderr.String())
		}
	}
}
