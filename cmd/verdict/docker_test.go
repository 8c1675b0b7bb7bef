package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const dockerDir = "testdata/docker/"

// The Docker plugin's mode is the flag's, never the inputs': adding
// `docker network inspect` output to a label-mode load changes no answer,
// and the output says which mode decided.
func TestEvalDockerModeIsExplicit(t *testing.T) {
	labels := "--use-docker-networking-container-labels"
	flow := []string{"--src", "database-A", "--dst", "frontend-A", "--dport", "80", "-f", dockerDir + "seed001-policy.yaml"}
	tests := []struct {
		name    string
		args    []string
		code    int
		verdict string
		mode    string
	}{
		{"labels", []string{labels, "-f", dockerDir + "seed001-containers.json"},
			exitNo, "verdict  DENIED at egress and ingress", "docker   container labels (--use-docker-networking-container-labels)"},
		{"labels with the network", []string{labels, "-f", dockerDir + "seed001-containers.json", "-f", dockerDir + "seed001-networks.json"},
			exitNo, "verdict  DENIED at egress and ingress", "docker   container labels (--use-docker-networking-container-labels)"},
		{"default: profiles", []string{"-f", dockerDir + "seed001-containers.json", "-f", dockerDir + "seed001-networks.json"},
			exitNo, "verdict  DENIED at egress\n", "docker   networks as profiles (Calico's default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(t, "", append(append([]string{"eval"}, tt.args...), flow...)...)
			if code != tt.code || !strings.Contains(out, tt.verdict) || !strings.Contains(out, tt.mode) {
				t.Errorf("exit %d, want %d; output lacks %q or %q:\n%s%s", code, tt.code, tt.verdict, tt.mode, out, errs)
			}
		})
	}

	code, out, errs := runCmd(t, "", append([]string{"eval", labels, "-f", dockerDir + "seed001-containers.json", "-o", "json"}, flow...)...)
	var report struct {
		DockerMode string `json:"dockerMode"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || code != exitNo || report.DockerMode != "labels" {
		t.Errorf("JSON: exit %d, dockerMode %q, err %v:\n%s%s", code, report.DockerMode, err, out, errs)
	}

	// Without Docker inputs, nothing is said about Docker.
	code, out, _ = runCmd(t, "", evalArgs("--src", "prod/web", "--dst", "prod/db", "--dport", "3306")...)
	if code != exitYes || strings.Contains(out, "docker") {
		t.Errorf("no Docker input: exit %d, output mentions docker:\n%s", code, out)
	}
}

// A container on a network Calico does not manage is reported, not
// dropped without a word; validate says which mode it read the inputs in.
func TestValidateDockerNotCalicoEndpoint(t *testing.T) {
	code, out, errs := runCmd(t, "", "validate", dockerDir+"seed002-networks.json", dockerDir+"seed002-containers.json")
	want := []string{
		"seed002-containers.json:71:5: document 4: Docker container: warning: container legacy-1 is on no Calico network, only bridge (driver bridge): not a Calico endpoint",
		"note: Docker inputs read as networks as profiles",
		"ok: ",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("validate output lacks %q (exit %d):\n%s%s", w, code, out, errs)
		}
	}
	if code != exitYes {
		t.Errorf("exit %d, want 0 (a warning is not a problem)", code)
	}
	code, _, errs = runCmd(t, "", "eval", "-f", dockerDir+"seed002-networks.json", "-f", dockerDir+"seed002-containers.json", "--src", "app-1", "--dst", "legacy-1", "--dport", "80")
	if code != exitUsage || !strings.Contains(errs, "legacy-1 is on no Calico network") {
		t.Errorf("eval to legacy-1: exit %d, want 2 with the warning:\n%s", code, errs)
	}
}

// Seed 002's workflow: the edited databases profile, given beside the
// network that makes it, replaces it with a note; given twice, it is a
// problem.
func TestEvalGivenProfileReplacesNetworkProfile(t *testing.T) {
	base := []string{"eval", "-f", dockerDir + "seed002-networks.json", "-f", dockerDir + "seed002-containers.json", "--src", "app-1", "--dst", "mysql-1", "--dport", "3306"}
	code, out, _ := runCmd(t, "", base...)
	if code != exitNo {
		t.Fatalf("before the edit: exit %d, want 1:\n%s", code, out)
	}
	edited := dockerDir + "seed002-databases-edited.yaml"
	code, out, errs := runCmd(t, "", append(base, "-f", edited)...)
	note := edited + ":6:9: document 1: Profile databases: metadata.name: warning: this profile replaces the one Calico makes from Docker network databases (" + dockerDir + "seed002-networks.json:2, document 1)"
	if code != exitYes || !strings.Contains(out, "Profile databases rule #2 (index 1)") || !strings.Contains(errs, note) {
		t.Errorf("with the edit: exit %d, want 0 by rule 1 and the note %q:\n%s%s", code, note, out, errs)
	}
	code, _, errs = runCmd(t, "", append(base, "-f", edited, "-f", edited)...)
	if code != exitUsage || !strings.Contains(errs, "Profile databases is defined twice") {
		t.Errorf("given twice: exit %d, want 2:\n%s", code, errs)
	}
}

// A container is named by a unique prefix of its ID, as docker names it;
// an unknown name suggests the endpoints near it.
func TestEvalPeerByContainerIDAndNearNames(t *testing.T) {
	base := append([]string{"eval", "-q", "--dport", "3306"}, seed002...)
	code, out, errs := runCmd(t, "", append(base, "--src", "0303", "--dst", "mysql-1", "-o", "json")...)
	if code != exitNo || !strings.Contains(out, `"src": "192.168.2.10"`) {
		t.Errorf("by ID prefix: exit %d:\n%s%s", code, out, errs)
	}
	tests := []struct {
		src, want string
	}{
		{"0", `container ID prefix "0" is ambiguous: it begins the IDs of mysql-1, mysql-2, app-1`},
		{"mysql1", "did you mean mysql-1?"},
		{"app1", "did you mean app-1?"},
	}
	for _, tt := range tests {
		code, _, errs := runCmd(t, "", append(base, "--src", tt.src, "--dst", "mysql-1")...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("--src %s: exit %d, want 2 with %q: %s", tt.src, code, tt.want, errs)
		}
	}
	code, _, errs = runCmd(t, "", evalArgs("--src", "prod/webb", "--dst", "prod/db", "--dport", "3306")...)
	if code != exitUsage || !strings.Contains(errs, "did you mean prod/web?") {
		t.Errorf("prod/webb: exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, "", evalArgs("--src", "web", "--dst", "prod/db", "--dport", "3306")...)
	if code != exitUsage || !strings.Contains(errs, "did you mean prod/web?") {
		t.Errorf("web: exit %d: %s", code, errs)
	}
	// A workload's name without the pod's generated suffix.
	for _, src := range []string{"vote/worker", "worker"} {
		code, _, errs = runCmd(t, "", "eval", "../../examples/tiers-staged", "--src", src, "--dst", "vote/db-0", "--dport", "5432")
		if code != exitUsage || !strings.Contains(errs, "did you mean vote/worker-6c4d?") {
			t.Errorf("%s: exit %d: %s", src, code, errs)
		}
	}
}
