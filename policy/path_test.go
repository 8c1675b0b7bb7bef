package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verdictlabs/verdict/model"
)

// writeTree writes files under a new temporary directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const (
	nsDoc = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n"
)

func TestAddPathDirectory(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"b.yaml":           "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: b\nspec:\n  selector: all()\n  types: [Ingress]\n",
		"a.yml":            nsDoc + "---\n" + "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: a\nspec:\n  selector: all()\n  types: [Ingress]\n",
		"sub/c.json":       `{"apiVersion": "projectcalico.org/v3", "kind": "GlobalNetworkPolicy", "metadata": {"name": "c"}, "spec": {"types": ["Egress"]}}`,
		"README.md":        "not a resource",
		"notes/ignore.txt": "neither",
	})
	l := NewLoader()
	if err := l.AddPath(dir); err != nil {
		t.Fatal(err)
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range res.Set.Policies {
		names = append(names, p.Name)
	}
	// Lexical order of the paths: a.yml, b.yaml, sub/c.json.
	if diff := cmp.Diff([]string{"a", "b", "c"}, names); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	want := map[model.Key]Origin{
		{Kind: model.KindNamespace, Name: "prod"}:        {File: filepath.Join(dir, "a.yml"), Document: 1},
		{Kind: model.KindGlobalNetworkPolicy, Name: "a"}: {File: filepath.Join(dir, "a.yml"), Document: 2},
		{Kind: model.KindGlobalNetworkPolicy, Name: "b"}: {File: filepath.Join(dir, "b.yaml"), Document: 1},
		{Kind: model.KindGlobalNetworkPolicy, Name: "c"}: {File: filepath.Join(dir, "sub", "c.json"), Document: 1},
	}
	if diff := cmp.Diff(want, res.Origins); diff != "" {
		t.Errorf("origins (-want +got):\n%s", diff)
	}
}

// TestAddPathRecursive: without recursion a directory is its own files
// only, as calicoctl and kubectl read -f DIR without -R; a directory whose
// files are all below it says so.
func TestAddPathRecursive(t *testing.T) {
	gnp := func(name string) string {
		return "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: " + name + "\nspec:\n  selector: all()\n  types: [Ingress]\n"
	}
	dir := writeTree(t, map[string]string{"b.yaml": gnp("b"), "a.yaml": gnp("a"), "sub/c.yaml": gnp("c"), "only/deeper/d.yaml": gnp("d")})
	// Lexical order of the paths: a, b, only/deeper/d, sub/c.
	for _, tc := range []struct {
		recursive bool
		want      []string
	}{{false, []string{"a", "b"}}, {true, []string{"a", "b", "d", "c"}}} {
		l := NewLoader()
		if err := l.AddPathRecursive(dir, tc.recursive); err != nil {
			t.Fatal(err)
		}
		res, err := l.Finish()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range res.Set.Policies {
			names = append(names, p.Name)
		}
		if diff := cmp.Diff(tc.want, names); diff != "" {
			t.Errorf("recursive %v: policies (-want +got):\n%s", tc.recursive, diff)
		}
	}
	err := NewLoader().AddPathRecursive(filepath.Join(dir, "only"), false)
	var re *ReadError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "read only when reading recursively") {
		t.Errorf("flat read of a directory with files only below it = %v, want a ReadError pointing at recursion", err)
	}
	if err := NewLoader().AddPathRecursive(filepath.Join(dir, "only"), true); err != nil {
		t.Errorf("recursive read of the same directory: %v", err)
	}
}

func TestAddPathErrors(t *testing.T) {
	empty := writeTree(t, map[string]string{"README.md": "x"})
	for _, path := range []string{empty, filepath.Join(empty, "missing")} {
		err := NewLoader().AddPath(path)
		var re *ReadError
		if !errors.As(err, &re) || re.File != path {
			t.Errorf("AddPath(%s) = %v, want a ReadError naming it", path, err)
		}
	}
}

func TestOriginsOfServicesAndLists(t *testing.T) {
	const in = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: prod}
- apiVersion: v1
  kind: Pod
  metadata: {name: web, namespace: prod}
  status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-1
  namespace: prod
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [10.0.0.1]
ports:
- {port: 80, protocol: TCP}
`
	l := NewLoader()
	if err := l.Add("in.yaml", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatal(err)
	}
	want := map[model.Key]Origin{
		{Kind: model.KindNamespace, Name: "prod"}:                          {File: "in.yaml", Document: 1},
		{Kind: model.KindWorkloadEndpoint, Namespace: "prod", Name: "web"}: {File: "in.yaml", Document: 2},
		{Kind: model.KindService, Namespace: "prod", Name: "web"}:          {File: "in.yaml", Document: 3},
	}
	for k, o := range want {
		if got, ok := res.Origins[k]; !ok || got != o {
			t.Errorf("origin of %s = %+v, %v; want %+v", k, got, ok, o)
		}
	}
	// The kns. profile is Verdict's own and has no origin.
	if o, ok := res.Origins[model.Key{Kind: model.KindProfile, Name: "kns.prod"}]; ok {
		t.Errorf("kns.prod has origin %+v", o)
	}
}
