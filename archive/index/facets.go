package index

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/search"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"praxis/archive/query"
)

// The facets of a query of words (the authors and months of its newest
// hits, or of all of them) are counted from its hits' bitmaps and, for
// each segment, arrays of every post's author, month and day, made once
// from the segment's dictionaries (a segment never changes) and kept
// while it is in the index. Bleve's facets read each hit's doc values,
// whose chunks are compressed: a hit in a chunk of its own cost a chunk
// decoded, and the newest 200 hits of a 100x archive lie in as many
// chunks (half a search page's time, 6-8 ms).

// postFacets is one segment's arrays, by post number.
type postFacets struct {
	author          []uint32 // index in authors, noValue for none
	month           []uint32 // index in months, noValue for none
	day             []int32  // days since 1970 of the post's order key; math.MinInt32 for none
	authors, months []string
}

const noValue = math.MaxUint32

// segArrays keeps what is made once of each segment of the index (a
// segment never changes: facets.go's and bitpage.go's arrays), by
// segment id, while the segment is in the index.
type segArrays[T any] struct {
	mu   sync.Mutex
	segs map[uint64]T
}

// of returns what build made of the segment with id, calling it now if
// need be. live lists the ids of the index's segments now, so what was
// made of segments merged away goes.
func (sa *segArrays[T]) of(id uint64, live map[uint64]bool, build func() (T, error)) (T, error) {
	sa.mu.Lock()
	v, ok := sa.segs[id]
	sa.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	if sa.segs == nil {
		sa.segs = map[uint64]T{}
	}
	for k := range sa.segs {
		if !live[k] {
			delete(sa.segs, k)
		}
	}
	sa.segs[id] = v
	return v, nil
}

// makePostFacets reads a segment's authors, months and days from its
// dictionaries; nil when a post has two of one.
func makePostFacets(seg segment.Segment) (*postFacets, error) {
	n := int(seg.Count())
	pf := &postFacets{author: make([]uint32, n), month: make([]uint32, n), day: make([]int32, n)}
	for i := range n {
		pf.author[i], pf.month[i], pf.day[i] = noValue, noValue, math.MinInt32
	}
	// each calls f for every word of field from start (numbered in
	// order) and every post holding it; false when f says a post
	// already has a value.
	each := func(field, start string, f func(term string, ord uint32, doc uint32) bool) (bool, error) {
		d, err := seg.Dictionary(field)
		if err != nil {
			return false, err
		}
		it := d.AutomatonIterator(nil, []byte(start), prefixEnd(start))
		for ord := uint32(0); ; ord++ {
			de, err := it.Next()
			if err != nil {
				return false, err
			}
			if de == nil {
				return true, nil
			}
			bm := roaring.New()
			if err := orTerm(d, []byte(de.Term), bm); err != nil {
				return false, err
			}
			for docs := bm.Iterator(); docs.HasNext(); {
				if doc := docs.Next(); int(doc) < n && !f(de.Term, ord, doc) {
					return false, nil
				}
			}
		}
	}
	// ordinals fills arr with the number of each post's word of field,
	// names with the words by number (every word, with posts or not).
	ordinals := func(field string, arr []uint32, names *[]string) (bool, error) {
		return each(field, "", func(term string, ord, doc uint32) bool {
			for int(ord) >= len(*names) {
				*names = append(*names, "")
			}
			(*names)[ord] = term
			if arr[doc] != noValue {
				return false
			}
			arr[doc] = ord
			return true
		})
	}
	ok, err := ordinals(query.FieldFromAddr, pf.author, &pf.authors)
	if err != nil || !ok {
		return nil, err
	}
	if ok, err = ordinals(fieldMonth, pf.month, &pf.months); err != nil || !ok {
		return nil, err
	}
	// The days: fieldSpan's "d2006-01-02" words.
	ok, err = each(fieldSpan, "d", func(term string, _, doc uint32) bool {
		t, err := time.Parse(spanDay, term)
		if err != nil {
			return true // not a day's word
		}
		if pf.day[doc] != math.MinInt32 {
			return false
		}
		pf.day[doc] = int32(t.Unix() / 86400)
		return true
	})
	if err != nil || !ok {
		return nil, err
	}
	return pf, nil
}

// bitFacets counts the authors and months of the hits in h whose day is
// from's or later (every hit when from is the zero time), as Bleve's term
// facets would (authorFacetSize and monthFacetSize of them, most first);
// sampled is how many hits were counted. ok is false when a segment's
// arrays cannot be read (then Bleve counts them).
func (x *Index) bitFacets(ctx context.Context, h *hitBits, from time.Time) (fr search.FacetResults, sampled int, ok bool, err error) {
	fromDay := int32(math.MinInt32)
	if !from.IsZero() {
		fromDay = int32(dayStart(from).Unix() / 86400)
	}
	authors, months := map[string]int{}, map[string]int{}
	var withAuthor, withMonth int
	for _, s := range h.segs {
		if err := ctx.Err(); err != nil {
			return nil, 0, false, err
		}
		// nil: a post holds two authors or months, which the arrays
		// cannot say (Bleve's facets count both).
		pf, err := x.facetArrays.of(s.e.ss.Id(), h.live, func() (*postFacets, error) { return makePostFacets(s.e.seg) })
		if err != nil {
			return nil, 0, false, fmt.Errorf("index: facets: %w", err)
		}
		if pf == nil {
			return nil, 0, false, nil
		}
		// Counted by number first, named once a segment.
		ac, mc := make([]int, len(pf.authors)), make([]int, len(pf.months))
		for it := s.hits.Iterator(); it.HasNext(); {
			doc := it.Next()
			if int(doc) >= len(pf.day) || pf.day[doc] < fromDay {
				continue
			}
			sampled++
			if a := pf.author[doc]; a != noValue {
				ac[a]++
				withAuthor++
			}
			if m := pf.month[doc]; m != noValue {
				mc[m]++
				withMonth++
			}
		}
		for i, c := range ac {
			if c > 0 {
				authors[pf.authors[i]] += c
			}
		}
		for i, c := range mc {
			if c > 0 {
				months[pf.months[i]] += c
			}
		}
	}
	return search.FacetResults{
		query.FieldFromAddr: termFacet(query.FieldFromAddr, authors, withAuthor, sampled-withAuthor, authorFacetSize),
		fieldMonth:          termFacet(fieldMonth, months, withMonth, sampled-withMonth, monthFacetSize),
	}, sampled, true, nil
}

// termFacet is a facet's result as Bleve's term facet builder makes it:
// most counted first (then by term), the top size, the rest as Other.
func termFacet(field string, counts map[string]int, total, missing, size int) *search.FacetResult {
	r := &search.FacetResult{Field: field, Total: total, Missing: missing, Terms: &search.TermFacets{}}
	for t, c := range counts {
		r.Terms.Add(&search.TermFacet{Term: t, Count: c})
	}
	sort.Sort(r.Terms)
	r.Terms.TrimToTopN(min(size, r.Terms.Len()))
	shown := 0
	for _, t := range r.Terms.Terms() {
		shown += t.Count
	}
	r.Other = total - shown
	return r
}
