package storetest

import (
	"context"
	"testing"
	"time"

	"praxis/listserv/store"
)

// badTextKept: fields that come from mail and from remote servers may
// hold bytes that are not UTF-8, or a NUL (a Message-ID with 0xff, a
// reply "450 mailbox full \xff"). Such a message is spooled beside a good
// one in one commit, both kept (PostgreSQL had refused the statement and
// so the whole batch); it is found again by its Message-ID; and a copy's
// outcome whose reply holds such bytes is recorded (PostgreSQL had
// refused it on every retry, wedging the delivery queue).
func badTextKept(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	bad := post(l, "bad")
	bad.MessageID, bad.Subject, bad.FromAddr, bad.Reason = "m\xff\x00@x.example", "caf\xe9", "a\xff@b.example", "held: \x00"
	good := post(l, "good")
	good.MessageID, good.Subject = "good@x.example", "fine"
	must(t, s.Spool(ctx, bad, good))
	if bad.ID == 0 || good.ID == 0 {
		t.Fatalf("spooled ids %d, %d", bad.ID, good.ID)
	}
	got, err := s.Message(ctx, good.ID)
	must(t, err)
	if got.MessageID != "good@x.example" || got.Subject != "fine" {
		t.Errorf("the good message beside a bad one: %q %q", got.MessageID, got.Subject)
	}
	gotBad, err := s.Message(ctx, bad.ID)
	must(t, err)
	if gotBad.Subject == "" || gotBad.MessageID == "" {
		t.Errorf("the bad message's fields lost: %+v", gotBad)
	}
	if came, err := s.CameAsPost(ctx, l.ID, bad.MessageID); err != nil || !came {
		t.Errorf("CameAsPost(the bad Message-ID) = %v, %v; want found", came, err)
	}

	m := queueCopies(t, s, l, 2)
	ds, err := s.ClaimDeliveries(ctx, "node-a", time.Minute, 0, 2)
	must(t, err)
	if len(ds) != 2 {
		t.Fatalf("claimed %d copies, want 2", len(ds))
	}
	outs := []store.Outcome{
		{Delivery: ds[0], RetryAt: time.Now().Add(time.Hour), Text: "450 4.2.2 mailbox full \xff\x00"},
		{Delivery: ds[1], Permanent: true, Text: "550 5.1.1 no such user \xfe"},
	}
	must(t, s.RecordOutcomes(ctx, outs))
	counts, err := s.DeliveryCounts(ctx, m.ID)
	must(t, err)
	if counts["failed"] != 1 || counts["queued"] != 1 {
		t.Errorf("counts after a bad reply = %v, want 1 failed and 1 queued", counts)
	}
}
