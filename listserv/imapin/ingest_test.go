package imapin_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/config"
	"praxis/listserv/imapin"
	"praxis/listserv/imapin/imapintest"
	"praxis/listserv/inbound"
	"praxis/listserv/spam"
	"praxis/listserv/store"
)

type fixture struct {
	t    *testing.T
	st   *store.Store
	list *store.List
	dc   *imapintest.Dovecot
	recv *inbound.Spool
	// ingestStore, when set, is the Store the ingesters are given
	// instead of st (a test's wrapper around it).
	ingestStore imapin.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWith(t, "")
}

func newFixtureWith(t *testing.T, dovecotConf string) *fixture {
	t.Helper()
	return newFixtureOn(t, imapintest.StartWith(t, dovecotConf))
}

func newFixtureOn(t *testing.T, dc *imapintest.Dovecot) *fixture {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := &store.List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePublic}
	if err := st.CreateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, st: st, list: l, dc: dc, recv: inbound.New(st, nil, "")}
}

// running is one ingester run by a test.
type running struct {
	in     *imapin.Ingester
	passes atomic.Int64
	cancel context.CancelFunc
	done   chan struct{}
}

// start runs an ingester over rawURL until stop (or the test's end).
func (f *fixture) start(rawURL string, tune func(*imapin.Config)) *running {
	f.t.Helper()
	u, err := config.ParseIngestURL(rawURL)
	if err != nil {
		f.t.Fatal(err)
	}
	r := &running{done: make(chan struct{})}
	cfg := imapin.Config{URL: u, MaxMessageBytes: 1 << 20, PollInterval: time.Hour,
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, CommandTimeout: 30 * time.Second,
		Passed: func() { r.passes.Add(1) }}
	if tune != nil {
		tune(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{f.t}, nil))
	}
	var ist imapin.Store = f.st
	if f.ingestStore != nil {
		ist = f.ingestStore
	}
	r.in = imapin.New(cfg, f.recv, ist, log)
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() {
		defer close(r.done)
		if err := r.in.Run(ctx); err != nil {
			f.t.Errorf("Run: %v", err)
		}
	}()
	f.t.Cleanup(r.stop)
	return r
}

func (r *running) stop() {
	r.cancel()
	<-r.done
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// waitFor polls cond until it holds; the bound is generous, the test
// asserts counts, never times.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1200; i++ {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// waitPasses waits until r has made n passes in all.
func (r *running) waitPasses(t *testing.T, n int64) {
	t.Helper()
	waitFor(t, "a pass", func() bool { return r.passes.Load() >= n })
}

func mail(i int, extra string) []byte {
	return []byte(fmt.Sprintf("Return-Path: <sender%d@example.net>\r\nFrom: Sender <sender%d@example.net>\r\nTo: cop@example.org\r\nSubject: post %d\r\nMessage-ID: <post-%d@example.net>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n%s\r\nBody of post %d.\r\n", i, i, i, i, extra, i))
}

// spooled returns the Message-IDs spooled for the list, with counts, and
// checks the envelope each got.
func (f *fixture) spooled() map[string]int {
	f.t.Helper()
	ms, err := f.st.ListMessages(context.Background(), f.list.ID, store.StateReceived)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range ms {
		out[m.MessageID]++
		if m.Rcpt != f.list.Address || !strings.HasPrefix(m.MailFrom, "sender") || !strings.HasPrefix(m.Remote, "imap ") {
			f.t.Errorf("message %s: rcpt %q, mail from %q, remote %q", m.MessageID, m.Rcpt, m.MailFrom, m.Remote)
		}
		if strings.Contains(m.Remote, f.dc.Pass) {
			f.t.Errorf("the password is in the message's remote: %q", m.Remote)
		}
	}
	return out
}

func (f *fixture) waitSpooled(n int) map[string]int {
	f.t.Helper()
	var got map[string]int
	waitFor(f.t, fmt.Sprintf("%d spooled", n), func() bool { got = f.spooled(); return len(got) >= n })
	return got
}

func onceEach(t *testing.T, got map[string]int, n int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("%d distinct posts, want %d: %v", len(got), n, got)
	}
	for id, c := range got {
		if c != 1 {
			t.Errorf("%s posted %d times", id, c)
		}
	}
}

// Mail waiting in the mailbox and mail arriving later (IDLE wakes the
// ingester: the poll is an hour) is posted once each and flagged \Seen;
// a restarted ingester posts nothing again.
func TestIngestSeenOnceAndIdle(t *testing.T) {
	f := newFixture(t)
	f.dc.Append("INBOX", mail(1, ""), mail(2, ""), mail(3, ""))
	r := f.start(f.dc.URL("INBOX", f.list.Address, ""), nil)
	f.waitSpooled(3)
	r.waitPasses(t, 1)
	f.dc.Append("INBOX", mail(4, ""), mail(5, ""))
	got := f.waitSpooled(5)
	onceEach(t, got, 5)
	waitFor(t, "every message \\Seen", func() bool {
		for _, flags := range f.dc.Messages("INBOX") {
			if !hasFlag(flags, `\Seen`) {
				return false
			}
		}
		return true
	})
	r.stop()

	// A new process over the same data: nothing posted twice.
	r2 := f.start(f.dc.URL("INBOX", f.list.Address, ""), nil)
	r2.waitPasses(t, 1)
	onceEach(t, f.spooled(), 5)
	srcs, err := f.st.IngestSources(context.Background(), f.list.Address)
	if err != nil || len(srcs) != 1 || srcs[0].LastError != "" || srcs[0].LastUID != 5 {
		t.Errorf("sources = %+v (%v)", srcs, err)
	}
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if strings.EqualFold(x, f) {
			return true
		}
	}
	return false
}

// An after-action that could not run (here: not yet run, as after a crash
// between the commit and the STORE) is run by the next pass, and the
// message is not posted again: recorded messages are never reposted.
func TestIngestAfterActionRetried(t *testing.T) {
	f := newFixture(t)
	f.dc.Append("INBOX", mail(1, ""), mail(2, ""))
	ctx := context.Background()
	u, _ := config.ParseIngestURL(f.dc.URL("INBOX", f.list.Address, ""))
	// Spool message 1 with its key as a process would have before dying.
	uv := uidValidity(t, f.dc, "INBOX")
	route, err := f.recv.Resolve(ctx, f.list.Address)
	if err != nil {
		t.Fatal(err)
	}
	key := store.IngestKey{Source: u.Source(), UIDValidity: uv, UID: 1}
	if err := f.recv.Receive(ctx, inbound.Envelope{MailFrom: "sender1@example.net", Remote: "imap test", Ingest: &key}, []inbound.Route{route}, mail(1, "")); err != nil {
		t.Fatal(err)
	}
	r := f.start(f.dc.URL("INBOX", f.list.Address, ""), nil)
	r.waitPasses(t, 1)
	onceEach(t, f.spooled(), 2)
	for uid, flags := range f.dc.Messages("INBOX") {
		if !hasFlag(flags, `\Seen`) {
			t.Errorf("uid %d not \\Seen: %v", uid, flags)
		}
	}
	if un, err := f.st.IngestUnacted(ctx, u.Source(), uv, 10); err != nil || len(un) != 0 {
		t.Errorf("after-actions still owed: %v (%v)", un, err)
	}
}

func uidValidity(t *testing.T, dc *imapintest.Dovecot, mailbox string) uint32 {
	t.Helper()
	c := dc.Client()
	defer c.Logout()
	mb, err := c.Select(mailbox, true)
	if err != nil {
		t.Fatal(err)
	}
	return mb.UidValidity
}

// after=move:Done moves each posted message out of the mailbox (the
// folder is made when missing); after=delete removes it.
func TestIngestMoveAndDelete(t *testing.T) {
	for _, tt := range []struct{ after, folder string }{{"&after=move:Done", "Done"}, {"&after=delete", ""}} {
		t.Run(tt.after[1:], func(t *testing.T) {
			f := newFixture(t)
			f.dc.Append("INBOX", mail(1, ""), mail(2, ""), mail(3, ""))
			r := f.start(f.dc.URL("INBOX", f.list.Address, tt.after), nil)
			onceEach(t, f.waitSpooled(3), 3)
			waitFor(t, "an empty INBOX", func() bool { return len(f.dc.Messages("INBOX")) == 0 })
			if tt.folder != "" {
				if n := len(f.dc.Messages(tt.folder)); n != 3 {
					t.Errorf("%s holds %d messages, want 3", tt.folder, n)
				}
			}
			f.dc.Append("INBOX", mail(4, ""))
			onceEach(t, f.waitSpooled(4), 4)
			r.stop()
		})
	}
}

// A message over max-message-bytes is refused by its RFC822.SIZE, without
// its body being fetched, recorded with the reason, left untouched, and
// not looked at again; an unreadable one (more than one From: refused as
// SMTP refuses it) likewise.
func TestIngestTooBigAndRefused(t *testing.T) {
	f := newFixture(t)
	big := mail(2, "X-Pad: "+strings.Repeat("x", 6000)+"\r\n")
	twoFrom := mail(3, "From: other@example.net\r\n")
	f.dc.Append("INBOX", mail(1, ""), big, twoFrom, mail(4, ""))
	r := f.start(f.dc.URL("INBOX", f.list.Address, ""), func(c *imapin.Config) { c.MaxMessageBytes = 4000 })
	got := f.waitSpooled(2)
	r.waitPasses(t, 1)
	r.stop()
	got = f.spooled()
	if len(got) != 2 || got["post-1@example.net"] != 1 || got["post-4@example.net"] != 1 {
		t.Errorf("spooled %v, want posts 1 and 4", got)
	}
	u, _ := config.ParseIngestURL(f.dc.URL("INBOX", f.list.Address, ""))
	uv := uidValidity(t, f.dc, "INBOX")
	for uid, want := range map[uint32]string{2: "exceeds max-message-bytes", 3: "From fields"} {
		state, reason, _, err := f.st.Ingested(context.Background(), store.IngestKey{Source: u.Source(), UIDValidity: uv, UID: uid})
		if err != nil || state != "refused" || !strings.Contains(reason, want) {
			t.Errorf("uid %d: %q %q (%v), want refused with %q", uid, state, reason, err, want)
		}
	}
	msgs := f.dc.Messages("INBOX")
	if hasFlag(msgs[2], `\Seen`) || hasFlag(msgs[3], `\Seen`) {
		t.Errorf("a refused message was flagged: %v", msgs)
	}
	r2 := f.start(f.dc.URL("INBOX", f.list.Address, ""), nil)
	r2.waitPasses(t, 1)
	if got := f.spooled(); len(got) != 2 {
		t.Errorf("after a restart with a higher limit: %v (a refused message is not fetched again)", got)
	}
}

// A wrong password or mailbox is a clear error, kept as the source's last
// error for `praxis list show`, and never shows the password.
func TestIngestBadLoginAndMailbox(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ url, want string }{
		{strings.Replace(f.dc.URL("INBOX", f.list.Address, ""), f.dc.Pass, "wrong-pw", 1), "login as lists"},
		{f.dc.URL("Nope", f.list.Address, ""), `mailbox "Nope"`},
		{f.dc.URL("INBOX", "nolist@example.org", ""), "nolist@example.org"},
	} {
		r := f.start(tt.url, nil)
		u, _ := config.ParseIngestURL(tt.url)
		var last string
		waitFor(t, "the error kept", func() bool {
			src, err := f.st.IngestSource(context.Background(), u.Source())
			if err == nil {
				last = src.LastError
			}
			return strings.Contains(last, tt.want)
		})
		r.stop()
		if strings.Contains(last, f.dc.Pass) || strings.Contains(last, "wrong-pw") {
			t.Errorf("the error shows a password: %q", last)
		}
	}
}

// imap:// sends a password in the clear only to a loopback address: to a
// server elsewhere that offers no STARTTLS, no LOGIN is sent at all.
func TestIngestNoCleartextElsewhere(t *testing.T) {
	f := newFixture(t)
	// A server that offers no STARTTLS, reached under a name that is not
	// loopback.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var heard []string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprintf(c, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					mu.Lock()
					heard = append(heard, sc.Text())
					mu.Unlock()
					tag, _, _ := strings.Cut(sc.Text(), " ")
					fmt.Fprintf(c, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%s OK done\r\n", tag)
				}
			}()
		}
	}()
	raw := "imap://lists:s3cret-pw@imap.example.org:143/INBOX?list=" + f.list.Address
	r := f.start(raw, func(c *imapin.Config) {
		c.Dial = func(ctx context.Context, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", ln.Addr().String())
		}
	})
	u, _ := config.ParseIngestURL(raw)
	waitFor(t, "the error kept", func() bool {
		src, err := f.st.IngestSource(context.Background(), u.Source())
		return err == nil && strings.Contains(src.LastError, "STARTTLS")
	})
	r.stop()
	mu.Lock()
	defer mu.Unlock()
	for _, l := range heard {
		if strings.Contains(strings.ToUpper(l), "LOGIN") || strings.Contains(l, "s3cret") || strings.Contains(strings.ToUpper(l), "AUTHENTICATE") {
			t.Errorf("the client sent %q in the clear", l)
		}
	}
}

// Dovecot stopped and started again: the ingester reconnects (backoff)
// and mail arriving after the restart is posted.
func TestIngestResumesAfterServerRestart(t *testing.T) {
	f := newFixture(t)
	f.dc.Append("INBOX", mail(1, ""))
	f.start(f.dc.URL("INBOX", f.list.Address, ""), nil)
	f.waitSpooled(1)
	f.dc.Stop()
	f.dc.Start()
	f.dc.Append("INBOX", mail(2, ""), mail(3, ""))
	onceEach(t, f.waitSpooled(3), 3)
}

// Two ingesters over one mailbox at once (an old process not yet gone
// and a new one): every message is spooled once.
func TestIngestConcurrentTakers(t *testing.T) {
	f := newFixture(t)
	var raws [][]byte
	for i := 1; i <= 40; i++ {
		raws = append(raws, mail(i, ""))
	}
	f.dc.Append("INBOX", raws...)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.start(f.dc.URL("INBOX", f.list.Address, ""), func(c *imapin.Config) { c.Batch = 7 })
		}()
	}
	wg.Wait()
	f.waitSpooled(40)
	time.Sleep(200 * time.Millisecond) // let a late duplicate show itself if there were one
	onceEach(t, f.spooled(), 40)
}

// A new UIDVALIDITY (the mailbox made again) reposts nothing old: only
// messages not \Seen below the new UIDNEXT are taken, and all after it.
func TestIngestUIDValidityChange(t *testing.T) {
	f := newFixture(t)
	f.dc.Append("Lists", mail(1, ""), mail(2, ""))
	r := f.start(f.dc.URL("Lists", f.list.Address, ""), nil)
	f.waitSpooled(2)
	r.waitPasses(t, 1)
	r.stop()
	old := uidValidity(t, f.dc, "Lists")
	// The mailbox made again, its old mail restored as read (as a
	// provider's migration does) and one unread message among them.
	c := f.dc.Client()
	if err := c.Delete("Lists"); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Lists"); err != nil {
		t.Fatal(err)
	}
	for _, raw := range [][]byte{mail(1, ""), mail(2, "")} {
		if err := c.Append("Lists", []string{`\Seen`}, time.Now(), strings.NewReader(string(raw))); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Append("Lists", nil, time.Now(), strings.NewReader(string(mail(3, "")))); err != nil {
		t.Fatal(err)
	}
	c.Logout()
	if uidValidity(t, f.dc, "Lists") == old {
		t.Skip("dovecot gave the new mailbox the old UIDVALIDITY")
	}
	r2 := f.start(f.dc.URL("Lists", f.list.Address, ""), nil)
	f.waitSpooled(3)
	r2.waitPasses(t, 1)
	f.dc.Append("Lists", mail(4, ""))
	onceEach(t, f.waitSpooled(4), 4)
}

// A server that offers neither MOVE nor IDLE (but UIDPLUS): the ingester
// polls, moves by COPY and delete, and deletes with UID EXPUNGE, which
// leaves alone a message someone else marked \Deleted.
func TestIngestWithoutMoveOrIdle(t *testing.T) {
	for _, after := range []string{"&after=move:Done", "&after=delete"} {
		t.Run(after[1:], func(t *testing.T) {
			f := newFixtureWith(t, "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ENABLE UIDPLUS\n")
			// Read and marked for deletion by a person: not taken (first
			// contact takes unread mail only) and not expunged by us.
			f.dc.AppendFlagged("INBOX", []string{`\Seen`, `\Deleted`}, mail(99, ""))
			f.dc.Append("INBOX", mail(1, ""), mail(2, ""))
			r := f.start(f.dc.URL("INBOX", f.list.Address, after), func(c *imapin.Config) { c.PollInterval = 100 * time.Millisecond })
			onceEach(t, f.waitSpooled(2), 2)
			waitFor(t, "only the person's message left", func() bool { return len(f.dc.Messages("INBOX")) == 1 })
			f.dc.Append("INBOX", mail(3, ""))
			onceEach(t, f.waitSpooled(3), 3)
			waitFor(t, "only the person's message left", func() bool { return len(f.dc.Messages("INBOX")) == 1 })
			r.stop()
			for _, flags := range f.dc.Messages("INBOX") {
				if !hasFlag(flags, `\Deleted`) {
					t.Errorf("the message left is not the person's: %v", flags)
				}
			}
			if strings.Contains(after, "move") {
				if n := len(f.dc.Messages("Done")); n != 3 {
					t.Errorf("Done holds %d, want 3", n)
				}
			}
		})
	}
}

// The size limit is SMTP's: a message of exactly max-message-bytes
// (counted with CRLF, as RFC822.SIZE is) is taken, one byte more is not.
func TestIngestSizeBoundary(t *testing.T) {
	f := newFixture(t)
	fit := mail(1, "")
	// The same length as fit, one byte more in the body.
	over := []byte(strings.Replace(string(mail(2, "")), "Body of post 2.", "Body of post 2..", 1))
	limit := int64(len(fit))
	if int64(len(over)) != limit+1 {
		t.Fatalf("over is %d bytes, want %d", len(over), limit+1)
	}
	f.dc.Append("INBOX", fit, over)
	r := f.start(f.dc.URL("INBOX", f.list.Address, ""), func(c *imapin.Config) { c.MaxMessageBytes = limit })
	f.waitSpooled(1)
	r.waitPasses(t, 1)
	got := f.spooled()
	if len(got) != 1 || got["post-1@example.net"] != 1 {
		t.Errorf("spooled %v, want only the message of exactly the limit", got)
	}
}

// TLS both ways: imap:// upgrades with STARTTLS when offered (Dovecot
// logs the login as TLS), and imaps:// speaks TLS from the first byte;
// the certificate is checked against the roots given.
func TestIngestTLS(t *testing.T) {
	dc := imapintest.StartTLS(t)
	f := newFixtureOn(t, dc)
	tlsCfg := &tls.Config{RootCAs: dc.Roots, MinVersion: tls.VersionTLS12}
	f.dc.Append("INBOX", mail(1, ""))
	// The first way stops before it marks what it took \Seen: the
	// second, imaps://, is the same mailbox and takes it no second time.
	r := f.start(dc.URL("INBOX", f.list.Address, ""), func(c *imapin.Config) {
		c.TLS = tlsCfg
		imapin.InterruptAt(c, func(point string) error {
			if point == "before act" {
				return errors.New("stopped before the after-action")
			}
			return nil
		})
	})
	f.waitSpooled(1)
	r.stop()
	if flags := f.dc.Messages("INBOX"); len(flags) != 1 || hasFlag(flags[1], `\Seen`) {
		t.Fatalf("after the first way: %v, want one message not \\Seen", flags)
	}
	if !strings.Contains(dc.Log(), "user=<lists>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=") || !strings.Contains(dc.Log(), ", TLS, ") {
		t.Errorf("no TLS login in Dovecot's log:\n%s", dc.Log())
	}
	implicit := strings.Replace(strings.Replace(dc.URL("INBOX", f.list.Address, ""), "imap://", "imaps://", 1), dc.Addr, dc.TLSAddr, 1)
	f.dc.Append("INBOX", mail(2, ""))
	r = f.start(implicit, func(c *imapin.Config) { c.TLS = tlsCfg })
	onceEach(t, f.waitSpooled(2), 2)
	r.stop()
	// An untrusted certificate: no login, a clear error.
	r = f.start(implicit, nil)
	u, _ := config.ParseIngestURL(implicit)
	waitFor(t, "the certificate error kept", func() bool {
		src, err := f.st.IngestSource(context.Background(), u.Source())
		return err == nil && strings.Contains(src.LastError, "certificate")
	})
	r.stop()
}

// flagMarked is the spam checks, as a content filter that scores a
// message with X-Test-Spam over its threshold would find; it notes
// whether it was ever given a connecting address.
type flagMarked struct{ sawAddress atomic.Bool }

func (s *flagMarked) Check(_ context.Context, in spam.Input) *store.Spam {
	if in.IP.IsValid() {
		s.sawAddress.Store(true)
	}
	if strings.Contains(string(in.Raw), "X-Test-Spam:") {
		return &store.Spam{Filter: "spamd", Scored: true, Score: 1003.5, Over: true, Rules: []string{"GTUBE"}}
	}
	return &store.Spam{Filter: "spamd", Scored: true, Score: 0.5}
}

// A post the content filter flags, taken from a mailbox for a list that
// refuses spam, is refused as SMTP would refuse it: left in the mailbox,
// recorded with the reason; the others are posted. No address connected
// to us, so none is given to the checks (SPF, blocklists).
func TestIngestSpamRefused(t *testing.T) {
	f := newFixture(t)
	f.list.SpamAction = store.SpamReject
	if err := f.st.UpdateList(context.Background(), f.list); err != nil {
		t.Fatal(err)
	}
	screen := &flagMarked{}
	f.recv.Screen(screen)
	f.dc.Append("INBOX", mail(1, ""), mail(2, "X-Test-Spam: yes\r\n"), mail(3, ""))
	r := f.start(f.dc.URL("INBOX", f.list.Address, ""), nil)
	f.waitSpooled(2)
	r.waitPasses(t, 1)
	r.stop()
	if got := f.spooled(); len(got) != 2 || got["post-2@example.net"] != 0 {
		t.Errorf("spooled %v, want posts 1 and 3", got)
	}
	u, _ := config.ParseIngestURL(f.dc.URL("INBOX", f.list.Address, ""))
	state, reason, _, err := f.st.Ingested(context.Background(), store.IngestKey{Source: u.Source(), UIDValidity: uidValidity(t, f.dc, "INBOX"), UID: 2})
	if err != nil || state != "refused" || !strings.Contains(reason, "550 5.7.1") || !strings.Contains(reason, "GTUBE") {
		t.Errorf("the flagged post: %q %q (%v), want refused with the filter's reason", state, reason, err)
	}
	if screen.sawAddress.Load() {
		t.Error("the checks were given a connecting address for mail from a mailbox")
	}
}
