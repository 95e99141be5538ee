package index

import (
	"context"
	"fmt"
	"math"
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
	// Counting up to a limit: every hit below it, a sign of more above.
	bq, err := query.Parse("sample", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit, n uint64
		all      bool
	}{{0, 600, true}, {1000, 600, true}, {600, 600, true}, {599, 600, false}, {100, 101, false}} {
		if n, all, err := x.countUpTo(context.Background(), bq, c.limit); err != nil || n != c.n || all != c.all {
			t.Errorf("countUpTo(limit %d) = %d, %v, %v; want %d, %v", c.limit, n, all, err, c.n, c.all)
		}
	}
	// No hit at all: counted first, answered without a window.
	for _, q := range []string{"zzyzxq", "rareword -sample", "d:2030-01-01..2030-02-01 sample"} {
		if res := run(t, x, q, SearchOptions{Size: 7, Newest: true}); res.Total != 0 || len(res.Hits) != 0 {
			t.Errorf("%q: %d hits of total %d, want none", q, len(res.Hits), res.Total)
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

// An estimated search (the web's) shows exactly the pages an exact one
// does; only its total may be "about", and only above EstimateAbove
// hits. The estimate of a word spread evenly over the archive, or over
// the dates the query names, is near the truth; facets then count a
// sample of the newest hits, and say how many. Two lists share the index:
// the estimate is of the list's own posts.
func TestEstimatedSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := range 6000 {
		list := "l"
		if i%3 == 2 {
			list = "other" // a third of the index is another list's
		}
		body := "common footer"
		if i%4 == 0 {
			body += " quarter"
		}
		if i%200 == 0 {
			body += " rare"
		}
		if i > 5900 {
			body += " recent"
		}
		d := Doc{ID: strconv.Itoa(i + 1), List: list, MessageID: fmt.Sprintf("m%d@x", i), Subject: "s", Body: body,
			From: fmt.Sprintf("p%d@x", i%7), FromAddr: fmt.Sprintf("p%d@x", i%7), Date: base.Add(time.Duration(i) * 2 * time.Hour)}
		if i%2 == 0 {
			d.Attachments = []string{"log.txt"}
		}
		docs = append(docs, d)
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	search := func(q string, o SearchOptions) *Result {
		t.Helper()
		bq, err := query.Parse(q, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		res, err := x.Search(query.Scoped(bq, "l"), o)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		return res
	}
	// With the default threshold, the list's 4,000 posts are counted.
	if res := search("common", SearchOptions{Size: 20, Newest: true, Estimate: true}); res.Estimated || res.Total != 4000 {
		t.Errorf("common: total %d, estimated %v; want 4000 counted", res.Total, res.Estimated)
	}
	// Above a few hundred, estimated, unless the hits come from the
	// words' bitmaps (bitpage.go), which count them all: has: is not a
	// word.
	x.Close()
	if x, err = Open(dir, Options{EstimateAbove: 200}); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, tc := range []struct {
		q         string
		estimated bool
	}{
		{"common", false}, // from the bitmaps
		{"quarter", false},
		{"rare", false},   // 20 of the list's: counted
		{"recent", false}, // the newest 66: counted
		{"d:2020-03-01..2020-06-30 common", false},
		{"quarter -rare", false},
		{"has:attachment", true},
		{"has:attachment quarter", true},
		{"has:attachment rare", false},
		{"d:2020-03-01..2020-06-30 has:attachment", true},
	} {
		var after []string
		var want uint64
		for pageNo := range 3 {
			exact := search(tc.q, SearchOptions{Size: 20, Newest: true, After: after})
			est := search(tc.q, SearchOptions{Size: 20, Newest: true, After: after, Estimate: true})
			if !slices.Equal(ids(exact.Hits), ids(est.Hits)) {
				t.Fatalf("%q page %d: the estimated search's hits differ from the exact one's", tc.q, pageNo)
			}
			if exact.Estimated {
				t.Errorf("%q: an exact search said its total was estimated", tc.q)
			}
			if pageNo == 0 {
				want = exact.Total
				if est.Estimated != tc.estimated {
					t.Errorf("%q: estimated %v (total %d of %d), want %v", tc.q, est.Estimated, est.Total, want, tc.estimated)
				}
			}
			if !est.Estimated && est.Total != want {
				t.Errorf("%q page %d: a counted total %d, want %d", tc.q, pageNo, est.Total, want)
			}
			if est.Estimated && (est.Total < want*2/3 || est.Total > want*3/2 || est.Total < 100) {
				t.Errorf("%q page %d: estimated %d, the truth is %d", tc.q, pageNo, est.Total, want)
			}
			if len(exact.Hits) == 0 {
				break
			}
			after = exact.Hits[len(exact.Hits)-1].Sort
		}
	}
	// Facets: all of a small result's, a sample of a big one's.
	small := search("rare", SearchOptions{Size: 5, Newest: true, Facets: true, Estimate: true})
	smallExact := search("rare", SearchOptions{Size: 5, Newest: true, Facets: true})
	if small.FacetSample != 0 || !slices.Equal(small.Authors, smallExact.Authors) || !slices.Equal(small.Months, smallExact.Months) {
		t.Errorf("a small result's facets: %v %v (sample %d), want %v %v", small.Authors, small.Months, small.FacetSample, smallExact.Authors, smallExact.Months)
	}
	// Counted by Bleve (has: is no word) or from the bitmaps.
	for _, q := range []string{"has:attachment", "common"} {
		big := search(q, SearchOptions{Size: 20, Newest: true, Facets: true, Estimate: true})
		if big.FacetSample < facetSample || len(big.Authors) == 0 || len(big.Months) == 0 {
			t.Fatalf("%q, a big result's facets: sample %d, %d authors, %d months", q, big.FacetSample, len(big.Authors), len(big.Months))
		}
		n := 0
		for _, a := range big.Authors {
			n += a.Count
		}
		if n != big.FacetSample {
			t.Errorf("%q: the authors' counts add up to %d, the sample is %d", q, n, big.FacetSample)
		}
	}
}

// The samples are nested and about the share of the posts they claim.
func TestSamplesOf(t *testing.T) {
	counts := map[string]int{}
	const n = 200_000
	for i := range n {
		in := samplesOf(fmt.Sprintf("%019d.%d", 1600000000000000000+int64(i)*1e9, i))
		for k, term := range in {
			if term != sampleTerm(sampleLevels[k]) {
				t.Fatalf("key %d is in %v: not nested", i, in)
			}
			counts[term]++
		}
	}
	for _, j := range sampleLevels {
		want := float64(n) / float64(uint64(1)<<j)
		got := float64(counts[sampleTerm(j)])
		if got < want*0.8 || got > want*1.2 {
			t.Errorf("sample s%d holds %.0f of %d keys, want about %.0f", j, got, n, want)
		}
	}
}

// Estimated searches from many readers while posts arrive share the
// cache of counts safely, and each page stays exact.
func TestEstimatedSearchWhileIndexing(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{EstimateAbove: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	doc := func(i int) Doc {
		return Doc{ID: strconv.Itoa(i + 1), List: "l", MessageID: fmt.Sprintf("m%d@x", i), Subject: "s", Body: "word",
			From: "a@x", FromAddr: "a@x", Date: base.Add(time.Duration(i) * time.Hour)}
	}
	var docs []Doc
	for i := range 1000 {
		docs = append(docs, doc(i))
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	bq, err := query.Parse("word", query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	stop := make(chan struct{})
	for range 8 {
		go func() {
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				res, err := x.Search(query.Scoped(bq, "l"), SearchOptions{Size: 10, Newest: true, Estimate: true, Facets: true})
				if err == nil && (len(res.Hits) != 10 || res.Total < 1000) {
					err = fmt.Errorf("%d hits of %d", len(res.Hits), res.Total)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 1000; i < 1030; i++ {
		if err := x.Put(doc(i)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestOrderRangeCounts: the posts in a span of order keys, counted by the
// day words (ends at days' starts, or open) and by the numeric range
// (other ends), are the posts a reading of every key finds.
func TestOrderRangeCounts(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := time.Date(2021, 1, 30, 5, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := range 120 {
		docs = append(docs, Doc{ID: strconv.Itoa(i + 1), List: "l", MessageID: fmt.Sprintf("m%d@x", i), Subject: "s", Body: "b",
			FromAddr: "a@x", Date: base.Add(time.Duration(i) * 7 * time.Hour)})
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	day := func(s string) int64 {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d.UnixNano()
	}
	open, end := int64(math.MinInt64), int64(math.MaxInt64)
	for _, c := range [][2]int64{
		{day("2021-02-01"), day("2021-02-10")}, {open, day("2021-02-03")}, {day("2021-02-20"), end},
		{day("2021-01-01"), day("2021-03-31")}, {day("2021-02-05"), day("2021-02-05")},
		{base.Add(13 * time.Hour).UnixNano(), base.Add(200 * time.Hour).UnixNano()}, {open, base.Add(30 * time.Hour).UnixNano()},
	} {
		var want uint64
		for i := range docs {
			k := orderKey(&docs[i]).UnixNano()
			in := k >= c[0] && k <= c[1]
			if t0, t1 := time.Unix(0, c[0]), time.Unix(0, c[1]); (c[0] == open || t0.Equal(dayStart(t0))) && (c[1] == end || t1.Equal(dayStart(t1))) {
				in = k >= c[0] && (c[1] == end || k < c[1]) // whole days: the end's day is not in
			}
			if in {
				want++
			}
		}
		got, err := x.docsIn(context.Background(), "l", c[0], c[1])
		if err != nil || got != want {
			t.Errorf("docsIn(%s, %s) = %d, %v; want %d", time.Unix(0, c[0]).UTC(), time.Unix(0, c[1]).UTC(), got, err, want)
		}
	}
}
