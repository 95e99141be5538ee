package archive

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"praxis/archive/index"
)

// TestOpenIndexRebuilds: a corrupt index is replaced by an empty one and
// every stored post is indexed again; a missing one is filled the same way.
func TestOpenIndexRebuilds(t *testing.T) {
	ctx := context.Background()
	st, list := openStore(t)
	put(t, st, list, msg("a@x", "first"))
	put(t, st, list, msg("b@x", "second", "a@x"))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := filepath.Join(t.TempDir(), "index")

	count := func(t *testing.T) uint64 {
		t.Helper()
		idx, err := OpenIndex(ctx, st, dir, index.Options{}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		if _, err := NewIndexer(st, idx, quiet).CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := idx.Count()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := count(t); got != 2 {
		t.Fatalf("a new index holds %d posts, want 2", got)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index_meta.json"), []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := count(t); got != 2 {
		t.Fatalf("the index rebuilt after corruption holds %d posts, want 2", got)
	}
}
