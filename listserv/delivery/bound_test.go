package delivery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praxis/listserv/store"
)

// TestUnrecordedBounded: while the store cannot keep up with the outcomes
// (here it takes none until released), the workers stop after
// MaxUnrecorded copies instead of sending on. Those are all the copies a
// crash at that moment would send twice, however far the commits lag.
func TestUnrecordedBounded(t *testing.T) {
	var members []string
	for i := range 60 {
		members = append(members, fmt.Sprintf("m%02d@d%d.test", i, i%3))
	}
	const concurrency = 3
	release := make(chan struct{})
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	f := setupWith(t, members, Config{Concurrency: concurrency}, func(q *Queue) {
		record := q.record
		q.record = func(ctx context.Context, outs []store.Outcome) error {
			<-release
			return record(ctx, outs)
		}
	})
	bound := UnrecordedBound(concurrency)
	sent := func() int {
		f.mx.mu.Lock()
		defer f.mx.mu.Unlock()
		n := 0
		for _, k := range f.mx.got {
			n += k
		}
		return n
	}
	f.post(t, "stalled")
	eventually(t, "the first copies", func() bool { return sent() >= bound })
	// However long the commit stalls, no more copies go out: watch for a
	// while, bounded by a count of looks.
	for range 50 {
		if n := sent(); n > bound {
			t.Fatalf("%d copies sent with no outcome recorded, want at most %d", n, bound)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	released = true
	eventually(t, "every copy", func() bool { return sent() >= len(members) })
	time.Sleep(100 * time.Millisecond)
	f.mx.mu.Lock()
	defer f.mx.mu.Unlock()
	for _, m := range members {
		if n := f.mx.got[m]; n != 1 {
			t.Errorf("%s got %d copies, want 1", m, n)
		}
	}
}
