package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/archive/query"
)

// testDocs builds 20 posts: alice writes the even ones in January 2021,
// bob the odd ones in February; every fifth has an attachment; post 7 is
// about UHD.
func testDocs() []Doc {
	var docs []Doc
	for i := range 20 {
		d := Doc{
			ID:        fmt.Sprintf("usrp\x00m%02d@example.net\x00h%02d", i, i),
			List:      "usrp-users",
			MessageID: fmt.Sprintf("m%02d@example.net", i),
			Thread:    fmt.Sprintf("t%d", i/4),
			Subject:   fmt.Sprintf("B210 question number %d", i),
			To:        "usrp-users@lists.example.com",
			Body:      fmt.Sprintf("The sample rate is %d Msps and the overflow <persists>.", i),
			Quoted:    "an earlier reply about firmware",
		}
		if i%2 == 0 {
			d.From, d.FromAddr = "Alice Smith <Alice@Example.net>", "Alice@Example.net"
			d.Date = time.Date(2021, 1, 1+i, 10, 0, 0, 0, time.UTC)
		} else {
			d.From, d.FromAddr = "Bob Jones <bob@example.org>", "bob@example.org"
			d.Date = time.Date(2021, 2, 1+i, 10, 0, 0, 0, time.UTC)
		}
		if i%5 == 0 {
			d.Attachments = []string{fmt.Sprintf("block_diagram-v%d.pdf", i)}
		}
		if i == 7 {
			d.Subject = "UHD 4.1 fails to find the device"
		}
		docs = append(docs, d)
	}
	return docs
}

func openTest(t *testing.T) (*Index, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	if err := x.Put(testDocs()...); err != nil {
		t.Fatalf("Put: %v", err)
	}
	return x, dir
}

func run(t *testing.T, x *Index, q string, o SearchOptions) *Result {
	t.Helper()
	bq, err := query.Parse(q, query.Options{})
	if err != nil {
		t.Fatalf("Parse(%q): %v", q, err)
	}
	res, err := x.Search(bq, o)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return res
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.MessageID)
	}
	slices.Sort(out)
	return out
}

func msgIDs(nums ...int) []string {
	var out []string
	for _, n := range nums {
		out = append(out, fmt.Sprintf("m%02d@example.net", n))
	}
	slices.Sort(out)
	return out
}

func TestSearchQueries(t *testing.T) {
	x, _ := openTest(t)
	evens := msgIDs(0, 2, 4, 6, 8, 10, 12, 14, 16, 18)
	tests := []struct {
		q    string
		want []string
	}{
		{"s:uhd", msgIDs(7)},
		{"uhd", msgIDs(7)},
		{"f:alice@example.net", evens},
		{"f:alice", evens},
		{"d:2021-01-01..2021-01-31", evens},
		{"d:2021-02", msgIDs(1, 3, 5, 7, 9, 11, 13, 15, 17, 19)},
		{"has:attachment", msgIDs(0, 5, 10, 15)},
		{"diagram", msgIDs(0, 5, 10, 15)},
		{"pdf", msgIDs(0, 5, 10, 15)},
		{"m:m03@example.net", msgIDs(3)},
		{"q:firmware", msgIDs(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)},
		{"firmware", nil}, // quoted text is not searched without q:
		{"b:overflows s:question f:bob -d:2021-02-01..2021-02-10", msgIDs(11, 13, 15, 17, 19)},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			res := run(t, x, tt.q, SearchOptions{Size: 100})
			if got := ids(res.Hits); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if res.Total != uint64(len(tt.want)) {
				t.Errorf("Total = %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func TestHitFields(t *testing.T) {
	x, _ := openTest(t)
	res := run(t, x, "m:m07@example.net", SearchOptions{})
	if len(res.Hits) != 1 {
		t.Fatalf("got %d hits, want 1", len(res.Hits))
	}
	got := res.Hits[0]
	want := testDocs()[7]
	if got.ID != want.ID || got.List != want.List || got.MessageID != want.MessageID ||
		got.Thread != want.Thread || got.Subject != want.Subject || got.From != want.From ||
		!got.Date.Equal(want.Date) {
		t.Errorf("got %+v, want fields of %+v", got, want)
	}
}

func TestNewestAndPaging(t *testing.T) {
	x, _ := openTest(t)
	for _, newest := range []bool{true, false} {
		t.Run(fmt.Sprintf("newest=%v", newest), func(t *testing.T) {
			var all []Hit
			var after []string
			pages := 0
			for {
				res := run(t, x, "sample", SearchOptions{Size: 6, Newest: newest, After: after})
				if len(res.Hits) == 0 {
					break
				}
				pages++
				all = append(all, res.Hits...)
				after = res.Hits[len(res.Hits)-1].Sort
				if pages > 10 {
					t.Fatal("paging does not end")
				}
			}
			if pages != 4 {
				t.Errorf("got %d pages, want 4", pages)
			}
			got := ids(all)
			if want := msgIDs(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19); !slices.Equal(got, want) {
				t.Errorf("pages cover %v, want each post once: %v", got, want)
			}
			if newest && !slices.IsSortedFunc(all, func(a, b Hit) int { return b.Date.Compare(a.Date) }) {
				t.Errorf("hits not newest first")
			}
			if newest && all[0].MessageID != "m19@example.net" {
				t.Errorf("first hit %s, want m19", all[0].MessageID)
			}
		})
	}
}

func TestFacets(t *testing.T) {
	x, _ := openTest(t)
	res := run(t, x, "sample", SearchOptions{Facets: true})
	wantAuthors := []Facet{{"alice@example.net", 10, "Alice Smith"}, {"bob@example.org", 10, "Bob Jones"}}
	authors := slices.Clone(res.Authors)
	slices.SortFunc(authors, func(a, b Facet) int { return strings.Compare(a.Term, b.Term) })
	if !slices.Equal(authors, wantAuthors) {
		t.Errorf("Authors = %v, want %v", res.Authors, wantAuthors)
	}
	if want := []Facet{{"2021-01", 10, ""}, {"2021-02", 10, ""}}; !slices.Equal(res.Months, want) {
		t.Errorf("Months = %v, want %v", res.Months, want)
	}
	res = run(t, x, "uhd", SearchOptions{Facets: true})
	if want := []Facet{{"2021-02", 1, ""}}; !slices.Equal(res.Months, want) {
		t.Errorf("Months for uhd = %v, want %v", res.Months, want)
	}
}

// A reader who may not see addresses gets authors by name, in hits and
// facets, and no address in a subject or a snippet.
func TestHideAddresses(t *testing.T) {
	x, _ := openTest(t)
	docs := testDocs()
	d := docs[3]
	d.ID, d.MessageID = "usrp\x00m99@example.net\x00h99", "m99@example.net"
	d.Subject = "mail carol@example.com about it"
	d.Body = "Ask Carol <carol@example.com> or dave@example.com about the sample rate."
	if err := x.Apply([]Doc{d}, nil, nil); err != nil {
		t.Fatal(err)
	}
	res := run(t, x, "carol", SearchOptions{Highlight: true, Facets: true, HideAddresses: true})
	if len(res.Hits) != 1 {
		t.Fatalf("%d hits, want 1", len(res.Hits))
	}
	h := res.Hits[0]
	all := h.From + " " + h.Subject + " " + h.Snippet
	for _, f := range res.Authors {
		all += " " + f.Name
	}
	if strings.Contains(all, "example.") {
		t.Errorf("an address is shown: %q", all)
	}
	if h.From != "Bob Jones" || len(res.Authors) != 1 || res.Authors[0].Name != "Bob Jones" {
		t.Errorf("author %q, facets %v; want Bob Jones", h.From, res.Authors)
	}
	if !strings.Contains(h.Snippet, "Ask <mark>Carol</mark> or dave@…") {
		t.Errorf("snippet %q", h.Snippet)
	}
}

func TestSnippet(t *testing.T) {
	x, _ := openTest(t)
	tests := []struct{ q, want string }{
		{"b:overflow", "<mark>overflow</mark> &lt;persists&gt;"},
		// No fragment of the body: its start, escaped, never the
		// subject the hit shows already.
		{"s:uhd", "The sample rate is 7 Msps and the overflow &lt;persists&gt;."},
		{"q:firmware", "The sample rate is"},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			res := run(t, x, tt.q, SearchOptions{Highlight: true, Size: 1})
			if len(res.Hits) == 0 {
				t.Fatal("no hits")
			}
			if got := res.Hits[0].Snippet; !strings.Contains(got, tt.want) {
				t.Errorf("Snippet = %q, want it to contain %q", got, tt.want)
			}
		})
	}
	for _, h := range run(t, x, "s:uhd OR q:firmware", SearchOptions{Highlight: true}).Hits {
		if strings.Contains(h.Snippet, "question") || strings.Contains(h.Snippet, "UHD") {
			t.Errorf("snippet %q repeats the subject %q", h.Snippet, h.Subject)
		}
	}
	if res := run(t, x, "b:overflow", SearchOptions{Size: 1}); res.Hits[0].Snippet != "" {
		t.Errorf("Snippet without Highlight = %q, want empty", res.Hits[0].Snippet)
	}
}

// Apply deletes and puts with a position, which a reopened index still
// has, with the documents of the same batch.
func TestApplyCountReopen(t *testing.T) {
	x, dir := openTest(t)
	n, err := x.Count()
	if err != nil || n != 20 {
		t.Fatalf("Count = %d, %v; want 20", n, err)
	}
	if pos, err := x.Position(); err != nil || pos != nil {
		t.Fatalf("a new index's position: %q, %v; want none", pos, err)
	}
	docs := testDocs()
	if err := x.Apply(nil, []Doc{docs[7], docs[8], {ID: "no such id"}}, []byte("7.9")); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if n, _ := x.Count(); n != 18 {
		t.Errorf("Count after Delete = %d, want 18", n)
	}
	if res := run(t, x, "s:uhd", SearchOptions{}); res.Total != 0 {
		t.Errorf("deleted post still found: %v", ids(res.Hits))
	}
	// Putting the same ID again replaces rather than adds.
	if err := x.Put(docs[0]); err != nil {
		t.Fatal(err)
	}
	if n, _ := x.Count(); n != 18 {
		t.Errorf("Count after re-Put = %d, want 18", n)
	}
	if err := x.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	y, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer y.Close()
	if n, _ := y.Count(); n != 18 {
		t.Errorf("Count after reopen = %d, want 18", n)
	}
	if pos, err := y.Position(); err != nil || string(pos) != "7.9" {
		t.Errorf("position after reopen: %q, %v; want 7.9", pos, err)
	}
	if res := run(t, y, "diagram", SearchOptions{}); res.Total != 4 {
		t.Errorf("diagram after reopen: %d hits, want 4", res.Total)
	}
}

// A cursor edited by hand is ErrBadCursor (the web answers 400 for it),
// whatever is wrong with it; a real one pages on.
func TestSearchAfterMismatch(t *testing.T) {
	x, _ := openTest(t)
	bq, _ := query.Parse("sample", query.Options{})
	first, err := x.Search(bq, SearchOptions{Size: 3})
	if err != nil || len(first.Hits) != 3 {
		t.Fatalf("first page: %v, %v", first, err)
	}
	last := first.Hits[2].Sort
	for _, tt := range []struct {
		newest bool
		after  []string
	}{
		{false, []string{"1"}},
		{true, []string{"1", "2"}},
		{true, []string{"garbage"}},
		{true, []string{"+999999999999999999.x"}},
		{true, []string{"-000000000000000001.x"}},
		{true, []string{"9999999999999999999.x"}}, // past int64
		{false, []string{"NaN", last[len(last)-1]}},
		{false, []string{"high", last[len(last)-1]}},
		{false, []string{"1.5", "x"}},
	} {
		_, err := x.Search(bq, SearchOptions{Newest: tt.newest, After: tt.after})
		if !errors.Is(err, ErrBadCursor) {
			t.Errorf("After %q (newest %v): %v, want ErrBadCursor", tt.after, tt.newest, err)
		}
	}
	if _, err := x.Search(bq, SearchOptions{After: last}); err != nil {
		t.Errorf("a real cursor: %v", err)
	}
}

// A search whose context has ended stops with the context's error instead
// of running on: the web gives each search a deadline.
func TestSearchHonoursContext(t *testing.T) {
	x, _ := openTest(t)
	bq, _ := query.Parse("sample", query.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, newest := range []bool{true, false} {
		res, err := x.SearchContext(ctx, bq, SearchOptions{Newest: newest})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("newest %v: %v, %v; want context.Canceled", newest, res, err)
		}
	}
}

func TestOpenLocked(t *testing.T) {
	_, dir := openTest(t)
	const timeout = 300 * time.Millisecond
	start := time.Now()
	y, err := Open(dir, Options{OpenTimeout: timeout})
	elapsed := time.Since(start)
	if err == nil {
		y.Close()
		t.Fatal("second Open of an open index succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want ErrLocked", err)
	}
	if elapsed > 5*timeout {
		t.Errorf("second Open took %v, want about %v", elapsed, timeout)
	}
}

func TestOpenCorrupt(t *testing.T) {
	garbage := []byte("this is not an index\x00\xff\x01")
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"garbage meta", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "index_meta.json"), garbage)
		}},
		{"stray file, no meta", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "notes.txt"), garbage)
		}},
		{"garbage root.bolt", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "index_meta.json"), []byte(`{"storage":"scorch","index_type":"scorch"}`))
			write(t, filepath.Join(dir, "store", "root.bolt"), slices.Repeat(garbage, 1000))
		}},
		{"store is a file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "index_meta.json"), []byte(`{"storage":"scorch","index_type":"scorch"}`))
			write(t, filepath.Join(dir, "store"), garbage)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			x, err := Open(dir, Options{OpenTimeout: time.Second})
			if err == nil {
				x.Close()
				t.Fatal("Open of a garbage dir succeeded")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAuthorNamesFollowTheIndex: the name a facet shows is the author's
// latest post's, also once it is remembered: a newer post renames them, a
// post put again with another name renames them, an older one does not,
// and a deletion is followed too.
func TestAuthorNamesFollowTheIndex(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	base := time.Date(2021, 5, 1, 12, 0, 0, 0, time.UTC)
	post := func(id, name string, day int) Doc {
		return Doc{ID: id, List: "l", MessageID: id + "@x", Subject: "tuning", Body: "gain tuning",
			From: name + " <ann@example.org>", FromAddr: "ann@example.org", Date: base.AddDate(0, 0, day)}
	}
	name := func() string {
		t.Helper()
		res := run(t, x, "tuning", SearchOptions{Facets: true, Newest: true})
		if len(res.Authors) != 1 {
			t.Fatalf("authors %v", res.Authors)
		}
		return res.Authors[0].Name
	}
	steps := []struct {
		put, gone []Doc
		want      string
	}{
		{put: []Doc{post("1", "Ann One", 0), post("2", "Ann Two", 1)}, want: "Ann Two"},
		{put: []Doc{post("3", "Ann Three", 2)}, want: "Ann Three"},
		{put: []Doc{post("4", "Ann Old", -5)}, want: "Ann Three"},
		{put: []Doc{post("3", "Ann Renamed", 2)}, want: "Ann Renamed"},
		{gone: []Doc{post("3", "", 2)}, want: "Ann Two"},
	}
	for i, s := range steps {
		if err := x.Apply(s.put, s.gone, nil); err != nil {
			t.Fatal(err)
		}
		for range 2 { // found, then remembered
			if got := name(); got != s.want {
				t.Errorf("step %d: name %q, want %q", i, got, s.want)
			}
		}
	}
}
