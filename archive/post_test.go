package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"praxis/archive/mbox"
	"praxis/listserv/store"
)

var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func TestRead(t *testing.T) {
	raw := []byte("From: \"Alice Ex\" <Alice@Example.net>\r\nSubject: Re: [cop] AW: Antenna tuning\r\n" +
		"Message-ID: <c@x>\r\nIn-Reply-To: <b@x> (comment)\r\nReferences: <a@x>\r\n <b@x>\r\nDate: Mon, 1 Mar 2021 10:00:00 +0100\r\n\r\nbody\r\n")
	p := Read(raw, now, "lists.example.org")
	if p.MessageID != "c@x" || p.FromAddr != "alice@example.net" || p.FromName != "Alice Ex" {
		t.Errorf("got %+v", p)
	}
	if fmt.Sprint(p.Refs) != "[b@x a@x]" {
		t.Errorf("refs %v, want closest first", p.Refs)
	}
	if p.NormSubject != "antenna tuning" || !p.IsReply {
		t.Errorf("subject %q reply %v", p.NormSubject, p.IsReply)
	}
	if !p.Date.Equal(time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("date %v", p.Date)
	}
	// No Message-ID: one derived from the content, the same every time;
	// a date in 1970 or the far future is clamped, the original kept.
	for _, d := range []string{"Thu, 1 Jan 1970 00:00:00 +0000", "Sat, 1 Jan 2099 00:00:00 +0000", "garbage"} {
		raw := []byte("From: a@b.c\r\nDate: " + d + "\r\n\r\nx\r\n")
		p1, p2 := Read(raw, now, "l.example"), Read(raw, now, "l.example")
		if p1.MessageID == "" || p1.MessageID != p2.MessageID || !p1.Date.Equal(now) || p1.OrigDate != d {
			t.Errorf("%q: id %q/%q date %v orig %q", d, p1.MessageID, p2.MessageID, p1.Date, p1.OrigDate)
		}
	}
}

func openStore(t *testing.T) (*store.Store, int64) {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := store.NewList("cop@example.org", "CoP")
	if err := st.CreateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return st, l.ID
}

func put(t *testing.T, st *store.Store, list int64, raw string) *store.ArchivedPost {
	t.Helper()
	p := Read([]byte(raw), now, "example.org")
	p.ListID = list
	if _, err := st.ArchivePut(context.Background(), p, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	return p
}

func msg(id, subject string, refs ...string) string {
	s := "From: a@example.net\r\nMessage-ID: <" + id + ">\r\nSubject: " + subject + "\r\nDate: Mon, 1 Mar 2021 10:00:00 +0000\r\n"
	if len(refs) > 0 {
		s += "In-Reply-To: <" + refs[len(refs)-1] + ">\r\nReferences:"
		for _, r := range refs {
			s += " <" + r + ">"
		}
		s += "\r\n"
	}
	return s + "\r\nbody of " + id + "\r\n"
}

// Every arrival order of a thread gives one thread, with the same id.
func TestThreadingInAnyOrder(t *testing.T) {
	thread := []string{
		msg("root@x", "Antennas"),
		msg("r1@x", "Re: Antennas", "root@x"),
		msg("r2@x", "Re: Antennas", "root@x", "r1@x"),
		msg("r3@x", "Re: Antennas", "root@x", "r1@x", "r2@x"),
		msg("s1@x", "Re: Antennas", "root@x"),
		// A reply whose parent never arrives (a ghost): it still joins.
		msg("g1@x", "Re: Antennas", "root@x", "ghost@x"),
	}
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 20; trial++ {
		st, list := openStore(t)
		order := rng.Perm(len(thread))
		for _, i := range order {
			put(t, st, list, thread[i])
		}
		posts, err := st.ArchiveThread(context.Background(), list, "root@x")
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) != len(thread) {
			t.Fatalf("order %v: thread root@x has %d posts, want %d", order, len(posts), len(thread))
		}
	}
}

func TestDuplicatesAndLoops(t *testing.T) {
	st, list := openStore(t)
	a := msg("a@x", "Loop", "b@x")
	b := msg("b@x", "Re: Loop", "a@x")
	put(t, st, list, a)
	put(t, st, list, b)
	pa := put(t, st, list, a) // the same bytes again: stored once
	ps, err := st.ArchiveByMessageID(context.Background(), list, "a@x")
	must(t, err)
	if len(ps) != 1 {
		t.Fatalf("same content stored %d times", len(ps))
	}
	// Different content under the same Message-ID is kept apart.
	put(t, st, list, msg("a@x", "Loop, edited", "b@x"))
	ps, err = st.ArchiveByMessageID(context.Background(), list, "a@x")
	must(t, err)
	if len(ps) != 2 {
		t.Fatalf("different contents under one id: %d rows, want 2", len(ps))
	}
	th, err := st.ArchiveThread(context.Background(), list, pa.ThreadID)
	must(t, err)
	if len(th) != 3 {
		t.Errorf("reference loop: thread has %d posts, want 3", len(th))
	}
}

func TestSubjectFallback(t *testing.T) {
	st, list := openStore(t)
	root := put(t, st, list, msg("root@x", "[cop] Grounding"))
	// A reply from a client that sends no references.
	reply := put(t, st, list, "From: b@example.net\r\nMessage-ID: <nr@x>\r\nSubject: RE: [cop] Grounding\r\nDate: Tue, 2 Mar 2021 10:00:00 +0000\r\n\r\nyes\r\n")
	if reply.ThreadID != root.ThreadID {
		t.Errorf("reply without references: thread %q, want %q", reply.ThreadID, root.ThreadID)
	}
	// Not a reply: a new thread, even with the same subject.
	other := put(t, st, list, msg("new@x", "Grounding"))
	if other.ThreadID == root.ThreadID {
		t.Error("a new post with the same subject joined the old thread")
	}
	// Too late: beyond the window a Re: starts its own thread.
	late := put(t, st, list, "From: b@example.net\r\nMessage-ID: <late@x>\r\nSubject: Re: Grounding\r\nDate: Sat, 1 May 2021 10:00:00 +0000\r\n\r\nlate\r\n")
	if late.ThreadID == root.ThreadID {
		t.Error("a reply two months later joined by subject")
	}
}

// The notmuch ghost-root corpus holds two threads: a request-tracker
// exchange (3 messages, one of them answering a message outside the file)
// and a thread whose replies and a "fake root" name a real root (6). Every
// arrival order must give exactly those two threads.
func TestNotmuchGhostRoot(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpora", "notmuch-corpora", "threading", "ghost-root")
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("no notmuch corpus at %s (CI=true makes this a failure)", dir)
	} else if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 9 {
		t.Fatalf("%d files in %s (%v), want the corpus's 9", len(files), dir, err)
	}
	rng := rand.New(rand.NewSource(2))
	for trial := 0; trial < 10; trial++ {
		st, list := openStore(t)
		order := rng.Perm(len(files))
		var ids []string
		for _, i := range order {
			raw, err := os.ReadFile(files[i])
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, put(t, st, list, string(raw)).MessageID)
		}
		sizes := map[string]int{}
		for _, id := range ids {
			ps, err := st.ArchiveByMessageID(context.Background(), list, id)
			must(t, err)
			sizes[ps[0].ThreadID]++
		}
		got := []int{}
		for _, n := range sizes {
			got = append(got, n)
		}
		if len(got) != 2 || got[0]+got[1] != 9 || (got[0] != 3 && got[0] != 6) {
			t.Errorf("order %v: thread sizes %v, want 3 and 6", order, got)
		}
	}
}

// Every reply of the usrp archive whose parent is in the file lands in its
// parent's thread.
func TestUSRPThreading(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "corpora", "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("no usrp archive at %s (CI=true makes this a failure)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := mbox.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	st, list := openStore(t)
	ctx := context.Background()
	var posts []*store.ArchivedPost
	start := time.Now()
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := Read(m.Raw, now, "lists.ettus.com")
		p.ListID = list
		if _, err := st.ArchivePut(ctx, p, m.Raw); err != nil {
			t.Fatal(err)
		}
		posts = append(posts, p)
	}
	t.Logf("%d posts stored and threaded in %s", len(posts), time.Since(start))
	if len(posts) != 3568 {
		t.Fatalf("%d posts, want 3568", len(posts))
	}
	threadOf := map[string]string{}
	for _, p := range posts {
		ps, err := st.ArchiveByMessageID(ctx, list, p.MessageID)
		must(t, err)
		threadOf[p.MessageID] = ps[0].ThreadID
	}
	attached, orphans := 0, 0
	for _, p := range posts {
		if p.ParentID == "" {
			continue
		}
		parentThread, ok := threadOf[p.ParentID]
		if !ok {
			orphans++
			continue
		}
		if parentThread != threadOf[p.MessageID] {
			t.Errorf("%s is not in the thread of its parent %s", p.MessageID, p.ParentID)
			continue
		}
		attached++
	}
	t.Logf("%d replies attached to their parents, %d replies to messages outside the file", attached, orphans)
}

// must stops the test at a setup step that failed.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
