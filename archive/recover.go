package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"praxis/archive/index"
)

// LogIDStore tells which index log the store keeps.
type LogIDStore interface {
	IndexLogID(ctx context.Context) (string, error)
}

// OpenIndex opens the full-text index in dir. The index holds nothing the
// store lacks, so a corrupt one is removed and made again, empty, and so
// is one whose position is in another database's index log (a data dir
// that served another database, or this one before it was restored from
// a backup: a restore names the log anew, see store.RenameIndexLog): an
// empty index has no position, and
// the indexer (Run or CatchUp) builds it from the log's beginning, as it
// does a missing one. An index held by another process is
// index.ErrLocked, wrapped.
func OpenIndex(ctx context.Context, st LogIDStore, dir string, opts index.Options, log *slog.Logger) (*index.Index, error) {
	want, err := st.IndexLogID(ctx)
	if err != nil {
		return nil, err
	}
	idx, err := index.Open(dir, opts)
	if err == nil {
		var logID string
		// A position that cannot be read is corruption too.
		if logID, _, err = position(idx); err == nil && logID != "" && logID != want {
			err = fmt.Errorf("index: %s has a position in the index log %s, and this database keeps %s: %w", dir, logID, want, errOtherLog)
		}
		if err != nil {
			idx.Close()
		}
	}
	switch {
	case errors.Is(err, index.ErrOtherMapping):
		log.Warn("the index was made by another version of praxis; rebuilding it from the archive", "err", err)
	case errors.Is(err, index.ErrCorrupt):
		log.Warn("the index is corrupt; rebuilding it from the archive", "err", err)
	case errors.Is(err, errOtherLog):
		log.Warn("the index was built from another database, or from this one before it was restored from a backup; rebuilding it from this one's archive", "err", err)
	default:
		return idx, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	return index.Open(dir, opts)
}

// errOtherLog is an index whose position is in another database's log.
var errOtherLog = errors.New("another database's index")
