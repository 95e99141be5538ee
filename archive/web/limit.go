package web

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// rateLimit is a limit on requests per key: the limiter below, which
// counts in this process, or sharedLimit, which counts in the store that
// every node shares.
type rateLimit interface {
	take(ctx context.Context, key string, now time.Time) bool
}

var (
	_ rateLimit = (*limiter)(nil)
	_ rateLimit = (*sharedLimit)(nil)
)

// SharedLimits is the store's token buckets (store.Rates), which every
// node sharing a PostgreSQL database counts a client in: with the limits
// in each process's memory, N nodes behind a balancer would give a client
// N times its quota. On SQLite, one node, the memory's buckets are the
// better ones: they cost no write (SQLite has one writer at a time, which
// the spool needs before each 250) and lose nothing that matters when
// the process restarts.
type SharedLimits interface {
	TakeToken(ctx context.Context, key string, burst float64, per time.Duration) (bool, error)
}

// newRateLimit allows burst requests per key at once and burst per
// window over time, counted in shared when it is given, in memory when
// not; name sets the shared buckets apart from other limits'.
func newRateLimit(shared SharedLimits, name string, burst int, window time.Duration, log *slog.Logger) rateLimit {
	if shared == nil {
		return newLimiter(burst, window)
	}
	return &sharedLimit{st: shared, name: name, burst: float64(burst), per: window / time.Duration(burst), log: log}
}

// sharedLimit is a token bucket per key in the store. Its clock is the
// store's.
type sharedLimit struct {
	st    SharedLimits
	name  string
	burst float64
	per   time.Duration
	log   *slog.Logger
}

// take takes a token of key's shared bucket. When the store cannot say,
// the request is refused: a form that sends mail needs the store anyway.
func (l *sharedLimit) take(ctx context.Context, key string, _ time.Time) bool {
	ok, err := l.st.TakeToken(ctx, l.name+" "+key, l.burst, l.per)
	if err != nil {
		l.log.Warn("rate limit: the shared count failed; refused", "limit", l.name, "err", err)
		return false
	}
	return ok
}

// limiter is a token bucket per key (a client, or a client and an
// address): each holds up to burst tokens, a request takes one, and one
// comes back every per. The forms that send mail must not become a way
// to flood someone's inbox, nor one sender a way to use up everyone's
// share.
//
// A bucket that has been idle long enough to be full again is the same
// as no bucket, so it is forgotten when the map outgrows maxKeys; only
// when more keys than that are all busy at once are the least recently
// seen forgotten too. No key is ever forgotten for being throttled while
// others are idle, as a wipe of the whole map would do.
type limiter struct {
	mu      sync.Mutex
	burst   float64
	per     time.Duration
	maxKeys int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	seen   time.Time
}

// defaultMaxKeys bounds the limiter's memory: a bucket is about a hundred
// bytes, so a few megabytes at most.
const defaultMaxKeys = 50000

// newLimiter allows burst requests per key at once and burst per window
// over time.
func newLimiter(burst int, window time.Duration) *limiter {
	return &limiter{burst: float64(burst), per: window / time.Duration(burst), maxKeys: defaultMaxKeys, buckets: map[string]*bucket{}}
}

// allow takes a token of key's bucket, and tells whether there was one.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, seen: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.seen))/float64(l.per))
	b.seen = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *limiter) take(_ context.Context, key string, now time.Time) bool { return l.allow(key, now) }

// evict forgets the buckets that are full again, and when that frees
// less than a tenth of the map, the least recently seen down to nine
// tenths: the sort is then paid once per tenth of maxKeys new keys.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.seen))/float64(l.per) >= l.burst {
			delete(l.buckets, k)
		}
	}
	keep := l.maxKeys * 9 / 10
	if len(l.buckets) <= keep {
		return
	}
	keys := make([]string, 0, len(l.buckets))
	for k := range l.buckets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return l.buckets[a].seen.Compare(l.buckets[b].seen) })
	for _, k := range keys[:len(keys)-keep] {
		delete(l.buckets, k)
	}
}

func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
