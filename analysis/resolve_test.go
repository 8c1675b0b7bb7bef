package analysis

import (
	"testing"

	"github.com/verdictlabs/verdict/analysis/flowlog"
)

func TestResolve(t *testing.T) {
	res := load(t, voteCluster)
	r := NewResolver(&res.Set)
	tests := []struct {
		name     string
		peer     flowlog.Peer
		kind     PeerKind
		endpoint string
		addr     string
	}{
		{"owned address", flowlog.Peer{Addr: addrOf("10.0.1.11")}, EndpointPeer, "redis-5f6b-xyz12", "10.0.1.11"},
		{"address wins over a name", flowlog.Peer{Addr: addrOf("10.0.1.11"), Namespace: "vote", Name: "db-0"}, EndpointPeer, "redis-5f6b-xyz12", "10.0.1.11"},
		{"unowned address is outside", flowlog.Peer{Addr: addrOf("203.0.113.1"), Name: "pub", Type: flowlog.PeerNetwork}, OutsidePeer, "", "203.0.113.1"},
		{"namespace/name", flowlog.Peer{Namespace: "vote", Name: "db-0"}, EndpointPeer, "db-0", ""},
		{"name in another namespace", flowlog.Peer{Namespace: "kube-system", Name: "db-0"}, Unresolved, "", ""},
		{"bare name of a pod", flowlog.Peer{Name: "db-0"}, Unresolved, "", ""},
		{"aggregated prefix", flowlog.Peer{Namespace: "vote", Name: "redis-5f6b-*"}, EndpointPeer, "redis-5f6b-xyz12", ""},
		{"aggregated with logged labels", flowlog.Peer{Namespace: "vote", Name: "re*", Labels: map[string]string{"app": "result"}}, EndpointPeer, "result-8e1f-zzzzz", ""},
		{"aggregated, labels match nothing", flowlog.Peer{Namespace: "vote", Name: "redis-*", Labels: map[string]string{"app": "vote"}}, Unresolved, "", ""},
		{"aggregated prefix of nothing", flowlog.Peer{Namespace: "vote", Name: "nginx-*"}, Unresolved, "", ""},
		{"pub without an address", flowlog.Peer{Name: "pub", Type: flowlog.PeerNetwork}, Unresolved, "", ""},
		{"network set without an address", flowlog.Peer{Name: "partners", Type: flowlog.PeerNetworkSet}, Unresolved, "", ""},
		{"nothing logged", flowlog.Peer{}, Unresolved, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Resolve(&tt.peer)
			if got.Kind != tt.kind {
				t.Fatalf("kind %d, want %d", got.Kind, tt.kind)
			}
			if tt.endpoint != "" && (got.Endpoint == nil || got.Endpoint.Name != tt.endpoint) {
				t.Errorf("endpoint %v, want %s", got.Endpoint, tt.endpoint)
			}
			if tt.addr != "" && got.Addr != addrOf(tt.addr) {
				t.Errorf("address %v, want %s", got.Addr, tt.addr)
			}
		})
	}
}

func TestGrouper(t *testing.T) {
	res := load(t, voteCluster+`---
apiVersion: v1
kind: Pod
metadata: {name: batch-1, namespace: vote, labels: {team: data, pod-template-hash: abc}}
status: {podIP: 10.0.1.30}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: vote, labels: {app.kubernetes.io/name: web, app: legacy}}
status: {podIP: 10.0.1.31}
---
apiVersion: v1
kind: Pod
metadata: {name: old-1, namespace: vote, labels: {app: legacy}}
status: {podIP: 10.0.1.32}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partner-one}
spec: {nets: [198.51.100.8/29]}
`)
	byName := func(g *Grouper, name string) *Group {
		for i := range res.Set.Endpoints {
			if res.Set.Endpoints[i].Name == name {
				return g.Endpoint(&res.Set.Endpoints[i])
			}
		}
		t.Fatalf("no endpoint %s", name)
		return nil
	}
	g := NewGrouper(&res.Set, nil)
	for name, want := range map[string]string{
		"vote-7d9c-abcde":    "vote/app=vote",
		"coredns-1a2b-ccccc": "kube-system/k8s-app=kube-dns",
		"batch-1":            "vote/team=data",
		"web-1":              "vote/app.kubernetes.io/name=web",
	} {
		if got := byName(g, name).Name; got != want {
			t.Errorf("%s: group %q, want %q", name, got, want)
		}
	}
	if got := byName(g, "vote-7d9c-abcde").Selector(); got != "app == 'vote'" {
		t.Errorf("selector %q", got)
	}
	if got := byName(g, "coredns-1a2b-ccccc").Selector(); got != "k8s-app == 'kube-dns'" {
		t.Errorf("selector %q", got)
	}
	// web-1 has app=legacy too, under a key tried first: the legacy
	// group's selector leaves it out.
	if got := byName(g, "old-1").Selector(); got != "app == 'legacy' && !has(app.kubernetes.io/name)" {
		t.Errorf("selector %q", got)
	}
	if got := len(g.Groups("vote")); got != 8 {
		t.Errorf("%d groups in vote, want 7", got)
	}
	by := NewGrouper(&res.Set, []string{"app", "team"})
	if got := byName(by, "batch-1").Name; got != "vote/!app,team=data" {
		t.Errorf("--group-by app,team: %q", got)
	}
	if got := g.Outside(addrOf("198.51.100.9")).Name; got != "globalnetworkset partner-one" {
		t.Errorf("longest prefix: %q", got)
	}
	if got := g.Outside(addrOf("198.51.100.200")).Name; got != "globalnetworkset partners" {
		t.Errorf("network set: %q", got)
	}
	if got := g.Outside(addrOf("203.0.113.5")).Name; got != "203.0.113.5" {
		t.Errorf("address: %q", got)
	}
}
