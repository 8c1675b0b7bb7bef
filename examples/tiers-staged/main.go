// Command tiers-staged walks through the tiers and staged-policy workshop
// (seed 004): the voting and WordPress stacks in their namespaces, a
// platform tier above the default tier, a staged default deny for the vote
// namespace showing what it would block, the db policy allowing worker and
// result on TCP 5432, then the policies for the other workloads and the
// default deny enforced. Then the flows: the staged default deny's impact
// over Calico flow logs, policies recommended from them, their impact
// (nothing newly denied) and their enforcement.
package main

import (
	"embed"
	"fmt"
	"io"

	"github.com/verdictlabs/verdict/examples/internal/walkthrough"
	"github.com/verdictlabs/verdict/model"
)

//go:embed *.yaml flows.calico.jsonl
var files embed.FS

// steps are the workshop's stages, each adding files to the previous ones.
var steps = []struct {
	title string
	files []string
}{
	{"1. The applications, no policy yet: every namespace profile allows all", []string{"cluster.yaml", "tiers.yaml"}},
	{"2. A staged default deny for the vote namespace: nothing changes, the pending verdict shows what it would block", []string{"cluster.yaml", "tiers.yaml", "staged-default-deny.yaml"}},
	{"3. The db policy in the platform tier: only worker and result reach db on TCP 5432", []string{"cluster.yaml", "tiers.yaml", "staged-default-deny.yaml", "db-policy.yaml"}},
	{"4. Policies for the other workloads, and the default deny enforced", []string{"cluster.yaml", "tiers.yaml", "db-policy.yaml", "app-policies.yaml", "default-deny.yaml"}},
}

// flows are the connections checked at every step.
var flows = []walkthrough.Flow{
	{From: "vote/vote-7d9c", To: "vote/redis-5f6b", Protocol: model.ProtoTCP, Port: 6379},
	{From: "vote/worker-6c4d", To: "vote/redis-5f6b", Protocol: model.ProtoTCP, Port: 6379},
	{From: "vote/worker-6c4d", To: "vote/db-0", Protocol: model.ProtoTCP, Port: 5432},
	{From: "vote/result-8e1f", To: "vote/db-0", Protocol: model.ProtoTCP, Port: 5432},
	{From: "vote/vote-7d9c", To: "vote/db-0", Protocol: model.ProtoTCP, Port: 5432},
	{From: "vote/worker-6c4d", To: "wordpress/wordpress-4a2b", Protocol: model.ProtoTCP, Port: 80},
	{From: "wordpress/wordpress-4a2b", To: "wordpress/mysql-0", Protocol: model.ProtoTCP, Port: 3306},
}

func run(w io.Writer) error {
	for i, step := range steps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, step.title)
		set, err := walkthrough.Load(w, files, step.files...)
		if err != nil {
			return err
		}
		if err := walkthrough.Decide(w, set, flows...); err != nil {
			return err
		}
	}
	return withFlows(w)
}

func main() { walkthrough.Main("tiers-staged", run) }
