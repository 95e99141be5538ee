package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"praxis/archive/index"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Indexer keeps this node's full-text index up to date with the archive:
// it applies the store's index log (a post archived, a thread merged, a
// list deleted, a re-index) in the log's order, in batches, from one
// goroutine (Bleve's writer is one), and records in the index, with each
// batch, the position it reached. So every node, each with an index of
// its own, catches up by itself from where its index stands, after a
// restart too; an index that is new (or was deleted) starts from the
// log's beginning and is built from the database.
type Indexer struct {
	store IndexStore
	index *index.Index
	log   *slog.Logger
	wake  chan struct{}
	poll  time.Duration
	logID string // the store's IndexLogID, read once
	// A re-index under way (`praxis reindex` wrote to the log): when it
	// was first seen and how many of its posts were indexed, so that the
	// log says when it started and when it ended.
	reindexSince time.Time
	reindexed    int
	// indexed is told each batch once it is in the index (serve's
	// suggestions for new questions); nil: nobody.
	indexed func(ctx context.Context, changes []store.IndexChange)
	// batchTimeout bounds one batch's reads and writes (BatchTimeout).
	batchTimeout time.Duration
	// size is how many changes the next batch asks for: batchSize,
	// halved after a batch that ran out of time (a database so slow, or
	// posts so big, that 500 of them cannot be read and indexed within
	// the bound would otherwise be tried as they are forever), and
	// doubled back after each batch that was not.
	size int
}

// BatchTimeout bounds the work on one batch of the log: on a connection
// the network lost without a word, a read waits until TCP gives up (a
// quarter of an hour), and nothing would be indexed meanwhile however
// soon the database came back. A batch cut off is tried again at the next
// look (Run), from the position the index holds.
const BatchTimeout = 5 * time.Minute

// OnIndexed sets what is told each batch of the log once the index holds
// it: searches then find its posts.
func (x *Indexer) OnIndexed(f func(ctx context.Context, changes []store.IndexChange)) { x.indexed = f }

// IndexStore is what the indexer reads and writes of the store.
type IndexStore interface {
	IndexChanges(ctx context.Context, after store.IndexPos, limit int) ([]store.IndexChange, error)
	IndexLogID(ctx context.Context) (string, error)
	// PutLinks records the links the indexer found in the posts' text,
	// in place of those recorded for them before.
	PutLinks(ctx context.Context, posts []int64, links []store.Link) error
	// ListenIndexLog wakes the indexer when another node changes the log
	// (PostgreSQL); Run runs it.
	ListenIndexLog(ctx context.Context, log *slog.Logger, wake func()) error
	// IntakeBusy tells whether mail was spooled within d: while it is,
	// the indexer gathers longer (Run).
	IntakeBusy(d time.Duration) bool
}

var _ IndexStore = (store.ArchiveWriter)(nil)

// NewIndexer builds an indexer over an open store and index.
func NewIndexer(st IndexStore, idx *index.Index, log *slog.Logger) *Indexer {
	return &Indexer{store: st, index: idx, log: log, wake: make(chan struct{}, 1), poll: DefaultPoll, batchTimeout: BatchTimeout, size: batchSize}
}

// DefaultPoll is how often Run looks at the log when nothing woke it: a
// wake-up lost with a dropped connection, or the changes of another
// process on SQLite.
const DefaultPoll = time.Second

// SetPoll sets how often Run looks at the log unwoken.
func (x *Indexer) SetPoll(d time.Duration) { x.poll = d }

// Wake tells the indexer that the index log changed.
func (x *Indexer) Wake() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// Run indexes until ctx ends. Besides Wake (this process's archiving), it
// is woken by the store when another node changes the log.
func (x *Indexer) Run(ctx context.Context) error {
	listening := make(chan struct{})
	go func() {
		defer close(listening)
		x.store.ListenIndexLog(ctx, x.log, x.Wake)
	}()
	// The listener's connection is closed before Run returns.
	defer func() { <-listening }()
	tick := time.NewTicker(x.poll)
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

// batchSize is how many changes go into one index batch.
const batchSize = 500

// CatchUp applies the index log from the index's position to its end and
// returns how many changes it applied.
func (x *Indexer) CatchUp(ctx context.Context) (int, error) {
	return x.catchUp(ctx, false)
}

// catchUp is CatchUp; with partial, it stops after a batch that was not
// full, rather than index the few posts archived meanwhile as a tiny
// segment of their own: Run comes back for them after gathering more.
func (x *Indexer) catchUp(ctx context.Context, partial bool) (int, error) {
	if x.logID == "" {
		lctx, cancel := context.WithTimeout(ctx, x.batchTimeout)
		id, err := x.store.IndexLogID(lctx)
		cancel()
		if err != nil {
			return 0, err
		}
		x.logID = id
	}
	pos, err := Position(x.index)
	if err != nil {
		return 0, err
	}
	total := 0
	for ctx.Err() == nil {
		asked := x.size
		changes, err := x.batch(ctx, pos, asked)
		if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			x.size = max(1, asked/2)
		}
		if err != nil || changes == nil {
			return total, err
		}
		x.size = min(batchSize, asked*2)
		pos = changes[len(changes)-1].Pos
		total += len(changes)
		if len(changes) < asked {
			// The end of the log as it stands.
			x.reindexDone()
			if partial {
				return total, nil
			}
		}
	}
	return total, ctx.Err()
}

// batch reads and applies the log's next batch after pos, within
// batchTimeout; nil at the end of the log.
func (x *Indexer) batch(ctx context.Context, pos store.IndexPos, size int) ([]store.IndexChange, error) {
	ctx, cancel := context.WithTimeout(ctx, x.batchTimeout)
	defer cancel()
	changes, err := x.store.IndexChanges(ctx, pos, size)
	if err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		x.reindexDone()
		return nil, nil
	}
	x.reindexSeen(changes)
	if err := apply(ctx, x.store, x.index, x.logID, changes); err != nil {
		return nil, err
	}
	if x.indexed != nil {
		x.indexed(ctx, changes)
	}
	return changes, nil
}

// reindexSeen notes the entries of a re-index in a batch about to be
// applied, and logs the start of one.
func (x *Indexer) reindexSeen(changes []store.IndexChange) {
	n := 0
	for _, c := range changes {
		if c.Reindex {
			n++
		}
	}
	if n == 0 {
		return
	}
	if x.reindexSince.IsZero() {
		x.reindexSince = time.Now()
		x.log.Info("re-index started: rebuilding this node's index from the store")
	}
	x.reindexed += n
}

// reindexDone logs the end of a re-index once the log is applied to its
// end.
func (x *Indexer) reindexDone() {
	if x.reindexSince.IsZero() {
		return
	}
	x.log.Info("re-index done", "posts", x.reindexed, "took", time.Since(x.reindexSince).Round(time.Millisecond))
	x.reindexSince, x.reindexed = time.Time{}, 0
	// What the re-index's batches held goes back to the system now,
	// not as Go's scavenger gets to it: rebuilding a big archive's
	// index leaves a hundred MB or more of idle heap behind.
	debug.FreeOSMemory()
}

// apply writes a batch of the log's changes into the index, with the
// position of the last one, in one index batch; and first the links
// found in the posts, so that a crash between the two leaves only links
// that are written again (once) when the batch is applied again.
func apply(ctx context.Context, st IndexStore, idx *index.Index, logID string, changes []store.IndexChange) error {
	// A post changed twice in the batch is read as it is now both times:
	// once is enough.
	seen := make(map[int64]bool, len(changes))
	var put []store.IndexChange
	var gone []index.Doc
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		if c.Gone() {
			// Its list was deleted: search must not find it (a list made
			// again under the address of a deleted private one would
			// otherwise show its posts).
			gone = append(gone, index.Doc{ID: strconv.FormatInt(c.ID, 10), Date: c.Date})
			continue
		}
		put = append(put, c)
	}
	docs := Docs(put)
	var links []store.Link
	ids := make([]int64, len(put))
	for i, p := range put {
		ids[i] = p.ID
		for _, u := range Links(docs[i].Body) {
			links = append(links, store.Link{ArchiveID: p.ID, ListID: p.ListID, URL: u, Date: p.Date})
		}
	}
	// A post indexed again (a reindex, a post edited) keeps only the
	// links today's rules find in it.
	if err := st.PutLinks(ctx, ids, links); err != nil {
		return err
	}
	// The position is recorded with the log it is a position in.
	p := changes[len(changes)-1].Pos
	return idx.Apply(docs, gone, []byte(logID+" "+strconv.FormatInt(p.Pos, 10)+"."+strconv.FormatInt(p.ArchiveID, 10)))
}

// Position is how far in the index log idx is.
func Position(idx *index.Index) (store.IndexPos, error) {
	_, p, err := position(idx)
	return p, err
}

// position is Position, and the IndexLogID of the log it is a position
// in ("" for none).
func position(idx *index.Index) (logID string, p store.IndexPos, err error) {
	raw, err := idx.Position()
	if err != nil {
		return "", p, err
	}
	if raw == nil {
		// An index made before the log (migration 0017) has documents
		// and no position: it holds what the migration logged at 1.
		n, err := idx.Count()
		if err != nil || n == 0 {
			return "", p, err
		}
		return "", store.IndexPos{Pos: 1, ArchiveID: math.MaxInt64}, nil
	}
	logID, at, ok := strings.Cut(string(raw), " ")
	pos, id, ok2 := strings.Cut(at, ".")
	if ok && ok2 {
		p.Pos, err = strconv.ParseInt(pos, 10, 64)
		if err == nil {
			p.ArchiveID, err = strconv.ParseInt(id, 10, 64)
		}
	}
	if !ok || !ok2 || err != nil {
		return "", store.IndexPos{}, fmt.Errorf("index: position %q: %w", raw, index.ErrCorrupt)
	}
	return logID, p, nil
}

// Lag is how far this node's index is behind the archive.
type Lag struct {
	// Changes is how many entries of the index log it has not applied.
	Changes int64
	// Oldest is when the oldest of them was made; zero when none.
	Oldest time.Time
}

// LagStore is what IndexLag reads of the store.
type LagStore interface {
	IndexBacklog(ctx context.Context, after store.IndexPos) (n int64, oldest time.Time, err error)
}

// IndexLag tells how far an index at pos (Position, or
// web.AdminIndexPosition for the index serve holds) is behind the index
// log in st.
func IndexLag(ctx context.Context, st LagStore, pos store.IndexPos) (Lag, error) {
	n, oldest, err := st.IndexBacklog(ctx, pos)
	if err != nil {
		return Lag{}, err
	}
	return Lag{Changes: n, Oldest: oldest}, nil
}

// Docs makes the index documents of archived posts, parsing their text on
// every core.
func Docs(posts []store.IndexChange) []index.Doc {
	docs := make([]index.Doc, len(posts))
	workers := min(runtime.GOMAXPROCS(0), len(posts))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(posts); i += workers {
				p := posts[i]
				h := mailmsg.HeaderOf(p.Raw)
				to, body, quoted := textOf(h, p.Raw)
				// The author facet and f:ADDR count the author a list's
				// DMARC munging hid (mailmsg.RealAuthor); the From field's
				// words stay as written, which IMAP's FROM searches.
				fromAddr := p.FromAddr
				if h.Has("From") {
					if a, _ := mailmsg.RealAuthor(h); a != "" {
						fromAddr = strings.ToLower(a)
					}
				}
				docs[i] = index.Doc{
					ID: strconv.FormatInt(p.ID, 10), List: p.List, MessageID: p.MessageID, Thread: p.ThreadID,
					Subject: p.Subject, From: strings.TrimSpace(p.FromName + " " + p.FromAddr), FromAddr: fromAddr,
					To: to, Body: body, Quoted: quoted, Attachments: p.Attachments, Date: p.Date,
				}
			}
		}(w)
	}
	wg.Wait()
	return docs
}
