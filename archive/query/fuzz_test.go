package query

import (
	"errors"
	"testing"

	"github.com/blevesearch/bleve/v2"
)

// FuzzParse checks that Parse never panics, that every refusal is an
// *Error pointing inside the query, and that every query it accepts runs
// on a real index without error and, scoped to one list, returns only
// that list's posts.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"uhd", `"sample rate"`, "s:uhd", `s:"a b"`, "f:bob@example.com", "a:ettus.com",
		"d:2026-01-01..2026-03-31", "d:..20260331", "d:2026-01", "d:2.weeks.ago..today",
		"has:attachment", "m:<a@b>", "a -b +c", "NOT (a OR b) AND c", "((a))", "synchron*",
		"foo~2", "*foo", "/re/", "foo~5", "(a", "a)", `"abc`, "z:foo", "", "-", "--x",
		"Re: x", "https://x.org/y", `"a"~2`, "a OR", "NOT", "s:", "d:..", "\xff(\x00\"",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	idx, err := bleve.NewMemOnly(testMapping())
	if err != nil {
		f.Fatal(err)
	}
	defer idx.Close()
	listOf := map[string]string{}
	for _, p := range testPosts {
		listOf[p.id] = p.list
		if err := idx.Index(p.id, map[string]any{
			FieldList: p.list, FieldSubject: p.subject, FieldBody: p.body, FieldDate: p.date,
		}); err != nil {
			f.Fatal(err)
		}
	}

	f.Fuzz(func(t *testing.T, in string) {
		q, err := Parse(in, testOptions())
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) {
				t.Fatalf("Parse(%q) error %T %v, want *Error", in, err, err)
			}
			if perr.Offset < 0 || perr.Offset > len(in) || perr.Msg == "" {
				t.Fatalf("Parse(%q) error offset %d msg %q", in, perr.Offset, perr.Msg)
			}
			return
		}
		if String(q) == "" {
			t.Fatalf("Parse(%q) renders empty", in)
		}
		req := bleve.NewSearchRequestOptions(Scoped(q, "cop"), 10, 0, false)
		res, err := idx.Search(req)
		if err != nil {
			t.Fatalf("Parse(%q) = %s fails in Bleve: %v", in, String(q), err)
		}
		for _, h := range res.Hits {
			if listOf[h.ID] != "cop" {
				t.Fatalf("Parse(%q) scoped to cop found %s of list %s", in, h.ID, listOf[h.ID])
			}
		}
	})
}
