package index

import (
	"cmp"
	"context"
	"slices"

	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	bquery "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"praxis/archive/query"
)

// phraseQuery is a phrase of analysed words in one field, matched
// without scoring: what lean makes of a MatchPhraseQuery. Counting every
// post of the 10x archive that says "sample rate" took Bleve's phrase
// searcher 9 ms, most of it spent building, for each post holding both
// words, maps of where every word stands (for scores and highlighting,
// which nothing here asks for); this one walks the two words' postings
// together and compares their positions in place, in a third of the time.
//
// Words are at offsets from the first ("" marks a word the analyser
// dropped, such as a stop word, which any word matches); a post matches
// when its field holds every word at its offset from one place, in one
// value of the field, as Bleve's own phrase searcher matches with no slop.
type phraseQuery struct {
	field string
	terms []string // by offset; "" for a gap
}

// leanPhrase makes a phraseQuery of a MatchPhraseQuery, or returns q when
// it is not one lean can read the same way (fuzzy, several words at one
// place).
func leanPhrase(q *bquery.MatchPhraseQuery, m mapping.IndexMapping) bquery.Query {
	if q.Fuzziness != 0 {
		return q
	}
	field, tokens, ok := analysed(m, q.FieldVal, q.Analyzer, q.MatchPhrase)
	if !ok {
		return q
	}
	if len(tokens) == 0 {
		return bquery.NewMatchNoneQuery()
	}
	first, last := tokens[0].Position, tokens[0].Position
	for _, t := range tokens {
		first, last = min(first, t.Position), max(last, t.Position)
	}
	terms := make([]string, last-first+1)
	for _, t := range tokens {
		if terms[t.Position-first] != "" {
			return q // two words at one place: Bleve's own reading
		}
		terms[t.Position-first] = string(t.Term)
	}
	if len(terms) == 1 {
		tq := bquery.NewTermQuery(terms[0])
		tq.SetField(field)
		return tq
	}
	if field == query.FieldBody && len(terms) == 2 {
		// Two words side by side (no gap: both are words): one word
		// of the pairs field, no places read (pairs.go).
		tq := bquery.NewTermQuery(pairTerm(terms[0], terms[1]))
		tq.SetField(fieldBodyPairs)
		return tq
	}
	return &phraseQuery{field: field, terms: terms}
}

func (q *phraseQuery) Searcher(ctx context.Context, r index.IndexReader, _ mapping.IndexMapping, _ search.SearcherOptions) (search.Searcher, error) {
	s := &phraseSearcher{}
	for off, w := range q.terms {
		if w == "" {
			continue
		}
		tfr, err := r.TermFieldReader(ctx, []byte(w), q.field, false, false, true)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.words = append(s.words, phraseWord{tfr: tfr, off: uint64(off), doc: &index.TermFieldDoc{}})
	}
	// The rarest word leads: the posts are those of its postings that
	// hold the others, so the walk (and the places read) is as long as
	// its list, not the first word's ("time source": "source" leads, not
	// "time", which most posts hold).
	slices.SortStableFunc(s.words, func(a, b phraseWord) int {
		return cmp.Compare(a.tfr.Count(), b.tfr.Count())
	})
	s.count = s.words[0].tfr.Count()
	return s, nil
}

type phraseWord struct {
	tfr index.TermFieldReader
	off uint64              // the word's place after the phrase's first word
	doc *index.TermFieldDoc // where tfr stands; nil at its end
}

// phraseSearcher finds the posts of a phraseQuery: the posts holding all
// its words (each word's postings advanced to the furthest one's post),
// then the places.
type phraseSearcher struct {
	words []phraseWord
	count uint64
	done  bool
}

func (s *phraseSearcher) Next(ctx *search.SearchContext) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	d, err := s.words[0].tfr.Next(s.words[0].doc)
	if err != nil {
		return nil, err
	}
	return s.from(ctx, d)
}

func (s *phraseSearcher) Advance(ctx *search.SearchContext, id index.IndexInternalID) (*search.DocumentMatch, error) {
	if s.done {
		return nil, nil
	}
	d, err := s.words[0].tfr.Advance(id, s.words[0].doc)
	if err != nil {
		return nil, err
	}
	return s.from(ctx, d)
}

// from finds the first post at or after the leading word's d that holds
// the phrase.
func (s *phraseSearcher) from(ctx *search.SearchContext, d *index.TermFieldDoc) (*search.DocumentMatch, error) {
	var err error
	for d != nil {
		s.words[0].doc = d
		all := true
		for i := 1; i < len(s.words); i++ {
			w := &s.words[i]
			if w.doc == nil || len(w.doc.ID) == 0 || w.doc.ID.Compare(d.ID) < 0 {
				if w.doc, err = w.tfr.Advance(d.ID, w.doc); err != nil {
					return nil, err
				}
				if w.doc == nil {
					s.done = true
					return nil, nil
				}
			}
			if c := w.doc.ID.Compare(d.ID); c > 0 {
				// The first word's next post that could hold them all.
				if d, err = s.words[0].tfr.Advance(w.doc.ID, d); err != nil {
					return nil, err
				}
				all = false
				break
			}
		}
		if !all {
			continue
		}
		if s.placed() {
			m := ctx.DocumentMatchPool.Get()
			m.IndexInternalID = append(m.IndexInternalID[:0], d.ID...)
			return m, nil
		}
		if d, err = s.words[0].tfr.Next(d); err != nil {
			return nil, err
		}
	}
	s.done = true
	return nil, nil
}

// placed tells whether the current post holds the words one after the
// other: from some place of the leading word, each word at its offset
// from it (before it, for a word that comes first in the phrase), in the
// same value of the field.
func (s *phraseSearcher) placed() bool {
	lead := s.words[0]
	for _, v0 := range lead.doc.Vectors {
		ok := true
		for _, w := range s.words[1:] {
			at := int64(v0.Pos) + int64(w.off) - int64(lead.off)
			if at < 0 || !slices.ContainsFunc(w.doc.Vectors, func(v *index.TermFieldVector) bool {
				return int64(v.Pos) == at && slices.Equal(v.ArrayPositions, v0.ArrayPositions)
			}) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (s *phraseSearcher) Close() error {
	var first error
	for _, w := range s.words {
		if err := w.tfr.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *phraseSearcher) Weight() float64            { return 1 }
func (s *phraseSearcher) SetQueryNorm(float64)       {}
func (s *phraseSearcher) Count() uint64              { return s.count }
func (s *phraseSearcher) Min() int                   { return 0 }
func (s *phraseSearcher) DocumentMatchPoolSize() int { return 1 }

func (s *phraseSearcher) Size() int {
	n := 64
	for _, w := range s.words {
		n += w.tfr.Size()
	}
	return n
}
