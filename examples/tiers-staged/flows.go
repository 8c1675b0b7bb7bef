package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

// flowLogs is a day of the vote namespace's traffic as Calico Cloud logs
// it: aggregated pod names, both reporters of some flows, DNS to kube-dns,
// visitors from outside, and a record whose peer names nothing.
const flowLogs = "flows.calico.jsonl"

// withFlows replays the flow logs: the staged default deny's impact, the
// policies recommended for redis, worker, result and vote, their impact
// staged beside the default deny (nothing newly denied), then all of it
// enforced.
func withFlows(w io.Writer) error {
	base := []string{"cluster.yaml", "tiers.yaml", "staged-default-deny.yaml", "db-policy.yaml"}
	set, err := loadFiles(base...)
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "\n5. The staged default deny's impact over the flow logs: what it would block if enforced")
	if err := impact(w, set); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n6. Recommended policies for redis, worker, result and vote, staged (testdata/recommended.yaml)")
	recommended, err := recommend(set, false)
	if err != nil {
		return err
	}
	var yaml bytes.Buffer
	if err := policy.Encode(&yaml, model.Set{Policies: recommended}, "yaml"); err != nil {
		return err
	}
	for _, p := range recommended {
		fmt.Fprintf(w, "  %s %s/%s: %d ingress and %d egress rules\n", p.Kind, p.Namespace, p.Name, len(p.Ingress), len(p.Egress))
	}

	fmt.Fprintln(w, "\n7. Their impact, staged beside the default deny: nothing is newly denied")
	staged := set
	staged.Policies = append(append([]model.Policy(nil), set.Policies...), recommended...)
	if err := impact(w, staged); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n8. Enforced: the recommended policies and the default deny")
	enforcedPolicies, err := recommend(set, true)
	if err != nil {
		return err
	}
	final, err := loadFiles("cluster.yaml", "tiers.yaml", "db-policy.yaml", "default-deny.yaml")
	if err != nil {
		return err
	}
	final.Policies = append(final.Policies, enforcedPolicies...)
	if err := impactEnforced(w, set, final); err != nil {
		return err
	}
	recommendedYAML = yaml.String()
	return nil
}

// recommendedYAML is what step 6 wrote, for the golden test.
var recommendedYAML string

func loadFiles(names ...string) (model.Set, error) {
	l := policy.NewLoader()
	for _, n := range names {
		data, err := files.ReadFile(n)
		if err != nil {
			return model.Set{}, err
		}
		if err := l.Add(n, bytes.NewReader(data)); err != nil {
			return model.Set{}, err
		}
	}
	res, err := l.Finish()
	if err != nil {
		return model.Set{}, err
	}
	return res.Set, nil
}

func readers() ([]*flowlog.Reader, error) {
	data, err := files.ReadFile(flowLogs)
	if err != nil {
		return nil, err
	}
	r, err := flowlog.NewReader(bytes.NewReader(data), flowLogs, flowlog.Auto)
	if err != nil {
		return nil, err
	}
	return []*flowlog.Reader{r}, nil
}

// impact replays the logs against the set's enforced and pending
// verdicts, as "verdict impact" does.
func impact(w io.Writer, set model.Set) error {
	r, err := analysis.NewReplayer(set, analysis.ModePending, nil, nil)
	if err != nil {
		return err
	}
	return replay(w, r, "pending")
}

// impactEnforced replays the logs against the enforced verdicts before and
// after, as "verdict impact --candidate" does.
func impactEnforced(w io.Writer, before, after model.Set) error {
	r, err := analysis.NewReplayer(before, analysis.ModeCandidate, &after, nil)
	if err != nil {
		return err
	}
	return replay(w, r, "candidate")
}

func replay(w io.Writer, r *analysis.Replayer, mode string) error {
	rds, err := readers()
	if err != nil {
		return err
	}
	imp, err := r.Run(rds, analysis.Options{Workers: 1})
	if err != nil {
		return err
	}
	rep := imp.Report(mode, 0)
	s := rep.Summary
	fmt.Fprintf(w, "  %d records, %d flows: %d newly denied, %d newly allowed, %d unresolved\n", s.Records, s.Flows, s.NewlyDenied, s.NewlyAllowed, s.Unresolved)
	for _, c := range rep.Changes {
		by := "the end of the profiles"
		if c.Hit != nil {
			by = fmt.Sprintf("%s %s (tier %s)", c.Hit.Kind, c.Hit.Name, c.Hit.Tier)
			if c.Hit.Index < 0 {
				by += " default action"
			}
		}
		fmt.Fprintf(w, "  %s %s -> %s %s/%d: %d flows, at %s by %s\n", strings.ToLower(strings.ReplaceAll(c.Change, "newly", "newly ")), c.Source, c.Destination, c.Protocol, c.Port, c.Connections, strings.ToLower(c.Side), by)
	}
	for _, u := range rep.Unresolved {
		fmt.Fprintf(w, "  unresolved: %s (%d flows)\n", u.Peer, u.Flows)
	}
	return nil
}

// recommend writes the policies for redis, worker, result and vote from
// the logs, as "verdict recommend --namespace vote --selector ..." does.
func recommend(set model.Set, enforce bool) ([]model.Policy, error) {
	r, err := analysis.NewRecommender(set, analysis.RecommendOptions{
		Namespace: "vote",
		Selector:  selector.MustParse("app in {'redis', 'worker', 'result', 'vote'}"),
		Enforce:   enforce,
	})
	if err != nil {
		return nil, err
	}
	rds, err := readers()
	if err != nil {
		return nil, err
	}
	obs, err := analysis.Stream(rds, analysis.Options{Workers: 1}, analysis.NewObserved, r.Add, func(a, b *analysis.Observed) { a.Merge(b) })
	if err != nil {
		return nil, err
	}
	return r.Policies(obs), nil
}
