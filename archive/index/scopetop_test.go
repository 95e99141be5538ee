package index

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// A list whose newest post is years older than the index's (a quiet list
// beside a busy one) is searched from its own newest day: the page is
// the one a sort of every hit gives, and its facets are those of a
// sample of the newest hits, as on a list alone, not of every hit (the
// empty years above its posts had made the hits look a hundred times
// sparser than they are, and the facets' window took in all of them).
func TestQuietListBesideABusyOne(t *testing.T) {
	// Estimates above 100 hits, so that a list of 3,000 posts is a big
	// one (its facets are of a sample).
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{EstimateAbove: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	old := time.Date(2019, 3, 1, 12, 0, 0, 0, time.UTC)
	var docs []Doc
	for i := range 3000 {
		d := Doc{ID: strconv.Itoa(i + 1), List: "quiet@x", MessageID: fmt.Sprintf("q%d@x", i), Subject: "s", Body: "sample rate",
			From: "a@x", FromAddr: fmt.Sprintf("a%d@x", i%40), Date: old.Add(time.Duration(i) * 5 * time.Hour)}
		if i%3 == 0 {
			d.Attachments = []string{"log.txt"}
		}
		docs = append(docs, d)
	}
	// The busy list's posts, five years after the quiet one's last.
	busy := old.Add(3000*5*time.Hour).AddDate(5, 0, 0)
	for i := range 50 {
		docs = append(docs, Doc{ID: strconv.Itoa(5000 + i), List: "busy@x", MessageID: fmt.Sprintf("b%d@x", i), Subject: "s", Body: "sample",
			From: "b@x", FromAddr: "b@x", Date: busy.Add(time.Duration(i) * time.Minute), Attachments: []string{"x.png"}})
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	newestQuiet := docs[2999].Date
	if got, want := time.Unix(0, x.scopeTop(context.Background(), "quiet@x")), newestQuiet; got.Before(want) || got.Sub(want) >= 24*time.Hour {
		t.Errorf("quiet list's top %v, want the end of the day of its newest post, %v", got, want)
	}
	if got, want := x.scopeTop(context.Background(), "busy@x"), x.latest.Load(); got != want {
		t.Errorf("busy list's top %v, want the index's newest post %v", time.Unix(0, got), time.Unix(0, want))
	}
	for _, q := range []string{"has:attachment", "sample", "rate -zzz"} {
		bq, err := query.Parse(q, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		scoped := query.Scoped(bq, "quiet@x")
		got, err := x.Search(scoped, SearchOptions{Size: 20, Newest: true, Facets: true, Estimate: true})
		if err != nil {
			t.Fatal(err)
		}
		// The reference: Bleve's own sort of every hit.
		o := SearchOptions{Size: 20, Newest: true}
		br, err := x.b.Search(x.request(scoped, o, 20))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, h := range br.Hits {
			want = append(want, hit(h, o, nil).MessageID)
		}
		var ids []string
		for _, h := range got.Hits {
			ids = append(ids, h.MessageID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%q: page %v, a sort of every hit gives %v", q, ids, want)
		}
		if got.FacetSample == 0 || got.FacetSample > 4*facetSample {
			t.Errorf("%q: facets of %d hits (0: all %d), want a sample of the newest, %d or a few more", q, got.FacetSample, br.Total, facetSample)
		}
	}
}

// A list whose posts are all dated before 1970 (a year "69" read as
// 1969) beside a list of today's: its posts page as a full sort gives
// them, though their order keys are all 0 and their days are not (a top
// at the list's own newest day had the first window cut that order, and
// paged 103 of 200 posts).
func TestListBefore1970BesideANewOne(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	var docs []Doc
	d0 := time.Date(1969, 6, 1, 12, 0, 0, 0, time.UTC)
	for i := range 200 {
		docs = append(docs, Doc{ID: strconv.Itoa(i + 1), List: "old@x", MessageID: fmt.Sprintf("o%d", i+1), Subject: "s", Body: "sample",
			From: "a@x", FromAddr: "a@x", Date: d0.AddDate(0, 0, i)})
	}
	docs = append(docs, Doc{ID: "900", List: "new@x", MessageID: "n", Subject: "s", Body: "sample", From: "a@x", FromAddr: "a@x",
		Date: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"sample", "samplx~1"} {
		bq, err := query.Parse(q, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		scoped := query.Scoped(bq, "old@x")
		want := pagesOf(t, x, scoped, SearchOptions{Size: 20, Newest: true}, true)
		got := pagesOf(t, x, scoped, SearchOptions{Size: 20, Newest: true, Estimate: true, Facets: true}, false)
		if len(want) != 200 || !slices.Equal(got, want) {
			t.Errorf("%q: %d posts paged, a full sort %d (of 200); first difference at %d", q, len(got), len(want), firstDiff(got, want))
		}
	}
}

// pagesOf pages through q's hits newest first, by o's page size: with
// plain, from Bleve's own sort of every hit (the reference).
func pagesOf(t *testing.T, x *Index, q bquery.Query, o SearchOptions, plain bool) []string {
	t.Helper()
	var all []string
	for range 1000 {
		var hits []Hit
		if plain {
			br, err := x.b.Search(x.request(q, o, o.Size))
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range br.Hits {
				hits = append(hits, hit(h, o, nil))
			}
		} else {
			res, err := x.Search(q, o)
			if err != nil {
				t.Fatal(err)
			}
			hits = res.Hits
		}
		if len(hits) == 0 {
			return all
		}
		for _, h := range hits {
			all = append(all, h.MessageID)
		}
		o.After = hits[len(hits)-1].Sort
	}
	t.Fatal("paging does not end")
	return nil
}
