package index

import (
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// The words of fieldSpan: a post's year, month and day (UTC).
const (
	spanYear  = "y2006"
	spanMonth = "m2006-01"
	spanDay   = "d2006-01-02"
)

// spansOf is the fieldSpan words of an order key.
func spansOf(t time.Time) []string {
	t = t.UTC()
	return []string{t.Format(spanYear), t.Format(spanMonth), t.Format(spanDay)}
}

// dayStart is the start of t's day, UTC.
func dayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// spanTerms covers the days from's to to's (UTC, both included) with as
// few fieldSpan words as it can: days up to the first of a month, months
// up to a new year, whole years, then months and days again. A window of
// a week is a handful of words; one of ten years, a few dozen.
func spanTerms(from, to time.Time) []string {
	cur, last := dayStart(from), dayStart(to)
	var out []string
	for !cur.After(last) {
		switch {
		case cur.YearDay() == 1 && !cur.AddDate(1, 0, -1).After(last):
			out = append(out, cur.Format(spanYear))
			cur = cur.AddDate(1, 0, 0)
		case cur.Day() == 1 && !cur.AddDate(0, 1, -1).After(last):
			out = append(out, cur.Format(spanMonth))
			cur = cur.AddDate(0, 1, 0)
		default:
			out = append(out, cur.Format(spanDay))
			cur = cur.AddDate(0, 0, 1)
		}
	}
	return out
}

// spanQuery matches the posts whose order key lies in the days from's to
// to's; nil when there are none.
func spanQuery(from, to time.Time) bquery.Query {
	terms := spanTerms(from, to)
	qs := make([]bquery.Query, len(terms))
	for i, w := range terms {
		t := bquery.NewTermQuery(w)
		t.SetField(fieldSpan)
		qs[i] = t
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return bquery.NewDisjunctionQuery(qs)
}
