package query

import (
	"strconv"
	"strings"
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// Years outside this span are refused: Bleve stores dates as nanoseconds
// since 1970 in an int64, which covers 1678 to 2262 only.
const (
	minYear = 1700
	maxYear = 2200
)

const dateHelp = "write 2026-01-31, 20260131, 2026-01, 2026, today, yesterday or 3.days.ago, and A..B for a range (either side may be left out)"

// dateQuery reads d:'s value. Every date names a span (a day, a month, a
// year) in UTC; a range runs from the start of its first span to the end
// of its last, so d:2026-01-01..2026-03-31 includes all of 31 March, as
// in public-inbox. The end is exclusive: 00:00 of the following day.
func (p *parser) dateQuery(t token) (bquery.Query, error) {
	v, off := t.text, t.textOff
	var start, end time.Time
	if dots := strings.Index(v, ".."); dots >= 0 {
		from, to := v[:dots], v[dots+2:]
		if from == "" && to == "" {
			return nil, errorf(off, "d: needs a date on at least one side of .., as in d:2026-01-01..")
		}
		if from != "" {
			s, _, err := p.span(from, off)
			if err != nil {
				return nil, err
			}
			start = s
		}
		if to != "" {
			_, e, err := p.span(to, off+dots+2)
			if err != nil {
				return nil, err
			}
			end = e
		}
		if from != "" && to != "" && !start.Before(end) {
			return nil, errorf(off, "the date range starts (%s) after it ends (%s); swap the two dates", from, to)
		}
	} else {
		s, e, err := p.span(v, off)
		if err != nil {
			return nil, err
		}
		start, end = s, e
	}
	// A zero time leaves that end of the range open.
	q := bquery.NewDateRangeInclusiveQuery(start, end, ptr(true), ptr(false))
	q.SetField(FieldDate)
	return q, nil
}

func ptr(b bool) *bool { return &b }

// span reads one date and returns the UTC span it names: [start, end).
func (p *parser) span(s string, off int) (start, end time.Time, err error) {
	bad := func() (time.Time, time.Time, error) {
		return time.Time{}, time.Time{}, errorf(off, "d: cannot read %q as a date; %s", s, dateHelp)
	}
	day := func(t time.Time) (time.Time, time.Time, error) {
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return d, d.AddDate(0, 0, 1), nil
	}
	var layout string
	step := [3]int{}
	switch {
	case s == "today":
		start, end, err = day(p.opts.Now().UTC())
	case s == "yesterday":
		start, end, err = day(p.opts.Now().UTC().AddDate(0, 0, -1))
	case strings.HasSuffix(s, ".ago"):
		t, ok := ago(p.opts.Now().UTC(), strings.TrimSuffix(s, ".ago"))
		if !ok {
			return bad()
		}
		start, end, err = day(t)
	case allDigits(s) && len(s) == 8:
		layout, step = "20060102", [3]int{0, 0, 1}
	case allDigits(s) && len(s) == 6:
		layout, step = "200601", [3]int{0, 1, 0}
	case allDigits(s) && len(s) == 4:
		layout, step = "2006", [3]int{1, 0, 0}
	case len(s) == 10:
		layout, step = "2006-01-02", [3]int{0, 0, 1}
	case len(s) == 7:
		layout, step = "2006-01", [3]int{0, 1, 0}
	default:
		return bad()
	}
	if layout != "" {
		t, perr := time.Parse(layout, s)
		if perr != nil {
			return bad()
		}
		start, end = t, t.AddDate(step[0], step[1], step[2])
	}
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if y := start.Year(); y < minYear || y > maxYear {
		return time.Time{}, time.Time{}, errorf(off, "d: %q is outside the years %d to %d", s, minYear, maxYear)
	}
	return start, end, nil
}

// ago reads "N.days", "N.weeks", "N.months" or "N.years" (singular too)
// and returns now moved back that far.
func ago(now time.Time, s string) (time.Time, bool) {
	num, unit, ok := strings.Cut(s, ".")
	// Five digits are plenty and keep the multiplication below from
	// overflowing.
	if !ok || num == "" || len(num) > 5 || !allDigits(num) {
		return time.Time{}, false
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return time.Time{}, false
	}
	switch strings.TrimSuffix(unit, "s") {
	case "day":
		return now.AddDate(0, 0, -n), true
	case "week":
		return now.AddDate(0, 0, -7*n), true
	case "month":
		return now.AddDate(0, -n, 0), true
	case "year":
		return now.AddDate(-n, 0, 0), true
	}
	return time.Time{}, false
}
