package index

import (
	"context"
	"errors"
	"reflect"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bquery "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// A count of a query made of words alone (what lean makes of most
// queries: words, AND, OR, NOT, phrases, the days of a d: range, a list's
// scope, a wildcard at a word's end) needs no walk of its hits: in each
// segment, the words' posting bitmaps are combined as the query combines
// them, and the result's size is the count. A word in every post
// ("usrp", or the list's own scope) cost a walk of 356,800 hits at 100x,
// about 15 ms, handing each to a collector; the bitmaps' AND and OR cost
// well under one.
//
// The bitmaps combine as Bleve's searchers match (checked against them by
// TestBitCountSameAsWalk): a conjunction is every part, a disjunction of
// at least one part any (more is not read this way), and a boolean query
// its must part (or, without one, its should part, or every post) less
// its must-not part; a part whose searcher is Bleve's match-none is left
// out of a boolean query, as Bleve leaves it out. A prefix is the
// dictionary's words that start with it; a phrase the posts holding all
// its words whose places then show them side by side (phrase). Anything
// else (a numeric range, a should part beside a must part) is not read
// this way.

// estimateCandidates bounds the posts of one segment whose places a
// phrase read from bitmaps checks when its total may be estimated: a
// walk that stops at an estimate's threshold reads fewer than all.
const estimateCandidates = 8192

// errNotBits says a query holds a part bitCount does not combine.
var errNotBits = errors.New("index: not a query of words")

// bitCount counts the hits of q, a query lean made, in r: ok is false when
// q holds a part it does not read (count it by a walk instead).
func bitCount(ctx context.Context, r index.IndexReader, q bquery.Query) (n uint64, ok bool, err error) {
	h, ok, err := hitBitsIn(ctx, r, q, 0)
	if !ok || err != nil {
		return 0, false, err
	}
	return h.n, true, nil
}

// bitsReadable tells whether every part of q is one bitCount combines,
// before any segment is read.
func bitsReadable(q bquery.Query) bool {
	switch t := q.(type) {
	case *bquery.TermQuery, *bquery.PrefixQuery, *bquery.MatchNoneQuery, *bquery.MatchAllQuery, *phraseQuery:
		return true
	case *bquery.ConjunctionQuery:
		if _, ok := modeOf(t); !ok {
			return false
		}
		for _, c := range t.Conjuncts {
			if !bitsReadable(c) {
				return false
			}
		}
		return true
	case *bquery.DisjunctionQuery:
		if _, ok := modeOf(t); !ok || t.Min > 1 {
			return false
		}
		for _, d := range t.Disjuncts {
			if !bitsReadable(d) {
				return false
			}
		}
		return true
	case *bquery.BooleanQuery:
		// A should part beside a must part narrows the must part's
		// hits or not as Bleve's searcher for it happens to be made
		// (an unscored disjunction of words is read as one word, whose
		// Min is 0): archive/query makes none, and it is walked.
		if t.Filter != nil || t.Must != nil && t.Should != nil {
			return false
		}
		for _, p := range []bquery.Query{t.Must, t.Should, t.MustNot} {
			if p != nil && !bitsReadable(p) {
				return false
			}
		}
		return true
	}
	return false
}

// modeOf reads whether a conjunction or disjunction was built in Bleve's
// query-string mode (as archive/query and IMAP SEARCH build them): its
// searcher then leaves out a part that is match-none (a word the
// analyser dropped, such as a stop word), where otherwise such a part
// empties a conjunction. Bleve keeps the mode in an unexported field; ok
// is false if a later Bleve has none of that name, and the query is then
// walked.
func modeOf(q bquery.Query) (qs, ok bool) {
	v := reflect.ValueOf(q)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return false, false
	}
	f := v.Elem().FieldByName("queryStringMode")
	if !f.IsValid() || f.Kind() != reflect.Bool {
		return false, false
	}
	return f.Bool(), true
}

// queryStringMode is modeOf's mode (bitsReadable has checked it can be
// read).
func queryStringMode(q bquery.Query) bool {
	qs, _ := modeOf(q)
	return qs
}

// segBits combines posting bitmaps in one segment.
type segBits struct {
	ctx context.Context // a prefix of many words, or a phrase of many candidates, stops when it ends
	// maxCands, when not 0, is the most candidates a phrase reads the
	// places of (more: errNotBits).
	maxCands uint64
	ss       *scorch.SegmentSnapshot
	seg      segment.Segment
	dicts    map[string]segment.TermDictionary
}

// live is the segment's posts not deleted.
func (e *segBits) live() *roaring.Bitmap { return e.ss.DocNumbersLive() }

// combine is the posts of a conjunction's or disjunction's parts, joined
// by op (And or Or), as Bleve's searcher joins them: a part that is its
// match-none is left out in query-string mode (qs) and kept otherwise (no
// post: it empties a conjunction, adds nothing to a disjunction); the
// whole is none when no part is left.
func (e *segBits) combine(parts []bquery.Query, qs bool, op func(*roaring.Bitmap, *roaring.Bitmap)) (*roaring.Bitmap, bool, error) {
	var out *roaring.Bitmap
	for _, p := range parts {
		bm, none, err := e.eval(p)
		if err != nil {
			return nil, false, err
		}
		if none && qs {
			continue
		}
		if bm == nil {
			bm = roaring.New()
		}
		if out == nil {
			out = bm
		} else {
			op(out, bm)
		}
	}
	return out, out == nil, nil
}

// orInto is what a zap postings list can do: add its posts to a bitmap.
type orInto interface{ OrInto(*roaring.Bitmap) }

// eval is q's posts in the segment (nil: none; deleted posts may be in
// it); none tells that Bleve's searcher for q is its match-none, which a
// boolean query leaves out.
func (e *segBits) eval(q bquery.Query) (bm *roaring.Bitmap, none bool, err error) {
	switch t := q.(type) {
	case *bquery.TermQuery:
		d, err := e.dict(t.FieldVal)
		if err != nil {
			return nil, false, err
		}
		bm := roaring.New()
		return bm, false, orTerm(d, []byte(t.Term), bm)
	case *bquery.PrefixQuery:
		// Every word of the field that starts so, as Bleve's prefix
		// searcher reads them (a wildcard at a word's end).
		d, err := e.dict(t.FieldVal)
		if err != nil {
			return nil, false, err
		}
		bm := roaring.New()
		it := d.AutomatonIterator(nil, []byte(t.Prefix), prefixEnd(t.Prefix))
		for n := 0; ; n++ {
			if n%1024 == 1023 && e.ctx.Err() != nil {
				return nil, false, e.ctx.Err()
			}
			de, err := it.Next()
			if err != nil {
				return nil, false, err
			}
			if de == nil {
				return bm, false, nil
			}
			if err := orTerm(d, []byte(de.Term), bm); err != nil {
				return nil, false, err
			}
		}
	case *phraseQuery:
		bm, err := e.phrase(t)
		return bm, false, err
	case *bquery.MatchNoneQuery:
		return nil, true, nil
	case *bquery.MatchAllQuery:
		return e.live(), false, nil
	case *bquery.ConjunctionQuery:
		return e.combine(t.Conjuncts, queryStringMode(t), (*roaring.Bitmap).And)
	case *bquery.DisjunctionQuery:
		return e.combine(t.Disjuncts, queryStringMode(t), (*roaring.Bitmap).Or)
	case *bquery.BooleanQuery:
		part := func(p bquery.Query) (*roaring.Bitmap, bool, error) {
			if p == nil {
				return nil, false, nil
			}
			bm, none, err := e.eval(p)
			if err != nil || none {
				return nil, false, err
			}
			if bm == nil {
				bm = roaring.New()
			}
			return bm, true, nil
		}
		must, hasMust, err := part(t.Must)
		if err != nil {
			return nil, false, err
		}
		should, hasShould, err := part(t.Should)
		if err != nil {
			return nil, false, err
		}
		not, hasNot, err := part(t.MustNot)
		if err != nil {
			return nil, false, err
		}
		var out *roaring.Bitmap
		switch {
		case !hasMust && !hasShould && !hasNot:
			return nil, true, nil
		case hasMust:
			out = must
		case hasShould:
			out = should
		default:
			out = e.live()
		}
		if hasNot {
			out.AndNot(not)
		}
		return out, false, nil
	}
	return nil, false, errNotBits
}

// dict is the segment's dictionary of field, read once a count.
func (e *segBits) dict(field string) (segment.TermDictionary, error) {
	if d, ok := e.dicts[field]; ok {
		return d, nil
	}
	d, err := e.seg.Dictionary(field)
	if err != nil {
		return nil, err
	}
	e.dicts[field] = d
	return d, nil
}

// orTerm adds the posts of term in d to bm.
func orTerm(d segment.TermDictionary, term []byte, bm *roaring.Bitmap) error {
	pl, err := d.PostingsList(term, nil, nil)
	if err != nil {
		return err
	}
	o, ok := pl.(orInto)
	if !ok {
		return errNotBits
	}
	o.OrInto(bm)
	return nil
}

// prefixEnd is the first key after every key that starts with prefix
// (nil: none, after a prefix of 0xff bytes).
func prefixEnd(prefix string) []byte {
	end := []byte(prefix)
	for len(end) > 0 {
		if end[len(end)-1] < 0xff {
			end[len(end)-1]++
			return end
		}
		end = end[:len(end)-1]
	}
	return nil
}

// phrase is the posts of q: those whose bitmaps hold all its words,
// then, of those alone, the ones whose words stand at their offsets from
// one place in one value of the field (phraseQuery's reading), from
// their places. Only the candidates' places are read: the walk of a
// phrase searcher reads the leading word's places in every post it
// passes.
func (e *segBits) phrase(q *phraseQuery) (*roaring.Bitmap, error) {
	d, err := e.dict(q.field)
	if err != nil {
		return nil, err
	}
	type word struct {
		off uint64
		it  segment.PostingsIterator
		at  []placeOf // the candidate's places of the word
	}
	var words []*word
	var cands *roaring.Bitmap
	for off, w := range q.terms {
		if w == "" {
			continue
		}
		pl, err := d.PostingsList([]byte(w), nil, nil)
		if err != nil {
			return nil, err
		}
		o, ok := pl.(orInto)
		if !ok {
			return nil, errNotBits
		}
		bm := roaring.New()
		o.OrInto(bm)
		if cands == nil {
			cands = bm
		} else {
			cands.And(bm)
		}
		words = append(words, &word{off: uint64(off), it: pl.Iterator(false, false, true, nil)})
	}
	out := roaring.New()
	if cands == nil {
		return out, nil
	}
	if del := e.ss.Deleted(); del != nil {
		cands.AndNot(del)
	}
	if cands.IsEmpty() {
		return out, nil
	}
	// Many candidates (a phrase of the words in every subject, as a
	// list's tag is) cost their every place read, where a walk that
	// stops at a few thousand hits (an estimated total) reads fewer:
	// such a query is walked then.
	if e.maxCands > 0 && cands.GetCardinality() > e.maxCands {
		return nil, errNotBits
	}
	it := cands.Iterator()
	for n := 0; it.HasNext(); n++ {
		if n%1024 == 1023 && e.ctx.Err() != nil {
			return nil, e.ctx.Err()
		}
		doc := uint64(it.Next())
		ok := true
		for _, w := range words {
			p, err := w.it.Advance(doc)
			if err != nil {
				return nil, err
			}
			if p == nil || p.Number() != doc {
				ok = false
				break
			}
			// The iterator's posting is reused by its next call: the
			// positions are copied; the value's array positions still
			// point into it, read before this word's iterator moves.
			w.at = w.at[:0]
			for _, l := range p.Locations() {
				w.at = append(w.at, placeOf{pos: l.Pos(), array: l.ArrayPositions()})
			}
		}
		if ok && placedAt(words[0].at, words[0].off, func(i int) ([]placeOf, uint64) { return words[i].at, words[i].off }, len(words)) {
			out.Add(uint32(doc))
		}
	}
	return out, nil
}

// placeOf is one place of a word: its position and the value of the
// field it is in.
type placeOf struct {
	pos   uint64
	array []uint64
}

// placedAt tells whether, from some place of the first word (at off0),
// every other word (word(i), i < n, at its offset) stands at its offset
// from it in the same value.
func placedAt(lead []placeOf, off0 uint64, word func(int) ([]placeOf, uint64), n int) bool {
	for _, v0 := range lead {
		ok := true
		for i := 1; i < n && ok; i++ {
			at, off := word(i)
			want := int64(v0.pos) + int64(off) - int64(off0)
			ok = want >= 0 && slices.ContainsFunc(at, func(v placeOf) bool {
				return int64(v.pos) == want && slices.Equal(v.array, v0.array)
			})
		}
		if ok {
			return true
		}
	}
	return false
}
