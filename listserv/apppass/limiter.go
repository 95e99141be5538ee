package apppass

import (
	"container/list"
	"sync"
	"time"
)

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
