package index

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// Counting every hit of a query costs its whole posting list: a word in
// every post's footer costs as much as the archive is big. A newest-first
// page needs only the newest hits, which the date windows find; the total
// beside it can then be estimated, as Xapian-based archives do, from how
// densely the hits lie in the window that held the page: hits in the
// window / the list's posts in the window × the list's posts in all (within
// the query's own dates, when it names some). The page is exact either
// way; only the count is "about".

// docCounts caches how many of a scope's posts lie in a date range: the
// windows of one query ask for the same spans again and again, and any
// change to the index (gen) makes the cache stale.
type docCounts struct {
	mu  sync.Mutex
	gen uint64
	m   map[docSpan]uint64
}

type docSpan struct {
	scope    string // the list's term, "" for the whole index
	from, to int64  // Unix nanoseconds of the order key, inclusive; MinInt64/MaxInt64 for open ends
}

// maxCachedSpans bounds the cache: a reader paging through many queries
// makes new spans, and the cache starts over rather than grow.
const maxCachedSpans = 4096

// docsIn counts the scope's posts whose order key lies in [from, to].
func (x *Index) docsIn(ctx context.Context, scope string, from, to int64) (uint64, error) {
	if from == math.MinInt64 && to == math.MaxInt64 {
		// The whole scope: the term's document frequency, from the
		// dictionary, without walking its postings.
		return x.termCount(ctx, scope)
	}
	return x.countCached(ctx, docSpan{scope: scope, from: from, to: to}, func() bquery.Query {
		r := x.orderRange(from, to)
		if scope == "" {
			return r
		}
		t := bquery.NewTermQuery(scope)
		t.SetField(query.FieldList)
		return bquery.NewConjunctionQuery([]bquery.Query{t, r})
	})
}

// countCached counts the posts the query made for key matches, once per
// state of the index.
func (x *Index) countCached(ctx context.Context, key docSpan, q func() bquery.Query) (uint64, error) {
	gen := x.gen.Load()
	x.counts.mu.Lock()
	if x.counts.m == nil || x.counts.gen != gen || len(x.counts.m) > maxCachedSpans {
		x.counts.gen, x.counts.m = gen, map[docSpan]uint64{}
	}
	n, ok := x.counts.m[key]
	x.counts.mu.Unlock()
	if ok {
		return n, nil
	}
	req := bleve.NewSearchRequestOptions(q(), 0, 0, false)
	req.Score = bleve.ScoreNone
	res, err := x.b.SearchInContext(ctx, req)
	if err != nil {
		return 0, err
	}
	x.counts.mu.Lock()
	if x.counts.gen == gen && x.counts.m != nil {
		x.counts.m[key] = res.Total
	}
	x.counts.mu.Unlock()
	return res.Total, nil
}

// orderRange matches the order keys in [from, to]; nil when both ends
// are open. Ends that are open or at a day's start (to as the end of the
// day before, as a d: range ends) make the fieldSpan words of the days;
// others a numeric range of the order key, which Bleve reads as some
// hundreds of prefix terms, looked up in every segment.
func (x *Index) orderRange(from, to int64) bquery.Query {
	if from == math.MinInt64 && to == math.MaxInt64 {
		return nil
	}
	whole := func(n int64) bool { t := time.Unix(0, n); return t.Equal(dayStart(t)) }
	if (from == math.MinInt64 || whole(from)) && (to == math.MaxInt64 || whole(to)) {
		f, t := time.Unix(0, max(from, x.earliest.Load())), time.Unix(0, x.latest.Load())
		if to <= x.latest.Load() {
			t = time.Unix(0, to).AddDate(0, 0, -1)
		}
		if q := spanQuery(f, t); q != nil {
			return q
		}
		return bquery.NewMatchNoneQuery()
	}
	// Closed ends, at the newest and oldest posts when open: Bleve looks
	// up every prefix an open end takes in.
	from, to = max(from, x.earliest.Load()), min(to, x.latest.Load())
	r := bquery.NewDateRangeInclusiveQuery(time.Unix(0, from), time.Unix(0, to), ptr(true), ptr(true))
	r.SetField(fieldOrder)
	return r
}

// termCount is how many posts a list holds (every post when list is ""),
// read from the index's dictionary.
func (x *Index) termCount(ctx context.Context, list string) (uint64, error) {
	if list == "" {
		return x.b.DocCount()
	}
	r, err := x.reader()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	tfr, err := r.TermFieldReader(ctx, []byte(list), query.FieldList, false, false, false)
	if err != nil {
		return 0, err
	}
	defer tfr.Close()
	return tfr.Count(), nil
}

// scopeOf finds the list a query was scoped to (query.Scoped puts a lone
// list's term first in a conjunction); "" when it is not one list.
func scopeOf(q bquery.Query) string {
	c, ok := q.(*bquery.ConjunctionQuery)
	if !ok || len(c.Conjuncts) == 0 {
		return ""
	}
	if t, ok := c.Conjuncts[0].(*bquery.TermQuery); ok && t.Field() == query.FieldList {
		return t.Term
	}
	return ""
}

// dateBounds is the span of dates every hit of q must lie in, from the
// date ranges it requires (d:2021-06..2021-09 under AND, however nested);
// open ends are MinInt64 and MaxInt64.
func dateBounds(q bquery.Query) (from, to int64) {
	from, to = math.MinInt64, math.MaxInt64
	var walk func(q bquery.Query)
	walk = func(q bquery.Query) {
		switch v := q.(type) {
		case *bquery.ConjunctionQuery:
			for _, c := range v.Conjuncts {
				walk(c)
			}
		case *bquery.BooleanQuery:
			if v.Must != nil {
				walk(v.Must)
			}
		case *bquery.DateRangeQuery:
			if v.FieldVal != query.FieldDate && v.FieldVal != fieldOrder {
				return
			}
			if !v.Start.Time.IsZero() {
				from = max(from, v.Start.Time.UnixNano())
			}
			if !v.End.Time.IsZero() {
				to = min(to, v.End.Time.UnixNano())
			}
		}
	}
	walk(q)
	return from, to
}

// estimateTotal counts or estimates the hits of q, a query with more
// than windowMinHits, given the page's window [from, ∞) that held
// inWindow of them; known is how many the search is sure of.
//
// The window's density says roughly how many there are. Below
// Options.EstimateAbove they are counted: that costs little. Above, they are counted
// in the smallest of the nested random samples of posts (fieldSample)
// that should hold sampleHits of them, and scaled by the scope's posts
// over the sample's (within the query's dates): a sample drawn by hash is
// spread evenly over the years and over copies of a thread, where the
// newest window alone misjudged some queries threefold.
func (x *Index) estimateTotal(ctx context.Context, q bquery.Query, from int64, inWindow uint64) (total uint64, estimated bool, err error) {
	scope := scopeOf(q)
	lo, hi := dateBounds(q)
	known := inWindow
	all, err := x.docsIn(ctx, scope, lo, hi)
	if err != nil {
		return 0, false, err
	}
	win, err := x.docsIn(ctx, scope, max(lo, from), hi)
	if err != nil {
		return 0, false, err
	}
	rough := float64(known)
	if win > 0 {
		rough = max(rough, float64(inWindow)*float64(all)/float64(win))
	}
	if rough > float64(x.estimateAbove) {
		// The smallest sample expected to hold sampleHits, and larger
		// ones while a sample holds too few of the query's hits.
		level := len(sampleLevels) - 1
		for level > 0 && rough/float64(uint64(1)<<sampleLevels[level]) < sampleHits {
			level--
		}
		for ; level >= 0; level-- {
			hits, docs, err := x.countSample(ctx, q, scope, lo, hi, sampleLevels[level])
			if err != nil {
				return 0, false, err
			}
			if hits >= sampleHits/2 && docs > 0 {
				est := uint64(math.Round(float64(hits) * float64(all) / float64(docs)))
				if est >= x.estimateAbove/2 {
					return min(max(est, known), all), true, nil
				}
				break // fewer after all: counted, cheaply
			}
		}
	}
	n, err := x.count(ctx, q)
	return n, false, err
}

// sampleHits is how many hits the sample an estimate counts should hold
// (an error of about an eighth).
const sampleHits = 64

// countSample counts q's hits in sample level j, and the scope's posts
// in it within [lo, hi], both in one reading of the index: posts indexed
// between two readings made a query that every post matches look rarer
// than it is.
func (x *Index) countSample(ctx context.Context, q bquery.Query, scope string, lo, hi int64, j int) (hits, docs uint64, err error) {
	term := func() *bquery.TermQuery {
		t := bquery.NewTermQuery(sampleTerm(j))
		t.SetField(fieldSample)
		return t
	}
	parts := []bquery.Query{term()}
	if scope != "" {
		t := bquery.NewTermQuery(scope)
		t.SetField(query.FieldList)
		parts = append(parts, t)
	}
	if r := x.orderRange(lo, hi); r != nil {
		parts = append(parts, r)
	}
	r, err := x.reader()
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	if hits, _, err = x.countIn(ctx, r, bquery.NewConjunctionQuery([]bquery.Query{q, term()}), 0); err != nil {
		return 0, 0, err
	}
	docs, _, err = x.countIn(ctx, r, bquery.NewConjunctionQuery(parts), 0)
	return hits, docs, err
}

// firstSpan is the first window of a newest-first search of q with many
// hits: as if every post of the scope matched, the span that would hold
// four pages of them, the archive's density up to last (the scope's
// newest day, scopeTop) taken as even; windowStart at most.
func (x *Index) firstSpan(ctx context.Context, q bquery.Query, last int64, size int) time.Duration {
	lat, ear := last, x.earliest.Load()
	if lat <= ear {
		return windowStart
	}
	n, err := x.docsIn(ctx, scopeOf(q), math.MinInt64, math.MaxInt64)
	if err != nil || n == 0 {
		return windowStart
	}
	span := time.Duration(float64(lat-ear) * float64(4*size) / float64(n))
	return min(max(span, time.Minute), windowStart)
}

// spanFor is the first window of a newest-first search of q, which has
// hits in all: the span that should hold twice the need if the hits lie
// evenly between the first post and last (the scope's newest day,
// scopeTop), within the dates q names.
func (x *Index) spanFor(q bquery.Query, last int64, need int, hits uint64) time.Duration {
	lo, hi := dateBounds(q)
	lat, ear := min(last, hi), max(x.earliest.Load(), lo)
	if lat <= ear || hits == 0 {
		return windowStart
	}
	return max(time.Duration(float64(lat-ear)*float64(2*need)/float64(hits)), time.Minute)
}

// grow is the next window's span after one of span held hits of the
// size a page needs: as much wider as the hits' density says (half as
// much again, to be sure), two to sixteen times; four times when it held
// none, which says nothing of the density. A window far wider than
// needed costs its every hit's id (looked up to sort them), so it grows
// by steps, which cost little more than the last window together.
func grow(span time.Duration, hits uint64, size int) time.Duration {
	factor := 4.0
	if hits > 0 {
		factor = min(max(math.Ceil(1.5*float64(size)/float64(hits)), 2), 16)
	}
	return time.Duration(float64(span) * factor)
}
