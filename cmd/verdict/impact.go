package main

import (
	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/model"
)

type impactOptions struct {
	flowsOptions
	asApplied bool
	candidate []string
	maxGroups int
	output    string
	workers   int
}

func newImpactCmd() *cobra.Command {
	var o impactOptions
	cmd := &cobra.Command{
		Use:     "impact [-f] FILE|DIR... --flows FILE... [--as-applied | --candidate FILE|DIR...] [flags]",
		Example: "  verdict impact -f examples/tiers-staged --flows examples/tiers-staged/flows.calico.jsonl",
		Short:   "Replay logged flows and show what staged or candidate policy would change",
		Long: `impact replays every flow record against two verdicts and lists the flows
whose verdict changes, grouped by source and destination workload group,
protocol and port, with where and by which hit the new verdict is decided.

The two verdicts are, by default, the enforced and the pending verdict of the
resources given with -f, as Calico's staged policies report them: staged Set,
Learn and Ignore policies take part in the pending verdict, a staged Delete in
neither. With --as-applied, the enforced verdict against that of the same
resources with every staged policy applied: it replaces the enforced policy of
its enforced kind, namespace and name, and a staged Delete removes it. With
--candidate, the enforced verdict against that of -f with the candidate's
resources added or replacing those of the same kind, namespace and name.

Records (--flows, "-" for standard input, gzip read as such) are in Verdict's
JSON lines or CSV, Calico Enterprise or Cloud flow logs, or goldmane's Flow as
protojson (--flows-format; auto tells them by extension, then by the first
record's keys). A side resolves by address, else namespace/name, else an
aggregated name prefix ("redis-5f6b-*") with the logged labels; an address no
endpoint owns is an outside peer; anything else is unresolved, counted and
listed, never guessed. Groups are the namespace and --group-by's labels
(default: the first of app.kubernetes.io/name, app, k8s-app, else every label
but hashes); outside peers by network set, else address; beyond --max-groups
the rest are "other".

Summary counts are of flows (a record's count), a flow logged by both its
ends counted once; observedMismatch counts flows whose logged action differs
from the enforced verdict at the end that logged it.

Exit status: 1 when a flow allowed before is denied after, else 0; 2 for bad
flags, unreadable input or a bad record (named by file and line).`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runImpact(cmd, &o)
		},
	}
	addFlowsFlags(cmd, &o.flowsOptions)
	f := cmd.Flags()
	f.BoolVar(&o.asApplied, "as-applied", false, "compare with the staged policies applied instead of the pending verdict")
	f.StringArrayVar(&o.candidate, "candidate", nil, "file or directory of candidate resources to compare with (repeatable)")
	f.IntVar(&o.maxGroups, "max-groups", 50, "most groups named in the changes; the rest are \"other\" (0 for no limit)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, json, yaml or markdown")
	f.IntVar(&o.workers, "workers", 0, "goroutines replaying records (default: one per CPU)")
	return cmd
}

func runImpact(cmd *cobra.Command, o *impactOptions) error {
	switch {
	case o.output != "table" && o.output != "json" && o.output != "yaml" && o.output != "markdown":
		return usageError("-o must be table, json, yaml or markdown, not %q", o.output)
	case o.asApplied && len(o.candidate) > 0:
		return usageError("--as-applied and --candidate cannot be given together")
	case o.maxGroups < 0:
		return usageError("--max-groups must not be negative")
	}
	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	mode := analysis.ModePending
	var after *model.Set
	switch {
	case o.asApplied:
		mode = analysis.ModeAsApplied
		s := analysis.AsApplied(res.Set, res.StagedDeletes)
		after = &s
	case len(o.candidate) > 0:
		mode = analysis.ModeCandidate
		cand, err := loadChecked(cmd, "--candidate", o.candidate)
		if err != nil {
			return err
		}
		s := analysis.WithUpserts(res.Set, cand.Set)
		after = &s
	}
	r, err := analysis.NewReplayer(res.Set, mode, after, o.groupBy)
	if err != nil {
		return inputError(err)
	}
	imp, err := readFlows(cmd, &o.flowsOptions, o.workers, r.Run)
	if err != nil {
		return err
	}
	report := imp.Report(string(mode), o.maxGroups)
	if err := analysis.WriteImpact(cmd.OutOrStdout(), report, o.output); err != nil {
		return err
	}
	if report.Summary.NewlyDenied > 0 {
		return answerNo()
	}
	return nil
}
