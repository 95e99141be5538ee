package suggest_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/related"
	"praxis/listserv/notice"
	"praxis/listserv/store"
	"praxis/listserv/suggest"
	"praxis/templates"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// node is one Praxis process: its own index and indexer, the shared store.
type node struct {
	idx     *index.Index
	indexer *archive.Indexer
}

type fixture struct {
	st    *store.Store
	l     *store.List
	arch  *archive.Archiver
	nodes []*node
	now   time.Time
	n     int
}

func newFixture(t *testing.T, nodes int) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{st: st, now: time.Now().UTC().Truncate(time.Second)}
	f.l = store.NewList("cop@example.org", "CoP")
	f.l.SuggestRelated = store.SuggestPrivate
	if err := st.CreateList(ctx, f.l); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*store.Member{
		{ListID: f.l.ID, Address: "asker@example.net", Name: "Asker"},
		{ListID: f.l.ID, Address: "quiet@example.net", Name: "Quiet", SuggestionsOff: true},
		{ListID: f.l.ID, Address: "helper@example.net", Name: "Helper"},
	} {
		if err := st.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	f.arch = archive.NewArchiver(st, func() time.Time { return f.now })
	clock := func() time.Time { return f.now }
	sender := notice.New(st, templates.MustParse(), "https://lists.example.org", "lists.example.org", clock, func() {})
	for i := range nodes {
		idx, err := index.Open(filepath.Join(dir, fmt.Sprintf("index%d", i)), index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { idx.Close() })
		x := archive.NewIndexer(st, idx, quiet)
		x.OnIndexed(suggest.New(st, related.New(idx, st, clock), sender, "https://lists.example.org", clock, quiet).Indexed)
		f.nodes = append(f.nodes, &node{idx: idx, indexer: x})
	}
	// What the list answered before: a question about overflows,
	// answered; one about GPS, answered; one about overflows nobody
	// answered.
	old := f.now.Add(-60 * 24 * time.Hour)
	f.post(t, "q1@x", "", "asker@example.net", old, "B210 overflows at 20 Msps on USB 3",
		"My B210 shows overflows (O) at 20 Msps on a USB 3 port with recv_frame_size 8000. Which buffer settings should I tune to stop the overflows?")
	f.post(t, "a1@x", "q1@x", "helper@example.net", old.Add(time.Hour), "Re: B210 overflows at 20 Msps on USB 3",
		"Raise num_recv_frames to 256 and recv_buff_size to 50 MB, and put the B210 on a USB 3 controller of its own: the overflows come from the host buffers.")
	f.post(t, "q2@x", "", "helper@example.net", old.Add(2*time.Hour), "GPSDO lock on the X310",
		"The GPSDO of my X310 never reports gps_locked after ten minutes outdoors. Is the antenna supply enabled by default?")
	f.post(t, "a2@x", "q2@x", "asker@example.net", old.Add(3*time.Hour), "Re: GPSDO lock on the X310",
		"The X310's GPSDO powers the antenna itself; give it twenty minutes with a clear sky view.")
	f.post(t, "q3@x", "", "quiet@example.net", old.Add(4*time.Hour), "Overflows on the B210 with USB 3 buffers",
		"Overflows at 20 Msps on my B210 over USB 3 whatever the buffer size; num_recv_frames did not help.")
	f.catchUp(t)
	return f
}

// post archives a message as the list would.
func (f *fixture) post(t *testing.T, id, parent, from string, at time.Time, subject, body string) {
	t.Helper()
	refs := ""
	if parent != "" {
		refs = "In-Reply-To: <" + parent + ">\r\nReferences: <" + parent + ">\r\n"
	}
	raw := "Message-ID: <" + id + ">\r\n" + refs + "From: " + from + "\r\nTo: cop@example.org\r\nSubject: " + subject +
		"\r\nDate: " + at.Format(time.RFC1123Z) + "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	// A post came to the list as mail (spooled), unless its id says it
	// was only imported into the archive.
	if !strings.HasPrefix(id, "imp-") {
		m := &store.Message{ListID: f.l.ID, ListAddress: f.l.Address, Kind: store.KindPost, MailFrom: from, Rcpt: f.l.Address,
			Raw: []byte(raw), MessageID: id, FromAddr: from, Subject: subject}
		if err := f.st.Spool(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.arch.Archive(context.Background(), f.l, []byte(raw), ""); err != nil {
		t.Fatal(err)
	}
}

// catchUp runs every node's indexer at once, as serve's would.
func (f *fixture) catchUp(t *testing.T) {
	t.Helper()
	var wg sync.WaitGroup
	for _, n := range f.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := n.indexer.CatchUp(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func (f *fixture) mails(t *testing.T, to string) int {
	t.Helper()
	n, err := f.st.CountMessages(context.Background(), store.KindNotice, to)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

const newQuestion = "Since this morning my B210 overflows at 20 Msps on USB 3 again. Which buffer settings (num_recv_frames, recv_buff_size) stop the overflows?"

// TestSuggestOnceAcrossNodes: a member's new question, taken in by two
// nodes' indexers at once, gets the related answered thread kept and
// exactly one private mail, which names it (not the unanswered one), is
// marked an automatic reply to the question, and tells how to stop them.
func TestSuggestOnceAcrossNodes(t *testing.T) {
	f := newFixture(t, 2)
	before := f.mails(t, "asker@example.net")
	f.post(t, "new@x", "", "asker@example.net", f.now, "B210 overflows again at 20 Msps", newQuestion)
	f.catchUp(t)
	f.catchUp(t) // and again: a node that restarts reads the log again
	if got := f.mails(t, "asker@example.net") - before; got != 1 {
		t.Fatalf("%d mails to the asker, want 1", got)
	}
	m, err := f.st.LatestMessage(context.Background(), "", "asker@example.net")
	if err != nil {
		t.Fatal(err)
	}
	raw := string(m.Raw)
	for _, want := range []string{"Auto-Submitted: auto-replied", "In-Reply-To: <new@x>", "Subject: Answered before: B210 overflows again at 20 Msps",
		"https://lists.example.org/l/cop@example.org/t/q1@x", "B210 overflows at 20 Msps on USB 3", "set suggestions off", "cop-request@example.org"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the mail lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(raw, "/t/q3@x") {
		t.Errorf("the mail offers the thread nobody answered:\n%s", raw)
	}
	if n := f.mails(t, "cop@example.org"); n != 0 {
		t.Errorf("%d mails to the list", n)
	}
	rel, err := f.st.Related(context.Background(), f.l.ID, []string{"new@x"})
	if err != nil {
		t.Fatal(err)
	}
	if rs := rel["new@x"]; len(rs) == 0 || rs[0].ThreadID != "q1@x" {
		t.Errorf("kept related threads: %+v", rs)
	}
}

// TestSuggestWhoGetsMail: a member who turned suggestions off, a
// non-member, a list whose owner left it off, a reply, an old post
// imported and a recent one imported get no mail (the related threads are still kept for a question).
func TestSuggestWhoGetsMail(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	f.post(t, "off@x", "", "quiet@example.net", f.now, "B210 overflows again at 20 Msps", newQuestion)
	f.post(t, "stranger@x", "", "stranger@example.com", f.now, "B210 overflows again at 20 Msps", newQuestion)
	f.post(t, "reply@x", "q1@x", "asker@example.net", f.now, "Re: B210 overflows at 20 Msps on USB 3", newQuestion)
	f.post(t, "imported@x", "", "asker@example.net", f.now.Add(-400*24*time.Hour), "B210 overflows again at 20 Msps", newQuestion)
	// Imported, though recent: it did not come through the list.
	f.post(t, "imp-recent@x", "", "asker@example.net", f.now.Add(-3*time.Hour), "B210 overflows again at 20 Msps", newQuestion)
	f.catchUp(t)
	for _, who := range []string{"quiet@example.net", "stranger@example.com"} {
		if n := f.mails(t, who); n != 0 {
			t.Errorf("%d mails to %s", n, who)
		}
	}
	asked := f.mails(t, "asker@example.net")
	if asked != 0 {
		t.Errorf("%d mails to the asker of a reply and an imported post", asked)
	}
	rel, err := f.st.Related(ctx, f.l.ID, []string{"off@x", "reply@x", "imported@x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rel["off@x"]) == 0 || len(rel["reply@x"]) != 0 || len(rel["imported@x"]) != 0 {
		t.Errorf("kept: %+v; want the question's only", rel)
	}

	// The owner turns it off: a member's question is mailed nothing.
	f.l.SuggestRelated = store.SuggestOff
	if err := f.st.UpdateList(ctx, f.l); err != nil {
		t.Fatal(err)
	}
	f.post(t, "new@x", "", "asker@example.net", f.now, "B210 overflows again at 20 Msps", newQuestion)
	f.catchUp(t)
	if n := f.mails(t, "asker@example.net"); n != asked {
		t.Errorf("a list with suggestions off mailed the asker")
	}
}

// blinkingStore is the store behind a database that drops the first
// reads of post features (a restart, a lost connection), then is back.
type blinkingStore struct {
	*store.Store
	fails atomic.Int32
}

func (b *blinkingStore) PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error) {
	if b.fails.Add(-1) >= 0 {
		return nil, fmt.Errorf("store: post features: %w", driver.ErrBadConn)
	}
	return b.Store.PostFeatures(ctx, ids, text)
}

// TestSuggestAfterBlink: a new question met while the database blinks is
// tried again after a wait, and the asker gets the mail; before, the
// indexer moved on and the mail was lost to the blink. A database away
// for longer than the retries is logged and costs the batch no more than
// their bound.
func TestSuggestAfterBlink(t *testing.T) {
	f := newFixture(t, 0)
	idx, err := index.Open(filepath.Join(t.TempDir(), "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	clock := func() time.Time { return f.now }
	sender := notice.New(f.st, templates.MustParse(), "https://lists.example.org", "lists.example.org", clock, func() {})
	bs := &blinkingStore{Store: f.st}
	sg := suggest.New(bs, related.New(idx, f.st, clock), sender, "https://lists.example.org", clock, quiet)
	sg.SetRetryWait(time.Millisecond)
	x := archive.NewIndexer(f.st, idx, quiet)
	x.OnIndexed(sg.Indexed)
	if _, err := x.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := f.mails(t, "asker@example.net")
	bs.fails.Store(2)
	f.post(t, "new@x", "", "asker@example.net", f.now, "B210 overflows again at 20 Msps", newQuestion)
	if _, err := x.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.mails(t, "asker@example.net") - before; got != 1 {
		t.Fatalf("%d mails to the asker after the database blinked twice, want 1", got)
	}

	// Away for good: the retries give up, the indexer goes on.
	bs.fails.Store(1 << 20)
	f.post(t, "new2@x", "", "asker@example.net", f.now, "B210 overflows at 20 Msps once more", newQuestion)
	if _, err := x.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if tries := 1<<20 - bs.fails.Load(); tries > 5 {
		t.Errorf("%d tries of one question, want the retries bounded (4 or so)", tries)
	}
}
