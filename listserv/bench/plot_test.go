package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// The scale plot is well-formed SVG that says every figure in words too,
// draws a goal line where the issue sets one, and marks a point that
// misses its goal.
func TestWritePlot(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sr := &ScaleResult{Corpus: "usrp.mbox", Database: "sqlite",
		Archive: []*Result{
			{Replay: 1, ArchiveMessages: 3568, SearchP99Ms: f(4.1), HTTPSearchP99Ms: f(6), SummaryMs: f(30), ImportPeakRSSMB: f(290), IndexMsgsPerS: f(1100), IndexSizeRatio: f(0.19)},
			{Replay: 10, ArchiveMessages: 35680, SearchP99Ms: f(5.5), HTTPSearchP99Ms: f(9), SummaryMs: f(80), ImportPeakRSSMB: f(310), IndexMsgsPerS: f(1050), IndexSizeRatio: f(0.18)},
			{Replay: 100, ArchiveMessages: 356800, SearchP99Ms: f(12), HTTPSearchP99Ms: f(14), SummaryMs: f(700), ImportPeakRSSMB: f(450), IndexMsgsPerS: f(900), IndexSizeRatio: f(0.18)},
		},
		Fanout: []*FanoutFigures{{Members: 10000, RcptsPerS: 8000, PeakRSSMB: 52}, {Members: 100000, RcptsPerS: 8100, PeakRSSMB: 54}, {Members: 1000000, RcptsPerS: 7900, PeakRSSMB: 70}},
	}
	var b bytes.Buffer
	if err := WritePlot(&b, sr); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	for _, want := range []string{"<title", "search p99, in-process (ms) 3.6k: 4.1, 35.7k: 5.5, 356.8k: 12", "peak RSS (MB) 10k: 52, 100k: 54, 1M: 70", "stroke-dasharray"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the plot lacks %q", want)
		}
	}
	// Misses: search at 100x (12 > 10), summary at 100x, import RSS at
	// 100x, import rate at 100x, fan-out RSS at 1M: five red points.
	if n := strings.Count(svg, `fill="#c00"`); n != 5 {
		t.Errorf("%d points marked as missing their goal, want 5", n)
	}
	var text bytes.Buffer
	WriteScaleText(&text, sr)
	if !strings.Contains(text.String(), "100x        356800") || !strings.Contains(text.String(), "1000000 members") {
		t.Errorf("the table:\n%s", text.String())
	}
}
