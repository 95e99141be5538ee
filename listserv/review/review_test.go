package review_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/archive"
	"praxis/listserv/notice"
	"praxis/listserv/review"
	"praxis/listserv/store"
	"praxis/templates"
)

// TestMonthlyReviewOnce: the month's review goes to the list's owners and
// moderators (not its members) once, whatever the nodes and the passes,
// as text and HTML with the month's figures against the months before
// and three sentences on what changed; a list with nothing archived gets
// none.
func TestMonthlyReviewOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := store.NewList("cop@example.org", "CoP")
	empty := store.NewList("quiet@example.org", "Quiet")
	for _, x := range []*store.List{l, empty} {
		if err := st.CreateList(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []*store.Member{
		{ListID: l.ID, Address: "owner@example.net", Role: store.RoleOwner},
		{ListID: l.ID, Address: "mod@example.net", Role: store.RoleModerator},
		{ListID: l.ID, Address: "member@example.net"},
		{ListID: empty.ID, Address: "owner@example.net", Role: store.RoleOwner},
	} {
		if err := st.AddMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	arch := archive.NewArchiver(st, time.Now)
	n := 0
	ask := func(day time.Time, answered bool) {
		t.Helper()
		n++
		q := fmt.Sprintf("q%d@x", n)
		raw := fmt.Sprintf("Message-ID: <%s>\r\nFrom: asker%d@example.net\r\nSubject: B210 overflows %d\r\nDate: %s\r\n\r\nMy B210 overflows at 20 Msps, how do I stop it?\r\n",
			q, n%3, n, day.Format(time.RFC1123Z))
		if err := arch.Archive(ctx, l, []byte(raw), ""); err != nil {
			t.Fatal(err)
		}
		if answered {
			raw := fmt.Sprintf("Message-ID: <a%d@x>\r\nIn-Reply-To: <%s>\r\nReferences: <%s>\r\nFrom: helper@example.net\r\nSubject: Re: B210 overflows %d\r\nDate: %s\r\n\r\nRaise the buffers.\r\n",
				n, q, q, n, day.Add(3*time.Hour).Format(time.RFC1123Z))
			if err := arch.Archive(ctx, l, []byte(raw), ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	for m := 1; m <= 4; m++ {
		for i := 0; i < m*2; i++ {
			ask(time.Date(2026, time.Month(7+m), 3+i, 10, 0, 0, 0, time.UTC), i%2 == 0)
		}
	}
	now := func() time.Time { return time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC) }
	sender := notice.New(st, templates.MustParse(), "https://lists.example.org", "lists.example.org", now, func() {})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var wg sync.WaitGroup
	for range 3 { // three nodes, at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := review.New(st, sender, "https://lists.example.org", now, quiet).Monthly(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := review.New(st, sender, "https://lists.example.org", now, quiet).Monthly(ctx); err != nil {
		t.Fatal(err)
	}
	total, err := st.CountMessages(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 {
		t.Fatalf("%d mails, want one review", total)
	}
	m, err := st.LatestMessage(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	raw := string(m.Raw)
	if !strings.Contains(m.Rcpt, "owner@example.net") || !strings.Contains(m.Rcpt, "mod@example.net") || strings.Contains(m.Rcpt, "member@") {
		t.Errorf("the review went to %q", m.Rcpt)
	}
	for _, want := range []string{"Subject: How CoP did in November 2026", "multipart/alternative", "text/html", "text/plain",
		"12 posts by 4 people, up 100% from the 6 a month", "Nobody posted for the first time.", "4 of 8 questions got an answer (50%", "https://lists.example.org/l/cop@example.org/health"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the review lacks %q:\n%s", want, raw)
		}
	}
}
