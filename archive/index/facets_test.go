package index

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// TestBitFacetsSameAsBleve: the authors and months counted from the
// bitmaps and the segments' arrays are Bleve's term facets of the same
// hits, all of them or those from a day on, in an index of several
// segments with replaced and deleted posts; and the arrays of segments
// merged away are let go.
func TestBitFacetsSameAsBleve(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	x, docs := corpusIndex(t, true)
	ctx := context.Background()
	terms := func(r *search.FacetResult) []string {
		var out []string
		for _, tf := range r.Terms.Terms() {
			out = append(out, tf.Term+"="+strconv.Itoa(tf.Count))
		}
		return out
	}
	mid := time.Unix(0, (x.earliest.Load()+x.latest.Load())/2)
	compared := 0
	for _, s := range append([]string{"usrp", "-usrp", "the"}, corpusQueries...) {
		p, err := query.Parse(s, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		lq := lean(query.Scoped(p, docs[0].List), x.b.Mapping(), x.latest.Load())
		hb, ok, err := x.hitBitsOf(ctx, lq, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue
		}
		for _, from := range []time.Time{{}, mid, docs[300].Date, docs[390].Date} {
			got, sampled, ok, err := x.bitFacets(ctx, hb, from)
			if err != nil || !ok {
				t.Fatalf("%q: bitFacets: %v, %v", s, ok, err)
			}
			wq := lq
			if !from.IsZero() {
				wq = bquery.NewConjunctionQuery([]bquery.Query{lq, spanQuery(from, time.Unix(0, x.latest.Load()))})
			}
			req := bleve.NewSearchRequestOptions(wq, 0, 0, false)
			req.Score = bleve.ScoreNone
			req.AddFacet(query.FieldFromAddr, bleve.NewFacetRequest(query.FieldFromAddr, authorFacetSize))
			req.AddFacet(fieldMonth, bleve.NewFacetRequest(fieldMonth, monthFacetSize))
			want, err := x.b.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			if uint64(sampled) != want.Total {
				t.Errorf("%q from %s: %d hits counted, Bleve %d", s, from.Format(time.DateOnly), sampled, want.Total)
			}
			for _, f := range []string{query.FieldFromAddr, fieldMonth} {
				if g, w := terms(got[f]), terms(want.Facets[f]); !slices.Equal(g, w) {
					t.Errorf("%q from %s, %s: %v, Bleve %v", s, from.Format(time.DateOnly), f, g, w)
				}
			}
			compared++
		}
		hb.Close()
	}
	if compared < 120 {
		t.Errorf("%d facets compared: the test says little", compared)
	}
	kept := func() map[uint64]bool {
		x.facetArrays.mu.Lock()
		defer x.facetArrays.mu.Unlock()
		ids := map[uint64]bool{}
		for id := range x.facetArrays.segs {
			ids[id] = true
		}
		return ids
	}
	mem, file := x.Segments()
	if n := len(kept()); n == 0 || n > int(mem+file) {
		t.Errorf("arrays of %d segments kept, the index has %d", n, mem+file)
	}
	// A segment still in the index keeps its arrays when a query has no
	// hit in it.
	before := kept()
	d := docs[0]
	d.ID, d.MessageID, d.Body = "lone", "lone@x", "zzyzxq"
	if err := x.Put(d); err != nil {
		t.Fatal(err)
	}
	lone := bquery.NewTermQuery("zzyzxq")
	lone.SetField(query.FieldBody)
	hb, ok, err := x.hitBitsOf(ctx, lean(query.Scoped(lone, d.List), x.b.Mapping(), x.latest.Load()), 0)
	if err != nil || !ok || hb.n != 1 {
		t.Fatalf("the lone post: %v %v", ok, err)
	}
	if _, _, ok, err := x.bitFacets(ctx, hb, time.Time{}); err != nil || !ok {
		t.Fatalf("bitFacets: %v %v", ok, err)
	}
	after := kept()
	stayed := 0
	for id := range before {
		if hb.live[id] {
			stayed++
			if !after[id] {
				t.Errorf("segment %d is in the index, its arrays were let go", id)
			}
		}
	}
	for id := range after {
		if !hb.live[id] {
			t.Errorf("segment %d was merged away, its arrays are kept", id)
		}
	}
	hb.Close()
	if stayed == 0 {
		t.Log("every segment was merged away: the test said little this time")
	}
}
