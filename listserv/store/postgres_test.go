package store_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// openPG opens n stores on one fresh PostgreSQL database at once, as n
// nodes starting together would.
func openPG(t *testing.T, n int) []*store.Store {
	t.Helper()
	url := pgtest.URL(t)
	stores := make([]*store.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = store.Open(context.Background(), "", store.Options{DB: url})
		}()
	}
	wg.Wait()
	for i, s := range stores {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		t.Cleanup(func() { s.Close() })
	}
	return stores
}

// TestPostgresMigratesOnce: nodes that start at once on a new database
// all open it, and each migration is applied once.
func TestPostgresMigratesOnce(t *testing.T) {
	stores := openPG(t, 4)
	files, err := fs.Glob(os.DirFS("migrations_pg"), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations_pg: %v %v", files, err)
	}
	var n, distinct int
	if err := stores[0].DB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != len(files) || distinct != len(files) {
		t.Errorf("schema_migrations: %d rows, %d versions; want %d of each", n, distinct, len(files))
	}
}

// TestPostgresWritersTakeTurns: the places where a writer reads and then
// writes hold when writers of several nodes run at once (store.lockKey).
// Each runs the same act from many goroutines spread over two nodes.
func TestPostgresWritersTakeTurns(t *testing.T) {
	nodes := openPG(t, 2)
	ctx := context.Background()
	l := &store.List{Address: "cop@example.org", Name: "CoP"}
	if err := nodes[0].CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	const workers = 8
	// together runs f(node, i) on workers goroutines at once.
	together := func(f func(s *store.Store, i int) error) []error {
		errs := make([]error, workers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = f(nodes[i%2], i)
			}()
		}
		close(start)
		wg.Wait()
		return errs
	}

	t.Run("digest run", func(t *testing.T) {
		end := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
		ids := make([]int64, workers)
		errs := together(func(s *store.Store, i int) error {
			r := &store.DigestRun{ListID: l.ID, Kind: "digest", PeriodStart: end.Add(-24 * time.Hour), PeriodEnd: end, Volume: 1}
			err := s.StartDigestRun(ctx, r)
			ids[i] = r.ID
			return err
		})
		for i, err := range errs {
			if err != nil || ids[i] != ids[0] {
				t.Errorf("worker %d: run %d, %v; want run %d", i, ids[i], err, ids[0])
			}
		}
	})

	t.Run("archive one post", func(t *testing.T) {
		raw := []byte("Message-ID: <once@example.net>\r\nSubject: once\r\n\r\nonce\r\n")
		made := make([]bool, workers)
		errs := together(func(s *store.Store, i int) error {
			p := &store.ArchivedPost{ListID: l.ID, MessageID: "once@example.net", Subject: "once", NormSubject: "once", Date: time.Unix(1.7e9, 0)}
			var err error
			made[i], err = s.ArchivePut(ctx, p, raw)
			return err
		})
		created := 0
		for i, err := range errs {
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
			if made[i] {
				created++
			}
		}
		if n, err := nodes[0].ArchivePostCount(ctx, l.ID); created != 1 || n != 1 || err != nil {
			t.Errorf("created by %d workers, %d posts (%v); want 1 and 1", created, n, err)
		}
	})

	t.Run("imap flags", func(t *testing.T) {
		posts, err := nodes[0].ArchiveByMessageID(ctx, l.ID, "once@example.net")
		if err != nil || len(posts) != 1 {
			t.Fatalf("archived post: %v %v", posts, err)
		}
		id := posts[0].ID
		errs := together(func(s *store.Store, i int) error {
			_, err := s.IMAPStoreFlags(ctx, l.ID, "reader@example.net", []int64{id}, store.FlagsAdd, []string{fmt.Sprintf("k%d", i)})
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}
		got, err := nodes[1].IMAPFlags(ctx, l.ID, "reader@example.net", []int64{id})
		var want []string
		for i := range workers {
			want = append(want, fmt.Sprintf("k%d", i))
		}
		if err != nil || !slices.Equal(got[id], want) {
			t.Errorf("flags %v (%v), want %v: a change was lost", got[id], err, want)
		}
	})

	t.Run("imap ingest", func(t *testing.T) {
		key := store.IngestKey{Source: "imap://lists@mail.example.net/INBOX", UIDValidity: 7, UID: 42}
		errs := together(func(s *store.Store, i int) error {
			m := &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "a@example.net", Rcpt: l.Address, Raw: []byte("Subject: x\r\n\r\nx\r\n")}
			return s.SpoolIngest(ctx, key, m)
		})
		spooled := 0
		for i, err := range errs {
			switch {
			case err == nil:
				spooled++
			case !errors.Is(err, store.ErrDuplicate):
				t.Errorf("worker %d: %v, want nil or ErrDuplicate", i, err)
			}
		}
		if spooled != 1 {
			t.Errorf("spooled by %d workers, want 1", spooled)
		}
	})
}
