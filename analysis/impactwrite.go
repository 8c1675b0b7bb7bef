package analysis

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/verdictlabs/verdict/internal/printable"
	"github.com/verdictlabs/verdict/model"
)

// ImpactFormats are the formats WriteImpact writes.
var ImpactFormats = []string{"table", "json", "yaml", "markdown"}

// WriteImpact writes the report as "verdict impact -o format" prints it:
// a table, JSON, YAML or Markdown. It lives here rather than in the
// command so that every program replaying flows (the CLI, the Beam
// pipeline) prints byte for byte the same report.
func WriteImpact(w io.Writer, r ImpactReport, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "yaml":
		b, err := yaml.Marshal(r)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	case "markdown":
		writeImpactMarkdown(w, r)
		return nil
	case "table":
		writeImpactTable(w, r)
		return nil
	}
	return fmt.Errorf("unknown impact format %q (want table, json, yaml or markdown)", format)
}

// SummaryLine is the report's counts in one sentence.
func SummaryLine(s Summary) string {
	return fmt.Sprintf("%d records, %d flows: %d newly denied, %d newly allowed, %d unresolved, %d logged otherwise than enforced",
		s.Records, s.Flows, s.NewlyDenied, s.NewlyAllowed, s.Unresolved, s.ObservedMismatch)
}

func writeImpactTable(w io.Writer, r ImpactReport) {
	printable.Fprintf(w, "impact (%s): %s\n", r.Mode, SummaryLine(r.Summary))
	if len(r.Changes) > 0 {
		printable.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		printable.Fprintf(tw, "CHANGE\tSOURCE\tDESTINATION\tPROTO\tPORT\tFLOWS\tRECORDS\tFIRST SEEN\tLAST SEEN\tDECIDED BY\n")
		for _, c := range r.Changes {
			printable.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", changeWord(c.Change), c.Source, c.Destination, c.Protocol, portText(c.Port),
				c.Connections, c.Records, timeText(c.FirstSeen), timeText(c.LastSeen), changeHit(c))
		}
		tw.Flush()
	}
	writeUnresolved(w, r.Unresolved)
}

func writeUnresolved(w io.Writer, peers []UnresolvedPeer) {
	if len(peers) == 0 {
		return
	}
	printable.Fprintf(w, "\nunresolved peers (named nothing in the files; not replayed):\n")
	for i, p := range peers {
		if i == 20 {
			printable.Fprintf(w, "  ... and %d more\n", len(peers)-i)
			break
		}
		printable.Fprintf(w, "  %s: %d flows\n", p.Peer, p.Flows)
	}
}

func writeImpactMarkdown(w io.Writer, r ImpactReport) {
	printable.Fprintf(w, "### Policy impact (%s)\n\n%s.\n", r.Mode, SummaryLine(r.Summary))
	if len(r.Changes) > 0 {
		printable.Fprintf(w, "\n| Change | Source | Destination | Protocol | Port | Flows | Records | First seen | Last seen | Decided by |\n")
		printable.Fprintln(w, "|---|---|---|---|---|---:|---:|---|---|---|")
		for _, c := range r.Changes {
			printable.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %d | %s | %s | %s |\n", changeWord(c.Change), mdEscape(c.Source), mdEscape(c.Destination), c.Protocol, portText(c.Port),
				c.Connections, c.Records, timeText(c.FirstSeen), timeText(c.LastSeen), mdEscape(changeHit(c)))
		}
	}
	if len(r.Unresolved) > 0 {
		printable.Fprintf(w, "\n| Unresolved peer | Flows |\n|---|---:|\n")
		for _, p := range r.Unresolved {
			printable.Fprintf(w, "| %s | %d |\n", mdEscape(p.Peer), p.Flows)
		}
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func changeWord(c string) string {
	if c == NewlyDenied {
		return "newly denied"
	}
	return "newly allowed"
}

func portText(p uint16) string {
	if p == 0 {
		return "-"
	}
	return strconv.Itoa(int(p))
}

func timeText(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func changeHit(c Change) string {
	side := strings.ToLower(c.Side)
	if c.Hit == nil {
		return side + ": the end of the profiles"
	}
	return side + ": " + DescribeHit(*c.Hit)
}

// DescribeHit names a hit in a sentence's words: "NetworkPolicy vote/db
// rule 0 (tier platform): Allow", or "tier default action" for a tier's
// end.
func DescribeHit(h model.Hit) string {
	rule := "rule " + strconv.Itoa(h.Index)
	if h.Index < 0 {
		rule = "tier default action"
	}
	name := h.Name
	if h.Namespace != "" {
		name = h.Namespace + "/" + h.Name
	}
	return fmt.Sprintf("%s %s %s (tier %s): %s", h.Kind, name, rule, h.Tier, h.Action)
}
