package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

type queryOptions struct {
	files     []string
	output    string
	kind      string
	namespace string
}

func newQueryCmd() *cobra.Command {
	var o queryOptions
	cmd := &cobra.Command{
		Use:     "query endpoint|policy|selector ARG [-f] FILE|DIR... [flags]",
		Example: "  verdict query endpoint vote/db-0 -f examples/tiers-staged",
		Short:   "Reverse queries: what applies to an endpoint, what a policy or selector reaches",
		Long: `query answers questions about the resources of the files, given with -f or
as the arguments after ARG (flags may follow the arguments):

  query endpoint NS/NAME|NAME|ADDR   effective labels; per direction the tiers and
                                     policies applying, in order (staged marked);
                                     the rules naming it as a peer
  query policy [NS/]NAME [--kind K]  its tier, the endpoints it selects per
                                     direction, the entities each rule matches
  query selector EXPR [--namespace NS]  the endpoints and network sets matching,
                                     with NS as a NetworkPolicy of NS sees them

Exit status: 0 on an answer, 1 when a selector matches nothing, 2 for bad
flags, an endpoint or policy not in the files, a name two policies share
(listing both; give --kind or NS/), or a selector that does not parse.`,
	}
	pf := cmd.PersistentFlags()
	addFileFlagsTo(pf, &o.files, "file or directory of policy resources (repeatable; - for standard input); files may also follow ARG as arguments")
	pf.StringVarP(&o.output, "output", "o", "table", "output format: table, json or yaml")

	endpoint := &cobra.Command{
		Use:   "endpoint NS/NAME|NAME|ADDR [FILE|DIR...]",
		Short: "Effective labels, applicable policies and rules naming an endpoint",
		Args:  argCount(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args[1:])
			return runQuery(cmd, &o, func(set model.Set) (any, bool, error) {
				a, err := analysis.QueryEndpoint(set, args[0])
				return a, true, err
			}, func(w io.Writer, v any) { writeEndpointAnswer(w, v.(*analysis.EndpointAnswer)) })
		},
	}
	policyCmd := &cobra.Command{
		Use:   "policy [NS/]NAME [FILE|DIR...]",
		Short: "A policy's tier, the endpoints it selects and what each rule matches",
		Args:  argCount(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args[1:])
			return runQuery(cmd, &o, func(set model.Set) (any, bool, error) {
				a, err := analysis.QueryPolicy(set, args[0], o.kind)
				return a, true, err
			}, func(w io.Writer, v any) { writePolicyAnswer(w, v.(*analysis.PolicyAnswer)) })
		},
	}
	policyCmd.Flags().StringVar(&o.kind, "kind", "", "the policy's kind, when two kinds hold the name (NetworkPolicy, GlobalNetworkPolicy, ...)")
	selectorCmd := &cobra.Command{
		Use:   "selector EXPR [FILE|DIR...]",
		Short: "The endpoints and network sets a selector matches",
		Args:  argCount(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args[1:])
			sel, err := selector.Parse(args[0])
			if err != nil {
				return inputError(err)
			}
			return runQuery(cmd, &o, func(set model.Set) (any, bool, error) {
				a, err := analysis.QuerySelector(set, sel, o.namespace)
				return a, a != nil && len(a.Entities) > 0, err
			}, func(w io.Writer, v any) { writeSelectorAnswer(w, v.(*analysis.SelectorAnswer)) })
		},
	}
	selectorCmd.Flags().StringVar(&o.namespace, "namespace", "", "match as a NetworkPolicy of this namespace does")
	cmd.AddCommand(endpoint, policyCmd, selectorCmd)
	return cmd
}

func runQuery(cmd *cobra.Command, o *queryOptions, ask func(model.Set) (any, bool, error), table func(io.Writer, any)) error {
	if err := checkFormat(o.output, "table", "json", "yaml"); err != nil {
		return err
	}
	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	ans, found, err := ask(res.Set)
	if err != nil {
		// Not in the files, ambiguous (*analysis.AmbiguousError lists
		// every match) or not computable: all usage errors.
		return inputError(err)
	}
	out := cmd.OutOrStdout()
	if o.output == "table" {
		table(out, ans)
	} else if err := writeStructured(out, o.output, ans); err != nil {
		return err
	}
	if !found {
		return answerNo()
	}
	return nil
}

func writeEndpointAnswer(w io.Writer, a *analysis.EndpointAnswer) {
	printable.Fprintf(w, "endpoint   %s\n", a.Endpoint)
	printable.Fprintf(w, "addresses  %s\n", strings.Join(a.Addresses, ", "))
	printable.Fprintf(w, "labels     %s\n", labelList(a.Labels))
	for _, d := range []struct {
		name  string
		tiers []analysis.TierAnswer
	}{{"ingress", a.Ingress}, {"egress", a.Egress}} {
		if len(d.tiers) == 0 {
			printable.Fprintf(w, "%s: no policy applies (the profiles decide)\n", d.name)
			continue
		}
		printable.Fprintf(w, "%s:\n", d.name)
		for _, t := range d.tiers {
			printable.Fprintf(w, "  tier %s (default %s)\n", t.Tier, t.DefaultAction)
			for _, p := range t.Policies {
				staged := ""
				if p.Staged {
					staged = " (staged)"
				}
				printable.Fprintf(w, "    %s%s\n", p.Ref, staged)
			}
		}
	}
	if len(a.PeerOf) == 0 {
		printable.Fprintln(w, "peer of: no rule names it")
		return
	}
	printable.Fprintln(w, "peer of:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range a.PeerOf {
		staged := ""
		if r.Staged {
			staged = " (staged)"
		}
		printable.Fprintf(tw, "  %s%s\t%s\t%s\n", r.Policy, staged, r.Path, r.Action)
	}
	tw.Flush()
}

func writePolicyAnswer(w io.Writer, a *analysis.PolicyAnswer) {
	staged := ""
	if a.Staged {
		staged = " (staged)"
	}
	printable.Fprintf(w, "policy    %s%s\n", a.Policy, staged)
	printable.Fprintf(w, "tier      %s\n", a.Tier)
	printable.Fprintf(w, "selector  %s\n", a.Selector)
	for _, d := range []struct {
		name string
		refs []analysis.Ref
	}{{"ingress", a.Ingress}, {"egress", a.Egress}} {
		if d.refs == nil {
			continue
		}
		printable.Fprintf(w, "%s applies to %d endpoints%s\n", d.name, len(d.refs), refList(d.refs))
	}
	for _, r := range a.Rules {
		printable.Fprintf(w, "%s %s\n", r.Path, r.Action)
		printable.Fprintf(w, "  source       %s\n", peerString(r.Source))
		printable.Fprintf(w, "  destination  %s\n", peerString(r.Destination))
	}
}

func writeSelectorAnswer(w io.Writer, a *analysis.SelectorAnswer) {
	printable.Fprintf(w, "selector  %s\n", a.Selector)
	if len(a.Entities) == 0 {
		printable.Fprintln(w, "matches nothing")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, e := range a.Entities {
		printable.Fprintf(tw, "%s\t%s\n", e.Ref, labelList(e.Labels))
	}
	tw.Flush()
}

func peerString(p analysis.PeerAnswer) string {
	var parts []string
	if p.Any {
		parts = append(parts, "any")
	} else {
		parts = append(parts, fmt.Sprintf("%s: %d entities%s", p.Selector, len(p.Entities), refList(p.Entities)))
	}
	if len(p.Nets) > 0 {
		parts = append(parts, "nets "+strings.Join(p.Nets, ", "))
	}
	if len(p.NotNets) > 0 {
		parts = append(parts, "not nets "+strings.Join(p.NotNets, ", "))
	}
	return strings.Join(parts, "; ")
}

// refList lists up to five names after a colon.
func refList(refs []analysis.Ref) string {
	if len(refs) == 0 {
		return ""
	}
	var names []string
	for i, r := range refs {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(refs)-5))
			break
		}
		names = append(names, r.String())
	}
	return ": " + strings.Join(names, ", ")
}

func labelList(labels map[string]string) string {
	var parts []string
	for k, v := range labels {
		parts = append(parts, k+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}
