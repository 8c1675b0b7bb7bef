package analysis_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
)

const cluster = `
apiVersion: v1
kind: Namespace
metadata: {name: vote}
---
apiVersion: v1
kind: Pod
metadata: {name: vote-1, namespace: vote, labels: {app: vote}}
status: {podIP: 10.0.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: redis-1, namespace: vote, labels: {app: redis}}
status: {podIP: 10.0.1.11}
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: default-deny}
spec: {namespaceSelector: projectcalico.org/name == 'vote', types: [Ingress, Egress]}
`

const logs = `{"src":"vote/vote-1","dst":"vote/redis-1","dport":6379,"count":12}
{"src":"203.0.113.9","dst":"10.0.1.10","dport":80,"count":3}
{"src":"vote/nginx-*","dst":"vote/vote-1","dport":80}`

func ExampleReplayer() {
	set, err := policy.Decode(strings.NewReader(cluster))
	if err != nil {
		panic(err)
	}
	r, err := analysis.NewReplayer(set, analysis.ModePending, nil, nil)
	if err != nil {
		panic(err)
	}
	rd, err := flowlog.NewReader(strings.NewReader(logs), "flows.jsonl", flowlog.Auto)
	if err != nil {
		panic(err)
	}
	imp, err := r.Run([]*flowlog.Reader{rd}, analysis.Options{})
	if err != nil {
		panic(err)
	}
	rep := imp.Report("pending", 0)
	fmt.Printf("%+v\n", rep.Summary)
	for _, c := range rep.Changes {
		fmt.Printf("%s %s -> %s %s/%d: %d flows, at %s by %s\n", c.Change, c.Source, c.Destination, c.Protocol, c.Port, c.Connections, c.Side, c.Hit.Name)
	}
	fmt.Println("unresolved:", rep.Unresolved[0].Peer)
	// Output:
	// {Records:3 Flows:15 Unresolved:1 NewlyDenied:15 NewlyAllowed:0 ObservedMismatch:0}
	// newlyDenied vote/app=vote -> vote/app=redis TCP/6379: 12 flows, at Egress by default-deny
	// newlyDenied 203.0.113.9 -> vote/app=vote TCP/80: 3 flows, at Ingress by default-deny
	// unresolved: vote/nginx-*
}

func ExampleRecommender() {
	set, err := policy.Decode(strings.NewReader(cluster))
	if err != nil {
		panic(err)
	}
	rec, err := analysis.NewRecommender(set, analysis.RecommendOptions{Namespace: "vote"})
	if err != nil {
		panic(err)
	}
	rd, err := flowlog.NewReader(strings.NewReader(logs), "flows.jsonl", flowlog.Auto)
	if err != nil {
		panic(err)
	}
	obs, err := analysis.Stream([]*flowlog.Reader{rd}, analysis.Options{}, analysis.NewObserved, rec.Add, func(a, b *analysis.Observed) { a.Merge(b) })
	if err != nil {
		panic(err)
	}
	pols := rec.Policies(obs)
	if err := policy.Encode(os.Stdout, model.Set{Policies: pols[:1]}, "yaml"); err != nil {
		panic(err)
	}
	// Output:
	// apiVersion: projectcalico.org/v3
	// kind: StagedNetworkPolicy
	// metadata:
	//   name: redis
	//   namespace: vote
	// spec:
	//   ingress:
	//   - action: Allow
	//     destination:
	//       ports:
	//       - 6379
	//     protocol: TCP
	//     source:
	//       selector: app == "vote"
	//   selector: app == "redis"
	//   stagedAction: Set
	//   tier: default
	//   types:
	//   - Ingress
	//   - Egress
}
