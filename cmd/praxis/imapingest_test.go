package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/listserv/config"
	"praxis/listserv/imapin/imapintest"
	"praxis/listserv/store"
)

// TestIMAPIngestKill: `praxis serve --imap-ingest` takes a burst of 200
// messages from a real Dovecot, is SIGKILLed in the middle, and started
// again: every message is posted exactly once (one spooled message and
// one archived post per Message-ID). Then Dovecot is stopped and started:
// ingest resumes, and mail arriving after the restart is posted.
func TestIMAPIngestKill(t *testing.T) {
	dc := imapintest.Start(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	praxis(t, data, "member", "add", "cop@example.org", "m0@example.net")
	rec := newRecorder(t)
	url := dc.URL("INBOX", "cop@example.org", "")
	srv := serve(t, data, rec.sink.Addr(), "--imap-ingest", url)

	const total = 200
	msg := func(i int) []byte {
		return []byte(fmt.Sprintf("Return-Path: <poster%d@example.net>\r\nFrom: poster%d@example.net\r\nTo: cop@example.org\r\nSubject: burst %d\r\nMessage-ID: <burst-%d@example.net>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nbody %d\r\n", i, i, i, i, i))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < total; i += 10 {
			var batch [][]byte
			for j := i; j < i+10; j++ {
				batch = append(batch, msg(j))
			}
			dc.Append("INBOX", batch...)
		}
	}()
	// Kill once some of the burst is taken (flagged \Seen after its
	// commit) and before all of it is.
	seen := func() int {
		n := 0
		for _, flags := range dc.Messages("INBOX") {
			for _, f := range flags {
				if f == `\Seen` {
					n++
				}
			}
		}
		return n
	}
	for i := 0; i < 600 && seen() < 40; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	srv.kill()
	atKill := seen()
	wg.Wait()
	t.Logf("%d of %d flagged \\Seen when killed", atKill, total)
	if atKill >= total {
		t.Logf("the kill came after the whole burst")
	}

	srv = serve(t, data, rec.sink.Addr(), "--imap-ingest", url)
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	l, err := st.ListByAddress(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	waitPosted := func(n int) {
		t.Helper()
		// Archived, and through the pipeline: a post is archived just
		// before its move to accepted.
		for i := 0; i < 2400; i++ {
			c, err := st.ArchivePostCount(ctx, l.ID)
			ms, err2 := st.ListMessages(ctx, l.ID, store.StateAccepted)
			if err == nil && err2 == nil && c >= n && len(ms) >= n {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		c, _ := st.ArchivePostCount(ctx, l.ID)
		t.Fatalf("%d posts archived, want %d\n%s", c, n, srv.stderr)
	}
	waitPosted(total)

	// Dovecot stopped and started under a running serve: ingest resumes.
	dc.Stop()
	dc.Start()
	dc.Append("INBOX", msg(total), msg(total+1))
	waitPosted(total + 2)
	srv.stop(t)

	// Exactly once: each Message-ID one spooled message and one post.
	spooled := map[string]int{}
	for _, state := range []string{store.StateReceived, store.StateAccepted, store.StateHeld, store.StateDropped, store.StatePending, store.StateProcessed} {
		ms, err := st.ListMessages(ctx, l.ID, state)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			spooled[m.MessageID]++
			if state != store.StateAccepted {
				t.Errorf("%s is %s (%s)", m.MessageID, state, m.Reason)
			}
		}
	}
	archived := map[string]int{}
	if err := st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		archived[p.MessageID]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < total+2; i++ {
		id := fmt.Sprintf("burst-%d@example.net", i)
		if spooled[id] != 1 || archived[id] != 1 {
			t.Errorf("%s: spooled %d times, archived %d times; want once", id, spooled[id], archived[id])
		}
	}
	if len(spooled) != total+2 || len(archived) != total+2 {
		t.Errorf("%d spooled, %d archived; want %d", len(spooled), len(archived), total+2)
	}
	out := praxis(t, data, "list", "show", "cop@example.org")
	if !strings.Contains(out, "IMAP ingest:") || !strings.Contains(out, "last error: none") || strings.Contains(out, dc.Pass) {
		t.Errorf("list show:\n%s", out)
	}
}

// A wrong password is logged by serve and shown by `praxis list show`
// as the source's last error, with no password in either.
func TestIMAPIngestErrorInListShow(t *testing.T) {
	dc := imapintest.Start(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	rec := newRecorder(t)
	url := strings.Replace(dc.URL("INBOX", "cop@example.org", ""), dc.Pass, "wrong-pw", 1)
	srv := serve(t, data, rec.sink.Addr(), "--imap-ingest", url)
	var out string
	for i := 0; i < 600; i++ {
		out = praxis(t, data, "list", "show", "cop@example.org")
		if strings.Contains(out, "last error: login as lists") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop(t)
	if !strings.Contains(out, "IMAP ingest:") {
		t.Fatalf("list show has no IMAP ingest line:\n%s", out)
	}
	if !strings.Contains(out, "last error: login as lists") {
		t.Errorf("list show:\n%s", out)
	}
	logs := srv.stderr.String()
	if !strings.Contains(logs, "imap ingest failed") {
		t.Errorf("serve logged no ingest failure:\n%s", logs)
	}
	if strings.Contains(out+logs, "wrong-pw") {
		t.Errorf("a password shows in list show or the log")
	}
}

// `praxis list show` shows the mailboxes serve is configured with: one
// given to serve is shown from its start, and one removed from
// --imap-ingest is no longer shown once serve starts without it.
func TestIMAPIngestListShowConfigured(t *testing.T) {
	dc := imapintest.Start(t)
	c := dc.Client()
	if err := c.Create("Other"); err != nil {
		t.Fatal(err)
	}
	c.Logout()
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	rec := newRecorder(t)
	inbox, other := dc.URL("INBOX", "cop@example.org", ""), dc.URL("Other", "cop@example.org", "")
	ingestLines := func() []string {
		var out []string
		for _, l := range strings.Split(praxis(t, data, "list", "show", "cop@example.org"), "\n") {
			if strings.HasPrefix(l, "IMAP ingest:") {
				out = append(out, l)
			}
		}
		return out
	}
	srv := serve(t, data, rec.sink.Addr(), "--imap-ingest", inbox, "--imap-ingest", other)
	if got := ingestLines(); len(got) != 2 || !strings.Contains(got[0], "/INBOX,") || !strings.Contains(got[1], "/Other,") {
		t.Errorf("with both mailboxes configured, list show has %q", got)
	}
	srv.stop(t)

	srv = serve(t, data, rec.sink.Addr(), "--imap-ingest", inbox)
	defer srv.stop(t)
	if got := ingestLines(); len(got) != 1 || !strings.Contains(got[0], "/INBOX,") {
		t.Errorf("with Other removed from --imap-ingest, list show has %q", got)
	}
}

// A mailbox an older Praxis took mail from, recorded under the name with
// its scheme and port: the serve that starts now adopts those records, so
// the message already taken (still unread: the old serve stopped before
// marking it) is not posted again, and list show names the mailbox once,
// by its new name.
func TestIMAPIngestAdoptsOldName(t *testing.T) {
	dc := imapintest.Start(t)
	raw := func(n int) []byte {
		return []byte(fmt.Sprintf("From: poster@example.net\r\nTo: cop@example.org\r\nSubject: post %d\r\nMessage-ID: <adopt-%d@example.net>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nbody %d\r\n", n, n, n))
	}
	dc.Append("INBOX", raw(1))
	c := dc.Client()
	mbox, err := c.Select("INBOX", true)
	if err != nil {
		t.Fatal(err)
	}
	uv := mbox.UidValidity
	c.Logout()

	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	url := dc.URL("INBOX", "cop@example.org", "")
	u, err := config.ParseIngestURL(url)
	if err != nil {
		t.Fatal(err)
	}
	old := u.LegacySources()[0]
	if old == u.Source() || !strings.Contains(old, ":") {
		t.Fatalf("old name %q, new %q", old, u.Source())
	}
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	// What the older serve recorded: message 1 taken, its pass at UID 1.
	if err := st.RefuseIngest(ctx, store.IngestKey{Source: old, UIDValidity: uv, UID: 1}, "taken by an older Praxis"); err != nil {
		t.Fatal(err)
	}
	if err := st.PutIngestSource(ctx, &store.IngestSource{Source: old, ListAddress: "cop@example.org", UIDValidity: uv, StartUID: 1, LastUID: 1}); err != nil {
		t.Fatal(err)
	}

	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr(), "--imap-ingest", url)
	dc.Append("INBOX", raw(2))
	l, err := st.ListByAddress(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2400; i++ {
		if n, err := st.ArchivePostCount(ctx, l.ID); err == nil && n >= 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var lines []string
	for _, line := range strings.Split(praxis(t, data, "list", "show", "cop@example.org"), "\n") {
		if strings.HasPrefix(line, "IMAP ingest:") {
			lines = append(lines, line)
		}
	}
	srv.stop(t)
	var got []string
	if err := st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		got = append(got, p.MessageID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "adopt-2@example.net" {
		t.Errorf("archived %q, want only adopt-2@example.net (1 was taken before)", got)
	}
	if len(lines) != 1 || !strings.Contains(lines[0], u.Source()+",") {
		t.Errorf("list show's ingest lines %q, want one naming %s", lines, u.Source())
	}
	if _, err := st.IngestSource(ctx, old); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old name's row: %v, want ErrNotFound", err)
	}
}
