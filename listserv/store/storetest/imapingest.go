package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"praxis/listserv/store"
)

// imapIngestOnce: an IMAP ingest key is written in the spool's own
// transaction. Many takers of one key (a restarted process racing an old
// one, two passes) spool it once; the others get ErrDuplicate and spool
// nothing; a refused key is not spooled later either; the after-action
// bookkeeping and the source's progress round-trip.
func imapIngestOnce(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	const src = "imap://u@127.0.0.1:143/INBOX"
	key := store.IngestKey{Source: src, UIDValidity: 7, UID: 3}

	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, dup int
	var spooled []*store.Message
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := post(l, fmt.Sprint("copy ", i))
			err := s.SpoolIngest(ctx, key, m)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
				spooled = append(spooled, m)
			case errors.Is(err, store.ErrDuplicate):
				dup++
				if m.ID != 0 {
					t.Errorf("a duplicate was given spool id %d", m.ID)
				}
			default:
				t.Error(err)
			}
		}(i)
	}
	// Plain spools in the same batches are not disturbed by the refusals.
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Spool(ctx, post(l, "plain")); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || dup != n-1 {
		t.Fatalf("%d spooled, %d duplicates; want 1 and %d", ok, dup, n-1)
	}
	ids, err := s.MessageIDsInState(ctx, store.StateReceived, 0, 1000)
	must(t, err)
	if len(ids) != n+1 {
		t.Errorf("%d messages spooled, want %d (the key once, %d plain)", len(ids), n+1, n)
	}
	state, _, spoolID, err := s.Ingested(ctx, key)
	must(t, err)
	if state != "posted" || spoolID != spooled[0].ID {
		t.Errorf("Ingested = %q, spool %d; want posted, %d", state, spoolID, spooled[0].ID)
	}

	// A spool that fails records no key: the message is taken again
	// later. (A message without bytes breaks the spool's NOT NULL.)
	failing := store.IngestKey{Source: src, UIDValidity: 7, UID: 5}
	if err := s.SpoolIngest(ctx, failing, &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, Rcpt: l.Address}); err == nil {
		t.Fatal("a message without bytes was spooled")
	}
	if _, _, _, err := s.Ingested(ctx, failing); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed spool left its key: %v", err)
	}
	must(t, s.SpoolIngest(ctx, failing, post(l, "again")))

	// The same UID under another UIDVALIDITY is another message.
	other := key
	other.UIDValidity = 8
	must(t, s.SpoolIngest(ctx, other, post(l, "new validity")))

	// A refused message is recorded with its reason and never spooled.
	big := store.IngestKey{Source: src, UIDValidity: 7, UID: 4}
	must(t, s.RefuseIngest(ctx, big, "too big"))
	if err := s.SpoolIngest(ctx, big, post(l, "big")); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("spooling a refused key: %v, want ErrDuplicate", err)
	}
	if err := s.RefuseIngest(ctx, key, "late"); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("refusing a posted key: %v, want ErrDuplicate", err)
	}
	state, reason, _, err := s.Ingested(ctx, big)
	must(t, err)
	if state != "refused" || reason != "too big" {
		t.Errorf("refused key: %q %q", state, reason)
	}
	if _, _, _, err := s.Ingested(ctx, store.IngestKey{Source: src, UIDValidity: 7, UID: 99}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown key: %v, want ErrNotFound", err)
	}

	got, err := s.IngestedUIDs(ctx, src, 7, []uint32{1, 3, 4, 5})
	must(t, err)
	if len(got) != 3 || !got[3] || !got[4] || !got[5] {
		t.Errorf("IngestedUIDs = %v, want 3, 4 and 5", got)
	}
	// Only the posted one waits for its after-action.
	un, err := s.IngestUnacted(ctx, src, 7, 10)
	must(t, err)
	if len(un) != 2 || un[0] != 3 || un[1] != 5 {
		t.Errorf("IngestUnacted = %v, want [3 5]", un)
	}
	must(t, s.MarkIngestActed(ctx, src, 7, un))
	if un, err := s.IngestUnacted(ctx, src, 7, 10); err != nil || len(un) != 0 {
		t.Errorf("after MarkIngestActed: %v (%v)", un, err)
	}

	if _, err := s.IngestSource(ctx, src); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a new source: %v, want ErrNotFound", err)
	}
	must(t, s.SetIngestError(ctx, src, l.Address, "login: bad password"))
	must(t, s.PutIngestSource(ctx, &store.IngestSource{Source: src, ListAddress: l.Address, UIDValidity: 7, StartUID: 2, LastUID: 4}))
	must(t, s.SetIngestError(ctx, src, l.Address, "connection refused"))
	srcs, err := s.IngestSources(ctx, l.Address)
	must(t, err)
	if len(srcs) != 1 || srcs[0].UIDValidity != 7 || srcs[0].StartUID != 2 || srcs[0].LastUID != 4 || srcs[0].LastError != "connection refused" {
		t.Errorf("IngestSources = %+v", srcs[0])
	}
	must(t, s.PutIngestSource(ctx, &store.IngestSource{Source: src, ListAddress: l.Address, UIDValidity: 7, StartUID: 2, LastUID: 5}))
	got1, err := s.IngestSource(ctx, src)
	must(t, err)
	if got1.LastError != "" || got1.LastUID != 5 {
		t.Errorf("a good pass keeps no error: %+v", got1)
	}

	// A COPY begun (after=move without MOVE) is recorded on the rows it
	// covers, and read back for those only.
	if cp, err := s.IngestCopying(ctx, src, 7, []uint32{3, 5}); err != nil || len(cp) != 0 {
		t.Errorf("IngestCopying before any = %v (%v)", cp, err)
	}
	must(t, s.MarkIngestCopying(ctx, src, 7, []uint32{3}, store.IngestCopy{UIDValidity: 9, UIDNext: 40}))
	if cp, err := s.IngestCopying(ctx, src, 7, []uint32{3, 5}); err != nil || len(cp) != 1 || cp[3] != (store.IngestCopy{UIDValidity: 9, UIDNext: 40}) {
		t.Errorf("IngestCopying = %v (%v), want 3 from 9/40", cp, err)
	}

	// The rows kept are those of the sources configured: a new one gets
	// a row, a removed one loses its row but not its keys.
	const second = "imaps://u@imap.example.net:993/Lists"
	must(t, s.KeepIngestSources(ctx, map[string]string{src: l.Address, second: l.Address}))
	srcs, err = s.IngestSources(ctx, l.Address)
	must(t, err)
	if len(srcs) != 2 || srcs[0].LastUID != 5 || srcs[1].Source != second || srcs[1].UIDValidity != 0 {
		t.Errorf("after keeping both: %+v", srcs)
	}
	must(t, s.KeepIngestSources(ctx, map[string]string{second: l.Address}))
	srcs, err = s.IngestSources(ctx, l.Address)
	must(t, err)
	if len(srcs) != 1 || srcs[0].Source != second {
		t.Errorf("after removing %s: %+v", src, srcs)
	}
	if got, err := s.IngestedUIDs(ctx, src, 7, []uint32{3}); err != nil || !got[3] {
		t.Errorf("a removed source's keys: %v (%v), want kept", got, err)
	}

	// A source renamed: its keys and progress move to the new name; a
	// key the new name holds too keeps the new name's record; a second
	// old name whose row loses to the first leaves only its keys; asking
	// again, or for a name never used, changes nothing.
	const renamed = "imap://u@127.0.0.1/INBOX"
	must(t, s.RefuseIngest(ctx, store.IngestKey{Source: renamed, UIDValidity: 7, UID: 5}, "kept under the new name"))
	must(t, s.PutIngestSource(ctx, &store.IngestSource{Source: src, ListAddress: l.Address, UIDValidity: 7, StartUID: 1, LastUID: 5}))
	const otherName = "imaps://u@127.0.0.1:993/INBOX"
	must(t, s.RefuseIngest(ctx, store.IngestKey{Source: otherName, UIDValidity: 7, UID: 9}, "too big"))
	must(t, s.PutIngestSource(ctx, &store.IngestSource{Source: otherName, ListAddress: l.Address, UIDValidity: 7, LastUID: 2}))
	for range 2 {
		must(t, s.AdoptIngestSource(ctx, src, renamed))
		must(t, s.AdoptIngestSource(ctx, otherName, renamed))
		must(t, s.AdoptIngestSource(ctx, "imap://nobody@nowhere/INBOX", renamed))
	}
	if got, err := s.IngestedUIDs(ctx, renamed, 7, []uint32{3, 5, 9}); err != nil || len(got) != 3 {
		t.Errorf("adopted keys = %v (%v), want 3, 5 and 9", got, err)
	}
	if state, reason, id, err := s.Ingested(ctx, store.IngestKey{Source: renamed, UIDValidity: 7, UID: 3}); err != nil || state != "posted" || id == 0 {
		t.Errorf("adopted key 3: %s %q %d (%v), want posted with its spool id", state, reason, id, err)
	}
	if _, reason, _, err := s.Ingested(ctx, store.IngestKey{Source: renamed, UIDValidity: 7, UID: 5}); err != nil || reason != "kept under the new name" {
		t.Errorf("key 5 recorded under both: %q (%v), want the new name's", reason, err)
	}
	for _, old := range []string{src, otherName} {
		if got, err := s.IngestedUIDs(ctx, old, 7, []uint32{3, 5, 9}); err != nil || len(got) != 0 {
			t.Errorf("%s still holds %v (%v)", old, got, err)
		}
		if _, err := s.IngestSource(ctx, old); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s's row: %v, want ErrNotFound", old, err)
		}
	}
	if row, err := s.IngestSource(ctx, renamed); err != nil || row.LastUID != 5 || row.StartUID != 1 {
		t.Errorf("adopted row = %+v (%v), want the first old name's", row, err)
	}
}
