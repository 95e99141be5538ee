package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"praxis/listserv/store"
)

// answersLibrary: entries are written, replaced and dropped with the id
// judged up to (which never goes back), read a page at a time by
// usefulness or date, by year, key term and a search's threads, for
// their list only; threads archived after an id are listed once each;
// removing a post drops its thread's entry, and an entry whose question
// or answer is no longer on the list is not written.
func answersLibrary(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "lib@example.org")
	other := newList(t, s, "other@example.org")
	d0 := time.Date(2021, 3, 2, 12, 0, 0, 0, time.UTC)
	var ids []int64
	put := func(id, thread string, at time.Time) {
		t.Helper()
		var refs []string
		if thread != id {
			refs = []string{thread}
		}
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: a@example.net\r\nSubject: s\r\n\r\nbody of " + id + "\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: "a@example.net", Date: at, Refs: refs, IsReply: len(refs) > 0}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		ids = append(ids, p.ID)
	}
	put("q1@x", "q1@x", d0)
	put("a1@x", "q1@x", d0.Add(time.Hour))
	put("q2@x", "q2@x", d0.AddDate(1, 0, 0))
	put("a2@x", "q2@x", d0.AddDate(1, 0, 1))
	put("a1b@x", "q1@x", d0.AddDate(1, 0, 2))

	if n, err := s.AnswersUpTo(ctx, l.ID); err != nil || n != 0 {
		t.Fatalf("AnswersUpTo of a new list: %d %v", n, err)
	}
	threads, last, err := s.ArchiveThreadsAfter(ctx, l.ID, ids[0], 3)
	must(t, err)
	if !slices.Equal(threads, []string{"q1@x", "q2@x"}) || last != ids[3] {
		t.Errorf("ArchiveThreadsAfter: %v %d, want q1@x q2@x up to %d", threads, last, ids[3])
	}
	e1 := &store.Answer{ThreadID: "q1@x", QuestionID: "q1@x", AnswerID: "a1@x", Title: "Lathe drifts", Question: "Why?", Gist: "Gibs.",
		Asker: "Ann", AnswerBy: "Bob", Terms: []string{"Lathe", "gib"}, AskedAt: d0, AnsweredAt: d0.Add(time.Hour), Score: 1}
	e2 := &store.Answer{ThreadID: "q2@x", QuestionID: "q2@x", AnswerID: "a2@x", Title: "B210 overflows \xff", Question: "How?", Gist: "USB 3.",
		Asker: "Cid", AnswerBy: "Dee", Terms: []string{"b210"}, AskedAt: d0.AddDate(1, 0, 0), AnsweredAt: d0.AddDate(1, 0, 1), Score: 3}
	// What a judging read: q1's posts are ids 0, 1 and 4, q2's 2 and 3.
	j1 := func(e *store.Answer) store.Judged { return store.Judged{ThreadID: "q1@x", Entry: e, PostID: ids[4]} }
	j2 := func(e *store.Answer) store.Judged { return store.Judged{ThreadID: "q2@x", Entry: e, PostID: ids[3]} }
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{j1(e1), j2(e2)}))
	must(t, s.PutAnswers(ctx, l.ID, ids[2], nil)) // a slower node: upto stays
	if n, err := s.AnswersUpTo(ctx, l.ID); err != nil || n != ids[4] {
		t.Errorf("AnswersUpTo: %d %v, want %d", n, err, ids[4])
	}
	page := func(q store.AnswerQuery) []string {
		t.Helper()
		q.Limit = max(q.Limit, 10)
		as, err := s.Answers(ctx, l.ID, q)
		must(t, err)
		var out []string
		for _, a := range as {
			out = append(out, a.ThreadID)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		q    store.AnswerQuery
		want []string
	}{
		{"most useful first", store.AnswerQuery{}, []string{"q2@x", "q1@x"}},
		{"newest first", store.AnswerQuery{ByDate: true}, []string{"q2@x", "q1@x"}},
		{"a year", store.AnswerQuery{Year: 2021}, []string{"q1@x"}},
		{"a key term, any case", store.AnswerQuery{Term: "LATHE"}, []string{"q1@x"}},
		{"not part of a term", store.AnswerQuery{Term: "lat"}, nil},
		{"a search's threads", store.AnswerQuery{Threads: []string{"q1@x", "nope@x"}}, []string{"q1@x"}},
		{"no thread found", store.AnswerQuery{Threads: []string{}}, nil},
		{"second page", store.AnswerQuery{Offset: 1, Limit: 1}, []string{"q1@x"}},
		// What a visitor typed in ?term= is no term: found nowhere,
		// on either engine (PostgreSQL takes no NUL nor invalid UTF-8
		// as text).
		{"a term with a NUL", store.AnswerQuery{Term: "lat\x00he"}, nil},
		{"a term of invalid UTF-8", store.AnswerQuery{Term: "lathe\xff"}, nil},
	} {
		if tt.q.Limit == 1 {
			as, err := s.Answers(ctx, l.ID, tt.q)
			must(t, err)
			if len(as) != 1 || as[0].ThreadID != tt.want[0] {
				t.Errorf("%s: %+v", tt.name, as)
			}
			continue
		}
		if got := page(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	as, err := s.Answers(ctx, l.ID, store.AnswerQuery{Term: "lathe", Limit: 1})
	must(t, err)
	if a := as[0]; a.Title != "Lathe drifts" || a.Gist != "Gibs." || a.AnswerBy != "Bob" || !slices.Equal(a.Terms, []string{"lathe", "gib"}) ||
		!a.AnsweredAt.Equal(d0.Add(time.Hour)) || !a.AskedAt.Equal(d0) {
		t.Errorf("entry read back: %+v", a)
	}
	if as, err := s.Answers(ctx, other.ID, store.AnswerQuery{Limit: 10}); err != nil || len(as) != 0 {
		t.Errorf("another list's library: %d entries, %v", len(as), err)
	}
	// Judged again: q2 is no longer answered, q1 is replaced.
	e1.Gist = "Tighten the gibs."
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{j1(e1), j2(nil)}))
	if got := page(store.AnswerQuery{}); !slices.Equal(got, []string{"q1@x"}) {
		t.Errorf("after judging again: %v", got)
	}
	gist := func() string {
		t.Helper()
		as, err := s.Answers(ctx, l.ID, store.AnswerQuery{Threads: []string{"q1@x"}, Limit: 1})
		must(t, err)
		if len(as) == 0 {
			return ""
		}
		return as[0].Gist
	}
	// A judgement that read less than the last one written (another
	// node's, which read the thread before its last post) changes
	// nothing, whether it has an entry or none.
	stale := *e1
	stale.Gist = "Gibs, as judged before a1b."
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{{ThreadID: "q1@x", Entry: &stale, PostID: ids[1]}, {ThreadID: "q2@x", Entry: e2, PostID: ids[2]}}))
	if g := gist(); g != "Tighten the gibs." {
		t.Errorf("a stale judgement was written over a later one: gist %q", g)
	}
	if got := page(store.AnswerQuery{}); !slices.Equal(got, []string{"q1@x"}) {
		t.Errorf("a stale judgement brought an entry back: %v", got)
	}
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{{ThreadID: "q1@x", PostID: ids[1]}}))
	if g := gist(); g != "Tighten the gibs." {
		t.Errorf("a stale judgement took an entry away: gist %q", g)
	}
	// One that read more corrections is written, even over one that
	// read the thread's posts later; and after it, one that read no
	// correction is not.
	fixed := *e1
	fixed.Gist = "Corrected."
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{{ThreadID: "q1@x", Entry: &fixed, PostID: ids[1], Edits: 2}}))
	if g := gist(); g != "Corrected." {
		t.Errorf("a judgement with a later correction was not written: gist %q", g)
	}
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{j1(e1)}))
	if g := gist(); g != "Corrected." {
		t.Errorf("a judgement that read no correction was written over one that did: gist %q", g)
	}
	// The same judgement made again is written (a making run twice).
	fixed.Gist = "Corrected again."
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{{ThreadID: "q1@x", Entry: &fixed, PostID: ids[1], Edits: 2}}))
	if g := gist(); g != "Corrected again." {
		t.Errorf("the same judgement made again was not written: gist %q", g)
	}
	e1.Gist = "Tighten the gibs."
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{{ThreadID: "q1@x", Entry: e1, PostID: ids[4], Edits: 2}}))
	// Corrections are kept in order, per thread and list.
	must(t, s.AddAnswerEdit(ctx, store.AnswerEdit{ListID: l.ID, ThreadID: "q1@x", At: d0, Actor: "web (mod@example.net)", Action: store.EditUnmark}))
	must(t, s.AddAnswerEdit(ctx, store.AnswerEdit{ListID: l.ID, ThreadID: "q1@x", At: d0.Add(time.Minute), Actor: "mail (mod@example.net)", Action: store.EditRetitle, Value: "Lathe drift \x00fixed"}))
	must(t, s.AddAnswerEdit(ctx, store.AnswerEdit{ListID: other.ID, ThreadID: "q1@x", At: d0, Actor: "x", Action: store.EditMark}))
	edits, err := s.AnswerEdits(ctx, l.ID, "q1@x")
	must(t, err)
	if len(edits) != 2 || edits[0].ID <= 0 || edits[1].ID <= edits[0].ID || edits[0].Action != store.EditUnmark || edits[1].Value != "Lathe drift fixed" || edits[1].Actor != "mail (mod@example.net)" ||
		!edits[1].At.Equal(d0.Add(time.Minute)) {
		t.Errorf("AnswerEdits: %+v", edits)
	}
	// Removing the answer takes the entry.
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: "a1@x", By: "test"}); err != nil || n != 1 {
		t.Fatalf("ArchiveRemove: %d %v", n, err)
	}
	if got := page(store.AnswerQuery{}); len(got) != 0 {
		t.Errorf("after removing the answer: %v", got)
	}
	// An entry judged before the removal and written after it does not
	// come back; one whose question and answer are on the list does.
	e2.Gist = "USB 3, again."
	must(t, s.PutAnswers(ctx, l.ID, ids[4], []store.Judged{{ThreadID: "q1@x", Entry: e1, PostID: ids[4], Edits: 2}, j2(e2)}))
	if got := page(store.AnswerQuery{}); !slices.Equal(got, []string{"q2@x"}) {
		t.Errorf("entries written after the answer's removal: %v, want q2@x alone", got)
	}
	// A thread's last post removed, its next judgement reads less of it
	// than the last one written, and is written all the same.
	put("c2@x", "q2@x", d0.AddDate(1, 0, 3))
	e2.Gist = "USB 3, with c2."
	must(t, s.PutAnswers(ctx, l.ID, ids[5], []store.Judged{{ThreadID: "q2@x", Entry: e2, PostID: ids[5]}}))
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: "c2@x", By: "test"}); err != nil || n != 1 {
		t.Fatalf("ArchiveRemove: %d %v", n, err)
	}
	e2.Gist = "USB 3, without c2."
	must(t, s.PutAnswers(ctx, l.ID, ids[5], []store.Judged{j2(e2)}))
	as, err = s.Answers(ctx, l.ID, store.AnswerQuery{Threads: []string{"q2@x"}, Limit: 1})
	must(t, err)
	if len(as) != 1 || as[0].Gist != "USB 3, without c2." {
		t.Errorf("the judgement after the thread's last post was removed: %+v, want it written", as)
	}
}
