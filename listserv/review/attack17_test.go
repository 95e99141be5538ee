package review_test

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"praxis/archive"
	"praxis/listserv/notice"
	"praxis/listserv/review"
	"praxis/listserv/store"
	"praxis/templates"
)

// countingStore counts the walks of an archive.
type countingStore struct {
	*store.Store
	walks atomic.Int64
}

func (c *countingStore) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error {
	c.walks.Add(1)
	return c.Store.ArchiveEach(ctx, listID, since, f)
}

// TestMonthlyNobodyToTell: a list with no owner or moderator (its owner
// mail goes to the site's administrator) has nobody to get its review, so
// the passes of maintenance, one a minute on every node, do not read its
// whole archive each time to make a review nobody is sent.
func TestMonthlyNobodyToTell(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := store.NewList("orphan@example.org", "Orphan")
	if err := st.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMember(ctx, &store.Member{ListID: l.ID, Address: "member@example.net"}); err != nil {
		t.Fatal(err)
	}
	raw := "Message-ID: <q@x>\r\nFrom: asker@example.net\r\nSubject: B210 overflows\r\nDate: Tue, 3 Nov 2026 10:00:00 +0000\r\n\r\nHow do I stop it?\r\n"
	if err := archive.NewArchiver(st, time.Now).Archive(ctx, l, []byte(raw), ""); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC) }
	sender := notice.New(st, templates.MustParse(), "https://lists.example.org", "lists.example.org", now, func() {})
	cs := &countingStore{Store: st}
	r := review.New(cs, sender, "https://lists.example.org", now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for range 3 {
		if err := r.Monthly(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := cs.walks.Load(); n != 0 {
		t.Errorf("%d walks of the archive of a list with nobody to send its review to", n)
	}
	if n, err := st.CountMessages(ctx, "", ""); err != nil || n != 0 {
		t.Errorf("%d mails (%v), want none", n, err)
	}
}
