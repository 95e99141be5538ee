package index

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A newest-first page of a query made of words is picked from its hits'
// bitmaps (bitwindow.go's hitBits) and, for each segment, an array of
// every post's order key, made once from fieldKey's doc values and kept
// while the segment is in the index: the page is the hits of the highest
// keys. Searched by Bleve in a window of days, sorted by document id,
// every hit of the window had its id read from its stored fields, one
// place in the file each: at 100x the usrp archive a day holds some 650
// posts, and the 26 searches of the bench mapped 300-400 MB of the
// index into the process. Only the page's own posts are read here.

// makePostKeys reads the order key of each post of seg from fieldKey's
// doc values (math.MinInt64 for a post without one); nil when seg has
// no doc values to read.
func makePostKeys(seg segment.Segment) ([]int64, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, nil
	}
	n := seg.Count()
	keys := make([]int64, n)
	fields := []string{fieldKey}
	var state segment.DocVisitState
	for i := range n {
		keys[i] = math.MinInt64
		var err error
		state, err = dv.VisitDocValues(i, fields, func(_ string, term []byte) {
			if k, ok := keyNanos(term); ok {
				keys[i] = k
			}
		}, state)
		if err != nil {
			return nil, fmt.Errorf("index: keys: %w", err)
		}
	}
	return keys, nil
}

// pageHit is a hit that may make the page: its key's nanoseconds, where
// it is, and (read when needed) its key.
type pageHit struct {
	nanos int64
	seg   int // in hitBits.segs
	doc   uint32
	key   string
}

// bitPage is the newest-first page of size of h's hits after o.After (a
// document key), with the stored fields a search asks for; ok is false
// when a segment has no keys to read (then Bleve's search finds it).
func (x *Index) bitPage(ctx context.Context, h *hitBits, o SearchOptions, size int) (res *bleve.SearchResult, ok bool, err error) {
	if h.r == nil { // the snapshot is the caller's, to read stored fields from
		return nil, false, nil
	}
	start := time.Now()
	keys := make([][]int64, len(h.segs))
	for i, s := range h.segs {
		if keys[i], err = x.keyArrays.of(s.e.ss.Id(), h.live, func() ([]int64, error) { return makePostKeys(s.e.seg) }); err != nil {
			return nil, false, err
		}
		if keys[i] == nil {
			return nil, false, nil
		}
	}
	// key reads a hit's key from its segment, once.
	var readErr error
	key := func(p *pageHit) string {
		if p.key == "" && readErr == nil {
			b, err := h.segs[p.seg].e.seg.DocID(uint64(p.doc))
			if err != nil {
				readErr = fmt.Errorf("index: page: %w", err)
			}
			p.key = string(b)
		}
		return p.key
	}
	// newer orders by key: by its nanoseconds, which are unique but for
	// a post's seq beyond a billion, and by the key itself then.
	newer := func(a, b *pageHit) bool {
		if a.nanos != b.nanos {
			return a.nanos > b.nanos
		}
		return key(a) > key(b)
	}
	after := pageHit{nanos: math.MaxInt64}
	if len(o.After) > 0 {
		n, _ := keyNanos(o.After[0]) // checkCursor made sure it is a key
		after = pageHit{nanos: n, key: o.After[0]}
	}
	// Of many hits, only those of the days back from the top that hold
	// a page (the window's, bitwindow.go) are looked at: "usrp" at 100x
	// is 356,800 hits, and its page lies in one day's 650. Under a
	// cursor the window may hold fewer after it; then all are.
	var window []*roaring.Bitmap
	if h.n > windowedAbove {
		top := x.latest.Load()
		if len(o.After) > 0 {
			top = after.nanos
		}
		span, all, err := h.span(ctx, top, x.earliest.Load(), size)
		if err != nil {
			return nil, false, err
		}
		if !all {
			wq := spanQuery(dayStart(time.Unix(0, top).Add(-span)), time.Unix(0, max(top, x.latest.Load())))
			for _, s := range h.segs {
				bm, _, err := s.e.eval(wq)
				if err != nil {
					return nil, false, err
				}
				if bm == nil {
					bm = roaring.New()
				}
				window = append(window, roaring.And(s.hits, bm))
			}
		}
	}
	best, err := pickPage(ctx, h, keys, window, &after, len(o.After) > 0, size, key, newer)
	if err == nil && window != nil && len(best) < size {
		best, err = pickPage(ctx, h, keys, nil, &after, len(o.After) > 0, size, key, newer)
	}
	if err != nil || best == nil {
		return nil, false, err
	}
	if readErr != nil {
		return nil, false, readErr
	}
	fields := storedFields
	if o.Highlight {
		fields = append(slices.Clip(storedFields), fieldPreview)
	}
	req := &bleve.SearchRequest{Fields: fields}
	res = &bleve.SearchResult{Status: &bleve.SearchStatus{Total: 1, Successful: 1}, Total: h.n, Hits: make(search.DocumentMatchCollection, 0, len(best))}
	for _, p := range best {
		k := key(p)
		if readErr != nil {
			return nil, false, readErr
		}
		m := &search.DocumentMatch{ID: k, Sort: []string{k}, DecodedSort: []string{k}}
		if err, _ := bleve.LoadAndHighlightFields(m, req, "", h.r, nil); err != nil {
			return nil, false, fmt.Errorf("index: page: %w", err)
		}
		res.Hits = append(res.Hits, m)
	}
	res.Took = time.Since(start)
	return res, true, nil
}

// windowedAbove is how many hits a page is picked from the window's
// alone (a variable for tests).
var windowedAbove uint64 = 4096

// pickPage picks the page: the size newest of the hits (of window's
// when it is not nil, one bitmap a segment) after the cursor when
// cursor. nil, nil when a hit has no key (then Bleve's search finds the
// page).
func pickPage(ctx context.Context, h *hitBits, keys [][]int64, window []*roaring.Bitmap, after *pageHit, cursor bool, size int,
	key func(*pageHit) string, newer func(a, b *pageHit) bool) ([]*pageHit, error) {
	best := make([]*pageHit, 0, size+1) // newest first
	seen := 0
	for si, s := range h.segs {
		ks := keys[si]
		hits := s.hits
		if window != nil {
			hits = window[si]
		}
		for it := hits.Iterator(); it.HasNext(); {
			doc := it.Next()
			if seen++; seen%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			if int(doc) >= len(ks) || ks[doc] == math.MinInt64 {
				return nil, nil // a post without a key: Bleve's way
			}
			n := ks[doc]
			if n > after.nanos || (len(best) == size && n < best[size-1].nanos) {
				continue
			}
			p := &pageHit{nanos: n, seg: si, doc: doc}
			if cursor && !newer(after, p) {
				continue
			}
			if len(best) == size && !newer(p, best[size-1]) {
				continue
			}
			at, _ := slices.BinarySearchFunc(best, p, func(e, t *pageHit) int {
				if newer(e, t) {
					return -1
				}
				return 1
			})
			best = slices.Insert(best, at, p)
			if len(best) > size {
				best = best[:size]
			}
		}
	}
	return best, nil
}
