package archive

import (
	"context"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"praxis/archive/index"
	"praxis/listserv/store"
)

// Indexer keeps the full-text index up to date with the archive: it writes
// every archived post not yet indexed, in batches, from one goroutine
// (Bleve's writer is one). A restart catches up by itself, as the rows
// remember what was indexed.
type Indexer struct {
	store IndexStore
	index *index.Index
	log   *slog.Logger
	wake  chan struct{}
}

// IndexStore is the archive's bookkeeping of the index: which posts wait
// to be indexed and which must leave it.
type IndexStore interface {
	ArchiveUnindexed(ctx context.Context, limit int) ([]store.Unindexed, error)
	MarkIndexed(ctx context.Context, posts []*store.ArchivedPost, links []store.Link) error
	ArchiveLeaving(ctx context.Context, limit int) ([]*store.ArchivedPost, error)
	MarkLeft(ctx context.Context, posts []*store.ArchivedPost) error
	// IntakeBusy tells whether mail was spooled within d: while it is,
	// the indexer gathers longer (Run).
	IntakeBusy(d time.Duration) bool
}

var _ IndexStore = (store.ArchiveWriter)(nil)

// NewIndexer builds an indexer over an open store and index.
func NewIndexer(st IndexStore, idx *index.Index, log *slog.Logger) *Indexer {
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
		if _, err := x.catchUp(ctx, true); err != nil && ctx.Err() == nil {
			x.log.Error("indexing", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-x.wake:
			if !x.gather(ctx) {
				return nil
			}
		case <-tick.C:
		}
	}
}

// gather waits after a wake-up for more posts, and returns false when ctx
// ends. Each batch makes a segment, and many small segments cost more in
// merging (and in fsyncs beside the spool's) than indexing: while mail is
// still being spooled, it waits on, up to maxGather, so that a burst is
// indexed in a few big batches.
func (x *Indexer) gather(ctx context.Context) bool {
	for waited := time.Duration(0); waited < maxGather; waited += gatherStep {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(gatherStep):
		}
		if !x.store.IntakeBusy(gatherStep) {
			break
		}
	}
	return true
}

// gatherStep is how long the indexer waits after a wake-up for more
// posts, and maxGather how long at most while a burst comes in: a post is
// searchable within a second of its 250, two in a burst.
const (
	gatherStep = 300 * time.Millisecond
	maxGather  = 1500 * time.Millisecond
)

// batchSize is how many posts go into one index batch.
const batchSize = 500

// CatchUp takes the posts of deleted lists out of the index, then indexes
// every archived post not yet indexed and returns how many.
func (x *Indexer) CatchUp(ctx context.Context) (int, error) {
	return x.catchUp(ctx, false)
}

// catchUp is CatchUp; with partial, it stops after a batch that was not
// full, rather than index the few posts archived meanwhile as a tiny
// segment of their own: Run comes back for them after gathering more.
func (x *Indexer) catchUp(ctx context.Context, partial bool) (int, error) {
	if err := Forget(ctx, x.store, x.index); err != nil {
		return 0, err
	}
	total := 0
	for ctx.Err() == nil {
		posts, err := x.store.ArchiveUnindexed(ctx, batchSize)
		if err != nil || len(posts) == 0 {
			return total, err
		}
		if err := Put(ctx, x.store, x.index, posts); err != nil {
			return total, err
		}
		total += len(posts)
		if partial && len(posts) < batchSize {
			return total, nil
		}
	}
	return total, nil
}

// Forget takes the posts of deleted lists out of the index: the store
// keeps them, search must not find them (a list made again under the
// address of a deleted private one would otherwise show its posts).
func Forget(ctx context.Context, st IndexStore, idx *index.Index) error {
	for ctx.Err() == nil {
		posts, err := st.ArchiveLeaving(ctx, batchSize)
		if err != nil || len(posts) == 0 {
			return err
		}
		docs := make([]index.Doc, len(posts))
		for i, p := range posts {
			docs[i] = index.Doc{ID: strconv.FormatInt(p.ID, 10), Date: p.Date}
		}
		if err := idx.Delete(docs...); err != nil {
			return err
		}
		if err := st.MarkLeft(ctx, posts); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Put indexes archived posts and records them as indexed, with the links
// they shared.
func Put(ctx context.Context, st IndexStore, idx *index.Index, posts []store.Unindexed) error {
	docs := Docs(posts)
	done := make([]*store.ArchivedPost, len(posts))
	var links []store.Link
	for i, p := range posts {
		done[i] = p.ArchivedPost
		for _, u := range Links(docs[i].Body) {
			links = append(links, store.Link{ArchiveID: p.ID, ListID: p.ListID, URL: u, Date: p.Date})
		}
	}
	if err := idx.Put(docs...); err != nil {
		return err
	}
	return st.MarkIndexed(ctx, done, links)
}

// Docs makes the index documents of archived posts, parsing their text on
// every core.
func Docs(posts []store.Unindexed) []index.Doc {
	docs := make([]index.Doc, len(posts))
	workers := min(runtime.GOMAXPROCS(0), len(posts))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(posts); i += workers {
				p := posts[i]
				to, body, quoted := Text(p.Raw)
				docs[i] = index.Doc{
					ID: strconv.FormatInt(p.ID, 10), List: p.List, MessageID: p.MessageID, Thread: p.ThreadID,
					Subject: p.Subject, From: strings.TrimSpace(p.FromName + " " + p.FromAddr), FromAddr: p.FromAddr,
					To: to, Body: body, Quoted: quoted, Attachments: p.Attachments, Date: p.Date,
				}
			}
		}(w)
	}
	wg.Wait()
	return docs
}
