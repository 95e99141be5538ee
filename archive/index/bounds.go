package index

import (
	"errors"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// findBounds sets the order bounds of an index just opened: the
// smallest and largest order key of its documents. They are read from
// each segment's dictionary of document ids, where a key's 19 digits of
// nanoseconds sort it by date: the first id is the earliest, and the
// latest is found digit by digit, a few dozen lookups a segment. A
// search sorted by id (the way of an index not Bleve's scorch, or of ids
// not keys) reads every document's id: at a hundred times the usrp
// archive that mapped 450 MB of the index's files into the process and
// kept them there.
//
// A deleted document's id stays in its segment's dictionary until a
// merge drops it, so the bounds may take in a post no longer there: a
// wider window than needed, never a missed hit.
func (x *Index) findBounds() error {
	ok, err := x.dictBounds()
	if err != nil || ok {
		return err
	}
	lo, hi, found, err := x.searchBounds()
	if found {
		x.widen(lo)
		x.widen(hi)
	}
	return err
}

// searchBounds is the first and the last document key by a search of
// every document sorted by id; found is false when there is none (or the
// ids are not keys).
func (x *Index) searchBounds() (lo, hi int64, found bool, err error) {
	ends := [2]int64{}
	for i, desc := range []bool{false, true} {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1, 0, false)
		req.Score = bleve.ScoreNone
		req.SortByCustom(search.SortOrder{&search.SortDocID{Desc: desc}})
		res, err := x.b.Search(req)
		if err != nil {
			return 0, 0, false, err
		}
		if len(res.Hits) != 1 {
			return 0, 0, false, nil
		}
		n, ok := keyNanos(res.Hits[0].ID)
		if !ok {
			return 0, 0, false, nil
		}
		ends[i] = n
	}
	return ends[0], ends[1], true, nil
}

// errNotKeys says a segment holds an id that is not a document key.
var errNotKeys = errors.New("index: an id that is not a key")

// dictBounds widens the bounds with each segment's first and last key;
// false when the index is not scorch's or an id is not a key.
func (x *Index) dictBounds() (bool, error) {
	r, err := x.reader()
	if err != nil {
		return false, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return false, nil
	}
	for _, ss := range snap.Segments() {
		if ss.Count() == 0 {
			continue
		}
		d, err := ss.Segment().Dictionary("_id")
		if err != nil {
			return false, fmt.Errorf("index: ids: %w", err)
		}
		first, last, err := keyRange(d)
		if errors.Is(err, errNotKeys) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		x.widen(first)
		x.widen(last)
	}
	return true, nil
}

// keyRange is the nanoseconds of the first and the last key in a
// dictionary of ids, or errNotKeys.
func keyRange(d segment.TermDictionary) (first, last int64, err error) {
	// firstWith is the first id that starts with prefix ("" when none).
	firstWith := func(prefix string) (string, error) {
		it := d.AutomatonIterator(nil, []byte(prefix), prefixEnd(prefix))
		de, err := it.Next()
		if err != nil || de == nil {
			return "", err
		}
		return de.Term, nil
	}
	lo, err := firstWith("")
	if err != nil {
		return 0, 0, err
	}
	first, ok := keyNanos(lo)
	if !ok {
		return 0, 0, errNotKeys
	}
	// The last key: the highest digit with an id after it, at each of
	// the 19 places in turn.
	prefix := ""
	for len(prefix) < 19 {
		found := false
		for c := byte('9'); c >= '0'; c-- {
			id, err := firstWith(prefix + string(c))
			if err != nil {
				return 0, 0, err
			}
			if id != "" {
				prefix += string(c)
				found = true
				break
			}
		}
		if !found {
			return 0, 0, errNotKeys
		}
	}
	hi, err := firstWith(prefix + ".")
	if err != nil {
		return 0, 0, err
	}
	last, ok = keyNanos(hi)
	if !ok {
		return 0, 0, errNotKeys
	}
	// An id after the last key (one not a key, sorting after digits)
	// would have been the search's answer too; say so rather than guess.
	it := d.AutomatonIterator(nil, []byte(":"), nil)
	if de, err := it.Next(); err != nil {
		return 0, 0, err
	} else if de != nil {
		return 0, 0, errNotKeys
	}
	return first, last, nil
}
