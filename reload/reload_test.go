package reload_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/reload"
)

const pods = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: a}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: b}}
status: {podIP: 10.0.0.2}
`

const denyB = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: deny-b}
spec:
  selector: app == 'b'
  ingress: [{action: Deny}]
`

func allowed(t *testing.T, f *reload.Files) bool {
	t.Helper()
	v := f.Snapshot().Evaluate(model.Flow{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), Protocol: 6, DstPort: 80})
	return v.Allowed()
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path+".tmp", []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
}

// A good change is put in force, a bad one refused with the last good set
// kept, and files appearing in or leaving a directory count as changes.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pods.yaml"), pods)
	var reloads []error
	f, res, err := reload.Load([]string{dir}, reload.Options{OnReload: func(_ *policy.Result, err error) { reloads = append(reloads, err) }})
	if err != nil || res == nil {
		t.Fatal(err)
	}
	if !allowed(t, f) {
		t.Fatal("denied before any policy")
	}
	step := func(name string, wantChanged, wantErr, wantAllowed bool) {
		t.Helper()
		changed, err := f.Check()
		if changed != wantChanged || (err != nil) != wantErr || allowed(t, f) != wantAllowed {
			t.Errorf("%s: changed %v, err %v, allowed %v; want %v, error %v, allowed %v", name, changed, err, allowed(t, f), wantChanged, wantErr, wantAllowed)
		}
	}
	step("nothing changed", false, false, true)
	pol := filepath.Join(dir, "policy.yaml")
	write(t, pol, denyB)
	step("a file added", true, false, false)
	step("nothing changed since", false, false, false)
	write(t, pol, strings.Replace(denyB, "action: Deny", "action: Refuse", 1))
	step("a bad edit", true, true, false)
	step("the bad edit is reported once", false, false, false)
	if err := os.Remove(pol); err != nil {
		t.Fatal(err)
	}
	step("the file removed", true, false, true)
	if len(reloads) != 3 || reloads[0] != nil || reloads[1] == nil || reloads[2] != nil {
		t.Errorf("OnReload saw %v", reloads)
	}

	// A named file that disappears is refused, not an empty set.
	file := filepath.Join(t.TempDir(), "all.yaml")
	write(t, file, pods+"---\n"+denyB)
	g, _, err := reload.Load([]string{file}, reload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if changed, err := g.Check(); !changed || err == nil || allowed(t, g) {
		t.Errorf("a removed file: changed %v, err %v, allowed %v", changed, err, allowed(t, g))
	}
}

func TestLoadErrors(t *testing.T) {
	if _, _, err := reload.Load(nil, reload.Options{}); err == nil {
		t.Error("no paths loaded")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	write(t, bad, strings.Replace(denyB, "action: Deny", "action: Refuse", 1))
	if _, res, err := reload.Load([]string{bad}, reload.Options{}); err == nil || res == nil {
		t.Errorf("a file with problems: %v, %v", res, err)
	}
	if _, _, err := reload.Load([]string{filepath.Join(t.TempDir(), "nosuch")}, reload.Options{}); err == nil {
		t.Error("a missing path loaded")
	}
}
