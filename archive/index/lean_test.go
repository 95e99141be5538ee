package index

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// TestLeanSameHits: a query with its matches analysed by lean finds the
// very posts Bleve's own reading of it finds, in every form the query
// language makes (words in one field and in all, several words, words the
// analyser drops, negations, phrases, prefixes, addresses, dates), on
// real posts.
func TestLeanSameHits(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	x, docs := corpusIndex(t, false)
	hits := func(q bquery.Query) []string {
		req := bleve.NewSearchRequestOptions(q, len(docs)+1, 0, false)
		req.Score = bleve.ScoreNone
		res, err := x.b.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		slices.Sort(out)
		return out
	}
	some := 0
	for _, s := range corpusQueries {
		p, err := query.Parse(s, query.Options{})
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		for _, q := range []bquery.Query{p, query.Scoped(p, docs[0].List)} {
			want, got := hits(q), hits(lean(q, x.b.Mapping(), x.latest.Load()))
			if !slices.Equal(got, want) {
				t.Errorf("%q: lean finds %d posts, Bleve's reading %d", s, len(got), len(want))
			}
			if len(want) > 0 {
				some++
			}
		}
	}
	if some < 30 {
		t.Errorf("only %d of the queries found anything: the test says little", some)
	}
}

// corpusQueries are queries in every form the query language makes, for
// tests on real posts.
var corpusQueries = []string{
	"usrp", "s:uhd", "b:overflow", `"sample rate"`, `b:"lo offset"`, `"the b200 and the x310"`, `b:"set the"`, `s:"re usrp"`, `f:"marcus muller"`, `"rx rate" -b200`, `b:"sample rate" OR b:"time source"`, "f:marcus", "gnuradio b200", "timeout AND x310", "n200 OR n210",
	"ethernet NOT x310", "-usrp timeout", `b:"sample rate"`, `bs:"time source"`, "synchron*",
	"a:ettus.com", "has:attachment", "s:x310 f:leech", "(x310 OR b210) AND s:fpga",
	"d:2020-07-01..2020-08-01 s:b210", "the", "s:the", "b:\"of the\"", "set_thread_priority_safe",
	"uhd-3.15.0", "e310's", "d:2020-08-01..2020-09-15", "d:2020-08", "d:2020-07-20", "d:2020-08-01..", "d:..2020-08-01 overflow",
	"d:2020-07-30..2020-08-02 s:b210", "d:2019-01-01..2019-02-01", `a:"ettus com"`, `b:"the the"`, `b:"to the usrp"`, "zzyzxq", "-zzyzxq", "x310 -b210 -n210",
	// Two words of the body: one word of the pairs field.
	`b:"time source"`, `b:"source time"`, `b:"sample rates"`, `b:"usrp's clock"`, `b:"10 mhz"`, `b:"ettus research"`, `"ettus research"`,
	`b:"it works"`, `b:"rx_rate 1e6"`, `b:"b210 x310"`, `b:"uhd 3.15"`, `b:"marcus thanks"`, `b:"thank you"`, `b:"no luck"`,
}

// TestLeanPhraseInOneValue: a phrase matches within one value of a field
// of several (a post's attachment names), as Bleve's own searcher reads
// it: words at the right places of two different names do not make it.
func TestLeanPhraseInOneValue(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	d := Doc{ID: "1", List: "l", MessageID: "a@x", Subject: "files", Body: "see the files", FromAddr: "a@x",
		Attachments: []string{"alpha beta.pdf", "gamma delta.txt"}, Date: time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := x.Put(d); err != nil {
		t.Fatal(err)
	}
	// A phrase is walked from its rarest word ("source", in one post;
	// "time" is in all three): the words before it are found before it,
	// and one at the field's start has none there.
	for i, body := range []string{"source time clock", "set the time source", "time and time again"} {
		d := Doc{ID: fmt.Sprint(10 + i), List: "l", MessageID: fmt.Sprintf("t%d@x", i), Subject: "clock", Body: body, FromAddr: "a@x", Date: time.Date(2021, 1, 3+i, 0, 0, 0, 0, time.UTC)}
		if err := x.Put(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		q    string
		want uint64
	}{{`"alpha beta"`, 1}, {`"gamma delta"`, 1}, {`"alpha delta"`, 0}, {`"beta gamma"`, 0}, {`"see the files"`, 1}, {`"see files"`, 0},
		{`"time source"`, 1}, {`"source time"`, 1}, {`"set the time source"`, 1}, {`"time time"`, 0}, {`"time and time"`, 1}} {
		countsAgree(t, x, c.q, c.want)
	}
}

// countsAgree checks that the index counts q's hits (as a newest-first
// search does: lean, from bitmaps where it can) as Bleve's own searchers
// count them, and that both make want.
func countsAgree(t *testing.T, x *Index, q string, want uint64) {
	t.Helper()
	p, err := query.Parse(q, query.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bleveSays, err := x.b.Search(bleve.NewSearchRequest(p))
	if err != nil {
		t.Fatal(err)
	}
	n, err := x.count(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if n != want || bleveSays.Total != want {
		t.Errorf("%s: the index counts %d, Bleve %d, want %d", q, n, bleveSays.Total, want)
	}
}

// corpusIndex is an index of the corpus's first 400 posts, put in four
// batches (four segments before merges); with replaced, 30 of them put
// again and 30 deleted afterwards.
func corpusIndex(t *testing.T, replaced bool) (*Index, []Doc) {
	t.Helper()
	docs, _ := corpusDocs(t, 400)
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	for i := 0; i < len(docs); i += 100 {
		if err := x.Put(docs[i:min(i+100, len(docs))]...); err != nil {
			t.Fatal(err)
		}
	}
	if replaced {
		if err := x.Apply(docs[50:80], docs[200:230], nil); err != nil {
			t.Fatal(err)
		}
	}
	return x, docs
}
