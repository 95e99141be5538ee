package index

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"praxis/archive/query"
)

// TestHitBitsSpan: the window the bitmaps size starts on the day of the
// need-th newest hit, through years, months and days, from the newest
// post or from an earlier top; and covers everything when the hits up to
// top are fewer than need.
func TestHitBitsSpan(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := time.Date(2019, 11, 20, 9, 0, 0, 0, time.UTC)
	var docs []Doc
	var hits []time.Time // of "clock"
	for i := range 400 {
		d := Doc{ID: fmt.Sprint(i + 1), List: "l", MessageID: fmt.Sprintf("m%d@x", i), Subject: "s", Body: "usrp",
			FromAddr: "a@x", Date: base.Add(time.Duration(i*i) * 11 * time.Minute)}
		if i%7 == 3 || i > 390 {
			d.Body += " clock"
			hits = append(hits, d.Date)
		}
		docs = append(docs, d)
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	// A post deleted: its hit is not counted.
	if err := x.Apply(nil, docs[3:4], nil); err != nil {
		t.Fatal(err)
	}
	hits = slices.DeleteFunc(hits, func(d time.Time) bool { return d.Equal(docs[3].Date) })
	slices.SortFunc(hits, func(a, b time.Time) int { return b.Compare(a) })
	p, err := query.Parse("clock", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	lq := lean(query.Scoped(p, "l"), x.b.Mapping(), x.latest.Load())
	hb, ok, err := x.hitBitsOf(ctx, lq, 0)
	if err != nil || !ok {
		t.Fatalf("hitBitsOf: %v, %v", ok, err)
	}
	defer hb.Close()
	if hb.n != uint64(len(hits)) {
		t.Errorf("counted %d hits, want %d", hb.n, len(hits))
	}
	for _, c := range []struct {
		top  time.Time
		need int
	}{{hits[0], 1}, {hits[0], 5}, {hits[0], 20}, {hits[0], len(hits)}, {hits[0], len(hits) + 1}, {hits[30], 10}, {hits[len(hits)-3], 5}} {
		var upTo []time.Time
		for _, h := range hits {
			if !dayStart(h).After(dayStart(c.top)) {
				upTo = append(upTo, h)
			}
		}
		span, all, err := hb.span(ctx, c.top.UnixNano(), x.earliest.Load(), c.need)
		if err != nil {
			t.Fatal(err)
		}
		if c.need > len(upTo) {
			if !all {
				t.Errorf("top %s need %d: a window of %v, want everything (%d hits up to top)", c.top, c.need, span, len(upTo))
			}
			continue
		}
		want := dayStart(upTo[c.need-1])
		if got := dayStart(c.top.Add(-span)); all || !got.Equal(want) {
			t.Errorf("top %s need %d: window from %s (all %v), want %s", c.top.Format(time.DateOnly), c.need, got.Format(time.DateOnly), all, want.Format(time.DateOnly))
		}
	}
}
