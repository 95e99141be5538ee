package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"praxis/listserv/store"
)

// helpersDemunged: the most helpful are people, not the list's address.
// On a list that munges From for DMARC every post is "NAME via CoP"
// <cop@…>: the helpers are counted by their names (one each, without an
// address), a reply to one's own thread does not count, and an author
// whose From was not munged is counted by address beside them.
func helpersDemunged(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	n := 0
	put := func(id, from, name string, refs ...string) {
		t.Helper()
		n++
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: \"" + name + "\" <" + from + ">\r\nSubject: s\r\n\r\nbody\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", NormSubject: "s", FromAddr: from, FromName: name,
			Date: d0.Add(time.Duration(n) * time.Minute), Refs: refs, IsReply: len(refs) > 0}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
	}
	put("q1@x", "cop@example.org", "Ann via CoP")
	put("q2@x", "cop@example.org", "Ann via CoP")
	put("q3@x", "dave@example.net", "Dave")
	put("a1@x", "cop@example.org", "Bob via CoP", "q1@x")
	put("a2@x", "cop@example.org", "Bob via CoP", "q2@x")
	put("a3@x", "cop@example.org", "Bob via CoP", "q2@x")
	put("a4@x", "cop@example.org", "Carol via CoP", "q1@x")
	put("a5@x", "cop@example.org", "Ann via CoP", "q1@x") // her own thread
	put("a6@x", "dave@example.net", "Dave", "q1@x")
	put("a7@x", "cop@example.org", "Bob via CoP", "q3@x")
	helpers, err := s.ArchiveHelpers(ctx, l.ID, d0, d0.Add(time.Hour), 10)
	must(t, err)
	// Ties go by key: an address before a "name:".
	want := []store.Helper{{Name: "Bob", Threads: 3, Replies: 4}, {Address: "dave@example.net", Name: "Dave", Threads: 1, Replies: 1}, {Name: "Carol", Threads: 1, Replies: 1}}
	if !slices.Equal(helpers, want) {
		t.Errorf("ArchiveHelpers on a munged list: %+v, want %+v", helpers, want)
	}
	if top, err := s.ArchiveHelpers(ctx, l.ID, d0, d0.Add(time.Hour), 1); err != nil || len(top) != 1 || top[0].Name != "Bob" {
		t.Errorf("the most helpful one: %+v %v", top, err)
	}
}
