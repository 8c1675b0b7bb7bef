package main

import (
	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/analysis/flowlog"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/policy"
	"github.com/verdictlabs/verdict/selector"
)

type recommendOptions struct {
	flowsOptions
	namespace     string
	selector      string
	tier          string
	enforce       bool
	exact         bool
	includeDenied bool
	output        string
	workers       int
}

func newRecommendCmd() *cobra.Command {
	var o recommendOptions
	cmd := &cobra.Command{
		Use:     "recommend [-f] FILE|DIR... --flows FILE... --namespace NS [flags]",
		Example: "  verdict recommend -f examples/tiers-staged --flows examples/tiers-staged/flows.calico.jsonl --namespace vote",
		Short:   "Write a policy per workload of a namespace from observed traffic",
		Long: `recommend reads flow records as impact does and writes one policy per workload
group of --namespace (or of the workloads --selector selects there), named
after the group, in tier default or --tier (which must be in the inputs), with
types Ingress and Egress. Policies are StagedNetworkPolicy, so that their impact
can be seen before they are enforced, or NetworkPolicy with --enforce.

Only records logged as allowed, or without an action, count, unless
--include-denied. Peers in the namespace are selected by their group's labels,
in other namespaces with a namespaceSelector on projectcalico.org/name,
labelled network sets by their labels, and other outside peers by address (/32
or /128). Observed ports of one peer and protocol merge into ranges when
consecutive. DNS to kube-dns follows from the grouping like any other peer.
With --exact, each rule admits exactly one observed (source address,
destination address, protocol, port) tuple. A workload with no observed flow
gets a policy without rules, which denies both ways.

Exit status: 0; 2 for bad flags, unreadable input, a bad record or a selection
naming no endpoint.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runRecommend(cmd, &o)
		},
	}
	addFlowsFlags(cmd, &o.flowsOptions)
	f := cmd.Flags()
	f.StringVar(&o.namespace, "namespace", "", "namespace whose workloads get policies (required)")
	f.StringVar(&o.selector, "selector", "", "only the workloads of the namespace this selector selects")
	f.StringVar(&o.tier, "tier", model.TierDefault, "tier of the policies")
	f.BoolVar(&o.enforce, "enforce", false, "write NetworkPolicy instead of StagedNetworkPolicy")
	f.BoolVar(&o.exact, "exact", false, "admit exactly the observed address, protocol and port tuples")
	f.BoolVar(&o.includeDenied, "include-denied", false, "also learn from records logged as denied")
	f.StringVarP(&o.output, "output", "o", "yaml", "output format: yaml or json")
	f.IntVar(&o.workers, "workers", 0, "goroutines reading records (default: one per CPU)")
	return cmd
}

func runRecommend(cmd *cobra.Command, o *recommendOptions) error {
	switch {
	case o.namespace == "":
		return usageError("--namespace is required")
	case o.output != "yaml" && o.output != "json":
		return usageError("-o must be yaml or json, not %q", o.output)
	}
	opts := analysis.RecommendOptions{
		Namespace: o.namespace, Tier: o.tier, Enforce: o.enforce, Exact: o.exact,
		IncludeDenied: o.includeDenied, GroupKeys: o.groupBy,
	}
	if o.selector != "" {
		sel, err := selector.Parse(o.selector)
		if err != nil {
			return usageError("--selector: %v", err)
		}
		opts.Selector = sel
	}
	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	r, err := analysis.NewRecommender(res.Set, opts)
	if err != nil {
		return inputError(err)
	}
	obs, err := readFlows(cmd, &o.flowsOptions, o.workers, func(readers []*flowlog.Reader, opts analysis.Options) (*analysis.Observed, error) {
		return analysis.Stream(readers, opts, analysis.NewObserved, r.Add, func(a, b *analysis.Observed) { a.Merge(b) })
	})
	if err != nil {
		return err
	}
	printable.Fprintf(cmd.ErrOrStderr(), "recommend: %d records read, %d used, %d unresolved; %d policies for namespace %s\n",
		obs.Records, obs.Used, obs.Unresolved, len(r.Targets()), o.namespace)
	return policy.Encode(cmd.OutOrStdout(), model.Set{Policies: r.Policies(obs)}, o.output)
}
