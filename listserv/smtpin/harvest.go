package smtpin

import (
	"sync"
	"time"
)

// refusals remembers, per client (clientKey: an IP, an IPv6 /64), when its
// recipients were refused over the last window. Counted per session, a
// harvester reconnects and starts again; counted per client it cannot.
type refusals struct {
	mu     sync.Mutex
	window time.Duration
	now    func() time.Time
	swept  time.Time
	// at holds each client's refusal times, oldest first, within window.
	at map[string][]time.Time
	// keep bounds the times kept per client: a session closes at its
	// RefusedClose-th refusal anyway, so more says nothing new.
	keep int
}

func newRefusals(window time.Duration, keep int) *refusals {
	return &refusals{window: window, keep: max(keep, 1), now: time.Now, at: map[string][]time.Time{}}
}

// add records a refusal for key and returns the refusals within the window.
func (r *refusals) add(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	ts := append(r.fresh(key, now), now)
	if len(ts) > r.keep {
		ts = ts[len(ts)-r.keep:]
	}
	r.at[key] = ts
	return len(ts)
}

// count returns the refusals of key within the window.
func (r *refusals) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.fresh(key, r.now()))
}

// fresh drops key's refusals older than the window, and once a window
// forgets every client that has none left, so the map stays as small as the
// clients refused lately.
func (r *refusals) fresh(key string, now time.Time) []time.Time {
	if now.Sub(r.swept) > r.window {
		for k, ts := range r.at {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) > r.window {
				delete(r.at, k)
			}
		}
		r.swept = now
	}
	ts := r.at[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > r.window {
		i++
	}
	if i == len(ts) {
		delete(r.at, key)
		return nil
	}
	ts = ts[i:]
	r.at[key] = ts
	return ts
}

// dataStart tells the connection's limits that a message begins.
func (s *session) dataStart() {
	if s.conn != nil {
		s.conn.dataStart()
	}
}
