package conformance_test

import (
	"fmt"
	"strings"

	"github.com/verdictlabs/verdict/internal/conformance"
)

func ExampleRun() {
	// One case: a pod in ns1 that no policy selects is open through its
	// namespace's profile.
	const line = `{"id":"v1-0001","tiers":[],"policies":[],"profiles":[],` +
		`"namespaces":[{"name":"ns1","labels":{}}],"service_accounts":[],` +
		`"src":{"ip":"10.0.1.1"},"dst":{"name":"dst","namespace":"ns1","labels":{},"ip":"10.0.2.1"},` +
		`"flow":{"direction":"ingress","protocol":6,"src_port":1,"dst_port":80},` +
		`"result":{"verdict":"allow","trace":[{"tier":"__PROFILE__","kind":"Profile","name":"kns.ns1","index":0,"action":"allow"}],` +
		`"pending_verdict":"allow","pending_trace":[{"tier":"__PROFILE__","kind":"Profile","name":"kns.ns1","index":0,"action":"allow"}]}}`
	cases, err := conformance.ReadCases(strings.NewReader(line))
	if err != nil {
		panic(err)
	}
	report := conformance.Run(cases, conformance.ReferenceEngine)
	for _, s := range report.Summary() {
		fmt.Println(s)
	}
	// Output:
	// v: 1 of 1 agree
	// 1 of 1 cases agree
}
