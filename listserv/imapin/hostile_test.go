package imapin_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/config"
	"praxis/listserv/imapin"
	"praxis/listserv/store"
)

// fakeIMAP is a scripted IMAP server of one message, for what a real one
// does not do: lie about a message's size, or answer nonsense.
type fakeIMAP struct {
	ln       net.Listener
	body     string // the literal sent for BODY.PEEK[]
	size     int    // the RFC822.SIZE announced
	garbage  bool   // answer every command after LOGIN with junk
	huge     bool   // announce a 4 GB literal for the body, then stall
	noStore  bool   // refuse STORE (a read-only mailbox)
	sessions atomic.Int32
}

func startFake(t *testing.T, f *fakeIMAP) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.sessions.Add(1)
			go f.serve(c)
		}
	}()
	return ln.Addr().String()
}

func (f *fakeIMAP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	w := bufio.NewWriter(c)
	say := func(format string, a ...any) {
		fmt.Fprintf(w, format, a...)
		w.Flush()
	}
	say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake ready\r\n")
	sc := bufio.NewScanner(c)
	loggedIn := false
	for sc.Scan() {
		tag, rest, _ := strings.Cut(sc.Text(), " ")
		cmd := strings.ToUpper(rest)
		switch {
		case f.garbage && loggedIn:
			say("* 1 FETCH (UID {99999999999}\r\n%s BAD \x00\xff((((\r\n", tag)
			return
		case strings.HasPrefix(cmd, "CAPABILITY"):
			say("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%s OK done\r\n", tag)
		case strings.HasPrefix(cmd, "LOGIN"):
			loggedIn = true
			say("%s OK logged in\r\n", tag)
		case strings.HasPrefix(cmd, "SELECT"):
			say("* FLAGS (\\Seen \\Deleted)\r\n* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 5] v\r\n* OK [UIDNEXT 2] n\r\n%s OK [READ-WRITE] selected\r\n", tag)
		case strings.HasPrefix(cmd, "UID SEARCH"):
			say("* SEARCH 1\r\n%s OK searched\r\n", tag)
		case strings.HasPrefix(cmd, "UID FETCH") && strings.Contains(cmd, "RFC822.SIZE"):
			say("* 1 FETCH (UID 1 RFC822.SIZE %d)\r\n%s OK fetched\r\n", f.size, tag)
		case strings.HasPrefix(cmd, "UID FETCH") && f.huge:
			say("* 1 FETCH (UID 1 BODY[] {4000000000}\r\n")
			time.Sleep(5 * time.Second)
			return
		case strings.HasPrefix(cmd, "UID FETCH"):
			say("* 1 FETCH (UID 1 BODY[] {%d}\r\n%s)\r\n%s OK fetched\r\n", len(f.body), f.body, tag)
		case strings.HasPrefix(cmd, "UID STORE") && f.noStore:
			say("%s NO [READ-ONLY] mailbox is read-only\r\n", tag)
		case strings.HasPrefix(cmd, "LOGOUT"):
			say("* BYE\r\n%s OK bye\r\n", tag)
			return
		default:
			say("%s OK fine\r\n", tag)
		}
	}
}

// A server announcing a small size and sending a body over the limit:
// the message is refused with the reason, not posted, not fetched again.
func TestIngestBodyLargerThanAnnounced(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIMAP{size: 100, body: "From: a@example.net\r\nSubject: big\r\n\r\n" + strings.Repeat("x", 10000) + "\r\n"}
	addr := startFake(t, fake)
	raw := "imap://u:pw@" + addr + "/INBOX?list=" + f.list.Address
	r := f.start(raw, func(c *imapin.Config) { c.MaxMessageBytes = 4000 })
	r.waitPasses(t, 1)
	r.stop()
	u, _ := config.ParseIngestURL(raw)
	state, reason, _, err := f.st.Ingested(context.Background(), store.IngestKey{Source: u.Source(), UIDValidity: 5, UID: 1})
	if err != nil || state != "refused" || !strings.Contains(reason, "more than its announced size") {
		t.Errorf("Ingested = %q %q (%v)", state, reason, err)
	}
	if got := f.spooled(); len(got) != 0 {
		t.Errorf("spooled %v", got)
	}
}

// A server answering nonsense (a literal of 99 GB announced, bytes that
// are no IMAP) costs a reconnect, never a crash or a hang, and Run stops
// when asked.
func TestIngestGarbageServer(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIMAP{garbage: true}
	addr := startFake(t, fake)
	r := f.start("imap://u:pw@"+addr+"/INBOX?list="+f.list.Address, func(c *imapin.Config) { c.CommandTimeout = 2 * time.Second })
	waitFor(t, "three sessions", func() bool { return fake.sessions.Load() >= 3 })
	r.stop()
	if got := f.spooled(); len(got) != 0 {
		t.Errorf("spooled %v", got)
	}
}

// A server announcing a 4 GB literal: go-imap would allocate it whole
// before reading; the literal guard ends the session first, and the
// error is kept for list show.
func TestIngestHugeLiteral(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIMAP{size: 100, huge: true}
	addr := startFake(t, fake)
	raw := "imap://u:pw@" + addr + "/INBOX?list=" + f.list.Address
	r := f.start(raw, nil)
	u, _ := config.ParseIngestURL(raw)
	waitFor(t, "the error kept", func() bool {
		src, err := f.st.IngestSource(context.Background(), u.Source())
		return err == nil && strings.Contains(src.LastError, "literal of 4000000000 bytes")
	})
	r.stop()
	if got := f.spooled(); len(got) != 0 {
		t.Errorf("spooled %v", got)
	}
}

// An after-action the server refuses (a read-only mailbox) does not stop
// intake or the session: the message is posted once, the action stays
// owed and is retried on every pass, and the refusal is the last error.
func TestIngestAfterActionRefused(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIMAP{size: 60, noStore: true, body: "From: sender1@example.net\r\nMessage-ID: <ro@example.net>\r\n\r\nhello\r\n"}
	addr := startFake(t, fake)
	raw := "imap://u:pw@" + addr + "/INBOX?list=" + f.list.Address
	r := f.start(raw, func(c *imapin.Config) { c.PollInterval = 50 * time.Millisecond })
	r.waitPasses(t, 4)
	r.stop()
	if got := f.spooled(); len(got) != 1 || got["ro@example.net"] != 1 {
		t.Errorf("spooled %v, want ro@example.net once", got)
	}
	if n := fake.sessions.Load(); n != 1 {
		t.Errorf("%d sessions, want the one", n)
	}
	u, _ := config.ParseIngestURL(raw)
	src, err := f.st.IngestSource(context.Background(), u.Source())
	if err != nil || !strings.Contains(src.LastError, "read-only") {
		t.Errorf("last error %q (%v)", src.LastError, err)
	}
	if un, err := f.st.IngestUnacted(context.Background(), u.Source(), 5, 10); err != nil || len(un) != 1 {
		t.Errorf("owed after-actions %v (%v), want uid 1", un, err)
	}
}

// Polling a server without IDLE keeps one session however the poll
// interval compares with the command timeout: go-imap leaves the last
// command's deadline on the connection while its reader reads on, and a
// wait longer than it would end the session at every poll.
func TestIngestPollLongerThanCommandTimeout(t *testing.T) {
	f := newFixture(t)
	fake := &fakeIMAP{size: 60, body: "From: sender1@example.net\r\nMessage-ID: <poll@example.net>\r\n\r\nhello\r\n"}
	addr := startFake(t, fake)
	raw := "imap://u:pw@" + addr + "/INBOX?list=" + f.list.Address
	r := f.start(raw, func(c *imapin.Config) {
		c.CommandTimeout = time.Second
		c.PollInterval = 2 * time.Second
	})
	r.waitPasses(t, 3)
	r.stop()
	if n := fake.sessions.Load(); n != 1 {
		t.Errorf("%d sessions for three passes, want one", n)
	}
}
