package analysis

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/verdictlabs/verdict/internal/printable"
)

// SVG layout, in pixels.
const (
	svgCell   = 22
	svgMargin = 10
	svgChar   = 7 // width of a label character at the font size used
)

// svgColour is each access's fill.
var svgColour = map[Access]string{
	AccessAllow:   "#3a9b4f",
	AccessDeny:    "#c8423b",
	AccessPartial: "#e0a526",
	AccessNone:    "#eeeeee",
}

// WriteSVG draws the matrix as a grid: a row per source group, a column
// per destination group, each square coloured by the verdict over every
// port (allow, deny, or partial when ports or members disagree), with the
// verdict of each port in its tooltip. It needs no Graphviz or anything
// else outside the program.
func (m *Matrix) WriteSVG(w io.Writer) error {
	rowLabel, colLabel := 0, 0
	for _, g := range m.Sources {
		rowLabel = max(rowLabel, len(g.Name))
	}
	for _, g := range m.Destinations {
		colLabel = max(colLabel, len(g.Name))
	}
	left := svgMargin + rowLabel*svgChar + 6
	top := svgMargin + colLabel*svgChar + 6
	width := left + len(m.Destinations)*svgCell + svgMargin
	height := top + len(m.Sources)*svgCell + svgMargin + 30

	type agg struct {
		access Access
		ports  []string
	}
	cells := make([]agg, len(m.Sources)*len(m.Destinations))
	for _, c := range m.Cells {
		a := &cells[c.Source*len(m.Destinations)+c.Destination]
		switch {
		case a.access == AccessNone:
			a.access = c.Verdict
		case a.access != c.Verdict:
			a.access = AccessPartial
		}
		a.ports = append(a.ports, m.Ports[c.Port].String()+" "+c.Verdict.String())
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="monospace" font-size="11">`+"\n", width, height, width, height)
	title := "connectivity matrix (enforced)"
	if m.Staged {
		title = "connectivity matrix (staged policies enforced)"
	}
	fmt.Fprintf(&b, "<title>%s</title>\n", title)
	for i, g := range m.Sources {
		y := top + i*svgCell + svgCell/2 + 4
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y, html.EscapeString(printable.String(g.Name)))
	}
	for j, g := range m.Destinations {
		x := left + j*svgCell + svgCell/2 + 4
		fmt.Fprintf(&b, `<text x="%d" y="%d" transform="rotate(-90 %d %d)">%s</text>`+"\n", x, top-6, x, top-6, html.EscapeString(printable.String(g.Name)))
	}
	for i, src := range m.Sources {
		for j, dst := range m.Destinations {
			a := cells[i*len(m.Destinations)+j]
			x, y := left+j*svgCell, top+i*svgCell
			tip := src.Name + " -> " + dst.Name
			if len(a.ports) == 0 {
				tip += ": no flow (no common IP family)"
			} else {
				tip += ": " + strings.Join(a.ports, ", ")
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ffffff"><title>%s</title></rect>`+"\n",
				x, y, svgCell, svgCell, svgColour[a.access], html.EscapeString(printable.String(tip)))
		}
	}
	ly := top + len(m.Sources)*svgCell + 20
	for k, a := range []Access{AccessAllow, AccessPartial, AccessDeny} {
		x := svgMargin + k*90
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n", x, ly-10, svgColour[a], x+16, ly, a)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
