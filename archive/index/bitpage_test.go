package index

import (
	"context"
	"slices"
	"testing"

	"praxis/archive/query"
)

// The pages of a query of words read from its bitmaps (bitPage) are, page
// after page and at any size, those of Bleve's sort of every hit, over
// several segments with replaced and deleted posts; and every query of
// words is read so (not handed back to Bleve).
func TestBitPageSameAsFullSort(t *testing.T) {
	x, docs := corpusIndex(t, true)
	ctx := context.Background()
	read := 0
	// Picked from all the hits, and (as of many) from a window's.
	defer func(n uint64) { windowedAbove = n }(windowedAbove)
	for i, s := range slices.Concat(corpusQueries, corpusQueries) {
		windowedAbove = 1 << 62
		if i >= len(corpusQueries) {
			windowedAbove = 0
		}
		p, err := query.Parse(s, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		q := query.Scoped(p, docs[0].List)
		lq := lean(q, x.b.Mapping(), x.latest.Load())
		for _, size := range []int{1, 7, 40} {
			var after []string
			for page := 0; page < 4; page++ {
				o := SearchOptions{Size: size, Newest: true, After: after, Highlight: true}
				full, err := x.b.Search(x.request(q, o, size))
				if err != nil {
					t.Fatal(err)
				}
				hb, bits, err := x.hitBitsOf(ctx, lq, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !bits {
					break
				}
				got, ok, err := x.bitPage(ctx, hb, o, size)
				hb.Close()
				if err != nil || !ok {
					t.Fatalf("%q: bitPage: %v, %v", s, ok, err)
				}
				read++
				if got.Total != full.Total {
					t.Errorf("%q: %d hits from the bitmaps, Bleve %d", s, got.Total, full.Total)
				}
				var want, have []Hit
				for _, h := range full.Hits {
					want = append(want, hit(h, o, nil))
				}
				for _, h := range got.Hits {
					have = append(have, hit(h, o, nil))
				}
				if !slices.EqualFunc(have, want, func(a, b Hit) bool {
					return a.ID == b.ID && a.Subject == b.Subject && a.From == b.From && a.Date.Equal(b.Date) && a.Thread == b.Thread &&
						a.MessageID == b.MessageID && a.List == b.List && a.Snippet == b.Snippet && slices.Equal(a.Sort, b.Sort)
				}) {
					t.Fatalf("%q size %d page %d:\n got %v\nwant %v", s, size, page, have, want)
				}
				if len(full.Hits) < size {
					break
				}
				after = want[len(want)-1].Sort
			}
		}
	}
	if read < 200 {
		t.Errorf("only %d pages came from the bitmaps", read)
	}
}
