package smtpin

import (
	"crypto/tls"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"praxis/listserv/clientkey"
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

// connLimiter is a listener that refuses connections beyond a cap, in all
// and per client address, with an immediate 421 (RFC 5321 §3.8) instead of
// letting them queue unanswered: one client holding many idle connections
// then locks out only itself.
type connLimiter struct {
	net.Listener
	slots chan struct{}
	// perClient caps each client's connections; negative for no cap.
	// exempt clients (a front MTA) are not capped.
	perClient int
	exempt    func(net.Addr) bool
	idle      idleRules

	mu      sync.Mutex
	conns   map[*limitedConn]struct{}
	clients map[string]int
}

// idleRules bound a session that sends commands but no mail.
type idleRules struct {
	commands int           // commands in a row without a transaction
	time     time.Duration // time without a transaction
}

func limitConns(l net.Listener, max, perClient int, exempt func(net.Addr) bool, idle idleRules) *connLimiter {
	return &connLimiter{Listener: l, slots: make(chan struct{}, max), perClient: perClient, exempt: exempt, idle: idle,
		conns: map[*limitedConn]struct{}{}, clients: map[string]int{}}
}

// clientKey is the key connections are counted by (clientkey.Of: the IP,
// an IPv6 /64 whole); a listener that is no IP one keys by its address.
func clientKey(remote net.Addr) string {
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return remote.String()
	}
	return clientkey.Of(ap.Addr())
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
		key := clientKey(c.RemoteAddr())
		capped := l.perClient >= 0 && (l.exempt == nil || !l.exempt(c.RemoteAddr()))
		l.mu.Lock()
		mine := !capped || l.clients[key] < l.perClient
		if mine {
			l.clients[key]++
		}
		l.mu.Unlock()
		if !mine {
			refuse(c, "421 4.7.0 Too many connections from your address, try again later\r\n")
			continue
		}
		select {
		case l.slots <- struct{}{}:
			lc := &limitedConn{Conn: c, plain: true, lineStart: true, rules: l.idle}
			lc.idleSince.Store(time.Now().UnixNano())
			lc.release = func() {
				l.mu.Lock()
				delete(l.conns, lc)
				if l.clients[key]--; l.clients[key] <= 0 {
					delete(l.clients, key)
				}
				l.mu.Unlock()
				<-l.slots
			}
			l.mu.Lock()
			l.conns[lc] = struct{}{}
			l.mu.Unlock()
			return lc, nil
		default:
			l.mu.Lock()
			if l.clients[key]--; l.clients[key] <= 0 {
				delete(l.clients, key)
			}
			l.mu.Unlock()
			refuse(c, "421 4.7.0 Too many connections, try again later\r\n")
		}
	}
}

// refuse answers a connection that gets no session and closes it.
func refuse(c net.Conn, line string) {
	c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte(line))
	c.Close()
}

// limitedConn is one accepted connection. Besides its slot, it bounds a
// session that sends commands but never mail (NOOP every few seconds to
// hold a slot, or MAIL and RSET over and over): by count, as it reads the
// commands while they are in plain text, and by time, through the read
// deadlines go-smtp sets, which also works under TLS, where the commands
// cannot be seen. Only progress lifts the limits for a while: a recipient
// accepted or a message begun. A MAIL alone is no progress, and NOOP, RSET,
// HELP, VRFY and EXPN are idle talk in any state.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
	rules   idleRules
	// inTransaction is set from the first accepted RCPT until the
	// transaction ends: a shutdown lets such a connection finish its DATA.
	inTransaction atomic.Bool
	// mailing is set from an accepted MAIL until the transaction ends.
	mailing atomic.Bool
	// accepted is set when the transaction got a recipient, begun when its
	// message began (DATA or the first BDAT); both until it ends.
	accepted atomic.Bool
	begun    atomic.Bool
	// idleSince is when the session last made progress (Unix nanoseconds):
	// the idle time counts from there.
	idleSince atomic.Int64

	// idleCmds counts idle commands (and transactions begun) since the last
	// progress; abandoned counts transactions that got a recipient but
	// ended without a message, since the last message. fresh tells Read
	// that a transaction ended, so a command line starts; overIdle that
	// the session ends at its next read.
	idleCmds  atomic.Int32
	abandoned atomic.Int32
	fresh     atomic.Bool
	overIdle  atomic.Bool
	ended     atomic.Bool

	// Read's own state (go-smtp reads from one goroutine at a time).
	plain     bool // commands are readable: no STARTTLS yet
	lineStart bool // the next byte starts a command line
	afterData bool // a DATA or BDAT line was read: a message may follow
	dataCmd   bool // that line was DATA
	verb      []byte
	verbDone  bool
	cut       string // the 421 to write before ending the session
}

const idleCut = "421 4.7.0 Too many commands without a mail transaction, closing\r\n"

// idle counts one idle command or empty transaction; past the limit the
// session ends at its next read.
func (c *limitedConn) idle() bool {
	if c.idleCmds.Add(1) > int32(c.rules.commands) {
		c.overIdle.Store(true)
		return false
	}
	return true
}

// progress restarts the idle count and the idle time.
func (c *limitedConn) progress() {
	c.idleCmds.Store(0)
	c.idleSince.Store(time.Now().UnixNano())
}

// txStart is told by the session when MAIL is accepted. A transaction is
// no progress until it gets a recipient, so it counts as idle: otherwise
// MAIL and RSET in a loop hold a slot for ever.
func (c *limitedConn) txStart() {
	c.mailing.Store(true)
	c.idle()
}

// transaction is told by the session when a recipient is accepted (on)
// and when the transaction is over (off).
func (c *limitedConn) transaction(on bool) {
	c.inTransaction.Store(on)
	if on && !c.accepted.Swap(true) {
		c.progress()
	}
}

// dataStart is told by the session when a message begins: progress, and
// the transaction is no longer an abandoned one.
func (c *limitedConn) dataStart() {
	c.begun.Store(true)
	c.abandoned.Store(0)
	c.progress()
}

// txEnd is told by the session when a transaction ends (RSET, after
// DATA, a new MAIL). A transaction that got recipients but no message is
// counted: a client naming a list and resetting, over and over, makes no
// progress either.
func (c *limitedConn) txEnd() {
	c.mailing.Store(false)
	accepted, begun := c.accepted.Swap(false), c.begun.Swap(false)
	switch {
	case begun:
		c.progress()
	case accepted:
		if c.abandoned.Add(1) > int32(c.rules.commands) {
			c.overIdle.Store(true)
		}
	}
	// The client speaks again from a line start, after the reply.
	c.fresh.Store(true)
}

// end makes the session's next read its last: go-smtp sees the client
// gone and closes the connection, after what it is writing now (a 421).
func (c *limitedConn) end() { c.ended.Store(true) }

func (c *limitedConn) Read(p []byte) (int, error) {
	if c.ended.Load() {
		return 0, io.EOF
	}
	if c.cut == "" && c.overIdle.Load() {
		c.cut = idleCut
	}
	if c.cut != "" {
		return c.hangUp()
	}
	n, err := c.Conn.Read(p)
	if c.fresh.Swap(false) {
		c.lineStart, c.afterData = true, false
	}
	if c.afterData && (!c.accepted.Load() || c.dataCmd && !c.begun.Load()) {
		// go-smtp refused the DATA or BDAT (no recipient), or a DATA with
		// recipients ("DATA x" gets 501): what follows are commands again.
		// A DATA it takes has begun before the message is read (the
		// session's Data runs first); a BDAT's chunk may be read before,
		// so only the lack of a recipient tells for BDAT.
		c.lineStart, c.afterData = true, false
	}
	if c.plain && n > 0 && !c.afterData {
		n = c.countIdle(p[:n])
		if n == 0 && c.cut != "" {
			return c.hangUp()
		}
	}
	return n, err
}

// hangUp writes the pending 421 and ends the session.
func (c *limitedConn) hangUp() (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	c.Conn.Write([]byte(c.cut))
	c.ended.Store(true)
	return 0, io.EOF
}

// Commands that may make a mail transaction progress (MAIL counts when the
// session accepts it, see txStart; a RCPT refused by go-smtp for want of a
// MAIL, or a bad one, is cheap to answer and bounded by the idle time), or
// that change the channel. Every other verb is idle talk in any state:
// NOOP, RSET, HELP, VRFY, EXPN, EHLO, unknown ones.
var transactionVerbs = map[string]bool{"MAIL": true, "RCPT": true, "DATA": true, "BDAT": true, "QUIT": true, "STARTTLS": true}

// countIdle counts the idle command lines in b and returns how much of b
// go-smtp may see: all of it, or up to the line that is one too many, after
// which the session ends with 421.
func (c *limitedConn) countIdle(b []byte) int {
	start := 0 // where the current line began in b
	for i, ch := range b {
		if c.lineStart {
			c.lineStart, c.verbDone, c.verb, start = false, false, c.verb[:0], i
		}
		if ch != '\n' {
			switch {
			case c.verbDone:
			case ch == ' ' || ch == '\r' || len(c.verb) == 8:
				c.verbDone = true
			default:
				c.verb = append(c.verb, ch)
			}
			continue
		}
		c.lineStart = true
		verb := strings.ToUpper(string(c.verb))
		// A RSET that ends a transaction is counted with it, at its MAIL:
		// a MAIL/RSET cycle is one idle step, as one NOOP is.
		endsMail := verb == "RSET" && c.mailing.Load()
		if !transactionVerbs[verb] && !endsMail && !c.idle() {
			c.cut = idleCut
			return start
		}
		switch verb {
		case "STARTTLS":
			// What follows is TLS: no more commands to read here.
			c.plain = false
			return len(b)
		case "DATA", "BDAT":
			// What follows may be the message (BDAT pipelines it): Read
			// looks again once go-smtp has answered the command.
			c.afterData, c.dataCmd = true, verb == "DATA"
			return len(b)
		}
	}
	return len(b)
}

// SetReadDeadline applies go-smtp's deadline, brought forward to the end
// of the idle time unless a message is arriving. The idle time counts from
// the last progress, so a NOOP every few minutes does not hold a slot,
// whether or not a MAIL was given. Under TLS a message must begin within the
// idle time of its first accepted recipient (DATA is not seen before the
// session is told).
func (c *limitedConn) SetReadDeadline(t time.Time) error {
	if c.rules.time > 0 && !c.begun.Load() {
		idle := time.Unix(0, c.idleSince.Load()).Add(c.rules.time)
		if t.IsZero() || idle.Before(t) {
			t = idle
		}
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *limitedConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
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
