package index

import (
	"context"
	"errors"
	"testing"

	"github.com/blevesearch/bleve/v2"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// TestBitCountSameAsWalk: a count from the words' bitmaps is the count
// of a walk of the hits, for every form of query on real posts, in an
// index of several segments some of whose posts were replaced or
// deleted; and most forms are counted that way, so the test says
// something.
func TestBitCountSameAsWalk(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	x, docs := corpusIndex(t, true)
	ctx := context.Background()
	walk := func(q bquery.Query) uint64 {
		req := bleve.NewSearchRequestOptions(q, 0, 0, false)
		req.Score = bleve.ScoreNone
		res, err := x.b.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	qs := append([]string{
		"-usrp", "-usrp -b210", "usrp OR -b210", "(usrp OR zzyzxq) -b210", "x310 (b210 OR -n210)", "the -x310", "-the",
		"(x310 AND -b210) OR s:fpga", "NOT (x310 OR b210)", "s:the OR s:a", "d:2020-08 -x310",
		"usr*", "s:synch* -x310", "zzy*", "b:overf* OR s:time*",
		// Stop words: match-none parts, left out in query-string mode.
		"b:the x310", "s:the usrp", "(b:the OR s:a) -x310", "b:the s:a -x310", "usrp the", "how to set the clock", "the -the", "-the",
	}, corpusQueries...)
	// Boolean queries archive/query does not make, as Bleve reads them:
	// parts that are Bleve's match-none, and every post less some. (A
	// should part beside a must part is walked, bitsReadable says.)
	term := func(field, w string) bquery.Query { q := bquery.NewTermQuery(w); q.SetField(field); return q }
	or := func(min float64, qs ...bquery.Query) bquery.Query {
		d := bquery.NewDisjunctionQuery(qs)
		d.SetMin(min)
		return d
	}
	boolean := func(must, should, not bquery.Query) bquery.Query {
		return &bquery.BooleanQuery{Must: must, Should: should, MustNot: not}
	}
	usrp, b210, x310 := term(query.FieldBody, "usrp"), term(query.FieldBody, "b210"), term(query.FieldSubject, "x310")
	if bitsReadable(boolean(usrp, or(1, b210, x310), nil)) {
		t.Error("a must part and a should part: read from bitmaps")
	}
	none := bquery.NewMatchNoneQuery()
	made := map[string]bquery.Query{
		"should alone, must-not":    boolean(nil, or(1, b210, x310), usrp),
		"must match-none, must-not": boolean(bquery.NewMatchNoneQuery(), nil, b210),
		"must empty conjunction":    boolean(bquery.NewConjunctionQuery(nil), nil, b210),
		"should match-none":         boolean(nil, bquery.NewMatchNoneQuery(), x310),
		"all match-none":            boolean(bquery.NewMatchNoneQuery(), nil, bquery.NewMatchNoneQuery()),
		"match all less":            boolean(bquery.NewMatchAllQuery(), nil, usrp),
		// Built in query-string mode (archive/query's and IMAP
		// SEARCH's way), a part that is match-none is left out of a
		// conjunction, where otherwise it empties it.
		"query-string conjunction with match-none": bquery.NewBooleanQueryForQueryString([]bquery.Query{none, usrp}, nil, nil),
		"query-string disjunction with match-none": bquery.NewBooleanQueryForQueryString(nil, []bquery.Query{none, b210}, nil),
		"query-string, all match-none":             bquery.NewBooleanQueryForQueryString([]bquery.Query{none, none}, nil, []bquery.Query{b210}),
		"conjunction with match-none":              bquery.NewConjunctionQuery([]bquery.Query{usrp, none}),
	}
	counted, some := 0, 0
	for name, q := range made {
		r, err := x.reader()
		if err != nil {
			t.Fatal(err)
		}
		n, ok, err := bitCount(ctx, r, q)
		r.Close()
		if err != nil || !ok {
			t.Fatalf("%s: not counted from bitmaps (%v)", name, err)
		}
		if want := walk(q); n != want {
			t.Errorf("%s: the bitmaps count %d, Bleve %d", name, n, want)
		}
	}
	for _, s := range qs {
		p, err := query.Parse(s, query.Options{})
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		for _, q := range []bquery.Query{p, query.Scoped(p, docs[0].List)} {
			lq := lean(q, x.b.Mapping(), x.latest.Load())
			r, err := x.reader()
			if err != nil {
				t.Fatal(err)
			}
			n, ok, err := bitCount(ctx, r, lq)
			r.Close()
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if !ok {
				continue
			}
			counted++
			if want := walk(lq); n != want {
				t.Errorf("%q: the bitmaps count %d, a walk %d", s, n, want)
			}
			if want := walk(q); n != want {
				t.Errorf("%q: the bitmaps count %d, Bleve's own reading %d", s, n, want)
			}
			if n > 0 {
				some++
			}
		}
	}
	// A phrase of many candidates is read from bitmaps unless a cap on
	// them says to walk it (a total that may be estimated).
	sq, err := query.Parse(`s:"usrp users"`, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lsq := lean(query.Scoped(sq, docs[0].List), x.b.Mapping(), x.latest.Load())
	for _, c := range []struct {
		cap  uint64
		read bool
	}{{0, true}, {1 << 20, true}, {2, false}} {
		hb, ok, err := x.hitBitsOf(ctx, lsq, c.cap)
		if err != nil {
			t.Fatal(err)
		}
		if ok != c.read {
			t.Errorf("a phrase of many candidates, capped at %d: read from bitmaps %v, want %v", c.cap, ok, c.read)
		}
		if ok {
			if want := walk(lsq); hb.n != want || want < 10 {
				t.Errorf("a phrase of many candidates: %d hits, Bleve %d", hb.n, want)
			}
			hb.Close()
		}
	}
	// A search cut by its deadline stops reading.
	cut, cancel := context.WithCancel(ctx)
	cancel()
	r, err := x.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	pq, err := query.Parse(`"sample rate" usrp*`, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bitCount(cut, r, lean(query.Scoped(pq, docs[0].List), x.b.Mapping(), x.latest.Load())); !errors.Is(err, context.Canceled) {
		t.Errorf("a count after its context ended: %v, want context.Canceled", err)
	}
	if counted < 80 || some < 50 {
		t.Errorf("%d queries counted from bitmaps, %d with hits: the test says little", counted, some)
	}
}
