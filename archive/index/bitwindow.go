package index

import (
	"context"
	"fmt"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bquery "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A newest-first page of a query made of words is looked for in a window
// the hits themselves size: its hits are counted back from the window's
// top in each day of its month, each month of its year and each year
// before, then in each month of the year and each day of the month that
// hold the page's last hit, from the words' bitmaps (bitCount's), and the
// window starts on the day that makes the page.
// Sized by the hits' density over the whole archive instead, a window of
// a query whose hits bunch in older years ("gnuradio b200": none in the
// last three months of the usrp archive) held none and was widened twice
// over, each search of it costing the OR of its days' words in every
// segment: 10 ms at 100x, where one window of the right days costs 1-2.

// hitBits is a query's hits in each segment of one snapshot, from the
// words' bitmaps, less the deleted posts; n counts them.
type hitBits struct {
	r    index.IndexReader // held by hitBitsOf; nil when the caller holds it
	segs []spanSeg         // the segments with hits
	live map[uint64]bool   // every segment of the snapshot, by id
	n    uint64
}

// hitBitsOf reads lq's hits from the bitmaps of the index as it is now;
// ok is false when lq is not made of words (bitsReadable), or holds a
// phrase of more than maxCands candidates in a segment (0: any). The
// caller closes it.
func (x *Index) hitBitsOf(ctx context.Context, lq bquery.Query, maxCands uint64) (h *hitBits, ok bool, err error) {
	if !bitsReadable(lq) {
		return nil, false, nil
	}
	r, err := x.reader()
	if err != nil {
		return nil, false, err
	}
	if h, ok, err = hitBitsIn(ctx, r, lq, maxCands); !ok || err != nil {
		r.Close()
		return nil, false, err
	}
	h.r = r
	return h, true, nil
}

// hitBitsIn reads lq's hits in r, as hitBitsOf; ok is also false when r
// is not a scorch snapshot. r stays the caller's.
func hitBitsIn(ctx context.Context, r index.IndexReader, lq bquery.Query, maxCands uint64) (h *hitBits, ok bool, err error) {
	snap, isSnap := r.(*scorch.IndexSnapshot)
	if !isSnap || !bitsReadable(lq) {
		return nil, false, nil
	}
	h = &hitBits{live: map[uint64]bool{}}
	for _, ss := range snap.Segments() {
		h.live[ss.Id()] = true
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		e := &segBits{ctx: ctx, maxCands: maxCands, ss: ss, seg: ss.Segment(), dicts: map[string]segment.TermDictionary{}}
		bm, _, err := e.eval(lq)
		if err == errNotBits {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if bm == nil {
			continue
		}
		if del := ss.Deleted(); del != nil {
			bm.AndNot(del)
		}
		if !bm.IsEmpty() {
			h.segs = append(h.segs, spanSeg{hits: bm, e: e})
			h.n += bm.GetCardinality()
		}
	}
	return h, true, nil
}

// Close lets the snapshot go.
func (h *hitBits) Close() error {
	if h.r == nil {
		return nil
	}
	return h.r.Close()
}

// in counts the hits among one fieldSpan word's posts.
func (h *hitBits) in(ctx context.Context, word string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n uint64
	for _, s := range h.segs {
		d, err := s.e.dict(fieldSpan)
		if err != nil {
			return 0, err
		}
		bm := roaring.New()
		if err := orTerm(d, []byte(word), bm); err != nil {
			return 0, err
		}
		n += s.hits.AndCardinality(bm)
	}
	return n, nil
}

// span is the span back from top (Unix nanoseconds) whose whole days
// hold need of the hits, counted as above, no earlier than first's day;
// all is true when the days up to top hold fewer (the window is then the
// whole archive). Hits on top's day after top count too, so a window
// under a cursor may hold fewer than need: the caller widens it then, as
// it widens any window.
func (h *hitBits) span(ctx context.Context, top, first int64, need int) (span time.Duration, all bool, err error) {
	topDay, firstDay := dayStart(time.Unix(0, top)), dayStart(time.Unix(0, first))
	// Newest first: the days of top's month up to top's, the months of
	// its year before, the years before; a month or year that brings
	// the hits to need is then walked by its days or months.
	var units []spanUnit
	for d := topDay; d.Month() == topDay.Month(); d = d.AddDate(0, 0, -1) {
		units = append(units, spanUnit{d, spanDay})
	}
	for m := time.Date(topDay.Year(), topDay.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0); m.Year() == topDay.Year(); m = m.AddDate(0, -1, 0) {
		units = append(units, spanUnit{m, spanMonth})
	}
	for y := topDay.Year() - 1; y >= firstDay.Year(); y-- {
		units = append(units, spanUnit{time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), spanYear})
	}
	var got uint64
	for {
		var at *spanUnit
		for i, u := range units {
			n, err := h.in(ctx, u.t.Format(u.layout))
			if err != nil {
				return 0, false, fmt.Errorf("index: window: %w", err)
			}
			if got+n >= uint64(need) {
				at = &units[i]
				break
			}
			got += n
		}
		switch {
		case at == nil:
			// Fewer hits up to top than need (or, between two
			// counts of one snapshot, never: a unit's parts hold its
			// hits): the whole archive.
			return 0, true, nil
		case at.layout == spanDay:
			return time.Duration(top - at.t.UnixNano()), false, nil
		}
		// Its parts, newest first.
		parent := *at
		units = units[:0]
		if parent.layout == spanYear {
			for m := parent.t.AddDate(1, -1, 0); m.Year() == parent.t.Year(); m = m.AddDate(0, -1, 0) {
				units = append(units, spanUnit{m, spanMonth})
			}
		} else {
			for d := parent.t.AddDate(0, 1, -1); d.Month() == parent.t.Month(); d = d.AddDate(0, 0, -1) {
				units = append(units, spanUnit{d, spanDay})
			}
		}
	}
}

// spanUnit is a year, month or day, by the layout of its fieldSpan word.
type spanUnit struct {
	t      time.Time
	layout string
}

// spanSeg is one segment's hits and its reader.
type spanSeg struct {
	hits *roaring.Bitmap
	e    *segBits
}
