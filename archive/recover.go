package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"praxis/archive/index"
)

// RecoverStore is what opening the index needs of the store: the
// indexer's bookkeeping, and a way to mark posts for indexing again.
type RecoverStore interface {
	IndexStore
	ResetIndexed(ctx context.Context, listID int64) error
}

// OpenIndex opens the full-text index in dir and makes it agree with the
// store before anyone searches it. The index holds nothing the store
// lacks, so a corrupt one is removed and every post marked for indexing
// again, and a missing or empty one is filled the same way; the posts of
// lists deleted while no indexer ran are taken out. The indexer (Run or
// CatchUp) does the writing. An index held by another process is
// index.ErrLocked, wrapped.
func OpenIndex(ctx context.Context, st RecoverStore, dir string, opts index.Options, log *slog.Logger) (*index.Index, error) {
	idx, err := index.Open(dir, opts)
	if errors.Is(err, index.ErrCorrupt) {
		log.Warn("the index is corrupt; rebuilding it from the archive", "err", err)
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		if err := st.ResetIndexed(ctx, 0); err != nil {
			return nil, err
		}
		idx, err = index.Open(dir, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := Forget(ctx, st, idx); err != nil {
		idx.Close()
		return nil, err
	}
	if n, err := idx.Count(); err == nil && n == 0 {
		if err := st.ResetIndexed(ctx, 0); err != nil {
			idx.Close()
			return nil, err
		}
	}
	return idx, nil
}
