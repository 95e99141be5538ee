package index

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolterrors "go.etcd.io/bbolt/errors"

	"praxis/archive/query"
)

var (
	// ErrCorrupt means dir holds something that cannot be read as an index.
	// The index is derived from the archive, so the caller deletes the
	// directory and rebuilds it.
	ErrCorrupt = errors.New("index: corrupt")
	// ErrLocked means another process has the index open.
	ErrLocked = errors.New("index: locked by another process")
	// ErrOtherMapping means dir holds an index of another mapping (one an
	// older praxis made): readable, but not by this one's queries. It is
	// ErrCorrupt too, and is rebuilt the same way.
	ErrOtherMapping = errors.New("index: made with another mapping")
)

// DefaultOpenTimeout is how long Open waits for another process to let go
// of the index when Options.OpenTimeout is not set.
const DefaultOpenTimeout = 5 * time.Second

// Options tune Open. The zero value is ready to use.
type Options struct {
	// OpenTimeout bounds the wait for the lock on the index, which scorch
	// takes on its root.bolt file; zero means DefaultOpenTimeout.
	OpenTimeout time.Duration
	// EstimateAbove is how many hits a search (SearchOptions.Estimate)
	// must seem to have before its total is estimated rather than
	// counted; zero means DefaultEstimateAbove.
	EstimateAbove uint64
}

// DefaultEstimateAbove: a count costs about a microsecond a hit, which
// below a few thousand hits is no more than reading a sample costs, and
// exact is nicer to read. (A phrase costs what it costs on every post
// holding its words, counted or sampled alike: Bleve's phrase searcher
// reads the positions of every candidate it passes on its way to the
// next sampled post.)
const DefaultEstimateAbove = 5000

// Doc is one post as the index sees it.
type Doc struct {
	// ID is the archive's key for the post; opaque here, returned in Hit.ID.
	ID        string
	List      string
	MessageID string // without angle brackets
	Thread    string
	Subject   string
	From      string // display name and address
	FromAddr  string // the address alone; lower-cased by Put
	To        string // To and Cc, names and addresses
	Body      string // the post's own text
	Quoted    string // its "> " lines
	// Attachments are the attachments' file names.
	Attachments []string
	Date        time.Time
}

// Index is an open archive index. Its methods are safe for concurrent use,
// as Bleve's are.
type Index struct {
	b     bleve.Index
	close sync.Once
	err   error // Close's result, returned again by later calls
	// latest and earliest bound the fieldOrder values in the index, in
	// Unix nanoseconds, for the windows of a newest-first search.
	latest, earliest atomic.Int64
	// gen changes with every batch: what is cached of the index's
	// contents (counts) is stale once it has moved.
	gen    atomic.Uint64
	counts docCounts
	names  authorNames
	// tops holds each searched list's newest day (scopetop.go).
	tops scopeTops
	// facetArrays holds each segment's authors, months and days (facets.go).
	facetArrays segArrays[*postFacets]
	// keyArrays holds each segment's order keys (bitpage.go).
	keyArrays segArrays[[]int64]
	// estimateAbove is Options.EstimateAbove.
	estimateAbove uint64
	// body has a document's body fields share one analysis
	// (bodyonce.go).
	body *bodyAnalysers
}

// open wraps an open Bleve index and finds its order bounds.
func open(b bleve.Index, opts Options) (*Index, error) {
	x := &Index{b: b, estimateAbove: opts.EstimateAbove, body: bodyAnalysersOf(b.Mapping())}
	if x.estimateAbove == 0 {
		x.estimateAbove = DefaultEstimateAbove
	}
	x.earliest.Store(math.MaxInt64)
	x.latest.Store(math.MinInt64)
	if err := x.findBounds(); err != nil {
		b.Close()
		return nil, fmt.Errorf("index: open: %w", err)
	}
	return x, nil
}

// widen makes the order bounds take in one more value.
func (x *Index) widen(n int64) {
	for {
		old := x.latest.Load()
		if n <= old || x.latest.CompareAndSwap(old, n) {
			break
		}
	}
	for {
		old := x.earliest.Load()
		if n >= old || x.earliest.CompareAndSwap(old, n) {
			break
		}
	}
}

// Open opens the index in dir, creating it when dir is missing or empty.
func Open(dir string, opts Options) (*Index, error) {
	timeout := opts.OpenTimeout
	if timeout <= 0 {
		timeout = DefaultOpenTimeout
	}
	// bolt polls its flock until this timeout and then gives up, so a
	// second process gets ErrLocked instead of blocking forever.
	cfg := map[string]interface{}{"bolt_timeout": timeout.String()}

	empty, err := isEmptyDir(dir)
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", dir, err)
	}
	if empty {
		m, err := newMapping()
		if err != nil {
			return nil, err
		}
		b, err := bleve.NewUsing(dir, m, scorch.Name, scorch.Name, cfg)
		if err != nil {
			return nil, classify(dir, "create", err)
		}
		if err := b.SetInternal([]byte(versionKey), []byte(mappingVersion)); err != nil {
			b.Close()
			return nil, fmt.Errorf("index: create %s: %w", dir, err)
		}
		return open(b, opts)
	}

	b, err := openBleve(dir, cfg)
	if err != nil {
		return nil, classify(dir, "open", err)
	}
	if v, err := b.GetInternal([]byte(versionKey)); err != nil || string(v) != mappingVersion {
		b.Close()
		return nil, fmt.Errorf("index: open %s: %w (%w): made with mapping %q, this praxis writes %q", dir, ErrOtherMapping, ErrCorrupt, v, mappingVersion)
	}
	return open(b, opts)
}

// mappingVersion names the mapping in newMapping. An index made with
// another one is rebuilt from the archive (Open returns ErrCorrupt), as
// its fields would not answer this version's queries.
const (
	versionKey     = "praxis.mapping"
	mappingVersion = "8" // 5: fieldSample; 6: fieldSpan; 7: fieldBodyPairs, quotedHead; 8: fieldKey
)

// openBleve opens an existing index. Bleve's segment readers trust the
// bytes on disk, so a damaged file can panic rather than return an error;
// that is corruption too.
func openBleve(dir string, cfg map[string]interface{}) (b bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic while opening: %v", ErrCorrupt, r)
		}
	}()
	return bleve.OpenUsing(dir, cfg)
}

// classify turns an error from Bleve into ErrLocked, ErrCorrupt or a plain
// wrapped error. Only errors about the files themselves count as corrupt:
// one about permissions or a full disk would not go away by rebuilding.
func classify(dir, op string, err error) error {
	switch {
	case errors.Is(err, ErrCorrupt):
		return fmt.Errorf("index: %s %s: %w", op, dir, err)
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("index: %s %s: %w", op, dir, ErrLocked)
	case op == "create", errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EMFILE):
		// A failed create, or the disk's or the system's problem.
		return fmt.Errorf("index: %s %s: %w", op, dir, err)
	}
	return fmt.Errorf("index: %s %s: %w: %v", op, dir, ErrCorrupt, err)
}

// isEmptyDir reports whether dir is missing or has no entries.
func isEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}

// Close flushes and closes the index, releasing its lock.
// A second Close returns the first one's result: scorch panics when closed
// twice, and a deferred Close after an explicit one is a common pattern.
func (x *Index) Close() error {
	x.close.Do(func() {
		if err := x.b.Close(); err != nil {
			x.err = fmt.Errorf("index: close: %w", err)
		}
	})
	return x.err
}

// Put indexes docs in one batch, replacing any doc with the same ID. One
// batch is one scorch segment, which is why the caller batches a few
// hundred at a time rather than calling Put per post.
func (x *Index) Put(docs ...Doc) error {
	return x.Apply(docs, nil, nil)
}

// Apply puts docs and deletes gone (found by their ID and date, as Put
// keyed them; unknown ones are ignored) in one batch, and records pos
// with them when it is not nil: scorch writes a batch's documents and
// its internal values together, so after a crash the index and the
// position it recorded still agree (Position).
func (x *Index) Apply(docs, gone []Doc, pos []byte) error {
	if len(docs) == 0 && len(gone) == 0 && pos == nil {
		return nil
	}
	batch := x.b.NewBatch()
	for i := range docs {
		d := &docs[i]
		if d.ID == "" {
			return fmt.Errorf("index: put: doc %d (message %q) has no ID", i, d.MessageID)
		}
		// batch.Index, but with the body analysed once (bodyonce.go).
		doc := document.NewDocument(docKey(d))
		if err := x.b.Mapping().MapDocument(doc, fields(d)); err != nil {
			return fmt.Errorf("index: put %q: %w", d.ID, err)
		}
		x.body.share(doc)
		if err := batch.IndexAdvanced(doc); err != nil {
			return fmt.Errorf("index: put %q: %w", d.ID, err)
		}
	}
	for i := range gone {
		batch.Delete(docKey(&gone[i]))
	}
	if pos != nil {
		batch.SetInternal([]byte(positionKey), pos)
	}
	// The bounds widen first: a search that reads the batch's posts
	// must not take the newest for later than the bounds say (a d: range
	// open at its end stops at the newest post's day).
	for i := range docs {
		x.widen(orderKey(&docs[i]).UnixNano())
	}
	err := x.b.Batch(batch)
	x.gen.Add(1)
	if err != nil {
		return fmt.Errorf("index: put %d docs, delete %d: %w", len(docs), len(gone), err)
	}
	x.names.saw(docs, len(gone))
	return nil
}

// positionKey holds what the last Apply recorded.
const positionKey = "praxis.position"

// Position returns what Apply last recorded; nil when nothing was.
func (x *Index) Position() ([]byte, error) {
	v, err := x.b.GetInternal([]byte(positionKey))
	if err != nil {
		return nil, fmt.Errorf("index: position: %w", err)
	}
	return v, nil
}

// fields turns a Doc into the map Bleve indexes; the keys are the mapping's
// field names. Empty strings are left out, so they cost nothing.
func fields(d *Doc) map[string]interface{} {
	f := map[string]interface{}{
		query.FieldHasAttachment: len(d.Attachments) > 0,
	}
	add := func(name, v string) {
		if v != "" {
			f[name] = v
		}
	}
	add(query.FieldList, d.List)
	add(query.FieldMessageID, d.MessageID)
	add(query.FieldThread, d.Thread)
	add(query.FieldSubject, d.Subject)
	add(query.FieldFrom, d.From)
	add(query.FieldFromAddr, strings.ToLower(d.FromAddr))
	add(query.FieldTo, d.To)
	add(query.FieldBody, d.Body)
	add(fieldBodyPairs, d.Body)
	add(fieldPreview, preview(d.Body))
	add(query.FieldQuoted, quotedHead(d.Quoted))
	if len(d.Attachments) > 0 {
		f[query.FieldAttachment] = d.Attachments
	}
	// A zero date is left out rather than indexed as year 1, which is
	// outside the nanosecond range Bleve keeps dates in.
	if !d.Date.IsZero() {
		f[query.FieldDate] = d.Date.UTC()
		f[fieldMonth] = d.Date.UTC().Format(monthLayout)
	}
	f[fieldOrder] = orderKey(d)
	f[fieldKey] = docKey(d)
	f[fieldSpan] = spansOf(orderKey(d))
	if in := samplesOf(docKey(d)); len(in) > 0 {
		f[fieldSample] = in
	}
	return f
}

// samplesOf names the samples (fieldSample) a document key falls in.
func samplesOf(key string) []string {
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64()
	var in []string
	for _, j := range sampleLevels {
		if sum>>(64-j) != 0 {
			break
		}
		in = append(in, sampleTerm(j))
	}
	return in
}

// sampleTerm is the term of sample level j.
func sampleTerm(j int) string { return "s" + strconv.Itoa(j) }

// docKey is the Bleve document ID of a doc: its order key as 19 digits of
// Unix nanoseconds, a dot, and the archive's ID. Sorting on it is sorting
// by date, and Bleve sorts on document IDs faster than on any field: doc
// values are read in compressed chunks, while the ID is at hand.
func docKey(d *Doc) string {
	return fmt.Sprintf("%019d.%s", max(0, orderKey(d).UnixNano()), d.ID)
}

// keyNanos and keyID take a document ID apart again. keyNanos reads a
// key as a string or as bytes (a doc value, bitpage.go): 19 ASCII digits
// and a dot. No sign: a page cursor of "+999…" parsed as a number would
// be read from the bitmaps as a date, where Bleve compares it as text,
// before every key.
func keyNanos[T string | []byte](key T) (int64, bool) {
	if len(key) <= 19 || key[19] != '.' {
		return 0, false
	}
	var n int64
	for i := range 19 {
		c := key[i]
		if c < '0' || c > '9' || n > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func keyID(key string) string {
	if _, ok := keyNanos(key); ok {
		return key[20:]
	}
	return key
}

// orderKey is the doc's fieldOrder value. A post without a date sorts as
// the epoch, where Bleve's date range starts.
func orderKey(d *Doc) time.Time {
	base := time.Unix(0, 0).UTC()
	if !d.Date.IsZero() {
		base = d.Date.UTC().Truncate(time.Second)
	}
	seq, err := strconv.ParseUint(d.ID, 10, 64)
	if err != nil {
		// Not an archive id: a hash of it keeps keys unique enough.
		h := fnv.New64a()
		h.Write([]byte(d.ID))
		seq = h.Sum64()
	}
	return base.Add(time.Duration(seq % uint64(time.Second)))
}

// Count returns the number of docs in the index.
func (x *Index) Count() (uint64, error) {
	n, err := x.b.DocCount()
	if err != nil {
		return 0, fmt.Errorf("index: count: %w", err)
	}
	return n, nil
}

// Segments returns how many in-memory and on-disk segments the index's
// current snapshot has: a search visits every one, so fewer is faster.
func (x *Index) Segments() (memory, file uint64) {
	st, _ := x.b.StatsMap()["index"].(map[string]interface{})
	memory, _ = st["num_root_memorysegments"].(uint64)
	file, _ = st["num_root_filesegments"].(uint64)
	return memory, file
}

// Settle waits, up to limit, until scorch has persisted every batch and
// its background merging has stopped changing the segments (and is not
// writing one): after a big import, searches are timed against the index
// as a server holds it.
func (x *Index) Settle(ctx context.Context, limit time.Duration) {
	deadline := time.Now().Add(limit)
	lastMem, lastFile := x.Segments()
	stableSince := time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		mem, file := x.Segments()
		if mem != lastMem || file != lastFile {
			lastMem, lastFile, stableSince = mem, file, time.Now()
			continue
		}
		if mem == 0 && time.Since(stableSince) >= 500*time.Millisecond && !x.merging() {
			return
		}
	}
}

// merging tells whether scorch is writing a merged segment: the count of
// segments stays as it was until the new one is in, which a merge of a
// big index takes seconds to write.
func (x *Index) merging() bool {
	st, _ := x.b.StatsMap()["index"].(map[string]interface{})
	beg, _ := st["TotFileMergeZapBeg"].(uint64)
	end, _ := st["TotFileMergeZapEnd"].(uint64)
	return beg != end
}

// quotedBytes bounds the quoted text a post's q: words come from. A
// reply quotes what it answers first and the thread before it further
// down, often whole; those older posts are in the archive themselves.
// The quoted text was the index's largest part (6.3 MB of the usrp
// archive's 105 MB mbox, its posts' own text 4.5 MB), and its first 2 KB
// of each post are half of it.
const quotedBytes = 2048

// quotedHead is the start of quoted, at most quotedBytes, cut before a
// word (or, in a long run without spaces, before a character).
func quotedHead(quoted string) string {
	if len(quoted) <= quotedBytes {
		return quoted
	}
	cut := quotedBytes
	if sp := strings.LastIndexFunc(quoted[:cut+1], unicode.IsSpace); sp > quotedBytes/2 {
		return quoted[:sp]
	}
	for cut > 0 && !utf8.RuneStart(quoted[cut]) {
		cut--
	}
	return quoted[:cut]
}
