package store_test

import (
	"context"
	"testing"

	"praxis/listserv/store"
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
