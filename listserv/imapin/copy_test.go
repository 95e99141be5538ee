package imapin_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"praxis/listserv/config"
	"praxis/listserv/imapin"
	"praxis/listserv/imapin/imapintest"
)

// after=move on a server without MOVE (COPY, then delete) interrupted
// between its steps, as a crash or a lost connection would, and finished
// by a new process: each message is in the folder once. A message a
// person filed in the folder earlier, the same bytes as one posted, is
// not taken for its copy.
func TestIngestMoveByCopyInterrupted(t *testing.T) {
	for _, tt := range []struct {
		point string
		// copied: the ingester's copies in Done when it stopped.
		copied int
	}{{"before copy", 0}, {"after copy", 3}} {
		t.Run(strings.ReplaceAll(tt.point, " ", "-"), func(t *testing.T) {
			f := newFixtureWith(t, "imap_capability = IMAP4rev1 SASL-IR LITERAL+ ENABLE UIDPLUS\n")
			f.dc.Append("Done", mail(1, ""))
			f.dc.Append("INBOX", mail(1, ""), mail(2, ""), mail(3, ""))
			raw := f.dc.URL("INBOX", f.list.Address, "&after=move:Done")
			u, err := config.ParseIngestURL(raw)
			if err != nil {
				t.Fatal(err)
			}
			// No poll before the stop: one try, stopped at the point.
			r := f.start(raw, func(c *imapin.Config) {
				imapin.InterruptAt(c, func(p string) error {
					if p == tt.point {
						return errors.New("interrupted " + p)
					}
					return nil
				})
			})
			onceEach(t, f.waitSpooled(3), 3)
			waitFor(t, "the interruption kept as the last error", func() bool {
				src, err := f.st.IngestSource(context.Background(), u.Source())
				return err == nil && strings.Contains(src.LastError, "interrupted "+tt.point)
			})
			r.stop()
			if n := len(f.dc.Messages("INBOX")); n != 3 {
				t.Fatalf("INBOX holds %d after the interruption, want 3", n)
			}
			if n := len(f.dc.Messages("Done")); n != 1+tt.copied {
				t.Fatalf("Done holds %d after the interruption, want %d", n, 1+tt.copied)
			}

			r = f.start(raw, func(c *imapin.Config) { c.PollInterval = 50 * time.Millisecond })
			waitFor(t, "an empty INBOX", func() bool { return len(f.dc.Messages("INBOX")) == 0 })
			r.stop()
			want := map[string]int{"post-1@example.net": 2, "post-2@example.net": 1, "post-3@example.net": 1}
			if got := messageIDs(t, f.dc, "Done"); !maps.Equal(got, want) {
				t.Errorf("Done holds %v, want %v (the person's post 1 and one copy of each)", got, want)
			}
			onceEach(t, f.spooled(), 3)
		})
	}
}

// messageIDs counts the Message-IDs of mailbox's messages.
func messageIDs(t *testing.T, dc *imapintest.Dovecot, mailbox string) map[string]int {
	t.Helper()
	c := dc.Client()
	defer c.Logout()
	mb, err := c.Select(mailbox, true)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	if mb.Messages == 0 {
		return out
	}
	set := new(imap.SeqSet)
	set.AddRange(1, 0)
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() { done <- c.Fetch(set, []imap.FetchItem{imap.FetchEnvelope}, ch) }()
	for m := range ch {
		out[strings.Trim(m.Envelope.MessageId, "<>")]++
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return out
}
