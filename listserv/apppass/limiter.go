package apppass

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// failureLimit counts failed logins per key: the limiter below in this
// process's memory, or sharedFailures in the store every node shares.
type failureLimit interface {
	// reserve takes an attempt for key, false when the key is over its
	// limit (nothing is reserved then); an error when it cannot tell.
	reserve(ctx context.Context, key string, now time.Time) (bool, error)
	// settle ends an attempt reserve took; failed keeps it as a failure.
	settle(ctx context.Context, key string, now time.Time, failed bool)
}

var (
	_ failureLimit = (*limiter)(nil)
	_ failureLimit = (*sharedFailures)(nil)
)

func (l *limiter) reserve(_ context.Context, key string, now time.Time) (bool, error) {
	return l.begin(key, now), nil
}

func (l *limiter) settle(_ context.Context, key string, now time.Time, failed bool) {
	l.end(key, now, failed)
}

// SharedLimits is the store's token buckets (store.Rates), which every
// node sharing a PostgreSQL database counts in, so that N nodes do not
// give a guesser N times the attempts. On SQLite (one node) the memory's
// limiter is the better one: it writes nothing, and SQLite has one
// writer at a time, which the spool needs before each 250.
type SharedLimits interface {
	TakeToken(ctx context.Context, key string, burst float64, per time.Duration) (bool, error)
	ReturnToken(ctx context.Context, key string, burst float64, per time.Duration) error
}

// sharedFailures counts failures as a token bucket per key in the store:
// max tokens, one back every window/max. An attempt takes a token before
// its password is checked (so parallel attempts are bounded too, as the
// memory's in-flight count does) and gives it back when it succeeds; a
// failure keeps it. It differs from the memory's sliding window only in
// how the quota comes back: one attempt every window/max, rather than all
// max once the window has passed; over time both allow max failures a
// window. Its clock is the store's.
type sharedFailures struct {
	st   SharedLimits
	name string
	max  float64
	per  time.Duration
}

func newSharedFailures(st SharedLimits, name string, max int, window time.Duration) *sharedFailures {
	return &sharedFailures{st: st, name: name, max: float64(max), per: window / time.Duration(max)}
}

func (l *sharedFailures) reserve(ctx context.Context, key string, _ time.Time) (bool, error) {
	ok, err := l.st.TakeToken(ctx, l.name+" "+key, l.max, l.per)
	if err != nil {
		return false, fmt.Errorf("login limit: %w", err)
	}
	return ok, nil
}

func (l *sharedFailures) settle(ctx context.Context, key string, _ time.Time, failed bool) {
	if failed {
		return
	}
	// Not returned, the token comes back with time anyway: a login
	// that succeeded costs at most one attempt of the quota.
	l.st.ReturnToken(context.WithoutCancel(ctx), l.name+" "+key, l.max, l.per)
}

// limiter counts failed attempts per key (an IP, an address) over a
// sliding window and refuses an attempt once a key's failures in the
// window, with the attempts still being checked, reach max.
//
// Its memory is bounded: it tracks at most maxKeys keys, each with at most
// max failure times, and forgets a key that holds nothing. When a new key
// comes and the table is full, the least recently touched record goes. An
// attacker who makes up maxKeys keys can so push a victim's record out,
// but each made-up address costs them a failure on their own IP's record
// first, so that takes maxKeys/maxIPFailures IPs.
type limiter struct {
	max     int
	window  time.Duration
	maxKeys int

	mu    sync.Mutex
	keys  map[string]*list.Element // of *record
	order *list.List               // least recently touched first
}

type record struct {
	key      string
	fails    []time.Time // ascending; at most max, all within the window once pruned
	inflight int         // attempts begun and not yet ended
}

func newLimiter(max int, window time.Duration, maxKeys int) *limiter {
	return &limiter{max: max, window: window, maxKeys: maxKeys, keys: map[string]*list.Element{}, order: list.New()}
}

// begin reserves an attempt for key at now; false when the key is over
// its limit, and then nothing is reserved. Every true must be followed by
// one end.
func (l *limiter) begin(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.touch(key, now)
	if len(r.fails)+r.inflight >= l.max {
		l.forgetIfIdle(r)
		return false
	}
	r.inflight++
	return true
}

// end settles an attempt begin reserved; failed records a failure at now.
func (l *limiter) end(key string, now time.Time, failed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.touch(key, now)
	if r.inflight > 0 { // 0 when the record was evicted meanwhile
		r.inflight--
	}
	if failed {
		if len(r.fails) == l.max {
			// Only the newest max failures can matter.
			r.fails = append(r.fails[:0], r.fails[1:]...)
		}
		r.fails = append(r.fails, now)
	}
	l.forgetIfIdle(r)
}

// failures is how many failures key has in the window at now (tests).
func (l *limiter) failures(key string, now time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.keys[key]
	if !ok {
		return 0
	}
	r := e.Value.(*record)
	l.prune(r, now)
	return len(r.fails)
}

// tracked is how many keys the limiter holds (tests).
func (l *limiter) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// touch finds or makes key's record, drops its expired failures and marks
// it the most recently touched.
func (l *limiter) touch(key string, now time.Time) *record {
	if e, ok := l.keys[key]; ok {
		r := e.Value.(*record)
		l.prune(r, now)
		l.order.MoveToBack(e)
		return r
	}
	if len(l.keys) >= l.maxKeys {
		l.evict()
	}
	r := &record{key: key}
	l.keys[key] = l.order.PushBack(r)
	return r
}

// prune drops the failures that fell out of the window.
func (l *limiter) prune(r *record, now time.Time) {
	cut := now.Add(-l.window)
	i := 0
	for i < len(r.fails) && !r.fails[i].After(cut) {
		i++
	}
	if i > 0 {
		r.fails = append(r.fails[:0], r.fails[i:]...)
	}
}

// evict makes room for one key: the least recently touched record goes.
// Records are touched when they fail, so it is the one whose failures are
// the oldest, often all expired.
func (l *limiter) evict() {
	if e := l.order.Front(); e != nil {
		l.remove(e)
	}
}

func (l *limiter) remove(e *list.Element) {
	delete(l.keys, e.Value.(*record).key)
	l.order.Remove(e)
}

// forgetIfIdle drops a record that holds nothing, so that successful
// logins leave no trace in memory.
func (l *limiter) forgetIfIdle(r *record) {
	if len(r.fails) == 0 && r.inflight == 0 {
		if e, ok := l.keys[r.key]; ok {
			l.remove(e)
		}
	}
}
