package index

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

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
