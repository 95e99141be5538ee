package web

import (
	"fmt"
	"net/http"
	"time"

	"praxis/archive/health"
)

// healthMonths is how many months the review's page charts.
const healthMonths = 12

// monthChart is one of the review's SVG bar charts: a value a month.
type monthChart struct {
	ID, Title, Caption string
	Bars               []bar
	XTicks, YTicks     []tick
	Left, Base, Right  int
	Width, Height      int
}

// chartOf draws values (one a month, from the months' first) as bars,
// labelled by label; the top of the axis is the largest value.
func chartOf(id, title, caption string, months []health.Month, value func(health.Month) float64, label func(float64) string) monthChart {
	c := monthChart{ID: id, Title: title, Caption: caption, Left: chartLeft, Base: chartTop + chartHeight, Right: chartLeft + chartWidth,
		Width: chartLeft + chartWidth + 20, Height: chartTop + chartHeight + chartBottom}
	top := 0.0
	for _, m := range months {
		top = max(top, value(m))
	}
	step := chartWidth / max(1, len(months))
	for i, m := range months {
		v := value(m)
		h := 0
		if top > 0 {
			h = int(v / top * float64(chartHeight-2))
			if v > 0 {
				h = max(h, 1)
			}
		}
		c.Bars = append(c.Bars, bar{X: chartLeft + i*step, Y: chartTop + chartHeight - h, W: max(1, step-2), H: h,
			Label: m.Start.Format("January 2006") + ": " + label(v)})
		name := m.Start.Format("Jan")
		if i == 0 || m.Start.Month() == time.January {
			name = m.Start.Format("Jan 06")
		}
		c.XTicks = append(c.XTicks, tick{X: chartLeft + i*step, Y: chartTop + chartHeight + 12, Label: name})
	}
	c.YTicks = []tick{{X: chartLeft - 4, Y: chartTop + chartHeight + 3, Label: "0"}, {X: chartLeft - 4, Y: chartTop + 5, Label: label(top)}}
	return c
}

// healthRow is a month of the review's table.
type healthRow struct {
	health.Month
	Answered, FirstAnswer, Back string
}

func hoursText(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%.1f h", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

func percent(part, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%d%% (%d of %d)", (part*100+of/2)/of, part, of)
}

// healthPage is /l/LIST/health, the community's review for its owners and
// moderators: the last twelve months charted and tabled.
func (s *Server) healthPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.adminList(w, r, forModerators)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	ctx := r.Context()
	_, members, err := s.svc.Members(ctx, l.Address)
	if err != nil {
		s.fail(w, r, "health", err)
		return
	}
	months, err := health.Review(ctx, s.st, l.ID, members, s.now().AddDate(0, 1, 0))
	if err != nil {
		s.fail(w, r, "health", err)
		return
	}
	// The last twelve months that have posts (an imported archive ends
	// where it ends).
	for len(months) > 0 && months[len(months)-1].Posts == 0 {
		months = months[:len(months)-1]
	}
	months = months[max(0, len(months)-healthMonths):]
	data := map[string]any{"Title": "Health · " + l.Name, "List": l}
	if len(months) > 0 {
		count := func(v float64) string { return fmt.Sprintf("%.0f", v) }
		data["Charts"] = []monthChart{
			chartOf("posts", "Posts a month", "Posts a month.", months, func(m health.Month) float64 { return float64(m.Posts) }, count),
			chartOf("active", "People who posted", "People who posted in the month.", months, func(m health.Month) float64 { return float64(m.Active) }, count),
			chartOf("answered", "Questions answered", "Share of the month's questions that got an answer.", months,
				func(m health.Month) float64 { return 100 * m.AnsweredShare() }, func(v float64) string { return fmt.Sprintf("%.0f%%", v) }),
			chartOf("first", "Time to a first answer", "Median time from a question to its first answer, in hours.", months,
				func(m health.Month) float64 { return m.FirstAnswer.Hours() }, func(v float64) string { return fmt.Sprintf("%.1f h", v) }),
			chartOf("back", "Newcomers who came back", "Share of the month's first-time posters who posted again within 60 days.", months,
				func(m health.Month) float64 { return 100 * m.BackShare() }, func(v float64) string { return fmt.Sprintf("%.0f%%", v) }),
		}
		var rows []healthRow
		for i := len(months) - 1; i >= 0; i-- {
			m := months[i]
			rows = append(rows, healthRow{Month: m, Answered: percent(m.Answered, m.Questions), FirstAnswer: hoursText(m.FirstAnswer),
				Back: percent(m.Back, m.Newcomers)})
		}
		data["Rows"] = rows
		data["Latest"] = rows[0]
	}
	s.page(w, r, http.StatusOK, "health.html", data)
}
