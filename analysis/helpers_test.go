package analysis

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

// load reads policy resources from YAML text, failing the test on any
// problem.
func load(t testing.TB, texts ...string) *policy.Result {
	t.Helper()
	dir := t.TempDir()
	var files []string
	for i, text := range texts {
		f := filepath.Join(dir, "r"+string(rune('a'+i))+".yaml")
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	l := policy.NewLoader()
	for _, f := range files {
		if err := l.AddPath(f); err != nil {
			t.Fatal(err)
		}
	}
	res, err := l.Finish()
	if err != nil {
		t.Fatalf("loading: %v", err)
	}
	return res
}

// voteCluster is the seed 004 voting application with kube-dns.
const voteCluster = `
apiVersion: v1
kind: Namespace
metadata: {name: vote}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: vote-7d9c-abcde, namespace: vote, labels: {app: vote, pod-template-hash: 7d9c}}
status: {podIP: 10.0.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: redis-5f6b-xyz12, namespace: vote, labels: {app: redis, pod-template-hash: 5f6b}}
status: {podIP: 10.0.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: worker-6c4d-q1w2e, namespace: vote, labels: {app: worker}}
status: {podIP: 10.0.1.12}
---
apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: vote, labels: {app: db}}
status: {podIP: 10.0.1.13}
---
apiVersion: v1
kind: Pod
metadata: {name: result-8e1f-zzzzz, namespace: vote, labels: {app: result}}
status: {podIP: 10.0.1.14}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns-1a2b-ccccc, namespace: kube-system, labels: {k8s-app: kube-dns}}
status: {podIP: 10.0.9.53}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: partners, labels: {zone: partners}}
spec: {nets: [198.51.100.0/24]}
`

// rec is a verdict-format record between two peers as eval takes them.
func rec(src, dst, proto string, dport uint16) flowlog.Record {
	p, err := flowlog.ParseProtocol(proto)
	if err != nil {
		panic(err)
	}
	return flowlog.Record{Src: peerOf(src), Dst: peerOf(dst), Protocol: p, DstPort: dport, Count: 1}
}

func peerOf(s string) flowlog.Peer {
	if a, err := netip.ParseAddr(s); err == nil {
		return flowlog.Peer{Addr: a}
	}
	if ns, name, ok := strings.Cut(s, "/"); ok {
		return flowlog.Peer{Namespace: ns, Name: name}
	}
	return flowlog.Peer{Name: s}
}

// voteTraffic is the voting application's traffic, as seed 004 draws it.
func voteTraffic() []flowlog.Record {
	return []flowlog.Record{
		rec("vote/vote-7d9c-abcde", "vote/redis-5f6b-xyz12", "tcp", 6379),
		rec("vote/worker-6c4d-q1w2e", "vote/redis-5f6b-xyz12", "tcp", 6379),
		rec("vote/worker-6c4d-q1w2e", "vote/db-0", "tcp", 5432),
		rec("vote/result-8e1f-zzzzz", "vote/db-0", "tcp", 5432),
		rec("vote/vote-7d9c-abcde", "kube-system/coredns-1a2b-ccccc", "udp", 53),
		rec("vote/worker-6c4d-q1w2e", "kube-system/coredns-1a2b-ccccc", "udp", 53),
		rec("vote/result-8e1f-zzzzz", "kube-system/coredns-1a2b-ccccc", "udp", 53),
		rec("203.0.113.7", "vote/vote-7d9c-abcde", "tcp", 80),
		rec("203.0.113.8", "vote/result-8e1f-zzzzz", "tcp", 80),
		rec("vote/worker-6c4d-q1w2e", "198.51.100.9", "tcp", 443),
	}
}

func addrOf(s string) netip.Addr { return netip.MustParseAddr(s) }

var _ = model.Flow{}
