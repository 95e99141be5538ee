package index

import (
	"context"
	"sync"
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// scopeTops remembers, for each list searched, the end of the day of its
// newest post, as of one generation of the index.
//
// A newest-first search looks for its page in windows back from a top;
// the index's own newest post is another list's as often as not. A list
// whose last post is years older than the index's newest (a quiet list
// beside a busy one; at a hundred times usrp-users, the bench's ingest
// list, posted today, beside an archive that ends in 2021) had every
// window start in the empty years above its posts: the hits' density
// read from those windows was a small fraction of the real one, so the
// next window, and the facets' window grown the same way, took in every
// hit of the list ("has:attachment": 24 ms a page where the one-list
// index answered in 5). The window's far end stays the index's newest
// post, so a top that is too old (a post archived since) only widens a
// window: never a missed hit.
type scopeTops struct {
	mu  sync.Mutex
	gen uint64
	top map[string]int64
}

// scopeTop is where a newest-first search of scope's posts starts: the
// end of the day (UTC) of its newest post, no later than the index's
// newest post; the index's newest post when scope is "" or its posts
// cannot be read from the bitmaps.
func (x *Index) scopeTop(ctx context.Context, scope string) int64 {
	latest := x.latest.Load()
	if scope == "" {
		return latest
	}
	gen := x.gen.Load()
	x.tops.mu.Lock()
	if x.tops.gen == gen {
		if t, ok := x.tops.top[scope]; ok {
			x.tops.mu.Unlock()
			return t
		}
	}
	x.tops.mu.Unlock()

	tq := bquery.NewTermQuery(scope)
	tq.SetField(query.FieldList)
	hb, ok, err := x.hitBitsOf(ctx, tq, 0)
	if err != nil || !ok {
		return latest
	}
	defer hb.Close()
	top := latest
	if hb.n > 0 {
		// The newest day back from the index's newest post that holds
		// one of the list's posts (bitwindow.go's count by years,
		// months and days).
		span, all, err := hb.span(ctx, latest, x.earliest.Load(), 1)
		if err != nil {
			return latest
		}
		// A list whose newest post is dated before 1970 keeps the
		// index's newest post: order keys before 1970 are all 0 while
		// their days keep the date (Put), so a window that starts among
		// those days cuts the keys' order and misses hits; from the
		// index's newest post the window grows past them to the whole
		// list. So does one whose day ends past what a time holds.
		if !all {
			day := dayStart(time.Unix(0, latest).Add(-span))
			if end := day.AddDate(0, 0, 1).UnixNano() - 1; day.Unix() >= 0 && end > day.UnixNano() {
				top = min(latest, end)
			}
		}
	}
	x.tops.mu.Lock()
	defer x.tops.mu.Unlock()
	if x.tops.gen != gen || x.tops.top == nil {
		// Another generation's tops, or none yet: start over. (Only
		// when the index is still at gen: a top read from an index a
		// batch has moved on from is used, not kept.)
		if x.gen.Load() != gen {
			return top
		}
		x.tops.gen, x.tops.top = gen, map[string]int64{}
	}
	x.tops.top[scope] = top
	return top
}
