package main

import (
	"io"
	"net/netip"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
	"github.com/verdictlabs/verdict/selector"
)

type lintOptions struct {
	files, before []string
	dnsSelector   string
	apiServer     string
	output        string
}

func newLintCmd() *cobra.Command {
	var o lintOptions
	cmd := &cobra.Command{
		Use:     "lint [-f] FILE|DIR... [--before FILE|DIR...] [flags]",
		Example: "  verdict lint -f examples/tiers-staged",
		Short:   "Find likely mistakes in policy: dead selectors, shadowed rules, lost DNS",
		Long: `lint loads policy resources as eval does and reports what is most likely a
mistake, each finding with its file, document, resource and field path:

  selector-matches-nothing  (warning) a policy or rule selector matches nothing
  selector-matches-all      (info)    a selector other than all() matches its whole scope
  no-endpoints              (info)    the input holds no endpoints; checks needing them are skipped
  rule-shadowed             (warning) an earlier rule takes every packet of this one
  rule-after-unconditional  (warning) the rule follows a criterion-less Allow, Deny or Pass
  named-port-unknown        (warning) no endpoint the rule can match declares the port
  types-without-rules       (info)    a governed direction without rules
  log-only                  (warning) only Log rules, in a tier that denies by default
  dns-unreachable           (warning) endpoints under egress policy reach no DNS server
  dns-cut, apiserver-cut    (warning) with --before: endpoints lost DNS or the API server
  dns-target-unknown, apiserver-target-unknown (info) nothing to check against

DNS servers are the EndpointSlices of Service kube-system/kube-dns, else the
kube-system endpoints labelled k8s-app=kube-dns, or those --dns-selector
matches. The API server is the EndpointSlice of Service default/kubernetes, or
--apiserver.

Exit status: 1 when any warning is reported, else 0; 2 for bad flags,
unreadable files or problems in them.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runLint(cmd, &o)
		},
	}
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	f.StringArrayVar(&o.before, "before", nil, "file or directory of the set the input replaces (repeatable)")
	f.StringVar(&o.dnsSelector, "dns-selector", "", "selector of the DNS server endpoints")
	f.StringVar(&o.apiServer, "apiserver", "", "API server address and port after DNAT, as ADDR:PORT")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, json or yaml")
	return cmd
}

func runLint(cmd *cobra.Command, o *lintOptions) error {
	if err := checkFormat(o.output, "table", "json", "yaml"); err != nil {
		return err
	}
	var opts analysis.LintOptions
	if o.dnsSelector != "" {
		sel, err := selector.Parse(o.dnsSelector)
		if err != nil {
			return usageError("--dns-selector: %v", err)
		}
		opts.DNSSelector = sel
	}
	if o.apiServer != "" {
		ap, err := netip.ParseAddrPort(o.apiServer)
		if err != nil {
			return usageError("--apiserver: want ADDR:PORT: %v", err)
		}
		opts.APIServer = ap
	}
	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	if len(o.before) > 0 {
		before, err := loadChecked(cmd, "--before", o.before)
		if err != nil {
			return err
		}
		opts.Before = &before.Set
	}
	opts.Origin = func(k model.Key) (string, int) {
		orig := res.Origins[k]
		return orig.File, orig.Document
	}
	findings, err := analysis.Lint(res.Set, opts)
	if err != nil {
		return inputError(err)
	}
	out := cmd.OutOrStdout()
	if o.output == "table" {
		writeFindings(out, findings)
	} else {
		if findings == nil {
			findings = []analysis.Finding{}
		}
		if err := writeStructured(out, o.output, struct {
			Findings []analysis.Finding `json:"findings"`
		}{findings}); err != nil {
			return err
		}
	}
	for _, f := range findings {
		if f.Severity == analysis.Warning {
			return answerNo()
		}
	}
	return nil
}

// writeFindings writes one line per finding (where, severity, code,
// resource, field, message) and its related items below it.
func writeFindings(w io.Writer, findings []analysis.Finding) {
	warnings := 0
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range findings {
		if f.Severity == analysis.Warning {
			warnings++
		}
		where := f.File
		if f.Document > 0 {
			where += ":" + strconv.Itoa(f.Document)
		}
		resource := ""
		if f.Kind != "" {
			resource = model.Key{Kind: f.Kind, Namespace: f.Namespace, Name: f.Name}.String()
		}
		printable.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", orDash(where), f.Severity, f.Code, orDash(resource), orDash(f.Path), f.Message)
		for _, r := range f.Related {
			printable.Fprintf(tw, "\t\t\t\t\t  related: %s\n", r)
		}
	}
	tw.Flush()
	printable.Fprintf(w, "%d findings: %d warnings, %d infos\n", len(findings), warnings, len(findings)-warnings)
}
