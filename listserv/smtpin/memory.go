package smtpin

import (
	"container/list"
	"context"
	"sync"
)

// Memory is the budget of memory for messages in transit, shared by every
// receiver of a process (SMTP and LMTP), so that resident memory under any
// load of big mail stays within it plus a fixed overhead.
//
// A message's bytes are held in memory twice over their life here, and each
// part of the budget bounds one of them:
//   - while DATA arrives, a quarter of the budget admits the first bytes of
//     messages (up to Config.MemoryPerMessage each). A message that finds no
//     room there, or outgrows its share, goes to a temporary file;
//   - once the message is complete, it is read into one buffer of its exact
//     size and handed to the store, which copies it twice more on the way to
//     disk (the SQLite driver's bound copy and SQLite's record). The other
//     three quarters admit these copies: storeCopies times the size, in the
//     order messages arrive, so a big message is not starved by small ones.
type Memory struct {
	arriving *weighted
	storing  *weighted
}

// storeCopies is how many copies of a message exist while it is stored:
// the message, the driver's copy bound to the INSERT, SQLite's record.
const storeCopies = 3

// NewMemory makes a budget of the given bytes.
func NewMemory(bytes int64) *Memory {
	arriving := bytes / 4
	return &Memory{arriving: newWeighted(arriving), storing: newWeighted(bytes - arriving)}
}

// weighted is a semaphore of n units taken in arrival order: a request
// that does not fit waits, and so do all that come after it.
type weighted struct {
	mu      sync.Mutex
	size    int64
	used    int64
	peak    int64     // the most ever used at once (tests, and a bound to check)
	waiting list.List // of *waiter
}

// take records n more units in use; w.mu is held.
func (w *weighted) take(n int64) {
	w.used += n
	w.peak = max(w.peak, w.used)
}

type waiter struct {
	n     int64
	ready chan struct{}
}

func newWeighted(size int64) *weighted { return &weighted{size: size} }

// fit caps a request at the whole semaphore: a request larger than it runs
// alone instead of never.
func (w *weighted) fit(n int64) int64 { return min(n, w.size) }

// tryAcquire takes n units if they are free now and nobody waits.
func (w *weighted) tryAcquire(n int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting.Len() == 0 && w.used+n <= w.size {
		w.take(n)
		return true
	}
	return false
}

// acquire takes n units (see fit), waiting for them until ctx ends.
func (w *weighted) acquire(ctx context.Context, n int64) error {
	w.mu.Lock()
	if w.waiting.Len() == 0 && w.used+n <= w.size {
		w.take(n)
		w.mu.Unlock()
		return nil
	}
	me := &waiter{n: n, ready: make(chan struct{})}
	e := w.waiting.PushBack(me)
	w.mu.Unlock()
	select {
	case <-me.ready:
		return nil
	case <-ctx.Done():
		w.mu.Lock()
		select {
		case <-me.ready:
			// Granted just now: give it back.
			w.mu.Unlock()
			w.release(n)
		default:
			front := w.waiting.Front() == e
			w.waiting.Remove(e)
			// The head leaving may let the next ones in.
			if front {
				w.grant()
			}
			w.mu.Unlock()
		}
		return ctx.Err()
	}
}

// release gives back n units.
func (w *weighted) release(n int64) {
	w.mu.Lock()
	w.used -= n
	w.grant()
	w.mu.Unlock()
}

// grant wakes waiters in order while the first fits; w.mu is held.
func (w *weighted) grant() {
	for e := w.waiting.Front(); e != nil; e = w.waiting.Front() {
		next := e.Value.(*waiter)
		if w.used+next.n > w.size {
			return
		}
		w.take(next.n)
		w.waiting.Remove(e)
		close(next.ready)
	}
}

// peakUse reports the most units ever taken at once.
func (w *weighted) peakUse() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// inUse reports the units taken (tests).
func (w *weighted) inUse() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.used
}
