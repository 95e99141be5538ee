package imapview

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"praxis/archive"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// view is a client's view of a selected list, as an IMAP client keeps
// it: the UIDs by sequence number, changed by what the server tells
// (EXPUNGE n drops the n-th; EXISTS n makes room up to n, the UIDs of
// the new ones learnt from a UID FETCH).
type view struct {
	t    *testing.T
	uids []int64
	// grown counts the posts EXISTS announced that the view has no UID
	// for yet.
	grown int
}

var (
	expungeRE = regexp.MustCompile(`^\* (\d+) EXPUNGE\r\n$`)
	existsRE  = regexp.MustCompile(`^\* (\d+) EXISTS\r\n$`)
)

// apply takes an untagged line into the view; false for a line that
// is neither EXPUNGE nor EXISTS.
func (v *view) apply(l string) bool {
	v.t.Helper()
	if m := expungeRE.FindStringSubmatch(l); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > len(v.uids) {
			v.t.Fatalf("%q: the view holds %d posts", strings.TrimSpace(l), len(v.uids))
		}
		v.uids = slices.Delete(v.uids, n-1, n)
		return true
	}
	if m := existsRE.FindStringSubmatch(l); m != nil {
		n, _ := strconv.Atoi(m[1])
		if n < len(v.uids) {
			v.t.Fatalf("%q: EXISTS went down from %d without EXPUNGE", strings.TrimSpace(l), len(v.uids))
		}
		v.grown = n - len(v.uids)
		return true
	}
	return false
}

// learn fills in the UIDs of the posts EXISTS announced, by sequence
// number, as a client does.
func (v *view) learn(s *raw) {
	v.t.Helper()
	if v.grown == 0 {
		return
	}
	from := len(v.uids) + 1
	lines := s.ok("FETCH %d:%d (UID)", from, from+v.grown-1)
	for _, l := range lines {
		if f, ok := parseFetch(l); ok {
			v.uids = append(v.uids, f.uid)
			continue
		}
		if !v.apply(l) {
			v.t.Errorf("unexpected %q", l)
		}
	}
	v.grown = 0
}

// checkAgainst compares the view with the server's: a UID FETCH 1:* in
// the session, which must list the same UIDs in the same order, and the
// list's posts in the store.
func (v *view) checkAgainst(s *raw, want []int64, who string) {
	v.t.Helper()
	if !slices.Equal(v.uids, want) {
		v.t.Errorf("%s: the view holds %v, the list %v", who, v.uids, want)
	}
	var got []int64
	for _, l := range s.ok("FETCH 1:* (UID)") {
		if f, ok := parseFetch(l); ok {
			got = append(got, f.uid)
		}
	}
	if !slices.Equal(got, v.uids) {
		v.t.Errorf("%s: FETCH 1:* by sequence numbers gives %v, the view %v", who, got, v.uids)
	}
}

// idleUntil reads an idling session's lines into its view until it holds
// want, failing on any other line; a bounded number of lines, not a time.
func (v *view) idleUntil(s *raw, want []int64, who string) {
	v.t.Helper()
	for range 4 * (len(v.uids) + len(want) + 2) {
		if slices.Equal(v.uids, want) && v.grown == 0 {
			return
		}
		if l := s.line(); !v.apply(l) {
			v.t.Fatalf("%s, idling: unexpected %q", who, l)
		}
		if v.grown > 0 {
			// The new posts' UIDs are the list's newest: known here
			// without a FETCH, which IDLE does not allow.
			v.uids = append(v.uids, want[len(want)-v.grown:]...)
			v.grown = 0
		}
	}
	v.t.Fatalf("%s: the idling view holds %v, want %v", who, v.uids, want)
}

// quiet tells whether nothing waits to be read on s: no EXPUNGE is
// sent to a session outside a command (RFC 3501 §7.4.1). Waiting can
// only make a wrong answer less likely, never a right one wrong.
func quiet(s *raw) bool {
	s.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	defer s.conn.SetDeadline(time.Now().Add(30 * time.Second))
	_, err := s.r.Peek(1)
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// remove removes post i of l as `praxis archive rm` does.
func remove(t *testing.T, st *store.Store, l *store.List, i int) {
	t.Helper()
	n, err := st.ArchiveRemove(context.Background(), store.Removal{ListID: l.ID, MessageID: fmt.Sprintf("%d.%s", i, l.Address), By: "test"})
	if err != nil || n != 1 {
		t.Fatalf("removing post %d: %d, %v", i, n, err)
	}
}

// uidNext is what STATUS says of the list's next UID.
func uidNext(s *raw, l *store.List) int64 {
	s.t.Helper()
	for _, l := range s.ok("STATUS %s (UIDNEXT)", l.Address) {
		if m := regexp.MustCompile(`UIDNEXT (\d+)`).FindStringSubmatch(l); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			return n
		}
	}
	s.t.Fatal("STATUS without UIDNEXT")
	return 0
}

// TestRemovedPostsExpunged: posts removed from a list's archive leave
// the open sessions on it: one that idles is told EXPUNGE at once, one
// that does not is told nothing until its NOOP, which tells it all; each
// EXPUNGE names the post by the sequence number it has in the session,
// so that each session's view is the list's. The removed newest post's
// UID is not given again and UIDNEXT never goes down; a post archived
// and removed between two NOOPs is never told; a later SELECT counts
// none of them; another list's removals are told to no one here.
func TestRemovedPostsExpunged(t *testing.T) {
	f := newFixture(t, 6)
	ctx := context.Background()
	ids := f.ids(t, f.pub)

	idler := f.raw(t)
	idler.ok("LOGIN anonymous x")
	idler.ok("EXAMINE %s", f.pub.Address)
	iv := &view{t: t, uids: slices.Clone(ids)}
	nooper := f.raw(t)
	nooper.ok("LOGIN carol@example.net carol-pass")
	nooper.ok("SELECT %s", f.pub.Address)
	nv := &view{t: t, uids: slices.Clone(ids)}
	next := uidNext(nooper, f.pub)
	// And a session of go-imap's client, which keeps its own count.
	gc := f.client(t, "anonymous", "x")
	updates := make(chan client.Update, 100)
	gc.Updates = updates
	if _, err := gc.Select(f.pub.Address, true); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(idler.conn, "i1 IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}

	// One in the middle (and one of the private list, which the
	// sessions on the public one hear nothing of); then the newest and
	// the first, at once.
	remove(t, f.st, f.prv, 2)
	remove(t, f.st, f.pub, 2)
	iv.idleUntil(idler, f.ids(t, f.pub), "after one removal")
	remove(t, f.st, f.pub, 6)
	remove(t, f.st, f.pub, 1)
	live := f.ids(t, f.pub)
	if want := []int64{ids[2], ids[3], ids[4]}; !slices.Equal(live, want) {
		t.Fatalf("the list holds %v, want %v", live, want)
	}
	iv.idleUntil(idler, live, "after three removals")
	if !quiet(nooper) {
		t.Error("a session outside a command was sent something")
	}
	if n := uidNext(nooper, f.pub); n < next {
		t.Errorf("UIDNEXT went down from %d to %d when the newest post was removed", next, n)
	}

	// A new post: its UID is past the removed newest one's.
	f.archive(t, f.pub, 7)
	live = f.ids(t, f.pub)
	if newest := live[len(live)-1]; newest <= ids[5] {
		t.Errorf("the new post got UID %d, not past the removed %d", newest, ids[5])
	}
	iv.idleUntil(idler, live, "after a new post")
	fmt.Fprintf(idler.conn, "DONE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "i1 OK") {
		t.Fatalf("IDLE's end: %q", l)
	}
	iv.checkAgainst(idler, live, "the idler")

	// go-imap's client hears the removals at its NOOP, and its count
	// and its UIDs are the list's.
	if err := gc.Noop(); err != nil {
		t.Fatal(err)
	}
	expunged := 0
	for len(updates) > 0 {
		if _, ok := (<-updates).(*client.ExpungeUpdate); ok {
			expunged++
		}
	}
	if expunged != 3 || gc.Mailbox().Messages != uint32(len(live)) {
		t.Errorf("go-imap's client: %d EXPUNGEs, %d posts; want 3, %d", expunged, gc.Mailbox().Messages, len(live))
	}
	all := new(imap.SeqSet)
	all.AddRange(1, 0)
	msgs := make(chan *imap.Message, len(live)+10)
	if err := gc.Fetch(all, []imap.FetchItem{imap.FetchUid}, msgs); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for m := range msgs {
		got = append(got, int64(m.Uid))
	}
	if !slices.Equal(got, live) {
		t.Errorf("go-imap's client fetches UIDs %v, the list holds %v", got, live)
	}

	// The other session hears it all at its NOOP.
	for _, l := range nooper.ok("NOOP") {
		if !nv.apply(l) {
			t.Errorf("NOOP: unexpected %q", l)
		}
	}
	nv.learn(nooper)
	nv.checkAgainst(nooper, live, "at NOOP")

	// Archived and removed between two NOOPs (the poller held, so
	// that the session learns it only at NOOP): nothing to tell.
	f.srv.core.pollMu.Lock()
	f.archive(t, f.pub, 8)
	remove(t, f.st, f.pub, 8)
	remove(t, f.st, f.pub, 4)
	f.srv.core.pollMu.Unlock()
	live = f.ids(t, f.pub)
	for _, l := range nooper.ok("NOOP") {
		if !nv.apply(l) {
			t.Errorf("NOOP: unexpected %q", l)
		}
	}
	nv.learn(nooper)
	nv.checkAgainst(nooper, live, "after a post came and went")

	// A session that selects now counts none of them, and is told none.
	late := f.raw(t)
	late.ok("LOGIN anonymous x")
	if u := strings.Join(late.ok("EXAMINE %s", f.pub.Address), ""); !strings.Contains(u, fmt.Sprintf("* %d EXISTS", len(live))) {
		t.Errorf("SELECT after the removals: %q, want %d posts", u, len(live))
	}
	lv := &view{t: t, uids: slices.Clone(live)}
	for _, l := range late.ok("NOOP") {
		if !lv.apply(l) {
			t.Errorf("NOOP: unexpected %q", l)
		}
	}
	lv.checkAgainst(late, live, "a later SELECT")
	if _, err := f.st.ArchiveRemoved(ctx, "4."+f.pub.Address); err != nil {
		t.Fatal(err)
	}
}

// TestRemovedPostsExpungedAcrossNodes: two IMAP views, as two serve
// nodes, on one PostgreSQL database; a post removed through a third
// store handle (`praxis archive rm` on any node) is told to the session
// that idles on one node at once and to the other node's at its NOOP,
// each by its sequence number there.
func TestRemovedPostsExpungedAcrossNodes(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	open := func() *store.Store {
		st, err := store.Open(ctx, "", store.Options{DB: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	admin := open()
	l := &store.List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePublic}
	must(t, admin.CreateList(ctx, l))
	arch := archive.NewArchiver(admin, time.Now)
	for i := 1; i <= 5; i++ {
		must(t, arch.Archive(ctx, l, post(i, l.Address), ""))
	}
	var addrs []string
	for range 2 {
		st := open()
		_, idx := openStoreIndex(t, t.TempDir())
		srv := New(Config{Addr: "127.0.0.1:0", Poll: 50 * time.Millisecond, MaxConnsPerIP: 8, LimitLoopback: true},
			Deps{Store: st, Search: NewSearcher(st, idx)}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		must(t, srv.Listen())
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Run(rctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
		addrs = append(addrs, srv.Addr().String())
	}
	ids, err := admin.IMAPIDs(ctx, l.ID, 0, 1<<62, 100)
	must(t, err)
	idler := (&fixture{addr: addrs[0]}).raw(t)
	idler.ok("LOGIN anonymous x")
	idler.ok("EXAMINE %s", l.Address)
	iv := &view{t: t, uids: slices.Clone(ids)}
	other := (&fixture{addr: addrs[1]}).raw(t)
	other.ok("LOGIN anonymous x")
	other.ok("EXAMINE %s", l.Address)
	ov := &view{t: t, uids: slices.Clone(ids)}
	fmt.Fprintf(idler.conn, "i1 IDLE\r\n")
	if s := idler.line(); !strings.HasPrefix(s, "+ ") {
		t.Fatalf("IDLE: %q", s)
	}

	remove(t, admin, l, 3)
	remove(t, admin, l, 5)
	must(t, arch.Archive(ctx, l, post(6, l.Address), ""))
	remove(t, admin, l, 1)
	live, err := admin.IMAPIDs(ctx, l.ID, 0, 1<<62, 100)
	must(t, err)
	iv.idleUntil(idler, live, "node 1, idling")
	fmt.Fprintf(idler.conn, "DONE\r\n")
	if s := idler.line(); !strings.HasPrefix(s, "i1 OK") {
		t.Fatalf("IDLE's end: %q", s)
	}
	iv.checkAgainst(idler, live, "node 1")
	for _, s := range other.ok("NOOP") {
		if !ov.apply(s) {
			t.Errorf("node 2, NOOP: unexpected %q", s)
		}
	}
	ov.learn(other)
	ov.checkAgainst(other, live, "node 2")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
