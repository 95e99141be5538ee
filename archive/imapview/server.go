package imapview

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"
	"github.com/emersion/go-imap/server"
	"github.com/emersion/go-sasl"

	"praxis/listserv/clientkey"
	"praxis/listserv/store"
)

// Config is the IMAP view's listeners and limits.
type Config struct {
	// Addr is the plain IMAP listener (STARTTLS when TLS is set); "" off.
	Addr string
	// TLSAddr is the implicit-TLS listener (imaps); "" off. Needs TLS.
	TLSAddr string
	// TLS is the certificate for STARTTLS and TLSAddr; nil: no TLS.
	TLS *tls.Config
	// MaxConnsPerIP bounds the connections one client holds at once (an
	// IPv6 client by its /64, clientkey; default 20). Loopback is not
	// bounded (as SMTP's is not) unless LimitLoopback.
	MaxConnsPerIP int
	LimitLoopback bool
	// MaxConns bounds the connections held at once in all (default 1000).
	MaxConns int
	// MaxLiteral bounds one literal (default 64 KiB: APPEND is refused,
	// so only search strings come as literals).
	MaxLiteral uint32
	// MaxLine bounds a command line, literals aside (default 8 KiB). A
	// command as a whole, its literals included, holds at most MaxLine
	// and commandLiterals times MaxLiteral.
	MaxLine int
	// AutoLogout is the idle timeout (default and minimum 30 minutes,
	// RFC 3501 §5.4).
	AutoLogout time.Duration
	// Poll is how often the IDLE poller looks for new posts (default
	// 250 ms).
	Poll time.Duration
}

// Store is what the view reads: lists and memberships to decide who
// sees what, the archive's posts by id, and the flags.
type Store interface {
	store.IMAPArchive
	IMAPMaxID(ctx context.Context, listID int64) (int64, error)
	ListByAddress(ctx context.Context, address string) (*store.List, error)
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Lists(ctx context.Context) ([]*store.List, error)
	Member(ctx context.Context, listID int64, addr string) (*store.Member, error)
	Memberships(ctx context.Context, addr string) (map[int64]*store.Member, error)
	ArchiveRaw(ctx context.Context, hash string) ([]byte, error)
}

// Authenticator checks a member's app password (listserv/apppass); every
// failure, a rate-limited one included, is one error.
type Authenticator interface {
	Login(ctx context.Context, ip net.IP, addr, pass string) error
}

// FlagsFunc returns the flags a session keeps on the given UIDs.
type FlagsFunc = func(uids []uint32) map[uint32][]string

// searcher answers SEARCH, SORT and THREAD over a list's archive
// (Searcher in search.go).
type searcher interface {
	Search(ctx context.Context, list *store.List, c *imap.SearchCriteria, flags FlagsFunc) ([]uint32, error)
	Sort(ctx context.Context, list *store.List, keys []sortthread.SortCriterion, c *imap.SearchCriteria, flags FlagsFunc) ([]uint32, error)
	Thread(ctx context.Context, list *store.List, c *imap.SearchCriteria, flags FlagsFunc) ([]*sortthread.Thread, error)
}

// Deps are the parts the view is built on.
type Deps struct {
	Store Store
	// Auth checks members' passwords; nil: only anonymous sessions.
	Auth Authenticator
	// Search answers SEARCH, SORT and THREAD (NewSearcher); required:
	// Listen refuses to start without it.
	Search searcher
}

// Server is the IMAP view: its listeners, two go-imap servers (one for
// peers where a password may travel, one for the others: LOGINDISABLED
// is decided per connection, which go-imap decides per server), and the
// poller that announces new posts.
//
// The servers are one per kind of peer, because go-imap decides per
// server what only the peer decides: whether a password may be sent.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	core *core
	// One go-imap server per kind of peer (see kind).
	servers [kinds]*server.Server

	ln, tlsLn net.Listener
	perIP     *ipLimiter
	// trustLoopback lets loopback peers send passwords in the clear
	// (tests turn it off to play a remote peer).
	trustLoopback atomic.Bool
}

// New makes the view; Listen binds it and Run serves it.
func New(cfg Config, deps Deps, log *slog.Logger) *Server {
	if cfg.MaxConnsPerIP <= 0 {
		cfg.MaxConnsPerIP = 20
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1000
	}
	if cfg.MaxLiteral == 0 {
		cfg.MaxLiteral = 64 << 10
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = 8 << 10
	}
	if cfg.AutoLogout < server.MinAutoLogout {
		cfg.AutoLogout = server.MinAutoLogout
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 250 * time.Millisecond
	}
	s := &Server{cfg: cfg, deps: deps, log: log, perIP: newIPLimiter(cfg.MaxConnsPerIP, cfg.MaxConns, !cfg.LimitLoopback)}
	s.trustLoopback.Store(true)
	s.core = newCore(deps, log)
	for k := range kinds {
		s.servers[k] = s.newIMAP(kind(k))
	}
	return s
}

// kind is a kind of peer.
type kind int

const (
	// loopback peers may send a password in the clear: it does not
	// leave the machine.
	loopback kind = iota
	// remote peers on the plain port: passwords only after STARTTLS
	// (LOGINDISABLED before).
	remote
	// implicitTLS peers (imaps): the session is TLS from the start. The
	// TLS session is wrapped (so that the line guard reads plain text),
	// so go-imap does not see it as TLS; it is told passwords are fine.
	implicitTLS
	kinds
)

func (s *Server) newIMAP(k kind) *server.Server {
	be := s.core.serverBackend(k)
	srv := server.New(be)
	if k != implicitTLS {
		srv.TLSConfig = s.cfg.TLS // STARTTLS
	}
	srv.AllowInsecureAuth = k != remote
	srv.AutoLogout = s.cfg.AutoLogout
	srv.MaxLiteralSize = s.cfg.MaxLiteral
	srv.ErrorLog = slogLogger{s.log}
	srv.EnableAuth(sasl.Anonymous, func(c server.Conn) sasl.Server {
		return sasl.NewAnonymousServer(func(string) error { return s.core.loginAnonymous(c) })
	})
	ext := &extension{core: s.core}
	srv.Enable(ext)
	ext.enabled = true // see extension.enabled
	srv.Enable(sortthread.NewSortExtension(), sortthread.NewThreadExtension())
	return srv
}

// Listen binds the configured listeners.
func (s *Server) Listen() error {
	if s.deps.Search == nil {
		return errors.New("imap: no searcher (Deps.Search)")
	}
	if s.cfg.Addr != "" {
		ln, err := net.Listen("tcp", s.cfg.Addr)
		if err != nil {
			return fmt.Errorf("imap: listen %s: %w", s.cfg.Addr, err)
		}
		s.ln = ln
	}
	if s.cfg.TLSAddr != "" {
		if s.cfg.TLS == nil {
			s.closeListeners()
			return errors.New("imaps: needs a certificate (--tls-cert, --tls-key)")
		}
		ln, err := net.Listen("tcp", s.cfg.TLSAddr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("imaps: listen %s: %w", s.cfg.TLSAddr, err)
		}
		s.tlsLn = ln
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range []net.Listener{s.ln, s.tlsLn} {
		if ln != nil {
			ln.Close()
		}
	}
}

// Addr is the plain listener's bound address (nil when off).
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// TLSAddr is the implicit-TLS listener's bound address (nil when off).
func (s *Server) TLSAddr() net.Addr {
	if s.tlsLn == nil {
		return nil
	}
	return s.tlsLn.Addr()
}

// Run serves until ctx ends, then closes every connection.
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil && s.tlsLn == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// go-imap's servers take connections from a listener of their own:
	// the accept loops below hand each to one of them.
	var lns [kinds]*chanListener
	var wg sync.WaitGroup
	for k, srv := range s.servers {
		lns[k] = newChanListener(s.ln)
		wg.Go(func() { srv.Serve(lns[k]) })
	}
	wg.Go(func() { s.core.poll(ctx, s.cfg.Poll) })
	errc := make(chan error, 2)
	for _, ln := range []net.Listener{s.ln, s.tlsLn} {
		if ln == nil {
			continue
		}
		isTLS := ln == s.tlsLn
		wg.Go(func() { errc <- s.accept(ctx, ln, isTLS, &lns) })
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	cancel()
	s.closeListeners()
	for k, srv := range s.servers {
		lns[k].Close()
		srv.Close()
	}
	wg.Wait()
	s.core.close()
	return err
}

// greetTimeout bounds a new connection's TLS handshake and the reading of
// the greeting, and STARTTLS's handshake.
const greetTimeout = time.Minute

// accept takes connections from ln, holds each address to its share, and
// hands the rest to the server that fits the peer.
//
// An accept that fails while the listener is open (the process out of
// file descriptors for a moment: EMFILE, ENFILE, ENOBUFS) is logged and
// tried again after a pause that doubles up to a second, as net/http and
// go-smtp do: returning it would end Run, and serve with it, every
// list's mail for one busy moment.
func (s *Server) accept(ctx context.Context, ln net.Listener, isTLS bool, lns *[kinds]*chanListener) error {
	var pause time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			s.log.Warn("imap: accept failed; trying again", "err", err, "retry_in", pause)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
			continue
		}
		pause = 0
		ip := remoteIP(c.RemoteAddr())
		if !s.perIP.take(ip) {
			s.log.Warn("imap: too many connections", "remote", ip.String())
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "* BYE Too many connections from your address\r\n")
			c.Close()
			continue
		}
		// A client that never finishes its TLS handshake or never reads
		// the greeting is dropped; go-imap sets the idle timeout after.
		c.SetDeadline(time.Now().Add(greetTimeout))
		var inner net.Conn = c
		k := remote
		switch {
		case isTLS:
			inner, k = tls.Server(c, s.cfg.TLS), implicitTLS
		case ip.IsLoopback() && s.trustLoopback.Load():
			k = loopback
		}
		nc := &guardedConn{Conn: inner, maxLine: s.cfg.MaxLine, maxLiteral: int(s.cfg.MaxLiteral), release: func() { s.perIP.give(ip) }}
		if !lns[k].put(ctx, nc) {
			nc.Close()
			return nil
		}
	}
}

func remoteIP(a net.Addr) net.IP {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP
	}
	host, _, _ := net.SplitHostPort(a.String())
	return net.ParseIP(host)
}

// ipLimiter counts the connections each client holds (by clientkey: an
// IPv6 client by its /64, any of whose addresses it may take), and all of
// them.
type ipLimiter struct {
	mu           sync.Mutex
	max, maxAll  int
	all          int
	freeLoopback bool
	n            map[string]int
}

func newIPLimiter(max, maxAll int, freeLoopback bool) *ipLimiter {
	return &ipLimiter{max: max, maxAll: maxAll, freeLoopback: freeLoopback, n: make(map[string]int)}
}

func (l *ipLimiter) take(ip net.IP) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := ipKey(ip)
	if l.all >= l.maxAll || (l.n[k] >= l.max && !(l.freeLoopback && ip.IsLoopback())) {
		return false
	}
	l.n[k]++
	l.all++
	return true
}

func (l *ipLimiter) count(ip net.IP) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[ipKey(ip)]
}

func ipKey(ip net.IP) string {
	a, _ := netip.AddrFromSlice(ip) // nil or malformed: the zero Addr, clientkey.Unknown
	return clientkey.Of(a)
}

func (l *ipLimiter) give(ip net.IP) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := ipKey(ip)
	l.all--
	if l.n[k]--; l.n[k] <= 0 {
		delete(l.n, k)
	}
}

// commandLiterals is how many literals of the largest size one command
// may hold in all: go-imap bounds each literal, not how many a command
// has, and holds them all until the command ends.
const commandLiterals = 4

// guardedConn gives its address's share back once closed, and closes a
// connection whose command line (literals aside) outgrows maxLine:
// go-imap's reader has no bound on a line and builds an atom by adding
// one character at a time, so a long line costs memory and time that
// grow with its square. A literal the server accepts ({n} or {n+} at the
// end of a line, n up to maxLiteral) is skipped: go-imap reads it whole.
// The whole command, literals included, is bounded too (commandLiterals):
// a command of a thousand literals would otherwise be held whole.
type guardedConn struct {
	net.Conn
	maxLine, maxLiteral int
	run                 int    // bytes of the current line so far
	lit                 int    // bytes of a literal still to come
	cmd                 int    // bytes of the current command so far, literals included
	tail                []byte // the current line's last bytes
	once                sync.Once
	release             func()
}

var errLineTooLong = errors.New("imap: command line too long")

func (c *guardedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	for _, ch := range b[:n] {
		if c.cmd++; c.cmd > c.maxLine+commandLiterals*c.maxLiteral {
			return 0, c.tooLong()
		}
		if c.lit > 0 {
			c.lit--
			continue
		}
		if ch == '\n' {
			var more bool
			c.lit, more = literalLength(c.tail, c.maxLiteral)
			c.run, c.tail = 0, c.tail[:0]
			if !more {
				c.cmd = 0 // the command ends here
			}
			continue
		}
		if len(c.tail) == 24 {
			copy(c.tail, c.tail[1:])
			c.tail = c.tail[:23]
		}
		c.tail = append(c.tail, ch)
		if c.run++; c.run > c.maxLine {
			return 0, c.tooLong()
		}
	}
	return n, err
}

// tooLong says goodbye to a client whose command outgrew the limits and
// closes its connection.
func (c *guardedConn) tooLong() error {
	c.Conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c.Conn, "* BYE Command line too long\r\n")
	c.Close()
	return errLineTooLong
}

// literalLength returns n and true when line ends with a literal's
// announcement {n} or {n+} (RFC 3501 §4.3, RFC 7888) that go-imap
// accepts: the command goes on after it (also after {0}).
func literalLength(line []byte, max int) (int, bool) {
	line = bytes.TrimSuffix(line, []byte("\r"))
	if !bytes.HasSuffix(line, []byte("}")) {
		return 0, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := bytes.TrimSuffix(line[open+1:len(line)-1], []byte("+"))
	n, err := strconv.Atoi(string(digits))
	if err != nil || n < 0 || n > max {
		return 0, false
	}
	return n, true
}

// over moves the guard onto nc, the TLS session that STARTTLS began on
// c's connection: from now on the lines are inside it. c is read no more
// (nc reads the connection under it) and hands its release to the new
// guard, which closes the connection through nc.
func (c *guardedConn) over(nc net.Conn) *guardedConn {
	g := &guardedConn{Conn: nc, maxLine: c.maxLine, maxLiteral: c.maxLiteral, release: c.release}
	c.release = func() {}
	return g
}

func (c *guardedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// chanListener is a net.Listener fed by an accept loop.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newChanListener(ln net.Listener) *chanListener {
	l := &chanListener{ch: make(chan net.Conn), done: make(chan struct{})}
	if ln != nil {
		l.addr = ln.Addr()
	}
	return l
}

func (l *chanListener) put(ctx context.Context, c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
	case <-ctx.Done():
	}
	return false
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr {
	if l.addr == nil {
		return &net.TCPAddr{}
	}
	return l.addr
}

// slogLogger is go-imap's error log as slog. What a client's going away
// causes (a write to a closed connection, a read cut short) is routine and
// logged at debug level; a handler's panic is an error.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(format string, v ...any) { l.emit(fmt.Sprintf(format, v...)) }

func (l slogLogger) Println(v ...any) { l.emit(fmt.Sprintln(v...)) }

func (l slogLogger) emit(msg string) {
	msg = strings.Join(strings.Fields(msg), " ")
	switch {
	case strings.HasPrefix(msg, "panic"):
		l.log.Error("imap: " + msg)
	case strings.HasPrefix(msg, "cannot send response"), strings.HasPrefix(msg, "cannot write response"),
		strings.HasPrefix(msg, "cannot read command"), strings.HasPrefix(msg, "cannot send continuation"):
		l.log.Debug("imap: " + msg)
	default:
		l.log.Warn("imap: " + msg)
	}
}
