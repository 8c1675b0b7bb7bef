package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestConvertCommand(t *testing.T) {
	files := writeInputFiles(t, "policy.yaml", inputPolicyDoc, "broken.yaml", inputBrokenDoc)
	policyFile, brokenFile := files[0], files[1]

	code, stdout, stderr := runVerdict("", "convert", policyFile)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: database
spec:
  ingress:
  - action: Allow
    destination:
      ports:
      - 3306
    protocol: TCP
  selector: role == "database"
  tier: default
  types:
  - Ingress
`
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if !strings.Contains(stderr, `warning: action "allow" is spelled "Allow"`) {
		t.Errorf("warnings not on stderr: %q", stderr)
	}

	// The output converts to itself, with no warnings.
	code, again, stderr := runVerdict(stdout, "convert", "-")
	if code != 0 || again != stdout || stderr != "" {
		t.Errorf("converting the output: exit %d, stderr %q, changed: %v", code, stderr, again != stdout)
	}

	code, stdout, _ = runVerdict(inputPodsDoc, "convert", "-o", "json", "-")
	var list struct {
		Kind  string
		Items []struct{ Kind string }
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || list.Kind != "List" || len(list.Items) != 3 {
		t.Errorf("JSON output: exit %d, %s", code, stdout)
	}
	for i, k := range []string{"Namespace", "WorkloadEndpoint", "WorkloadEndpoint"} {
		if i < len(list.Items) && list.Items[i].Kind != k {
			t.Errorf("item %d is a %s, want %s", i, list.Items[i].Kind, k)
		}
	}

	code, stdout, stderr = runVerdict("", "convert", brokenFile)
	if code != 2 || stdout != "" || !strings.Contains(stderr, "spec.ingress[0].destination.ports[0]: port 0") || !strings.Contains(stderr, "nothing was converted") {
		t.Errorf("problems: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	code, _, stderr = runVerdict("", "convert", "-o", "toml", policyFile)
	if code != 2 || !strings.Contains(stderr, "-o must be yaml or json") {
		t.Errorf("bad -o: exit %d, stderr %q", code, stderr)
	}

	code, _, stderr = runVerdict("\x00\x01", "convert", "-")
	if code != 2 || !strings.Contains(stderr, "<stdin>") {
		t.Errorf("unreadable input: exit %d, stderr %q", code, stderr)
	}
}
