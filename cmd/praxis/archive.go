package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/mbox"
	"praxis/listserv"
	"praxis/listserv/store"
)

// importMbox reads mbox files into a list's archive.
func (c *cli) importMbox(fs *flag.FlagSet) runFunc {
	force := fs.Bool("force", false, "import files that do not look like an mbox (no \"From \" line at the start, binary content)")
	return func(ctx context.Context, pos []string) error {
		// Every file is looked at before any is read in: the archive is
		// public, and a wrong file must not half get there.
		if !*force {
			for _, path := range pos[1:] {
				if err := checkMbox(path); err != nil {
					return advise(err, "give an mbox, or --force to import it all the same")
				}
			}
		}
		setImportMemoryTuning()
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		// Index as we go when no serve holds the index; otherwise serve's
		// indexer picks the posts up from the store.
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		var idx *index.Index
		if _, derr := c.indexDir(cfg); derr != nil {
			// On PostgreSQL, from a machine that is no node: the nodes
			// index the posts from the store.
			fmt.Fprintf(c.stderr, "praxis: no index here (%v); the serve nodes index the imported posts\n", derr)
		} else {
			idx, err = openIndex(ctx, svc, cfg.Data, quiet, 300*time.Millisecond)
			switch {
			case errors.Is(err, index.ErrLocked):
				fmt.Fprintln(c.stderr, "praxis: serve holds the index; it indexes the imported posts")
				idx = nil
			case err != nil:
				return err
			default:
				defer idx.Close()
			}
		}
		im := newImporter(ctx, svc, l, idx)
		for _, path := range pos[1:] {
			if err := c.importFile(ctx, im, path); err != nil {
				im.close()
				return err
			}
		}
		return im.close()
	}
}

// importer stores messages in batches from a goroutine of its own, so
// that parsing the next batch overlaps with storing the last; and, when
// it holds the index, indexes what it stored from a third, so that both
// overlap with indexing. The indexer reads the posts back from the index
// log, as serve's does: the log, not the importer, says where the index
// stands, so a kill in the middle loses nothing.
type importer struct {
	ctx     context.Context
	svc     *listserv.Service
	l       *listserv.List
	batch   [][]byte
	bytes   int
	created int              // posts new to the archive, counted by store
	toStore chan parsedBatch // to store, one waiting at most
	pending sync.WaitGroup   // batches sent and not yet stored
	failed  error            // store's first error, read after pending.Wait
	errMu   sync.Mutex
	indexer *archive.Indexer // nil when serve indexes
	stored  chan struct{}    // a batch was stored
	done    chan error
	lean    func() // stops the index's KeepLean
}

// leanEvery is how often an import takes the index's segment files out
// of its resident set (index.KeepLean): a merge reads segments at a few
// hundred MB a second, and what it read is counted until then.
const leanEvery = 200 * time.Millisecond

// parsedBatch is a batch read (archive.Archiver.ReadMany) and not yet
// stored.
type parsedBatch struct {
	posts []*store.ArchivedPost
	raws  [][]byte
}

// importMemoryLimit is the import's soft memory limit. What the import
// holds at once is bounded (three batches of importBatchBytes, the
// index's batch of a few hundred posts, analysed: 100-130 MB live at the
// peak), but with Go's default collector the heap grew to twice that and
// the process past 350 MB on a 35,000-post archive, and further as the
// index's merges grew with it. Near the limit the collector works
// harder instead; soft, so a bigger live heap only costs CPU.
const importMemoryLimit = 224 << 20

// setImportMemoryTuning sets the import's memory limit, unless
// GOMEMLIMIT in the environment sets one.
func setImportMemoryTuning() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importMemoryLimit)
	}
}

// importBatch bounds a batch (one transaction) by count and size: big
// enough that commits are rare, small enough that serve's intake, which
// shares the write lock, never waits long.
const (
	importBatch      = 256
	importBatchBytes = 8 << 20
)

func newImporter(ctx context.Context, svc *listserv.Service, l *listserv.List, idx *index.Index) *importer {
	im := &importer{ctx: ctx, svc: svc, l: l, toStore: make(chan parsedBatch, 1)}
	go im.store()
	if idx != nil {
		im.indexer = archive.NewIndexer(svc.Store(), idx, slog.New(slog.NewTextHandler(io.Discard, nil)))
		im.stored, im.done = make(chan struct{}, 1), make(chan error, 1)
		go func() { im.done <- im.index() }()
		im.lean = idx.KeepLean(leanEvery)
	}
	return im
}

// index catches the index up each time a batch was stored. After an
// error it keeps draining, so the importer never blocks; what was not
// indexed is caught up later.
func (im *importer) index() error {
	var failed error
	for range im.stored {
		if failed == nil {
			_, failed = im.indexer.CatchUp(im.ctx)
		}
	}
	return failed
}

func (im *importer) add(raw []byte) error {
	im.batch = append(im.batch, raw)
	im.bytes += len(raw)
	if len(im.batch) >= importBatch || im.bytes >= importBatchBytes {
		return im.flush()
	}
	return nil
}

// flush reads the batch and hands it to store, and returns while it is
// stored (after the batch before it was); an error of store's comes back
// from a later flush, or from sync.
func (im *importer) flush() error {
	if err := im.err(); err != nil {
		return err
	}
	if len(im.batch) == 0 {
		return nil
	}
	raws := slices.Clone(im.batch)
	posts := im.svc.Archiver().ReadMany(im.l, raws)
	im.pending.Add(1)
	im.toStore <- parsedBatch{posts: posts, raws: raws}
	im.batch, im.bytes = im.batch[:0], 0
	return nil
}

// store stores the batches flush read, in their order, until toStore is
// closed; after an error it only drains, so flush never blocks.
func (im *importer) store() {
	for b := range im.toStore {
		if im.err() == nil {
			made, err := im.svc.Archiver().StoreMany(im.ctx, b.posts, b.raws)
			im.errMu.Lock()
			if err != nil {
				im.failed = err
			}
			for _, m := range made {
				if m {
					im.created++
				}
			}
			im.errMu.Unlock()
			if err == nil && im.stored != nil {
				select {
				case im.stored <- struct{}{}:
				default: // the indexer has a wake-up waiting already
				}
			}
		}
		im.pending.Done()
	}
}

func (im *importer) err() error {
	im.errMu.Lock()
	defer im.errMu.Unlock()
	return im.failed
}

// sync flushes and waits until everything read is stored.
func (im *importer) sync() error {
	err := im.flush()
	im.pending.Wait()
	if err == nil {
		err = im.err()
	}
	return err
}

// close stores what is left and waits until all of it is indexed.
func (im *importer) close() error {
	err := im.sync()
	close(im.toStore)
	if im.indexer != nil {
		close(im.stored)
		if ierr := <-im.done; err == nil {
			err = ierr
		}
		if _, ierr := im.indexer.CatchUp(im.ctx); err == nil {
			err = ierr
		}
		im.indexer = nil
		im.lean()
	}
	// The import's batches are garbage now: their memory goes back to
	// the system at once. Go's scavenger returns idle heap slowly, and
	// after the 100x import the process held 120 MB of it (16 MB live)
	// through the searches that came next.
	debug.FreeOSMemory()
	return err
}

// importFile reads one mbox (or .gz) into the archive. A malformed message
// is kept with a warning; only an unreadable file stops the import.
func (c *cli) importFile(ctx context.Context, im *importer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	size := int64(0)
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	counter := &countingReader{r: f}
	r, err := mbox.NewReader(counter)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	bar := newProgress(c.stderr, path, size)
	total, warnings, before := 0, 0, im.created
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("import %s: %w", path, err)
		}
		if m.Malformed != "" {
			warnings++
			bar.clear()
			fmt.Fprintf(c.stderr, "praxis: warning: %s line %d: %s (kept)\n", path, m.Line, m.Malformed)
		}
		if err := im.add(m.Raw); err != nil {
			return fmt.Errorf("import %s near line %d: %w", path, m.Line, err)
		}
		total++
		bar.update(total, counter.n)
	}
	if err := im.sync(); err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	bar.clear()
	fmt.Fprintf(c.stdout, "%s: %d messages read into %s, %d new (%d warnings)\n", path, total, im.l.Address, im.created-before, warnings)
	return nil
}

// mboxSniff is how much of a file checkMbox reads: enough for its first
// line and to see binary content, not the whole of a big archive.
const mboxSniff = 64 << 10

// checkMbox tells whether path looks like an mbox (after gunzip): its
// first line that is not blank is a "From " separator, and its start
// holds no NUL byte, which no mail text has and every executable, image
// or archive does. The mbox reader itself takes anything (a missing
// separator is a warning), so without this any file became a public
// "(no subject)" post.
func checkMbox(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if magic, _ := r.(*bufio.Reader).Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("import %s: not an mbox: a broken gzip file: %w", path, err)
		}
		r = zr
	}
	head := make([]byte, mboxSniff)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("import %s: %w", path, err)
	}
	head = head[:n]
	if n == 0 {
		return fmt.Errorf("import %s: not an mbox: the file is empty", path)
	}
	if bytes.IndexByte(head, 0) >= 0 {
		kind := "binary data"
		switch t := http.DetectContentType(head); {
		case bytes.HasPrefix(head, []byte("\x7fELF")):
			kind = "an executable (ELF)"
		case t != "application/octet-stream":
			kind = "binary data (" + strings.SplitN(t, ";", 2)[0] + ")"
		}
		return fmt.Errorf("import %s: not an mbox: it holds %s, NUL bytes that mail text never has", path, kind)
	}
	text := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for len(text) > 0 {
		line, rest, _ := bytes.Cut(text, []byte("\n"))
		if len(bytes.TrimSpace(line)) == 0 {
			text = rest
			continue
		}
		if !bytes.HasPrefix(line, []byte("From ")) {
			return fmt.Errorf("import %s: not an mbox: it does not start with a \"From \" separator line (its first line: %q)", path, truncate(string(bytes.TrimRight(line, "\r")), 60))
		}
		return nil
	}
	return fmt.Errorf("import %s: not an mbox: only blank lines", path)
}

// truncate cuts s to n runes, marking the cut.
func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress draws a one-line bar with rate and ETA, on a terminal only.
type progress struct {
	w     io.Writer
	on    bool
	name  string
	size  int64
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, name string, size int64) *progress {
	return &progress{w: w, on: isTerminal(w), name: name, size: size, start: time.Now()}
}

// isTerminal tells whether w is a terminal, where a progress bar can
// redraw its line.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (p *progress) update(msgs int, read int64) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	el := time.Since(p.start).Seconds()
	rate := float64(msgs) / el
	eta := "?"
	if read > 0 && p.size > read {
		eta = (time.Duration(el*float64(p.size-read)/float64(read)) * time.Second).Round(time.Second).String()
	}
	pct := 0.0
	if p.size > 0 {
		pct = 100 * float64(read) / float64(p.size)
	}
	fmt.Fprintf(p.w, "\r%s: %3.0f%% %d messages, %.0f/s, ETA %s   ", p.name, pct, msgs, rate, eta)
}

func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

func (c *cli) exportMbox(fs *flag.FlagSet) runFunc {
	since := fs.String("since", "", "only posts dated on or after DATE (YYYY-MM-DD, UTC)")
	return func(ctx context.Context, pos []string) error {
		var err error
		var from time.Time
		if *since != "" {
			if from, err = time.Parse("2006-01-02", *since); err != nil {
				return usagef("export: --since %q: want YYYY-MM-DD", *since)
			}
		}
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		w := mbox.NewWriter(c.stdout)
		err = svc.Store().ArchiveEach(ctx, l.ID, from, func(p *store.ArchivedPost) error {
			raw, err := svc.Store().ArchiveRaw(ctx, p.Hash)
			if err != nil {
				return err
			}
			return w.Write(p.FromAddr, p.Date, archive.ExportBytes(p, raw))
		})
		if err != nil {
			return err
		}
		return w.Close()
	}
}

// threadJSON is SPEC's `praxis thread --json` shape.
type threadJSON struct {
	ThreadID string          `json:"thread_id"`
	Messages []threadMessage `json:"messages"`
}

type threadMessage struct {
	MessageID string `json:"message_id"`
	ParentID  string `json:"parent_id"`
	Depth     int    `json:"depth"`
	Subject   string `json:"subject"`
	From      string `json:"from"`
	Date      string `json:"date"`
}

func (c *cli) thread(fs *flag.FlagSet) runFunc {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, pos []string) error {
		svc, l, done, err := c.openList(ctx, pos[0])
		if err != nil {
			return err
		}
		defer done()
		id := strings.Trim(strings.TrimSpace(pos[1]), "<>")
		found, err := svc.Store().ArchiveByMessageID(ctx, l.ID, id)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return fmt.Errorf("no message <%s> in the archive of %s", id, l.Address)
		}
		posts, err := svc.Store().ArchiveThread(ctx, l.ID, found[0].ThreadID)
		if err != nil {
			return err
		}
		out := threadJSON{ThreadID: found[0].ThreadID, Messages: threadOrder(posts)}
		if *asJSON {
			enc := json.NewEncoder(c.stdout)
			return enc.Encode(out)
		}
		for _, m := range out.Messages {
			fmt.Fprintf(c.stdout, "%s %s%s  <%s>  %s\n", m.Date[:10], strings.Repeat("  ", m.Depth), m.Subject, m.MessageID, m.From)
		}
		return nil
	}
}

// threadOrder is archive.Tree in SPEC's JSON shape.
func threadOrder(posts []*store.ArchivedPost) []threadMessage {
	var out []threadMessage
	for _, n := range archive.Tree(posts) {
		p := n.Post
		out = append(out, threadMessage{MessageID: p.MessageID, ParentID: p.ParentID, Depth: n.Depth, Subject: p.Subject, From: p.FromAddr, Date: p.Date.Format(time.RFC3339)})
	}
	return out
}
