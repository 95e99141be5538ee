package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
)

// relatedKeptOnce: the threads found related to a question are kept by
// the first finder only (nodes finding them at once: exactly one keeps
// them), read back in their order with their subjects, for one list only,
// and a related thread removed from the archive is no longer shown.
func relatedKeptOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "rel@example.org")
	other := newList(t, s, "other@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	put := func(l *store.List, id, subject string, at time.Time) {
		t.Helper()
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: a@example.net\r\nSubject: " + subject + "\r\n\r\nbody\r\n")
		_, err := s.ArchivePut(ctx, &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: subject, FromAddr: "a@example.net", Date: at}, raw)
		must(t, err)
	}
	put(l, "old1@x", "B210 overflows", d0)
	put(l, "old2@x", "X310 overflows at 200 Msps", d0.Add(time.Hour))
	put(l, "new@x", "Overflows again", d0.Add(48*time.Hour))
	put(other, "new@x", "Overflows again", d0.Add(48*time.Hour))
	found := []store.RelatedThread{{ThreadID: "old2@x", Score: 0.5}, {ThreadID: "old1@x", Score: 0.3}}

	var wg sync.WaitGroup
	var mu sync.Mutex
	kept := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.PutRelated(ctx, l.ID, "new@x", found)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				mu.Lock()
				kept++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if kept != 1 {
		t.Errorf("%d finders kept the related threads, want 1", kept)
	}
	if ok, err := s.PutRelated(ctx, l.ID, "new@x", []store.RelatedThread{{ThreadID: "old1@x", Score: 0.9}}); ok || err != nil {
		t.Errorf("a later find kept: %v %v", ok, err)
	}
	got, err := s.Related(ctx, l.ID, []string{"new@x", "old1@x"})
	must(t, err)
	rs := got["new@x"]
	if len(got) != 1 || len(rs) != 2 || rs[0].ThreadID != "old2@x" || rs[0].Subject != "X310 overflows at 200 Msps" || rs[0].Score != 0.5 ||
		!rs[0].Date.Equal(d0.Add(time.Hour)) || rs[0].Posts != 1 || rs[1].ThreadID != "old1@x" {
		t.Errorf("Related: %+v", got)
	}
	if got, err := s.Related(ctx, other.ID, []string{"new@x"}); err != nil || len(got) != 0 {
		t.Errorf("another list's question shows %+v, %v", got, err)
	}
	// A question that came as mail, not only by an import.
	must(t, s.Spool(ctx, &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "a@example.net", Rcpt: l.Address,
		Raw: []byte("Message-ID: <new@x>\r\n\r\nbody\r\n"), MessageID: "new@x", FromAddr: "a@example.net", Subject: "Overflows again"}))
	for _, c := range []struct {
		list *store.List
		id   string
		want bool
	}{{l, "new@x", true}, {l, "old1@x", false}, {other, "new@x", false}} {
		if got, err := s.CameAsPost(ctx, c.list.ID, c.id); err != nil || got != c.want {
			t.Errorf("CameAsPost(%s, %s) = %v, %v; want %v", c.list.Address, c.id, got, err, c.want)
		}
	}
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: "old2@x", By: "test"}); err != nil || n != 1 {
		t.Fatalf("ArchiveRemove: %d %v", n, err)
	}
	got, err = s.Related(ctx, l.ID, []string{"new@x"})
	must(t, err)
	if rs := got["new@x"]; len(rs) != 1 || rs[0].ThreadID != "old1@x" {
		t.Errorf("after removing a related thread: %+v", rs)
	}
}
