package archive

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"praxis/archive/index"
	"praxis/listserv/store"
)

// Indexer keeps the full-text index up to date with the archive: it writes
// every archived post not yet indexed, in batches, from one goroutine
// (Bleve's writer is one). A restart catches up by itself, as the rows
// remember what was indexed.
type Indexer struct {
	store *store.Store
	index *index.Index
	log   *slog.Logger
	wake  chan struct{}
}

// NewIndexer builds an indexer over an open store and index.
func NewIndexer(st *store.Store, idx *index.Index, log *slog.Logger) *Indexer {
	return &Indexer{store: st, index: idx, log: log, wake: make(chan struct{}, 1)}
}

// Wake tells the indexer that posts were archived.
func (x *Indexer) Wake() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Run indexes until ctx ends.
func (x *Indexer) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := x.CatchUp(ctx); err != nil && ctx.Err() == nil {
			x.log.Error("indexing", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-x.wake:
			// Gather what arrives meanwhile: each batch makes a segment,
			// and many tiny segments cost more in merging than indexing.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(gather):
			}
		case <-tick.C:
		}
	}
}

// gather is how long the indexer waits after a wake-up for more posts; a
// post is searchable well within a second of its 250.
const gather = 300 * time.Millisecond

// batchSize is how many posts go into one index batch.
const batchSize = 500

// CatchUp indexes every archived post not yet indexed and returns how many.
func (x *Indexer) CatchUp(ctx context.Context) (int, error) {
	total := 0
	for ctx.Err() == nil {
		posts, lists, err := x.store.ArchiveUnindexed(ctx, batchSize)
		if err != nil || len(posts) == 0 {
			return total, err
		}
		docs := make([]index.Doc, 0, len(posts))
		ids := make([]int64, 0, len(posts))
		for i, p := range posts {
			raw, err := x.store.ArchiveRaw(ctx, p.Hash)
			if err != nil {
				return total, err
			}
			to, body, quoted := Text(raw)
			docs = append(docs, index.Doc{
				ID: fmt.Sprint(p.ID), List: lists[i], MessageID: p.MessageID, Thread: p.ThreadID,
				Subject: p.Subject, From: strings.TrimSpace(p.FromName + " " + p.FromAddr), FromAddr: p.FromAddr,
				To: to, Body: body, Quoted: quoted, Attachments: p.Attachments, Date: p.Date,
			})
			ids = append(ids, p.ID)
		}
		if err := x.index.Put(docs...); err != nil {
			return total, err
		}
		if err := x.store.MarkIndexed(ctx, ids); err != nil {
			return total, err
		}
		total += len(ids)
	}
	return total, nil
}
