package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The probes other packages' tests ask instead of reading the tables:
// each answers from what the store's own methods wrote, and an empty
// store answers zero or ErrNotFound, never a silent nil.
func TestProbes(t *testing.T) { backends(t, testProbes) }

func testProbes(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	ctx := context.Background()

	if _, err := s.LatestMessage(ctx, "", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("latest message of an empty store: %v, want ErrNotFound", err)
	}
	post := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@b.c", Rcpt: l.Address, Raw: []byte("post")}
	must(t, s.Spool(ctx, post))
	must(t, s.Transition(ctx, post.ID, StateReceived, StateAccepted, "relayed", "id@x", []*Delivery{
		{ListID: l.ID, Rcpt: "a@x.org", Mode: ModeCopy, EnvFrom: "v"},
		{ListID: l.ID, Rcpt: "b@x.org", Mode: ModeCopy, EnvFrom: "v"},
	}))
	for _, rcpt := range []string{"a@x.org", "b@x.org", "a@x.org"} {
		n := &Message{ListID: l.ID, ListAddress: l.Address, Rcpt: rcpt, Raw: []byte("notice to " + rcpt)}
		must(t, s.SpoolNotice(ctx, n, []*Delivery{{ListID: l.ID, Rcpt: rcpt, Mode: ModeRaw}}))
	}

	counts := []struct {
		kind, rcpt string
		want       int
	}{
		{"", "", 4},
		{KindPost, "", 1},
		{KindNotice, "", 3},
		{KindNotice, "a@x.org", 2},
		{KindNotice, "c@x.org", 0},
		{KindBounce, "", 0},
	}
	for _, c := range counts {
		got, err := s.CountMessages(ctx, c.kind, c.rcpt)
		if err != nil || got != c.want {
			t.Errorf("CountMessages(%q, %q) = %d, %v; want %d", c.kind, c.rcpt, got, err, c.want)
		}
	}

	m, err := s.LatestMessage(ctx, KindNotice, "a@x.org")
	if err != nil || string(m.Raw) != "notice to a@x.org" || m.Kind != KindNotice {
		t.Errorf("latest notice to a@: %+v, %v", m, err)
	}
	m, err = s.LatestMessage(ctx, KindPost, "")
	if err != nil || m.ID != post.ID || m.State != StateAccepted || m.Reason != "relayed" {
		t.Errorf("latest post: %+v, %v; want #%d accepted (relayed)", m, err, post.ID)
	}

	ds, err := s.DeliveryStates(ctx, "a@x.org")
	must(t, err)
	if len(ds) != 3 || ds[0].MessageID != post.ID || ds[0].State != "queued" || ds[0].Attempts != 0 || ds[0].Reason != "relayed" {
		t.Errorf("deliveries to a@: %+v", ds)
	}
	due, err := s.DueDeliveries(ctx, 0, 10)
	must(t, err)
	var toB *Delivery
	for _, d := range due {
		if d.Rcpt == "b@x.org" && d.MessageID == post.ID {
			toB = d
		}
	}
	if toB == nil {
		t.Fatalf("no copy to b@ among %d due", len(due))
	}
	retry := time.Now().Add(time.Hour).Truncate(time.Second)
	must(t, s.RecordOutcomes(ctx, []Outcome{{Delivery: toB, RetryAt: retry, Code: 451, Text: "later"}}))
	ds, err = s.DeliveryStates(ctx, "b@x.org")
	must(t, err)
	if len(ds) != 2 || ds[0].Attempts != 1 || ds[0].State != "queued" || !ds[0].NextAt.Equal(retry) || ds[0].LastError == "" {
		t.Errorf("deferred copy to b@: %+v, want 1 attempt, next at %v, an error", ds, retry)
	}
	all, err := s.DeliveryStates(ctx, "")
	if err != nil || len(all) != 5 {
		t.Errorf("%d deliveries in all (%v), want 5", len(all), err)
	}

	if n, err := s.CountDigestSends(ctx); err != nil || n != 0 {
		t.Errorf("digest sends of an empty store: %d, %v", n, err)
	}
	run := &DigestRun{ListID: l.ID, Kind: "digest", PeriodStart: retry.Add(-24 * time.Hour), PeriodEnd: retry}
	must(t, s.StartDigestRun(ctx, run))
	digest := &Message{ListID: l.ID, ListAddress: l.Address, Raw: []byte("digest")}
	if _, err := s.SpoolDigestRun(ctx, run.ID, digest, []string{"a@x.org", "b@x.org"}, ModeDigest); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountDigestSends(ctx); err != nil || n != 2 {
		t.Errorf("digest sends: %d, %v; want 2", n, err)
	}
}
