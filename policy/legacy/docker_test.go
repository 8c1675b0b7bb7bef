package legacy

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readDocs reads a JSON array fixture the way `docker inspect` prints it.
func readDocs(t *testing.T, name string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	if err := json.Unmarshal(data, &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

func TestIsDocker(t *testing.T) {
	containers := readDocs(t, "docker-inspect-seed001.json")
	networks := readDocs(t, "docker-network-inspect-seed002.json")
	for _, c := range containers {
		if !IsDockerContainer(c) || IsDockerNetwork(c) {
			t.Errorf("container %v: IsDockerContainer %v, IsDockerNetwork %v", c["Name"], IsDockerContainer(c), IsDockerNetwork(c))
		}
	}
	for _, n := range networks {
		if IsDockerContainer(n) || !IsDockerNetwork(n) {
			t.Errorf("network %v: IsDockerContainer %v, IsDockerNetwork %v", n["Name"], IsDockerContainer(n), IsDockerNetwork(n))
		}
	}
	others := []string{
		`{"apiVersion": "v1", "kind": "profile", "metadata": {"name": "x"}}`,
		`{"apiVersion": "projectcalico.org/v3", "kind": "WorkloadEndpoint", "Id": "x", "Config": {}}`,
		`{"kind": "Network", "Name": "x", "Driver": "calico", "Id": "y"}`,
		`{"id": "APP", "inbound_rules": []}`,
		`{"Name": "x", "Driver": "calico"}`,
		`{"Id": "abc"}`,
	}
	for _, text := range others {
		doc := decodeJSON(t, text)
		if IsDockerContainer(doc) || IsDockerNetwork(doc) {
			t.Errorf("%s is taken for Docker output", text)
		}
	}
	minimal := decodeJSON(t, `{"Id": "abc", "NetworkSettings": {"Networks": {}}}`)
	if !IsDockerContainer(minimal) {
		t.Errorf("a minimal container is not recognised")
	}
	minimalNet := decodeJSON(t, `{"Name": "n", "Driver": "calico", "Containers": {}}`)
	if !IsDockerNetwork(minimalNet) {
		t.Errorf("a minimal network is not recognised")
	}
}

// wep builds the expected v3 WorkloadEndpoint of a Docker container.
func wep(name, workload, containerID string, labels map[string]any, nets []any, profiles []any) map[string]any {
	metadata := map[string]any{"name": name}
	if labels != nil {
		metadata["labels"] = labels
	}
	spec := map[string]any{"orchestrator": "libnetwork", "workload": workload}
	if containerID != "" {
		spec["containerID"] = containerID
	}
	if nets != nil {
		spec["ipNetworks"] = nets
	}
	if profiles != nil {
		spec["profiles"] = profiles
	}
	return map[string]any{"apiVersion": "projectcalico.org/v3", "kind": "WorkloadEndpoint", "metadata": metadata, "spec": spec}
}

func idOf(t *testing.T, docs []map[string]any, name string) string {
	t.Helper()
	for _, d := range docs {
		if d["Name"] == "/"+name {
			return d["Id"].(string)
		}
	}
	t.Fatalf("no container %s in the fixture", name)
	return ""
}

// Seeds 000 and 001: container labels, no network documents.
func TestTranslateDockerLabelMode(t *testing.T) {
	containers := readDocs(t, "docker-inspect-seed001.json")
	got, issues := translateDocker(containers, nil, DockerLabels)
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	want := []map[string]any{
		wep("frontend-A", "frontend-A", idOf(t, containers, "frontend-A"),
			map[string]any{"role": "frontend"}, []any{"192.168.229.65/32"}, nil),
		wep("database-A", "database-A", idOf(t, containers, "database-A"),
			map[string]any{"role": "database"}, []any{"192.168.229.66/32"}, nil),
		wep("database-B", "database-B", idOf(t, containers, "database-B"),
			map[string]any{"role": "database", "backup": "true"}, []any{"192.168.229.67/32"}, nil),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Seed 001's containers with net1's network document: the document says
// net1 is a Calico network and changes nothing else; the mode stays the
// caller's. In profile mode net1 is a profile, and the labels still come
// along.
func TestTranslateDockerSeed001WithNetwork(t *testing.T) {
	containers := readDocs(t, "docker-inspect-seed001.json")
	networks := readDocs(t, "docker-network-inspect-seed001.json")
	labelsOnly, issues := translateDocker(containers, nil, DockerLabels)
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	withNetworks, issues := translateDocker(containers, networks, DockerLabels)
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	if diff := cmp.Diff(labelsOnly, withNetworks); diff != "" {
		t.Errorf("label mode changed with the network document (-without +with):\n%s", diff)
	}
	got, issues := translateDocker(containers, networks, DockerProfiles)
	if len(issues) > 0 {
		t.Fatalf("issues: %v", issues)
	}
	want := []map[string]any{
		NewProfile("net1").V3(),
		wep("frontend-A", "frontend-A", idOf(t, containers, "frontend-A"),
			map[string]any{"role": "frontend"}, []any{"192.168.229.65/32"}, []any{"net1"}),
		wep("database-A", "database-A", idOf(t, containers, "database-A"),
			map[string]any{"role": "database"}, []any{"192.168.229.66/32"}, []any{"net1"}),
		wep("database-B", "database-B", idOf(t, containers, "database-B"),
			map[string]any{"role": "database", "backup": "true"}, []any{"192.168.229.67/32"}, []any{"net1"}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Seed 002: networks databases and applications are Calico networks and so
// profiles; redis-1 is on Docker's bridge and gets no endpoint, with a
// warning naming it; mysql-2 is known only from the databases network's
// list of containers.
func TestTranslateDockerProfileMode(t *testing.T) {
	containers := readDocs(t, "docker-inspect-seed002.json")
	networks := readDocs(t, "docker-network-inspect-seed002.json")
	got, issues := translateDocker(containers, networks, DockerProfiles)
	redis := -1
	for i, c := range containers {
		if c["Name"] == "/redis-1" {
			redis = i
		}
	}
	wantIssues := []DockerIssue{{From: DockerInput{Index: redis}, Warning: true,
		Issue: Issue{Msg: "container redis-1 is on no Calico network, only bridge (driver bridge): not a Calico endpoint"}}}
	if diff := cmp.Diff(wantIssues, issues); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
	var mysql2 string
	for id, m := range networks[0]["Containers"].(map[string]any) {
		if m.(map[string]any)["Name"] == "mysql-2" {
			mysql2 = id
		}
	}
	databases := map[string]any{
		"apiVersion": "projectcalico.org/v3", "kind": "Profile", "metadata": map[string]any{"name": "databases"},
		"spec": map[string]any{
			"labelsToApply": map[string]any{"databases": ""},
			"ingress":       []any{map[string]any{"action": "Allow", "source": map[string]any{"selector": "has(databases)"}}},
			"egress":        []any{map[string]any{"action": "Allow"}},
		},
	}
	want := []map[string]any{
		databases,
		NewProfile("applications").V3(),
		wep("mysql-1", "mysql-1", idOf(t, containers, "mysql-1"), nil, []any{"192.168.0.2/32"}, []any{"databases"}),
		wep("webapp-1", "webapp-1", idOf(t, containers, "webapp-1"), nil, []any{"192.168.0.66/32"}, []any{"applications"}),
		wep("mysql-2", "mysql-2", mysql2, nil, []any{"192.168.0.3/32"}, []any{"databases"}),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestTranslateDockerSeveralNetworks(t *testing.T) {
	container := decodeJSON(t, `{
		"Id": "c0ffee", "Name": "/both",
		"Config": {"Labels": {"org.projectcalico.label.app": "x"}},
		"NetworkSettings": {"Networks": {
			"b-net": {"NetworkID": "idb", "IPAddress": "10.0.1.5", "GlobalIPv6Address": "fd00::5"},
			"a-net": {"NetworkID": "ida", "IPAddress": "10.0.0.5", "GlobalIPv6Address": ""},
			"host":  {"NetworkID": "idh", "IPAddress": "", "GlobalIPv6Address": ""}
		}}}`)
	t.Run("without network documents every network but Docker's own counts", func(t *testing.T) {
		got, issues := translateDocker([]map[string]any{container}, nil, DockerLabels)
		if len(issues) > 0 {
			t.Fatalf("issues: %v", issues)
		}
		labels := map[string]any{"app": "x"}
		want := []map[string]any{
			wep("both.a-net", "both", "c0ffee", labels, []any{"10.0.0.5/32"}, nil),
			wep("both.b-net", "both", "c0ffee", labels, []any{"10.0.1.5/32", "fd00::5/128"}, nil),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		got, issues = translateDocker([]map[string]any{container}, nil, DockerProfiles)
		if len(issues) > 0 {
			t.Fatalf("issues: %v", issues)
		}
		want = []map[string]any{
			NewProfile("a-net").V3(),
			NewProfile("b-net").V3(),
			wep("both.a-net", "both", "c0ffee", labels, []any{"10.0.0.5/32"}, []any{"a-net"}),
			wep("both.b-net", "both", "c0ffee", labels, []any{"10.0.1.5/32", "fd00::5/128"}, []any{"b-net"}),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("profile mode matches by name or network id", func(t *testing.T) {
		networks := []map[string]any{
			decodeJSON(t, `{"Name": "a-net", "Id": "ida", "Driver": "calico"}`),
			decodeJSON(t, `{"Name": "renamed", "Id": "idb", "Driver": "calico"}`),
			decodeJSON(t, `{"Name": "host", "Id": "idh", "Driver": "host"}`),
		}
		got, issues := translateDocker([]map[string]any{container}, networks, DockerProfiles)
		if len(issues) > 0 {
			t.Fatalf("issues: %v", issues)
		}
		labels := map[string]any{"app": "x"}
		want := []map[string]any{
			NewProfile("a-net").V3(),
			NewProfile("renamed").V3(),
			wep("both.a-net", "both", "c0ffee", labels, []any{"10.0.0.5/32"}, []any{"a-net"}),
			wep("both.renamed", "both", "c0ffee", labels, []any{"10.0.1.5/32", "fd00::5/128"}, []any{"renamed"}),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("no Calico network", func(t *testing.T) {
		got, issues := translateDocker([]map[string]any{container},
			[]map[string]any{decodeJSON(t, `{"Name": "bridge", "Driver": "bridge", "Containers": {"x": 1}}`)}, DockerProfiles)
		want := []DockerIssue{{Warning: true, Issue: Issue{Msg: "container both is on no Calico network, only a-net (not in the docker network inspect output given), b-net (not in the docker network inspect output given), host (not in the docker network inspect output given): not a Calico endpoint"}}}
		if diff := cmp.Diff(want, issues); diff != "" || len(got) != 0 {
			t.Errorf("got %v; issues (-want +got):\n%s", got, diff)
		}
	})
	t.Run("only Docker's own networks", func(t *testing.T) {
		c := decodeJSON(t, `{"Id": "1", "Name": "/plain", "NetworkSettings": {"Networks": {"bridge": {"IPAddress": "172.17.0.2"}}}}`)
		for _, mode := range []DockerMode{DockerLabels, DockerProfiles} {
			got, issues := translateDocker([]map[string]any{c}, nil, mode)
			want := []DockerIssue{{Warning: true, Issue: Issue{Msg: "container plain is on no Calico network, only bridge (Docker's own): not a Calico endpoint"}}}
			if diff := cmp.Diff(want, issues); diff != "" || len(got) != 0 {
				t.Errorf("%s: got %v; issues (-want +got):\n%s", mode, got, diff)
			}
		}
	})
}

func TestTranslateDockerIssues(t *testing.T) {
	tests := []struct {
		name       string
		mode       DockerMode
		containers []string
		networks   []string
		want       []Issue
		kept       int // documents still produced
	}{
		{"container problems", DockerLabels, []string{
			`{"Id": "a", "Name": "/ok", "NetworkSettings": {"Networks": {"n": {"IPAddress": "10.0.0.1"}}}}`,
			`{"Id": "b", "NetworkSettings": {"Networks": {"n": {"IPAddress": "10.0.0.300", "GlobalIPv6Address": "fe80::1%eth0"}}}}`,
			`{"Id": "c", "Name": "/labels", "Config": {"Labels": {"org.projectcalico.label.": "x", "org.projectcalico.label.n": 5}}}`,
			`{"Id": "d", "Name": "/odd", "Config": [], "NetworkSettings": {"Networks": {"my.net": "up"}}}`,
		}, nil, []Issue{
			{"containers[1].Name", "is required: the endpoint is named after the container"},
			{"containers[1].NetworkSettings.Networks.n.IPAddress", `"10.0.0.300" is not an IP address`},
			{"containers[1].NetworkSettings.Networks.n.GlobalIPv6Address", `"fe80::1%eth0" is not an IP address: it has a zone (%eth0), which names an interface, not an address`},
			{`containers[2].Config.Labels["org.projectcalico.label.n"]`, "must be a string, not a number"},
			{`containers[2].Config.Labels["org.projectcalico.label."]`, "the label has nothing after the prefix org.projectcalico.label."},
			{"containers[3].Config", "must be a map, not a list"},
			{`containers[3].NetworkSettings.Networks["my.net"]`, "must be a map, not a string"},
		}, 1},
		{"network problems", DockerProfiles, []string{
			`{"Id": "a", "Name": "/ok", "NetworkSettings": {"Networks": {"good": {"IPAddress": "10.0.0.1"}}}}`,
		}, []string{
			`{"Name": "good", "Driver": "calico"}`,
			`{"Name": "good", "Driver": "calico"}`,
			`{"Name": "", "Driver": "calico"}`,
			`{"Name": "has space", "Driver": "calico"}`,
			`{"Name": "members", "Driver": "calico", "Containers": {"e1": {"Name": "x", "IPv4Address": "bad"}, "e2": {"IPv4Address": "10.1.0.2/24"}}}`,
			`{"Name": "ignored", "Driver": "overlay", "Containers": "not even a map"}`,
		}, []Issue{
			{"networks[1].Name", "a Calico network named good already came at networks[0]"},
			{"networks[2].Name", "is required: the network's name names its profile"},
			{"networks[3].Name", `a Calico network's name is its profile's tag: tag "has space" may hold only letters, digits, '_', '.' and '-'`},
			{"networks[4].Containers.e2.Name", "is required: the endpoint is named after the container"},
			{"networks[4].Containers.e1.IPv4Address", `"bad" is not an IP address`},
		}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var containers, networks []map[string]any
			for _, c := range tc.containers {
				containers = append(containers, decodeJSON(t, c))
			}
			for _, n := range tc.networks {
				networks = append(networks, decodeJSON(t, n))
			}
			got, dissues := TranslateDocker(containers, networks, tc.mode)
			var issues []Issue
			for _, d := range dissues {
				issues = append(issues, d.Absolute())
			}
			if diff := cmp.Diff(tc.want, issues); diff != "" {
				t.Errorf("issues (-want +got):\n%s", diff)
			}
			if len(got) != tc.kept {
				t.Errorf("kept %d documents, want %d: %v", len(got), tc.kept, got)
			}
		})
	}
}

// translateDocker is TranslateDocker without the inputs the documents came
// from, for tests of what it writes.
func translateDocker(containers, networks []map[string]any, mode DockerMode) ([]map[string]any, []DockerIssue) {
	docs, issues := TranslateDocker(containers, networks, mode)
	var out []map[string]any
	for _, d := range docs {
		out = append(out, d.Doc)
	}
	return out, issues
}

// Every document and issue names the input it came from by its index.
func TestTranslateDockerInputs(t *testing.T) {
	containers := []map[string]any{
		decodeJSON(t, `{"Id": "a", "Name": "/web", "NetworkSettings": {"Networks": {"apps": {"IPAddress": "10.0.0.1"}}}}`),
		decodeJSON(t, `{"Id": "b", "Name": "/bad", "NetworkSettings": {"Networks": {"apps": {"IPAddress": "nope"}}}}`),
		decodeJSON(t, `{"Id": "c", "Name": "/db", "NetworkSettings": {"Networks": {"data": {"IPAddress": "10.0.1.1"}}}}`),
	}
	networks := []map[string]any{
		decodeJSON(t, `{"Name": "bridge", "Driver": "bridge"}`),
		decodeJSON(t, `{"Name": "apps", "Driver": "calico"}`),
		decodeJSON(t, `{"Name": "data", "Driver": "calico", "Containers": {"z": {"Name": "listed", "IPv4Address": "10.0.1.9/24"}, "y": {"Name": "broken", "IPv4Address": "x"}}}`),
	}
	docs, issues := TranslateDocker(containers, networks, DockerProfiles)
	type named struct {
		name string
		from DockerInput
	}
	var got []named
	for _, d := range docs {
		got = append(got, named{d.Doc["metadata"].(map[string]any)["name"].(string), d.From})
	}
	want := []named{
		{"apps", DockerInput{Network: true, Index: 1}},
		{"data", DockerInput{Network: true, Index: 2}},
		{"web", DockerInput{Index: 0}},
		{"db", DockerInput{Index: 2}},
		{"listed", DockerInput{Network: true, Index: 2}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(named{})); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
	wantIssues := []DockerIssue{
		{From: DockerInput{Index: 1}, Issue: Issue{"NetworkSettings.Networks.apps.IPAddress", `"nope" is not an IP address`}},
		{From: DockerInput{Network: true, Index: 2}, Issue: Issue{"Containers.y.IPv4Address", `"x" is not an IP address`}},
	}
	if diff := cmp.Diff(wantIssues, issues); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
}
