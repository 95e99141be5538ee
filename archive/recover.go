package archive

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"praxis/archive/index"
)

// OpenIndex opens the full-text index in dir. The index holds nothing the
// store lacks, so a corrupt one is removed and made again, empty: an
// empty index has no position in the index log, and the indexer (Run or
// CatchUp) builds it from the log's beginning, as it does a missing one.
// An index held by another process is index.ErrLocked, wrapped.
func OpenIndex(dir string, opts index.Options, log *slog.Logger) (*index.Index, error) {
	idx, err := index.Open(dir, opts)
	if err == nil {
		// A position that cannot be read is corruption too.
		if _, err = Position(idx); err != nil {
			idx.Close()
		}
	}
	if errors.Is(err, index.ErrCorrupt) {
		log.Warn("the index is corrupt; rebuilding it from the archive", "err", err)
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		idx, err = index.Open(dir, opts)
	}
	if err != nil {
		return nil, err
	}
	return idx, nil
}
