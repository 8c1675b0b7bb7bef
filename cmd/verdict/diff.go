package main

import (
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/internal/printable"
)

type diffOptions struct {
	before, after []string
	flags         matrixFlags
	output        string
}

func newDiffCmd() *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:     "diff --before FILE|DIR... --after FILE|DIR... [matrix flags]",
		Example: "  verdict diff --before old/ --after new/",
		Short:   "Review a change by its effect: the matrix cells it changes",
		Long: `diff computes the connectivity matrix (see matrix) of two complete sets of
resources and lists the cells that change, groups matched by name: access
removed (allow to deny or partial, partial to deny), access added, and the
groups found on one side only. Both sides ask about the same ports: those
--ports names, else every port rules of either side name. -o markdown writes
"Access removed" and "Access added" tables for a pull-request comment.

Exit status: 1 when access was removed, else 0; 2 for bad flags, unreadable
files or problems in them.`,
		Args: argCount(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDiff(cmd, &o) },
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.before, "before", nil, "file or directory of the set before the change (repeatable)")
	f.StringArrayVar(&o.after, "after", nil, "file or directory of the set after the change (repeatable)")
	f.BoolP(recursiveFlag, "R", false, "read the directories below a directory given too")
	o.flags.register(f)
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, json, yaml or markdown")
	return cmd
}

func runDiff(cmd *cobra.Command, o *diffOptions) error {
	if err := checkFormat(o.output, "table", "json", "yaml", "markdown"); err != nil {
		return err
	}
	opts, err := o.flags.options()
	if err != nil {
		return err
	}
	before, err := loadChecked(cmd, "--before", o.before)
	if err != nil {
		return err
	}
	after, err := loadChecked(cmd, "--after", o.after)
	if err != nil {
		return err
	}
	if opts.Ports == nil {
		opts.Ports = analysis.DefaultPorts(before.Set, after.Set)
	}
	bm, err := analysis.NewMatrix(before.Set, opts)
	if err != nil {
		return usageError("--before: %v", err)
	}
	am, err := analysis.NewMatrix(after.Set, opts)
	if err != nil {
		return usageError("--after: %v", err)
	}
	d := analysis.DiffMatrices(bm, am)
	out := cmd.OutOrStdout()
	switch o.output {
	case "json", "yaml":
		if err := writeStructured(out, o.output, d); err != nil {
			return err
		}
	case "markdown":
		writeDiffMarkdown(out, d)
	default:
		writeDiffTable(out, d)
	}
	if len(d.Removed) > 0 {
		return answerNo()
	}
	return nil
}

func writeDiffTable(w io.Writer, d *analysis.MatrixDiff) {
	for _, part := range []struct {
		title string
		cells []analysis.CellChange
	}{{"access removed", d.Removed}, {"access added", d.Added}} {
		printable.Fprintf(w, "%s: %d\n", part.title, len(part.cells))
		if len(part.cells) == 0 {
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		printable.Fprintf(tw, "  SOURCE\tDESTINATION\tPORT\tBEFORE\tAFTER\n")
		for _, c := range part.cells {
			printable.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", c.Source, c.Destination, c.Port, c.Before, c.After)
		}
		tw.Flush()
	}
	for _, g := range []struct {
		title string
		names []string
	}{{"groups only before", d.OnlyBefore}, {"groups only after", d.OnlyAfter}} {
		if len(g.names) > 0 {
			printable.Fprintf(w, "%s: %s\n", g.title, strings.Join(g.names, ", "))
		}
	}
}

// writeDiffMarkdown writes the diff for a pull-request comment.
func writeDiffMarkdown(w io.Writer, d *analysis.MatrixDiff) {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	for i, part := range []struct {
		title string
		cells []analysis.CellChange
	}{{"Access removed", d.Removed}, {"Access added", d.Added}} {
		if i > 0 {
			printable.Fprintln(w)
		}
		printable.Fprintf(w, "### %s\n\n", part.title)
		if len(part.cells) == 0 {
			printable.Fprintln(w, "None.")
			continue
		}
		printable.Fprintln(w, "| source | destination | port | before | after |")
		printable.Fprintln(w, "| --- | --- | --- | --- | --- |")
		for _, c := range part.cells {
			printable.Fprintf(w, "| `%s` | `%s` | %s | %s | %s |\n", esc(c.Source), esc(c.Destination), c.Port, c.Before, c.After)
		}
	}
	for _, g := range []struct {
		title string
		names []string
	}{{"Groups only before", d.OnlyBefore}, {"Groups only after", d.OnlyAfter}} {
		if len(g.names) == 0 {
			continue
		}
		printable.Fprintf(w, "\n### %s\n\n", g.title)
		for _, n := range g.names {
			printable.Fprintf(w, "- `%s`\n", esc(n))
		}
	}
}
