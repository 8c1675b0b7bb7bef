package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// point is one figure of a series: endpoints and the measured value.
type point struct{ x, y float64 }

// series is one line of a plot.
type series struct {
	name   string
	color  string
	points []point
}

// Plot writes an SVG of two panels: nanoseconds per flow against cluster
// size for both evaluators, and the live heap a compiled engine holds
// against its endpoints. Both axes are logarithmic, since sizes grow by
// tens.
func Plot(w io.Writer, r *Run, short bool) {
	sizes := map[string]float64{"1k": 1e3, "10k": 1e4, "100k": 1e5}
	latency := []series{{name: "compiled", color: "#1f77b4"}, {name: "reference", color: "#d62728"}}
	for i := range latency {
		for _, name := range []string{"1k", "10k", "100k"} {
			if v, ok := r.Metric("BenchmarkCluster/"+latency[i].name+"/"+name, "ns/op"); ok {
				latency[i].points = append(latency[i].points, point{sizes[name], v})
			}
		}
	}
	coldstart := 250_000.0
	if short {
		coldstart = 10_000
	}
	memory := []series{{name: "compiled heap (MB)", color: "#2ca02c"}}
	for _, m := range []struct {
		bench string
		x     float64
	}{{"BenchmarkCompile/cluster100k", 1e5}, {"BenchmarkCompile/coldstart", coldstart}} {
		if v, ok := r.Metric(m.bench, "heap-MB"); ok && v > 0 {
			memory[0].points = append(memory[0].points, point{m.x, v})
		}
	}
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="340" font-family="sans-serif" font-size="12">`+"\n")
	fmt.Fprintf(w, `<rect width="900" height="340" fill="white"/>`+"\n")
	panel(w, 0, "Cluster: ns per flow", latency)
	panel(w, 450, "Compile: live heap (MB)", memory)
	fmt.Fprintln(w, "</svg>")
}

// panel draws one log-log plot with its left edge at x0.
func panel(w io.Writer, x0 float64, title string, ss []series) {
	const left, top, width, height = 60.0, 40.0, 360.0, 240.0
	fmt.Fprintf(w, `<text x="%g" y="20" font-size="14">%s</text>`+"\n", x0+left, title)
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, p := range s.points {
			xlo, xhi = math.Min(xlo, p.x), math.Max(xhi, p.x)
			ylo, yhi = math.Min(ylo, p.y), math.Max(yhi, p.y)
		}
	}
	fmt.Fprintf(w, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>`+"\n", x0+left, top, width, height)
	if math.IsInf(xlo, 1) {
		fmt.Fprintf(w, `<text x="%g" y="%g" fill="#888">not measured in this run</text>`+"\n", x0+left+20, top+height/2)
		return
	}
	// Whole decades around the data keep the gridlines on round numbers.
	dxlo, dxhi := math.Floor(math.Log10(xlo)), math.Ceil(math.Log10(xhi))
	dylo, dyhi := math.Floor(math.Log10(ylo)), math.Ceil(math.Log10(yhi))
	dxhi, dyhi = math.Max(dxhi, dxlo+1), math.Max(dyhi, dylo+1)
	px := func(x float64) float64 { return x0 + left + (math.Log10(x)-dxlo)/(dxhi-dxlo)*width }
	py := func(y float64) float64 { return top + height - (math.Log10(y)-dylo)/(dyhi-dylo)*height }
	for d := dxlo; d <= dxhi; d++ {
		x := px(math.Pow(10, d))
		fmt.Fprintf(w, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#eee"/>`+"\n", x, top, x, top+height)
		fmt.Fprintf(w, `<text x="%.1f" y="%g" text-anchor="middle">%s</text>`+"\n", x, top+height+16, decade(d))
	}
	for d := dylo; d <= dyhi; d++ {
		y := py(math.Pow(10, d))
		fmt.Fprintf(w, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#eee"/>`+"\n", x0+left, y, x0+left+width, y)
		fmt.Fprintf(w, `<text x="%g" y="%.1f" text-anchor="end">%s</text>`+"\n", x0+left-6, y+4, decade(d))
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle">endpoints</text>`+"\n", x0+left+width/2, top+height+32)
	for i, s := range ss {
		var pts []string
		for _, p := range s.points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p.x), py(p.y)))
			fmt.Fprintf(w, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", px(p.x), py(p.y), s.color)
		}
		fmt.Fprintf(w, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.color)
		fmt.Fprintf(w, `<text x="%g" y="%d" fill="%s">%s</text>`+"\n", x0+left+8, int(top)+16+16*i, s.color, s.name)
	}
}

// decade labels 10^d the way the benchmark names count: 1k, 10M.
func decade(d float64) string {
	n := int(d)
	prefixes := []string{"", "k", "M", "G", "T"}
	if n < 0 || n/3 >= len(prefixes) {
		return fmt.Sprintf("1e%d", n)
	}
	return fmt.Sprintf("%d%s", int(math.Pow10(n%3)), prefixes[n/3])
}
