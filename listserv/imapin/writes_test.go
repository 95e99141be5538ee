package imapin_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/config"
	"praxis/listserv/imapin"
	"praxis/listserv/store"
)

// countingStore counts the reads and writes of the source's row (its
// progress and its last error) that go through it.
type countingStore struct {
	imapin.Store
	rowReads, rowWrites atomic.Int64
}

func (s *countingStore) IngestSource(ctx context.Context, source string) (*store.IngestSource, error) {
	s.rowReads.Add(1)
	return s.Store.IngestSource(ctx, source)
}

func (s *countingStore) PutIngestSource(ctx context.Context, src *store.IngestSource) error {
	s.rowWrites.Add(1)
	return s.Store.PutIngestSource(ctx, src)
}

func (s *countingStore) SetIngestError(ctx context.Context, source, listAddress, msg string) error {
	s.rowWrites.Add(1)
	return s.Store.SetIngestError(ctx, source, listAddress, msg)
}

// Polls that find nothing new read and write nothing of the source's row:
// it is read once, and written when it changes (a first contact, progress, an error kept or cleared),
// not on every pass. An error left by an earlier process is cleared by
// the first pass that gets through.
func TestIngestIdlePollsWriteNothing(t *testing.T) {
	f := newFixture(t)
	cs := &countingStore{Store: f.st}
	f.ingestStore = cs
	u := f.dc.URL("INBOX", f.list.Address, "")
	pu, err := config.ParseIngestURL(u)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	source := pu.Source()
	if err := f.st.SetIngestError(ctx, source, f.list.Address, "connection refused"); err != nil {
		t.Fatal(err)
	}
	f.dc.Append("INBOX", mail(1, ""), mail(2, ""))

	// writes[i] is the count after pass i+1, taken in the pass's own
	// goroutine so that no pass is half counted.
	var mu sync.Mutex
	var writes, reads []int64
	r := f.start(u, func(c *imapin.Config) {
		c.PollInterval = 20 * time.Millisecond
		c.Passed = func() {
			mu.Lock()
			writes = append(writes, cs.rowWrites.Load())
			reads = append(reads, cs.rowReads.Load())
			mu.Unlock()
		}
	})
	passes := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(writes)
	}
	waitFor(t, "8 passes", func() bool { return passes() >= 8 })
	onceEach(t, f.spooled(), 2)
	mu.Lock()
	after1, after8 := writes[0], writes[7]
	read1, read8 := reads[0], reads[7]
	mu.Unlock()
	if after8 != after1 {
		t.Errorf("%d row writes in 7 passes that found nothing new, want 0", after8-after1)
	}
	if read8 != read1 {
		t.Errorf("%d row reads in 7 passes, want 0 (the row is read once)", read8-read1)
	}
	src, err := f.st.IngestSource(ctx, source)
	if err != nil || src.LastError != "" || src.LastUID != 2 {
		t.Errorf("source after the first pass = %+v (%v), want last uid 2 and no error", src, err)
	}

	// A new message is progress: the row is written again.
	n := passes()
	f.dc.Append("INBOX", mail(3, ""))
	onceEach(t, f.waitSpooled(3), 3)
	waitFor(t, "a pass after the post", func() bool { return passes() > n+1 })
	r.stop()
	if src, err := f.st.IngestSource(ctx, source); err != nil || src.LastUID != 3 {
		t.Errorf("source after a new message = %+v (%v), want last uid 3", src, err)
	}
}

// A source that fails the same way on every retry keeps its error with
// one write, not one a retry.
func TestIngestSameErrorWrittenOnce(t *testing.T) {
	f := newFixture(t)
	cs := &countingStore{Store: f.st}
	f.ingestStore = cs
	// A list that is not there: an error of the same words each time
	// (Dovecot's own answers carry their timings, and a wrong password
	// is answered slower each time).
	raw := f.dc.URL("INBOX", "nolist@example.org", "")
	var dials, afterFirst atomic.Int64
	r := f.start(raw, func(c *imapin.Config) {
		c.MaxBackoff = c.MinBackoff
		c.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
			if dials.Add(1) == 2 {
				// The first try's failure is kept by now.
				afterFirst.Store(cs.rowWrites.Load())
			}
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	})
	waitFor(t, "6 tries", func() bool { return dials.Load() >= 6 })
	r.stop()
	u, _ := config.ParseIngestURL(raw)
	src, err := f.st.IngestSource(context.Background(), u.Source())
	if err != nil || !strings.Contains(src.LastError, "nolist@example.org") {
		t.Fatalf("source = %+v (%v), want the list's error kept", src, err)
	}
	if n := cs.rowWrites.Load() - afterFirst.Load(); n != 0 {
		t.Errorf("%d row writes in %d more tries failing alike, want 0", n, dials.Load()-1)
	}
}
