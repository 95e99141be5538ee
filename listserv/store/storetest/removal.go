package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"praxis/listserv/store"
)

// archiveRemoval removes a post and purges a sender: the list's reads,
// IMAP and the permalink's lookup no longer find them, the index log
// tells every node to drop them, the thread is counted again, shared
// bytes stay for the list that still holds them, the tombstone keeps a
// re-import out, and ids are not reused.
func archiveRemoval(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "rm@example.org")
	other := newList(t, s, "keep@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	put := func(l *store.List, id, from string, refs []string, date time.Time) (*store.ArchivedPost, []byte, bool) {
		t.Helper()
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: " + from + "\r\nSubject: s " + id + "\r\n\r\nbody of " + id + "\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s " + id, FromAddr: from, Date: date, Refs: refs, IsReply: len(refs) > 0}
		made, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		return p, raw, made
	}
	root, _, _ := put(l, "root@x", "alice@example.net", nil, d0)
	leak, leakRaw, _ := put(l, "leak@x", "bob@example.com", []string{"root@x"}, d0.Add(time.Hour))
	put(other, "leak@x", "bob@example.com", nil, d0) // the same bytes, on another list
	spam1, _, _ := put(l, "spam1@x", "Spam@Example.com", nil, d0.Add(2*time.Hour))
	spam2, _, _ := put(l, "spam2@x", "spam@example.com", []string{"root@x"}, d0.Add(3*time.Hour))
	// A second copy of spam1 (other bytes), after spam2 in id order: the
	// purge names each Message-ID once all the same.
	spam1b, _, made := put(l, "spam1@x", "SPAM@example.com", nil, d0.Add(4*time.Hour))
	if !made {
		t.Fatal("the second copy of spam1@x was not archived")
	}

	logged, err := s.IndexChanges(ctx, store.IndexPos{}, 1000)
	must(t, err)
	end := logged[len(logged)-1].Pos

	n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: "leak@x", By: "admin", Reason: " a\n password "})
	must(t, err)
	if n != 1 {
		t.Errorf("ArchiveRemove removed %d, want 1", n)
	}
	gone, err := s.ArchivePurge(ctx, store.Removal{ListID: l.ID, By: "admin", Reason: strings.Repeat("spam ", 200)}, "SPAM@example.com")
	must(t, err)
	if len(gone) != 2 || gone[0] != "spam1@x" || gone[1] != "spam2@x" {
		t.Errorf("ArchivePurge = %v, want spam1@x, spam2@x", gone)
	}

	left, err := s.ArchiveThread(ctx, l.ID, root.ThreadID)
	must(t, err)
	if len(left) != 1 || left[0].ID != root.ID {
		t.Errorf("thread after removal: %d posts, want the root alone", len(left))
	}
	sum, err := s.ArchiveThreadSummary(ctx, l.ID, root.ThreadID)
	must(t, err)
	if sum.Posts != 1 || !sum.LastDate.Equal(d0) {
		t.Errorf("thread summary after removal: %+v, want 1 post", sum)
	}
	if n, err := s.ArchivePostCount(ctx, l.ID); err != nil || n != 1 {
		t.Errorf("ArchivePostCount = %d, %v; want 1", n, err)
	}
	if n, err := s.IMAPCount(ctx, l.ID); err != nil || n != 1 {
		t.Errorf("IMAPCount = %d, %v; want 1", n, err)
	}
	if _, err := s.ArchiveByID(ctx, leak.ID); err == nil {
		t.Error("ArchiveByID finds the removed post")
	}
	if ps, err := s.ArchiveByIDs(ctx, []int64{leak.ID, spam1.ID, root.ID}); err != nil || len(ps) != 1 {
		t.Errorf("ArchiveByIDs = %d posts, %v; want the root alone", len(ps), err)
	}
	found, err := s.ArchiveFind(ctx, "leak@x")
	must(t, err)
	if len(found) != 1 || found[0].ListID != other.ID {
		t.Errorf("ArchiveFind(leak@x) = %d posts, want the other list's alone", len(found))
	}
	// The other list still shows the same bytes.
	if raw, err := s.ArchiveRaw(ctx, found[0].Hash); err != nil || string(raw) != string(leakRaw) {
		t.Errorf("the other list's copy: %v", err)
	}
	if _, err := s.ArchiveRaw(ctx, spam1.Hash); err == nil {
		t.Error("a purged post's bytes are still stored")
	}

	// Every node's indexer is told to drop the four.
	changes, err := s.IndexChanges(ctx, end, 1000)
	must(t, err)
	dropped := map[int64]bool{}
	for _, c := range changes {
		if !c.Gone() {
			t.Errorf("index log after removal: post %d stays", c.ID)
		}
		dropped[c.ID] = true
	}
	if len(dropped) != 4 || !dropped[leak.ID] || !dropped[spam1.ID] || !dropped[spam2.ID] || !dropped[spam1b.ID] {
		t.Errorf("index log drops %v, want %d, %d, %d, %d", dropped, leak.ID, spam1.ID, spam2.ID, spam1b.ID)
	}

	// Reasons are kept as one line, bounded, whoever gave them.
	if spams, err := s.ArchiveRemoved(ctx, "spam2@x"); err != nil || len(spams) != 1 || len([]rune(spams[0].Reason)) != store.MaxRemovalReason {
		t.Errorf("a long reason kept as %+v (%v), want %d characters", spams, err, store.MaxRemovalReason)
	}
	tomb, err := s.ArchiveRemoved(ctx, "leak@x")
	must(t, err)
	if len(tomb) != 1 || tomb[0].ListID != l.ID || tomb[0].By != "admin" || tomb[0].Reason != "a password" || tomb[0].At.IsZero() {
		t.Errorf("ArchiveRemoved = %+v", tomb)
	}

	// A re-import, or a re-post of the same Message-ID, stays out.
	if p, _, made := put(l, "leak@x", "bob@example.com", []string{"root@x"}, d0.Add(time.Hour)); made || p.ID != 0 {
		t.Errorf("a removed post came back (made %v, id %d)", made, p.ID)
	}
	if n, err := s.ArchivePostCount(ctx, l.ID); err != nil || n != 1 {
		t.Errorf("ArchivePostCount after re-import = %d, %v; want 1", n, err)
	}
	// Nor do its bytes (a leaked password), which no other list holds.
	put(l, "spam1@x", "Spam@Example.com", nil, d0.Add(2*time.Hour))
	if _, err := s.ArchiveRaw(ctx, spam1.Hash); err == nil {
		t.Error("a re-import stored a purged post's bytes again")
	}
	// A new post takes a new id: the removed ones are never reused.
	fresh, _, made := put(l, "fresh@x", "carol@example.com", nil, d0.Add(4*time.Hour))
	if !made || fresh.ID <= spam2.ID {
		t.Errorf("new post: made %v, id %d after removed %d", made, fresh.ID, spam2.ID)
	}
}

// archiveRemovalByBytes: a removed post's bytes stay out of its list
// under any Message-ID. A post that came without one was archived under
// a name the server made up, which its bytes do not carry; an export of
// it imported again is named anew from its bytes. Neither that, nor the
// same bytes twice in one batch, brings the removed bytes back, and a
// removal takes the list's other posts with the same bytes (the same
// post sent twice); another list may still archive them.
func archiveRemovalByBytes(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "rmbytes@example.org")
	other := newList(t, s, "other-bytes@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	raw := []byte("From: Bob <bob@example.com>\r\nSubject: Router login\r\n\r\nThe password is hunter2zebra.\r\n")
	post := func(l *store.List, id string) *store.ArchivedPost {
		return &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "Router login", FromAddr: "bob@example.com", Date: d0}
	}
	live := post(l, "praxis.7.0123456789abcdef@mail.example.org")
	if made, err := s.ArchivePut(ctx, live, raw); err != nil || !made {
		t.Fatalf("ArchivePut = %v, %v", made, err)
	}
	// The same post sent again (a client's retry) is named anew: the
	// removal takes both.
	twin := post(l, "praxis.8.0123456789abcdef@mail.example.org")
	if made, err := s.ArchivePut(ctx, twin, raw); err != nil || !made {
		t.Fatalf("ArchivePut of the twin = %v, %v", made, err)
	}
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: live.MessageID, By: "admin", Reason: "a password"}); err != nil || n != 2 {
		t.Fatalf("ArchiveRemove = %d, %v; want both copies", n, err)
	}
	if tomb, err := s.ArchiveRemoved(ctx, twin.MessageID); err != nil || len(tomb) != 1 || tomb[0].ListID != l.ID {
		t.Errorf("ArchiveRemoved(twin) = %+v, %v; want its tombstone on the list", tomb, err)
	}
	again := []*store.ArchivedPost{post(l, "praxis-archive.0123456789abcdef@example.org"), post(l, "praxis-archive.0123456789abcdef@example.org")}
	made, err := s.ArchivePutMany(ctx, again, [][]byte{raw, raw})
	must(t, err)
	for i, m := range made {
		if m || again[i].ID != 0 {
			t.Errorf("the removed bytes were archived again under <%s> (made %v, id %d)", again[i].MessageID, m, again[i].ID)
		}
	}
	if _, err := s.ArchiveRaw(ctx, live.Hash); err == nil {
		t.Error("the removed bytes can be read again")
	}
	if n, err := s.ArchivePostCount(ctx, l.ID); err != nil || n != 0 {
		t.Errorf("ArchivePostCount = %d, %v; want 0", n, err)
	}
	// Nor do they come back after a round trip through other tools: an
	// mbox writer ends a post that had none at its end with one, tools
	// turn CRLF to LF, mutt adds a Status field to what it read, and an
	// mboxo writer quotes a body line's "From " without unquoting it.
	bare := []byte("From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nFrom home the\r\nvpn secret is swordfish42")
	first := post(l, "praxis-archive.27be181747b9515f94e5b91d@example.org")
	if made, err := s.ArchivePut(ctx, first, bare); err != nil || !made {
		t.Fatalf("ArchivePut = %v, %v", made, err)
	}
	// Its export, read by mutt and imported before the removal: named
	// anew, other bytes, and the same post; one of another sender, date
	// or subject with the same text is not.
	lf := strings.ReplaceAll(string(bare), "\r\n", "\n")
	trip := post(l, "praxis-archive.4f0a1c2b3d4e5f60718293a4@example.org")
	if made, err := s.ArchivePut(ctx, trip, []byte(strings.Replace(lf, "\n\n", "\nStatus: RO\n\n", 1)+"\n")); err != nil || !made {
		t.Fatalf("ArchivePut of the round trip = %v, %v", made, err)
	}
	kept := post(l, "praxis-archive.5f0a1c2b3d4e5f60718293a4@example.org")
	kept.Date = d0.Add(time.Hour)
	if made, err := s.ArchivePut(ctx, kept, []byte(strings.Replace(lf, "\n\n", "\nStatus: RO\n\n", 1))); err != nil || !made {
		t.Fatalf("ArchivePut of another post = %v, %v", made, err)
	}
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: first.MessageID, By: "admin", Reason: "a password"}); err != nil || n != 2 {
		t.Fatalf("ArchiveRemove = %d, %v; want the post and its round trip", n, err)
	}
	if tomb, err := s.ArchiveRemoved(ctx, trip.MessageID); err != nil || len(tomb) != 1 {
		t.Errorf("ArchiveRemoved(round trip) = %+v, %v; want its tombstone", tomb, err)
	}
	if ps, err := s.ArchiveByMessageID(ctx, l.ID, kept.MessageID); err != nil || len(ps) != 1 {
		t.Errorf("the post of another date went too: %d left, %v", len(ps), err)
	}
	for _, variant := range []string{
		string(bare) + "\r\n", string(bare) + "\n", lf + "\n",
		strings.Replace(lf, "\n\n", "\nStatus: RO\nX-Status: A\n\n", 1) + "\n",
		strings.Replace(lf, "Subject: VPN\n", "Subject: VPN\nX-Mozilla-Status: 0001\nX-Mozilla-Status2:\n 00000000\n", 1),
		strings.Replace(lf, "\nFrom home", "\n>From home", 1) + "\n",
		strings.Replace(lf, "\nFrom home", "\n>>From home", 1),
	} {
		p := post(l, "praxis-archive.variant@example.org")
		if made, err := s.ArchivePut(ctx, p, []byte(variant)); err != nil || made {
			t.Errorf("the removed post after a round trip (%q): archived again %v, %v", variant, made, err)
		}
	}
	// Another list's archive is its own.
	elsewhere := post(other, "praxis-archive.0123456789abcdef@example.org")
	if made, err := s.ArchivePut(ctx, elsewhere, raw); err != nil || !made {
		t.Errorf("another list: ArchivePut = %v, %v; want archived", made, err)
	}
}
