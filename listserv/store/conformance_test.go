package store_test

import (
	"context"
	"testing"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/listserv/store/storetest"
)

// TestConformance holds the SQLite store to the suite every backend
// passes.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		s, err := store.Open(context.Background(), t.TempDir(), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestConformancePostgres holds the PostgreSQL store to the same suite,
// each test on a database of its own (PRAXIS_TEST_PG).
func TestConformancePostgres(t *testing.T) {
	pgtest.Server(t) // skips (or fails in CI) before any subtest without a server
	storetest.Run(t, func(t *testing.T) store.Backend {
		s, err := store.Open(context.Background(), "", store.Options{DB: pgtest.URL(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
