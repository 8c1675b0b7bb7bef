package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 20, point 7: selectors built from fields are not held to the limit
// on selector text a person writes, and validate refuses exactly what
// eval refuses, through one check (policy's loader running
// model.Set.Check). The inputs cost about a second.
func TestBuiltSelectors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	values := make([]string, 6000)
	for i := range values {
		values[i] = fmt.Sprintf("value-%05d", i)
	}
	list := strings.Join(values, ", ")
	kubeIn := write("kube-in.yaml", `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: value-05999}}
spec: {containers: [{name: db}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: value-00007}}
spec: {containers: [{name: web}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: prod, labels: {app: other}}
spec: {containers: [{name: other}]}
status: {podIP: 10.0.0.3}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: in-list, namespace: prod}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: In, values: [`+list+`]}]
  ingress:
  - from:
    - podSelector:
        matchExpressions: [{key: app, operator: In, values: [`+list+`]}]
`)
	names := make([]string, 5000)
	for i := range names {
		names[i] = fmt.Sprintf("account-%05d", i)
	}
	saNames := write("sa-names.yaml", `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: accounts}
spec:
  selector: all()
  ingress:
  - action: Allow
    source: {serviceAccounts: {names: [`+strings.Join(names, ", ")+`]}}
`)
	// Past model.MaxSelectorLength (4 MiB): no Calico resource the API
	// server stores builds a selector this long.
	huge := make([]string, 350_000)
	for i := range huge {
		huge[i] = fmt.Sprintf("sa-%07d", i)
	}
	doc, err := json.Marshal(map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": map[string]any{"name": "huge"},
		"spec": map[string]any{"selector": "all()", "ingress": []any{map[string]any{"action": "Allow", "source": map[string]any{"serviceAccounts": map[string]any{"names": huge}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tooLong := write("sa-huge.json", string(doc))
	const hugeProblem = "GlobalNetworkPolicy huge: spec.ingress[0].source.serviceAccounts.names: the names make a selector of 4900036 bytes, more than the 4194304 bytes"

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"a 6,000-value In list validates", []string{"validate", kubeIn}, exitYes, "ok: 1 Namespace, 1 NetworkPolicy, 3 Pod", ""},
		{"a 6,000-value In list admits its last value", []string{"eval", "-f", kubeIn, "--src", "prod/web", "--dst", "prod/db", "--proto", "tcp", "--dport", "80"}, exitYes, "ALLOWED", ""},
		{"a 6,000-value In list denies the rest", []string{"eval", "-f", kubeIn, "--src", "prod/other", "--dst", "prod/db", "--proto", "tcp", "--dport", "80"}, exitNo, "DENIED", ""},
		{"5,000 service-account names validate", []string{"validate", saNames}, exitYes, "ok: 1 GlobalNetworkPolicy", ""},
		{"5,000 service-account names evaluate", []string{"eval", "-f", saNames, "--src", "10.1.0.1", "--dst", "10.1.0.2", "--proto", "tcp", "--dport", "80"}, exitYes, "ALLOWED", ""},
		{"validate refuses a built selector past the bound", []string{"validate", tooLong}, exitNo, hugeProblem, ""},
		{"eval refuses it with the same problem", []string{"eval", "-f", tooLong, "--src", "10.1.0.1", "--dst", "10.1.0.2", "--proto", "tcp", "--dport", "80"}, exitUsage, "", hugeProblem},
	}
	for _, tt := range tests {
		for _, engine := range []string{"compiled", "reference"} {
			if tt.args[0] == "validate" && engine == "reference" {
				continue
			}
			t.Run(tt.name+"/"+engine, func(t *testing.T) {
				args := tt.args
				if args[0] == "eval" {
					args = append(append([]string{}, args...), "--engine", engine)
				}
				var stdout, stderr bytes.Buffer
				code := run(args, strings.NewReader(""), &stdout, &stderr)
				if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
					t.Errorf("exit %d, want %d; want stdout with %q, stderr with %q\nstdout:\n%.2000s\nstderr:\n%.2000s", code, tt.code, tt.stdout, tt.stderr, stdout.String(), stderr.String())
				}
			})
		}
	}
}
