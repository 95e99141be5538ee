package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"praxis/listserv/store/pgtest"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// opener opens a store for a test, on a database made for the test the
// first time; each later call opens that database again, as another
// process (or node) would.
type opener func(t *testing.T) *Store

// backends runs f on SQLite and on PostgreSQL (PRAXIS_TEST_PG; without
// it that half is skipped, or fails in CI).
func backends(t *testing.T, f func(t *testing.T, newStore opener)) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		f(t, func(t *testing.T) *Store { return open(t, dir) })
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.URL(t)
		f(t, func(t *testing.T) *Store {
			t.Helper()
			s, err := Open(context.Background(), "", Options{DB: url})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}

func TestMigrateTwiceAndConcurrently(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), dir, Options{})
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := open(t, dir)
	var n, distinct int
	must(t, s.DB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct))
	files, err := migrations.ReadDir("migrations")
	must(t, err)
	if len(files) == 0 {
		t.Fatal("no migration files embedded")
	}
	if n != len(files) || distinct != n {
		t.Errorf("%d migration rows (%d distinct) for %d files", n, distinct, len(files))
	}
}

func TestSecretStable(t *testing.T) { backends(t, testSecretStable) }

func testSecretStable(t *testing.T, newStore opener) {
	a := newStore(t)
	k1, err := a.Secret(context.Background(), "unsubscribe")
	if err != nil || len(k1) != 32 {
		t.Fatal(err, len(k1))
	}
	b := newStore(t)
	k2, err := b.Secret(context.Background(), "unsubscribe")
	must(t, err)
	if string(k1) != string(k2) {
		t.Error("two processes disagree on a secret")
	}
}

// The behaviour every backend shares is in the conformance suite
// (storetest, run by conformance_test.go); these tests reach inside the
// store, and those of them that try the engine's SQL run on both
// (backends).

// must stops the test at a setup step that failed: a step whose error is
// dropped leaves the test checking nothing.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// ServesDomain matches the domain of a list address whole, ASCII letters
// in either case, and treats LIKE's wildcards as the characters they are.
func TestServesDomain(t *testing.T) { backends(t, testServesDomain) }

func testServesDomain(t *testing.T, newStore opener) {
	ctx := context.Background()
	s := newStore(t)
	for _, a := range []string{"cop@example.org", "café@bücher.example"} {
		if err := s.CreateList(ctx, &List{Address: a, Name: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		domain string
		want   bool
	}{
		{"example.org", true},
		{"EXAMPLE.org", true},
		{"bücher.example", true},
		{"ample.org", false},
		{"example.or", false},
		{"org", false},
		{"%", false},
		{"_xample.org", false},
		{"", false},
		{"other.example", false},
	} {
		got, err := s.ServesDomain(ctx, tc.domain)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("ServesDomain(%q) = %v, want %v", tc.domain, got, tc.want)
		}
	}
}

func TestHeaderBlock(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\n"},
		{"A: 1\nB: 2\n\nbody\n\nmore\n", "A: 1\nB: 2\n\n"},
		{"A: 1\n\r\nbody", "A: 1\n\r\n"},
		{"A: 1\r\nno body at all", "A: 1\r\nno body at all"},
		{"\r\nbody", "\r\n"},
		{"", ""},
	} {
		if got := string(HeaderBlock([]byte(tc.raw))); got != tc.want {
			t.Errorf("HeaderBlock(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("ann@example.net is already a member of cop@example.org: %w", ErrDuplicate), "ann@example.net is already a member of cop@example.org"},
		{fmt.Errorf("list nosuch@example.org: %w", ErrNotFound), "list nosuch@example.org"},
		{fmt.Errorf("%w: the name is at most 200 characters", ErrInvalid), "the name is at most 200 characters"},
		{errors.New("disk on fire"), "disk on fire"},
	} {
		if got := ErrorText(tc.err); got != tc.want {
			t.Errorf("ErrorText(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestWALCheckpointPages: the first pool's connections (a pragma is a
// connection's) checkpoint the WAL at walCheckpointPages, not at
// SQLite's 1,000, and the spool's never do (a 250 does not wait for one).
func TestWALCheckpointPages(t *testing.T) {
	s := open(t, t.TempDir())
	ctx := context.Background()
	for _, c := range []struct {
		name string
		db   interface {
			QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
		}
		want int
	}{{"db", s.db, walCheckpointPages}, {"spool", s.spool, 0}} {
		var n int
		must(t, c.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&n))
		if n != c.want {
			t.Errorf("%s: wal_autocheckpoint %d, want %d", c.name, n, c.want)
		}
	}
}
