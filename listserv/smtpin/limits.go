package smtpin

import (
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// connOf finds the limiter's connection under a session's (possibly TLS)
// connection.
func connOf(c net.Conn) *limitedConn {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	lc, _ := c.(*limitedConn)
	return lc
}

// connLimiter is a listener that refuses connections beyond a cap with an
// immediate 421 (RFC 5321 §3.8), instead of letting them queue unanswered.
type connLimiter struct {
	net.Listener
	slots chan struct{}

	mu    sync.Mutex
	conns map[*limitedConn]struct{}
}

func limitConns(l net.Listener, max int) *connLimiter {
	return &connLimiter{Listener: l, slots: make(chan struct{}, max), conns: map[*limitedConn]struct{}{}}
}

// endIdle makes every connection that is not in a mail transaction time out
// of its next command read: go-smtp answers 421 and closes it. A client between
// commands has no 250 for a message yet, so it simply retries later. go-smtp
// resets the deadline before each read, hence callers nudge repeatedly.
func (l *connLimiter) endIdle() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		if !c.inTransaction.Load() {
			c.SetReadDeadline(time.Now())
		}
	}
}

// open counts the connections not yet closed.
func (l *connLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// closeAll cuts every open connection.
func (l *connLimiter) closeAll() {
	l.mu.Lock()
	conns := make([]*limitedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			lc := &limitedConn{Conn: c}
			lc.release = func() {
				l.mu.Lock()
				delete(l.conns, lc)
				l.mu.Unlock()
				<-l.slots
			}
			l.mu.Lock()
			l.conns[lc] = struct{}{}
			l.mu.Unlock()
			return lc, nil
		default:
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			c.Write([]byte("421 4.7.0 Too many connections, try again later\r\n"))
			c.Close()
		}
	}
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
	// inTransaction is set from the first accepted RCPT until the
	// transaction ends: a shutdown lets such a connection finish its DATA.
	inTransaction atomic.Bool
}

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// rateLimiter is a token bucket per client IP: rate transactions per second
// with a burst. Buckets of idle clients are forgotten.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{rate: perSecond, burst: float64(burst), buckets: map[string]*bucket{}, now: time.Now}
}

// allow takes one token for ip; false when the bucket is empty.
func (r *rateLimiter) allow(ip string) bool {
	if r == nil || r.rate <= 0 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if now.Sub(r.swept) > time.Minute {
		for k, b := range r.buckets {
			if now.Sub(b.last) > time.Minute {
				delete(r.buckets, k)
			}
		}
		r.swept = now
	}
	b, ok := r.buckets[ip]
	if !ok {
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[ip] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * r.rate
	if b.tokens > r.burst {
		b.tokens = r.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
