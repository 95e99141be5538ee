package index

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSpanTerms(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		from, to string
		want     []string
	}{
		{"2021-03-04 10:00", "2021-03-04 23:59", []string{"d2021-03-04"}},
		{"2021-03-30 23:00", "2021-04-02 01:00", []string{"d2021-03-30", "d2021-03-31", "d2021-04-01", "d2021-04-02"}},
		{"2021-03-01 00:00", "2021-03-31 12:00", []string{"m2021-03"}},
		{"2021-02-27 00:00", "2021-05-01 00:00", []string{"d2021-02-27", "d2021-02-28", "m2021-03", "m2021-04", "d2021-05-01"}},
		{"2020-12-31 08:00", "2023-01-01 08:00", []string{"d2020-12-31", "y2021", "y2022", "d2023-01-01"}},
		{"2020-02-28 00:00", "2020-03-01 00:00", []string{"d2020-02-28", "d2020-02-29", "d2020-03-01"}},
		{"2021-03-05 00:00", "2021-03-04 00:00", nil},
	} {
		if got := spanTerms(day(c.from), day(c.to)); !slices.Equal(got, c.want) {
			t.Errorf("spanTerms(%s, %s) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
	// Any two instants: the words cover each day between them once, and
	// no other day: a post's words name the window it falls in.
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 300 {
		a := base.Add(time.Duration(r.Int64N(int64(9 * 365 * 24 * time.Hour))))
		b := a.Add(time.Duration(r.Int64N(int64(900 * 24 * time.Hour))))
		terms := map[string]int{}
		for _, w := range spanTerms(a, b) {
			terms[w]++
		}
		covered := 0
		for d := dayStart(a.AddDate(0, 0, -3)); d.Before(b.AddDate(0, 0, 3)); d = d.AddDate(0, 0, 1) {
			n := 0
			for _, w := range spansOf(d.Add(13 * time.Hour)) {
				n += terms[w]
			}
			in := !d.Before(dayStart(a)) && !d.After(dayStart(b))
			if in && n != 1 || !in && n != 0 {
				t.Fatalf("window %s..%s: day %s is named %d times", a, b, d.Format(time.DateOnly), n)
			}
			if in {
				covered++
			}
		}
		if len(terms) > 2*31+2*11+10 {
			t.Errorf("window %s..%s: %d words", a, b, len(terms))
		}
	}
}
