package main

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/verdictlabs/verdict/analysis"
	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/selector"
)

// matrixFlags are the flags matrix and diff share.
type matrixFlags struct {
	groupBy   []string
	ports     string
	from, to  string
	namespace string
	staged    bool
}

func (m *matrixFlags) register(f *pflag.FlagSet) {
	f.StringSliceVar(&m.groupBy, "group-by", nil, "label keys to group endpoints by (default: each class's own labels)")
	f.StringVar(&m.ports, "ports", "", "protocols and ports to ask about, as tcp/5432,udp/53,icmp,tcp/other (default: every port rules name, plus other)")
	f.StringVar(&m.from, "from", "", "selector of the source rows, on effective labels")
	f.StringVar(&m.to, "to", "", "selector of the destination columns, on effective labels")
	f.StringVar(&m.namespace, "namespace", "", "keep only endpoints and network sets of this namespace, on both sides")
	f.BoolVar(&m.staged, "staged", false, "use the pending verdict (staged policies enforced)")
}

// options reads the flags into matrix options.
func (m *matrixFlags) options() (analysis.MatrixOptions, error) {
	opts := analysis.MatrixOptions{GroupBy: m.groupBy, Namespace: m.namespace, Staged: m.staged}
	if m.ports != "" {
		ports, err := analysis.ParsePorts(m.ports)
		if err != nil {
			return opts, usageError("--ports: %v", err)
		}
		opts.Ports = ports
	}
	for _, s := range []struct {
		flag, text string
		dst        **selector.Selector
	}{{"--from", m.from, &opts.From}, {"--to", m.to, &opts.To}} {
		if s.text == "" {
			continue
		}
		sel, err := selector.Parse(s.text)
		if err != nil {
			return opts, usageError("%s: %v", s.flag, err)
		}
		*s.dst = sel
	}
	return opts, nil
}

type matrixOptions struct {
	files  []string
	flags  matrixFlags
	output string
}

func newMatrixCmd() *cobra.Command {
	var o matrixOptions
	cmd := &cobra.Command{
		Use:     "matrix [-f] FILE|DIR... [flags]",
		Example: "  verdict matrix -f examples/tiers-staged",
		Short:   "Who can reach whom: the connectivity matrix of groups and ports",
		Long: `matrix loads policy resources as eval does and decides, per source group,
destination group, protocol and port, egress at the source, ingress at the
destination and both: allow, deny, or partial when the endpoints or IP families
of the groups disagree. Every cell is the verdict of real flows between the
groups' endpoints (from source port 49152).

Groups are the endpoints' classes (endpoints every verdict treats alike)
merged by name: namespace/ and each --group-by key as k=v (!k when missing),
or all of a class's own labels without --group-by. Network sets are groups
too, as peers. Ports default to each port rules name (named ports as the
endpoints declare them, ranges by their ends) plus "other" per protocol, a
port no rule names.

Formats: table, csv (header source,destination,protocol,port,egress,ingress,verdict),
json, yaml, dot (an edge per allowed or partial path) and svg (the grid).

Exit status: 0, or 2 for bad flags, unreadable files or problems in them.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.files = withArgs(o.files, args)
			return runMatrix(cmd, &o)
		},
	}
	f := cmd.Flags()
	addFileFlags(cmd, &o.files, "file or directory of policy resources (repeatable; - for standard input); files may also be given as arguments")
	o.flags.register(f)
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, csv, json, yaml, dot or svg")
	return cmd
}

func runMatrix(cmd *cobra.Command, o *matrixOptions) error {
	if err := checkFormat(o.output, "table", "csv", "json", "yaml", "dot", "svg"); err != nil {
		return err
	}
	opts, err := o.flags.options()
	if err != nil {
		return err
	}
	res, err := loadChecked(cmd, "-f", o.files)
	if err != nil {
		return err
	}
	m, err := analysis.NewMatrix(res.Set, opts)
	if err != nil {
		return inputError(err)
	}
	return writeMatrix(cmd.OutOrStdout(), m, o.output)
}

// matrixRow is one cell as the table, CSV, JSON and YAML show it.
type matrixRow struct {
	Source      string `json:"source"`
	Destination string `json:"destination"`
	Protocol    string `json:"protocol"`
	Port        string `json:"port"`
	Egress      string `json:"egress"`
	Ingress     string `json:"ingress"`
	Verdict     string `json:"verdict"`
}

func matrixRows(m *analysis.Matrix) []matrixRow {
	rows := make([]matrixRow, 0, len(m.Cells))
	for _, c := range m.Cells {
		p := m.Ports[c.Port]
		rows = append(rows, matrixRow{
			Source: m.Sources[c.Source].Name, Destination: m.Destinations[c.Destination].Name,
			Protocol: p.ProtocolLabel(), Port: p.PortLabel(),
			Egress: c.Egress.String(), Ingress: c.Ingress.String(), Verdict: c.Verdict.String(),
		})
	}
	return rows
}

// groupReport is a row or column group in JSON and YAML.
type groupReport struct {
	Name       string `json:"name"`
	Namespace  string `json:"namespace,omitempty"`
	Members    int    `json:"members"`
	NetworkSet bool   `json:"networkSet,omitempty"`
}

func groupReports(gs []analysis.ClassGroup) []groupReport {
	out := make([]groupReport, 0, len(gs))
	for _, g := range gs {
		out = append(out, groupReport{Name: g.Name, Namespace: g.Namespace, Members: g.Members, NetworkSet: g.NetworkSet != nil})
	}
	return out
}

func writeMatrix(w io.Writer, m *analysis.Matrix, format string) error {
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"source", "destination", "protocol", "port", "egress", "ingress", "verdict"})
		for _, r := range matrixRows(m) {
			cw.Write([]string{r.Source, r.Destination, r.Protocol, r.Port, r.Egress, r.Ingress, r.Verdict})
		}
		cw.Flush()
		return cw.Error()
	case "json", "yaml":
		var ports []string
		for _, p := range m.Ports {
			ports = append(ports, p.String())
		}
		return writeStructured(w, format, struct {
			Staged       bool          `json:"staged"`
			Sources      []groupReport `json:"sources"`
			Destinations []groupReport `json:"destinations"`
			Ports        []string      `json:"ports"`
			Cells        []matrixRow   `json:"cells"`
		}{m.Staged, groupReports(m.Sources), groupReports(m.Destinations), ports, matrixRows(m)})
	case "dot":
		return writeDOT(w, m)
	case "svg":
		return m.WriteSVG(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	printable.Fprintf(tw, "SOURCE\tDESTINATION\tPROTOCOL\tPORT\tEGRESS\tINGRESS\tVERDICT\n")
	for _, r := range matrixRows(m) {
		printable.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Source, r.Destination, r.Protocol, orDash(r.Port), r.Egress, r.Ingress, r.Verdict)
	}
	return tw.Flush()
}

// writeDOT writes a Graphviz digraph: a node per group, an edge per
// source and destination with an allowed or partial cell, labelled by
// those ports (partial ones marked) and dashed when none is fully allowed.
func writeDOT(w io.Writer, m *analysis.Matrix) error {
	var b strings.Builder
	b.WriteString("digraph matrix {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n")
	ids := map[string]string{}
	node := func(g analysis.ClassGroup) string {
		if id, ok := ids[g.Name]; ok {
			return id
		}
		id := "n" + strconv.Itoa(len(ids))
		ids[g.Name] = id
		shape := ""
		if g.NetworkSet != nil {
			shape = ", shape=ellipse"
		}
		printable.Fprintf(&b, "  %s [label=%s%s];\n", id, strconv.Quote(g.Name), shape)
		return id
	}
	for _, g := range m.Sources {
		node(g)
	}
	for _, g := range m.Destinations {
		node(g)
	}
	type edge struct{ src, dst int }
	var order []edge
	labels := map[edge][]string{}
	full := map[edge]bool{}
	for _, c := range m.Cells {
		if c.Verdict != analysis.AccessAllow && c.Verdict != analysis.AccessPartial {
			continue
		}
		e := edge{c.Source, c.Destination}
		if _, seen := labels[e]; !seen {
			order = append(order, e)
		}
		l := m.Ports[c.Port].String()
		if c.Verdict == analysis.AccessPartial {
			l += " (partial)"
		} else {
			full[e] = true
		}
		labels[e] = append(labels[e], l)
	}
	for _, e := range order {
		style := ""
		if !full[e] {
			style = ", style=dashed"
		}
		printable.Fprintf(&b, "  %s -> %s [label=%s%s];\n", ids[m.Sources[e.src].Name], ids[m.Destinations[e.dst].Name], strconv.Quote(strings.Join(labels[e], "\n")), style)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
