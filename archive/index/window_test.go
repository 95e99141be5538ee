package index

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"praxis/archive/query"
)

// A newest-first search that looks in date windows gives exactly the
// pages a sort of every hit gives: same hits, same order, same totals,
// page after page, for common words, rare ones spread over years, and
// words only in the oldest posts.
func TestNewestWindowsMatchFullSort(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := time.Date(2019, 3, 1, 12, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := range 600 {
		body := "sample rate overflow"
		if i%97 == 0 {
			body += " rareword"
		}
		if i < 15 {
			body += " ancient"
		}
		d := Doc{ID: strconv.Itoa(i + 1), List: "l", MessageID: fmt.Sprintf("m%d@x", i), Subject: "s", Body: body,
			From: "a@x", FromAddr: "a@x", Date: base.Add(time.Duration(i) * 31 * time.Hour)}
		if i%50 == 7 {
			d.Date = base.Add(time.Duration(i-40) * 31 * time.Hour).Truncate(time.Second) // out of order
		}
		if i == 300 || i == 301 {
			d.Date = base.Add(300 * 31 * time.Hour) // a tie to the second
		}
		docs = append(docs, d)
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	// plain pages a query with Bleve's own sort of every hit, as the
	// reference the other ways must match.
	plain := false
	pages := func(q string, size int) (all []string, total uint64) {
		var after []string
		for n := 0; n < 100; n++ {
			o := SearchOptions{Size: size, Newest: true, After: after}
			var res *Result
			if plain {
				bq, err := query.Parse(q, query.Options{})
				if err != nil {
					t.Fatal(err)
				}
				br, err := x.b.Search(x.request(bq, o, size))
				if err != nil {
					t.Fatal(err)
				}
				res = &Result{Total: br.Total}
				for _, h := range br.Hits {
					res.Hits = append(res.Hits, hit(h, o, nil))
				}
			} else {
				res = run(t, x, q, o)
			}
			total = res.Total
			if len(res.Hits) == 0 {
				return all, total
			}
			for _, h := range res.Hits {
				all = append(all, h.MessageID)
			}
			after = res.Hits[len(res.Hits)-1].Sort
		}
		t.Fatalf("%q: paging does not end", q)
		return nil, 0
	}
	defer func(m uint64, w time.Duration) { windowMinHits, windowStart = m, w }(windowMinHits, windowStart)
	for _, q := range []string{"sample", "rareword", "ancient", "overflow -rareword", "d:2020-01-01..2020-06-30 sample"} {
		for _, size := range []int{7, 50} {
			plain = true
			want, wantTotal := pages(q, size)
			plain = false
			for _, mode := range []struct {
				name  string
				min   uint64
				start time.Duration
			}{{"sorted by id", 1 << 20, 30 * 24 * time.Hour}, {"in windows", 1, 24 * time.Hour}} {
				windowMinHits, windowStart = mode.min, mode.start
				got, gotTotal := pages(q, size)
				if gotTotal != wantTotal || !slices.Equal(got, want) {
					t.Errorf("%q size %d %s: %d hits of total %d, Bleve's sort %d of %d; first difference at %d",
						q, size, mode.name, len(got), gotTotal, len(want), wantTotal, firstDiff(got, want))
				}
			}
			if len(want) == 0 || uint64(len(want)) != wantTotal {
				t.Errorf("%q: full sort paged %d of %d", q, len(want), wantTotal)
			}
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Reopening finds the order bounds again, from the index itself.
func TestBoundsAfterReopen(t *testing.T) {
	x, dir := openTest(t)
	latest, earliest := x.latest.Load(), x.earliest.Load()
	if latest <= earliest {
		t.Fatalf("bounds after Put: %d..%d", earliest, latest)
	}
	x.Close()
	y, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer y.Close()
	if y.latest.Load() != latest || y.earliest.Load() != earliest {
		t.Errorf("bounds after reopening %d..%d, want %d..%d", y.earliest.Load(), y.latest.Load(), earliest, latest)
	}
}
