package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"path/filepath"
	"strings"
)

// The scale curve's plot: one small chart per figure, cost against size
// on a logarithmic size axis, each with its goal as a dashed line, in
// plain SVG (no script, no fonts fetched) so that README can show it.

// panel is one chart: a figure at each size.
type panel struct {
	title string
	unit  string
	xs    []float64 // sizes (posts or members)
	ys    []float64
	// goals by size: a ceiling ("at most") or a floor ("at least");
	// NaN where the issue sets none.
	goals []float64
	floor bool
}

const (
	panelW, panelH = 300, 190
	plotL, plotR   = 52, 14 // margins inside a panel
	plotT, plotB   = 34, 34
	panelsPerRow   = 3
)

// WritePlot draws sr's figures as one SVG.
func WritePlot(w io.Writer, sr *ScaleResult) error {
	ps := scalePanels(sr)
	if len(ps) == 0 {
		return fmt.Errorf("bench: plot: no figures to draw")
	}
	rows := (len(ps) + panelsPerRow - 1) / panelsPerRow
	width, height := panelsPerRow*panelW, rows*panelH+40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="t d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, "<title id=\"t\">How Praxis's costs grow with the archive and the list</title>\n<desc id=\"d\">%s</desc>\n", html.EscapeString(describe(ps)))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="12" y="22" font-size="14" font-weight="bold">praxis bench --scale (%s, %s): cost against size; dashed red: the goal</text>`+"\n", html.EscapeString(filepath.Base(sr.Corpus)), sr.Database)
	for i, p := range ps {
		x0, y0 := (i%panelsPerRow)*panelW, 40+(i/panelsPerRow)*panelH
		drawPanel(&b, p, x0, y0)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// describe says every point in words, for whoever cannot see the chart.
func describe(ps []panel) string {
	var parts []string
	for _, p := range ps {
		var pts []string
		for i := range p.xs {
			pts = append(pts, fmt.Sprintf("%s: %s", sizeLabel(p.xs[i]), valueLabel(p.ys[i])))
		}
		parts = append(parts, p.title+" ("+p.unit+") "+strings.Join(pts, ", "))
	}
	return strings.Join(parts, "; ")
}

func scalePanels(sr *ScaleResult) []panel {
	nan := math.NaN()
	var ps []panel
	archive := func(title, unit string, floor bool, get func(r *Result) *float64, goal func(replay int) float64) {
		p := panel{title: title, unit: unit, floor: floor}
		for _, r := range sr.Archive {
			if v := get(r); v != nil {
				p.xs = append(p.xs, float64(r.ArchiveMessages))
				p.ys = append(p.ys, *v)
				p.goals = append(p.goals, goal(r.Replay))
			}
		}
		if len(p.xs) > 0 {
			ps = append(ps, p)
		}
	}
	byReplay := func(g1, g10, g100 float64) func(int) float64 {
		return func(n int) float64 {
			switch {
			case n >= 100:
				return g100
			case n >= 10:
				return g10
			case n >= 1:
				return g1
			}
			return nan
		}
	}
	always := func(g float64) func(int) float64 { return func(int) float64 { return g } }
	archive("search p99, in-process", "ms", false, func(r *Result) *float64 { return r.SearchP99Ms }, byReplay(6, 6, 10))
	archive("search page p99, over HTTP", "ms", false, func(r *Result) *float64 { return r.HTTPSearchP99Ms }, byReplay(8, 10, 15))
	archive("busiest week's summary", "ms", false, func(r *Result) *float64 { return r.SummaryMs }, always(100))
	archive("import and search, peak RSS", "MB", false, func(r *Result) *float64 { return r.ImportPeakRSSMB }, always(400))
	archive("import rate", "posts/s", true, func(r *Result) *float64 { return r.IndexMsgsPerS }, always(1000))
	archive("index size / mbox size", "ratio", false, func(r *Result) *float64 { return r.IndexSizeRatio }, always(0.2))
	archive("related threads, p99", "ms", false, func(r *Result) *float64 { return r.RelatedMs }, always(20))
	archive("answers page p99, 16 clients", "ms", false, func(r *Result) *float64 { return r.AnswersP99Ms }, byReplay(50, nan, nan))
	archive("health review", "ms", false, func(r *Result) *float64 { return r.HealthMs }, always(500))
	if len(sr.Fanout) > 0 {
		rss := panel{title: "fan-out: serve's peak RSS", unit: "MB"}
		rate := panel{title: "fan-out rate", unit: "copies/s", floor: true}
		for _, f := range sr.Fanout {
			rss.xs, rss.ys, rss.goals = append(rss.xs, float64(f.Members)), append(rss.ys, f.PeakRSSMB), append(rss.goals, 64)
			rate.xs, rate.ys, rate.goals = append(rate.xs, float64(f.Members)), append(rate.ys, f.RcptsPerS), append(rate.goals, nan)
		}
		ps = append(ps, rss, rate)
	}
	return ps
}

func drawPanel(b *strings.Builder, p panel, x0, y0 int) {
	w, h := float64(panelW-plotL-plotR), float64(panelH-plotT-plotB)
	left, top := float64(x0+plotL), float64(y0+plotT)
	top2 := 0.0
	for i := range p.ys {
		top2 = max(top2, p.ys[i])
		if !math.IsNaN(p.goals[i]) {
			top2 = max(top2, p.goals[i])
		}
	}
	if top2 <= 0 {
		top2 = 1
	}
	top2 *= 1.15
	lo, hi := math.Log10(p.xs[0]), math.Log10(p.xs[len(p.xs)-1])
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	px := func(x float64) float64 { return left + 22 + (w-44)*(math.Log10(x)-lo)/(hi-lo) }
	py := func(y float64) float64 { return top + h - h*y/top2 }
	fmt.Fprintf(b, `<g><text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0+10, y0+18, html.EscapeString(p.title+" ("+p.unit+")"))
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#999"/>`+"\n", left, top, w, h)
	for _, frac := range []float64{0, 0.5, 1} {
		v := top2 / 1.15 * frac
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end" fill="#555">%s</text>`+"\n", left-4, py(v)+4, valueLabel(v))
	}
	for _, x := range p.xs {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%s</text>`+"\n", px(x), top+h+14, sizeLabel(x))
	}
	// The goal: a step line over the sizes it is set for.
	for i := range p.xs {
		g := p.goals[i]
		if math.IsNaN(g) {
			continue
		}
		xa, xb := left, left+w
		if i > 0 {
			xa = (px(p.xs[i-1]) + px(p.xs[i])) / 2
		}
		if i < len(p.xs)-1 {
			xb = (px(p.xs[i]) + px(p.xs[i+1])) / 2
		}
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#c00" stroke-dasharray="4 3"/>`+"\n", xa, py(g), xb, py(g))
	}
	var pts []string
	for i := range p.xs {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(p.xs[i]), py(p.ys[i])))
	}
	fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="#1f5fa8" stroke-width="2"/>`+"\n", strings.Join(pts, " "))
	for i := range p.xs {
		ok := math.IsNaN(p.goals[i]) || (p.floor && p.ys[i] >= p.goals[i]) || (!p.floor && p.ys[i] <= p.goals[i])
		fill := "#1f5fa8"
		if !ok {
			fill = "#c00"
		}
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
			px(p.xs[i]), py(p.ys[i]), fill, px(p.xs[i]), py(p.ys[i])-7, valueLabel(p.ys[i]))
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%s</text></g>`+"\n", left+w/2, top+h+28, map[bool]string{true: "members", false: "posts in the archive"}[strings.HasPrefix(p.title, "fan-out")])
}

// sizeLabel writes a size short: 3.6k, 357k, 1M.
func sizeLabel(x float64) string {
	switch {
	case x >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", x/1e6)) + "M"
	case x >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", x/1e3)) + "k"
	}
	return fmt.Sprintf("%.0f", x)
}

// valueLabel writes a figure with as many digits as it needs.
func valueLabel(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return trimZero(fmt.Sprintf("%.1f", v))
	}
	return trimZero(fmt.Sprintf("%.2f", v))
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
