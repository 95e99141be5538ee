package index

import (
	"errors"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	zapv11 "github.com/blevesearch/zapx/v11"
	zapv12 "github.com/blevesearch/zapx/v12"
	zapv13 "github.com/blevesearch/zapx/v13"
	zapv14 "github.com/blevesearch/zapx/v14"
	zapv15 "github.com/blevesearch/zapx/v15"
	zapv16 "github.com/blevesearch/zapx/v16"
	zapv17 "github.com/blevesearch/zapx/v17"
)

// Bleve maps each segment file into memory, and what is read of it stays
// in the process's resident set for as long as the segment lives, though
// it is the kernel's page cache, not memory the process holds. A bulk
// import merges ever bigger segments, reading each whole: at a hundred
// times the usrp archive those pages were 250-360 MB of the import's
// resident set on top of its heap. KeepLean takes them out as it goes.
//
// Searches map pages too (with the kernel's fault-around, some 30-60 KB
// around each place read): the bench's 26 searches map all of the 100x
// index's 533 MB. Dropping those as well (every 50 ms above 128 MB of
// mapped files, tried 2026-12-05) brought the bench's import-and-search
// peak from 638-657 to 473 MB, but each search then faulted its pages in
// again: p50 6 -> 19 ms, p99 49 -> 83 ms at 100x. A server keeps them.

// mergeWriteSize is the size of the writes that make a merged segment's
// file. The kernel (6.18 here) keeps the pages of a file in folios as big
// as the writes that made them, up to 2 MB, and a fault on a mapping maps
// the whole folio. zap writes through a 1 MB buffer, so the first search
// after the 100x import, which reads a few dozen places in each of its 15
// segments, mapped 361 MB of the 1.6 GB index and took the process from 64
// MB to 425 MB (import_peak_rss_mb 413-422 against 400). In 16 KB writes
// it mapped 191 MB and the peak was 312-321 MB. The import rate did not
// move; search p50 rose 5-8% in a back-to-back pair of 100x runs (1.31
// -> 1.38 ms), perhaps because 2 MB folios had been mapped as huge pages
// (not proven; 2026-12-05, README). Segments an import writes from memory
// are written 4 KB at a time already.
const mergeWriteSize = 16 << 10

func init() {
	// Bleve reads the variable when it merges; set before any index is
	// opened, and only new segments (zap v17) are merged.
	zapv17.DefaultFileMergerBufferSize = mergeWriteSize
}

// releaseResident takes the mapped segment files of the index's current
// snapshot out of the process's resident set and returns how many bytes
// of mappings it advised. The snapshot is held meanwhile, so no segment
// is unmapped (and its addresses reused) under the advice.
func (x *Index) releaseResident() (int64, error) {
	r, err := x.reader()
	if err != nil {
		if errors.Is(err, errClosed) {
			return 0, nil
		}
		return 0, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok { // not scorch's: nothing mapped to know of
		return 0, nil
	}
	var n int64
	for _, ss := range snap.Segments() {
		if b := mapped(ss.Segment()); len(b) > 0 {
			if err := dropMapped(b); err != nil {
				return n, err
			}
			n += int64(len(b))
		}
	}
	return n, nil
}

// mapped is a persisted segment's file mapping (zap's Segment.Data: the
// whole file, mapped read-only and shared); nil for a segment still in
// memory (zap's SegmentBase), whose bytes are heap and must never be
// advised. Named by type, not by a Data method any segment might have.
func mapped(s segment.Segment) []byte {
	switch s := s.(type) {
	case *zapv17.Segment:
		return s.Data()
	case *zapv16.Segment:
		return s.Data()
	case *zapv15.Segment:
		return s.Data()
	case *zapv14.Segment:
		return s.Data()
	case *zapv13.Segment:
		return s.Data()
	case *zapv12.Segment:
		return s.Data()
	case *zapv11.Segment:
		return s.Data()
	}
	return nil
}

// errClosed: the index was closed (scorch then has no snapshot).
var errClosed = errors.New("index: closed")

// reader is a snapshot of the index to read, which the caller closes.
func (x *Index) reader() (bindex.IndexReader, error) {
	adv, err := x.b.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	if s, ok := r.(*scorch.IndexSnapshot); ok && s == nil {
		return nil, errClosed
	}
	return r, nil
}

// KeepLean calls releaseResident every interval until stop is called
// (which waits for the last call to end): for a bulk import, whose merges
// read segments faster than anything else in the process, and which does
// not search.
func (x *Index) KeepLean(interval time.Duration) (stop func()) {
	if interval <= 0 { // (a ticker's panic would take the process down)
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// A failure (the index closing under it) only
				// leaves the pages counted; the import goes on.
				x.releaseResident()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
		})
	}
}
