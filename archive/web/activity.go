package web

import (
	"fmt"
	"net/http"
	"time"

	"praxis/listserv/store"
)

// The activity chart: posts per week over the last year, drawn on the
// server as SVG bars (no script, no image request).
const (
	chartWeeks  = 52
	chartWidth  = 520
	chartHeight = 80
	activeDays  = 30
	// The axes' room around the bars: the posts a week on the left, the
	// months below.
	chartLeft   = 28
	chartBottom = 16
	chartTop    = 6
)

type bar struct {
	X, Y, W, H int
	Label      string
}

// tick is a label on an axis, at X (months) or Y (posts a week).
type tick struct {
	X, Y  int
	Label string
}

type activity struct {
	Bars        []bar
	XTicks      []tick
	YTicks      []tick
	Left        int // where the bars start, and the vertical axis is
	Base        int // the horizontal axis's y
	Right       int // where the bars end
	Width       int
	Height      int
	Max         int
	Total       int
	From, Until time.Time
	Top         []threadRow
	Helpers     []helperRow
}

// helperRow is one of the most helpful, as the visitor may see them.
type helperRow struct {
	Who     string
	Threads int
}

// labelWidth is about how wide an axis label is drawn, in the chart's
// units (10-unit type).
func labelWidth(s string) int { return 6 * len(s) }

// activity gathers a list page's side: the weekly chart, and the top
// threads and most helpful members of the last 30 days of the archive
// (counted back from its latest post, so an imported archive shows its
// own last month rather than an empty one).
func (s *Server) activity(r *http.Request, l *store.List) (*activity, error) {
	ctx := r.Context()
	until := s.now()
	if latest, err := s.st.ArchiveLatest(ctx, l.ID, 1); err == nil && len(latest) == 1 && latest[0].Date.Before(until) {
		until = latest[0].Date.Add(time.Second)
	}
	weeks, err := s.st.ArchiveWeekly(ctx, l.ID, until.AddDate(0, 0, -7*(chartWeeks-1)), until)
	if err != nil {
		return nil, err
	}
	a := &activity{Width: chartLeft + chartWidth + 20, Height: chartTop + chartHeight + chartBottom, Until: until,
		Left: chartLeft, Base: chartTop + chartHeight, Right: chartLeft + chartWidth}
	for _, wk := range weeks {
		a.Max = max(a.Max, wk.Posts)
		a.Total += wk.Posts
	}
	if len(weeks) > 0 {
		a.From = weeks[0].Start
	}
	step := chartWidth / max(1, len(weeks))
	for i, wk := range weeks {
		h := 0
		if a.Max > 0 {
			h = wk.Posts * (chartHeight - 2) / a.Max
			if wk.Posts > 0 {
				h = max(h, 1)
			}
		}
		a.Bars = append(a.Bars, bar{X: chartLeft + i*step, Y: chartTop + chartHeight - h, W: max(1, step-1), H: h,
			Label: fmt.Sprintf("week of %s: %d posts", wk.Start.Format("2006-01-02"), wk.Posts)})
		// A month's name under its first week; the year with January
		// and with the first label, so the axis reads on its own. A
		// label that would run into the one before takes its place when
		// that one is the first (a month the chart only clips), and is
		// left out otherwise, as is one that would run off the chart.
		if i > 0 && wk.Start.Month() == weeks[i-1].Start.Month() {
			continue
		}
		t := tick{X: chartLeft + i*step, Y: chartTop + chartHeight + 12, Label: wk.Start.Format("Jan")}
		if len(a.XTicks) == 0 || wk.Start.Month() == time.January {
			t.Label = wk.Start.Format("Jan 2006")
		}
		if t.X+labelWidth(t.Label) > a.Width {
			continue
		}
		if n := len(a.XTicks); n > 0 && t.X < a.XTicks[n-1].X+labelWidth(a.XTicks[n-1].Label)+6 {
			if n > 1 || a.XTicks[0].X != chartLeft {
				continue
			}
			a.XTicks = a.XTicks[:0]
			t.Label = wk.Start.Format("Jan 2006")
		}
		a.XTicks = append(a.XTicks, t)
	}
	// Posts a week: nothing, half the busiest week, the busiest.
	for _, n := range []int{0, a.Max / 2, a.Max} {
		if n == 0 && a.Max > 0 || n > 0 {
			y := chartTop + chartHeight - n*(chartHeight-2)/max(1, a.Max)
			if len(a.YTicks) == 0 || a.YTicks[len(a.YTicks)-1].Label != itoa(n) {
				a.YTicks = append(a.YTicks, tick{X: chartLeft - 4, Y: y + 3, Label: itoa(n)})
			}
		}
	}
	since := until.AddDate(0, 0, -activeDays)
	top, err := s.st.ArchiveActiveThreads(ctx, l.ID, since, until, 5)
	if err != nil {
		return nil, err
	}
	if a.Top, err = s.threadRows(r, l, top); err != nil {
		return nil, err
	}
	helpers, err := s.st.ArchiveHelpers(ctx, l.ID, since, until, 5)
	if err != nil {
		return nil, err
	}
	for _, h := range helpers {
		a.Helpers = append(a.Helpers, helperRow{Who: s.who(r).author(l, h.Address, h.Name), Threads: h.Threads})
	}
	return a, nil
}
