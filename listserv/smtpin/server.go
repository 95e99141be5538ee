package smtpin

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/listserv/inbound"
)

// Config of one receiver.
type Config struct {
	Addr     string // host:port to listen on
	LMTP     bool   // speak LMTP (RFC 2033) instead of SMTP
	Hostname string // greeting name
	// MaxMessageBytes is the size limit (SIZE, 552 5.3.4). Default 25 MB.
	MaxMessageBytes int64
	MaxRecipients   int           // per transaction; default 100
	ReadTimeout     time.Duration // default 5 minutes (RFC 5321 §4.5.3.2)
	WriteTimeout    time.Duration // default 1 minute
	// StoreTimeout bounds what one command waits on the store behind the
	// receiver (a recipient's lookup, the spool's commit): past it the
	// client gets 451 4.3.0 and tries later, rather than wait on a
	// database the network lost for as long as TCP takes to give up.
	// Default 2 minutes, within what a client waits for its reply to
	// RCPT (5 minutes) and to the end of DATA (10), RFC 5321 §4.5.3.2.
	StoreTimeout time.Duration
	MaxConns     int // concurrent connections; default 200
	// MaxConnsPerClient caps the concurrent connections of one client
	// address (an IPv6 /64 counts as one); default 20, negative for no cap.
	// Clients in RateExempt are not capped (MaxConns still counts them): a
	// front MTA opens up to its destination concurrency (Postfix: 20) and
	// keeps more idle in its connection cache, so any cap would defer its
	// mail under load.
	MaxConnsPerClient int
	// IdleCommands is how many commands in a row without a mail
	// transaction (NOOP, RSET, HELP, VRFY, EHLO...) a session may send
	// before it is closed with 421; default 10. IdleTime bounds the same
	// by time, also where commands cannot be counted (after STARTTLS);
	// default ReadTimeout.
	IdleCommands int
	IdleTime     time.Duration
	// RefusedRcpts is how many refused recipients a client may name before
	// each further one is answered after a growing delay (RefusedDelay
	// times its number beyond the limit); at RefusedClose the refused
	// recipient gets 421 and the session is closed. Defaults 10, 1s and
	// twice RefusedRcpts. Against address harvesting: a valid recipient is
	// always accepted, so only the guesses are held back. The refusals are
	// counted per client address (as MaxConnsPerClient counts), over the
	// last RefusedWindow (default 10 minutes), so that reconnecting does
	// not start the count again; except for clients in RateExempt, counted
	// per session: behind a front MTA every sender shares its address, and
	// one spammer's guesses must not defer everyone's mail.
	RefusedRcpts  int
	RefusedDelay  time.Duration
	RefusedClose  int
	RefusedWindow time.Duration
	// RatePerSecond and RateBurst limit transactions per client IP; 0 rate
	// disables. Defaults 10/s with a burst of 100.
	RatePerSecond float64
	RateBurst     int
	// RateExempt lists client networks not rate limited; default loopback,
	// where the front MTA of an LMTP set-up lives. Their address is not
	// asked about by the spam checks (SPF, blocklists): it is the front
	// MTA's, not the sender's (nor is an LMTP client's, wherever it is).
	RateExempt []netip.Prefix
	TLS        *tls.Config // enables STARTTLS when set
	// Memory is the budget for messages in transit, shared by the
	// receivers of a process; nil makes one of MemoryBytes for this one.
	Memory *Memory
	// MemoryBytes sizes the budget made when Memory is nil; default four
	// times MaxMessageBytes (room to store the largest message).
	MemoryBytes int64
	// MemoryPerMessage is how much of a message is kept in memory while
	// it arrives; beyond, it goes to a file in SpoolDir. Default 256 KiB.
	MemoryPerMessage int64
	// SpoolDir holds those files (unlinked at once); default the system's
	// temporary directory.
	SpoolDir string
}

func (c *Config) defaults() {
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = 25 << 20
	}
	if c.MaxRecipients == 0 {
		c.MaxRecipients = 100
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = 5 * time.Minute
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = time.Minute
	}
	if c.StoreTimeout == 0 {
		c.StoreTimeout = 2 * time.Minute
	}
	if c.MaxConns == 0 {
		c.MaxConns = 200
	}
	if c.MaxConnsPerClient == 0 {
		c.MaxConnsPerClient = 20
	}
	if c.IdleCommands == 0 {
		c.IdleCommands = 10
	}
	if c.IdleTime == 0 {
		c.IdleTime = c.ReadTimeout
	}
	if c.RefusedRcpts == 0 {
		c.RefusedRcpts = 10
	}
	if c.RefusedClose == 0 {
		c.RefusedClose = 2 * c.RefusedRcpts
	}
	if c.RefusedDelay == 0 {
		c.RefusedDelay = time.Second
	}
	if c.RefusedWindow == 0 {
		c.RefusedWindow = 10 * time.Minute
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond, c.RateBurst = 10, 100
	}
	if c.RateExempt == nil {
		c.RateExempt = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	if c.MemoryBytes == 0 {
		c.MemoryBytes = 4 * c.MaxMessageBytes
	}
	if c.MemoryPerMessage == 0 {
		c.MemoryPerMessage = 256 << 10
	}
	if c.SpoolDir == "" {
		c.SpoolDir = os.TempDir()
	}
	if c.Memory == nil {
		c.Memory = NewMemory(c.MemoryBytes)
	}
}

// Server receives mail for the lists of a Service.
type Server struct {
	cfg  Config
	rcv  inbound.Receiver
	log  *slog.Logger
	smtp *smtp.Server
	rate *rateLimiter
	// refusals counts refused recipients per client across its sessions.
	refusals *refusals
	ln       *connLimiter
	mem      *Memory
	ready    chan struct{}
	// busy counts Data and LMTPData calls in progress; once draining is
	// set no new one starts, so Shutdown can wait for them.
	bmu      sync.Mutex
	draining bool
	busy     sync.WaitGroup
}

// enter registers a DATA in progress; false once the server is draining.
func (s *Server) enter() bool {
	s.bmu.Lock()
	defer s.bmu.Unlock()
	if s.draining {
		return false
	}
	s.busy.Add(1)
	return true
}

// New builds a receiver; Listen and Serve start it.
func New(cfg Config, rcv inbound.Receiver, log *slog.Logger) *Server {
	cfg.defaults()
	s := &Server{cfg: cfg, rcv: rcv, log: log, rate: newRateLimiter(cfg.RatePerSecond, cfg.RateBurst), refusals: newRefusals(cfg.RefusedWindow, cfg.RefusedClose), mem: cfg.Memory, ready: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Addr
	srv.LMTP = cfg.LMTP
	srv.Domain = cfg.Hostname
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.EnableSMTPUTF8 = true
	// RFC 5321 §4.5.3.1.6 caps lines at 1000 octets, but real mail breaks
	// it (unwrapped HTML, long base64): accept long lines up to a bound that
	// still caps the memory a command line can take.
	srv.MaxLineLength = 256 << 10
	srv.TLSConfig = cfg.TLS
	srv.ErrorLog = slogErrorLog{log}
	s.smtp = srv
	return s
}

// Listen opens the listening socket; Addr then reports the bound address.
func (s *Server) Listen() error {
	if err := os.MkdirAll(s.cfg.SpoolDir, 0o700); err != nil {
		return fmt.Errorf("smtpin: spool dir: %w", err)
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtpin: listen %s: %w", s.cfg.Addr, err)
	}
	s.ln = limitConns(ln, s.cfg.MaxConns, s.cfg.MaxConnsPerClient, s.exemptAddr, idleRules{commands: s.cfg.IdleCommands, time: s.cfg.IdleTime})
	return nil
}

// Addr is the bound address after Listen.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve accepts connections until Shutdown.
func (s *Server) Serve() error {
	err := s.smtp.Serve(s.ln)
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, lets every message in DATA finish and get its
// reply, ends idle sessions, and waits until ctx ends; then it closes what
// is left.
func (s *Server) Shutdown(ctx context.Context) error {
	// go-smtp's Shutdown marks the server closed; but it only knows the
	// listeners its Serve registered and the connections it counted, and a
	// SIGTERM can come before Serve got that far. So the listener is closed
	// here too, and the connections waited for are our own.
	go s.smtp.Shutdown(ctx)
	s.ln.Close()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for s.ln.open() > 0 {
		s.ln.endIdle()
		select {
		case <-ctx.Done():
			// Out of time: cut every connection. A client cut before its
			// 250 sends again later; nothing with a 250 is lost.
			s.ln.closeAll()
		case <-tick.C:
		}
	}
	// No session method may still be storing when the caller closes the
	// store.
	s.bmu.Lock()
	s.draining = true
	s.bmu.Unlock()
	s.busy.Wait()
	return nil
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	remote := c.Conn().RemoteAddr().String()
	ip := ipOf(remote)
	return &session{srv: s, c: c, conn: connOf(c.Conn()), remote: remote, ip: ip, key: clientKey(c.Conn().RemoteAddr()), exempt: s.exempt(ip)}, nil
}

func ipOf(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// exempt tells whether a client IP is in RateExempt: not rate limited,
// not capped per client, and its refused recipients counted per session.
func (s *Server) exempt(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.cfg.RateExempt {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// exemptAddr is exempt for a connection's remote address.
func (s *Server) exemptAddr(remote net.Addr) bool { return s.exempt(ipOf(remote.String())) }

// session is one SMTP/LMTP transaction sequence on a connection.
type session struct {
	srv    *Server
	c      *smtp.Conn
	conn   *limitedConn // nil only in tests that bypass Listen
	remote string
	ip     string
	from   string
	routes []inbound.Route
	rcpts  []string
	// key is the client the refused recipients are counted for (see
	// harvest.go); refused is the count after the last refusal. exempt
	// clients (RateExempt) are counted in refused alone, per session.
	key     string
	refused int
	exempt  bool
}

var _ smtp.LMTPSession = (*session)(nil)

// Reset ends a transaction: go-smtp calls it on RSET and after DATA.
func (s *session) Reset() {
	s.clear()
	if s.conn != nil {
		s.conn.txEnd()
	}
}

func (s *session) clear() {
	s.from, s.routes, s.rcpts = "", nil, nil
	s.transaction(false)
}

func (s *session) Logout() error { return nil }

// transaction marks the connection as in a mail transaction (recipients
// accepted, DATA to come), so that a shutdown lets it finish.
func (s *session) transaction(on bool) {
	if s.conn != nil {
		s.conn.transaction(on)
	}
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.exempt && !s.srv.rate.allow(s.ip) {
		s.srv.log.Warn("rate limited", "remote", s.remote)
		return errRateLimited
	}
	s.clear()
	s.from = from
	if s.conn != nil {
		s.conn.txStart()
	}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !strings.Contains(to, "@") {
		return s.refuse(errBadAddress)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.StoreTimeout)
	defer cancel()
	r, err := s.srv.rcv.Resolve(ctx, to)
	if err != nil {
		if !errors.Is(err, inbound.ErrNoSuchAddress) && !errors.Is(err, inbound.ErrRelayDenied) && !errors.Is(err, inbound.ErrNoOwner) {
			return reply(s.srv.log, err, "remote", s.remote, "rcpt", to)
		}
		s.srv.log.Info("recipient refused", "remote", s.remote, "rcpt", to, "err", err)
		return s.refuse(reply(s.srv.log, err))
	}
	// The same list address named twice (in any case) is one recipient:
	// the post is spooled, and so relayed, once (RFC 5321 §3.3 lets a
	// server treat duplicate recipients as one).
	for _, seen := range s.routes {
		if seen == r {
			return nil
		}
	}
	s.routes = append(s.routes, r)
	s.rcpts = append(s.rcpts, to)
	s.transaction(true)
	return nil
}

// refuse answers a refused recipient. A client that names many tries
// addresses out (harvesting): past RefusedRcpts each further refusal waits
// longer, and at RefusedClose the session ends. Only refusals are held
// back: a valid recipient never comes here.
func (s *session) refuse(err error) error {
	if s.exempt {
		s.refused++
	} else {
		s.refused = s.srv.refusals.add(s.key)
	}
	limit := s.srv.cfg.RefusedRcpts
	if s.refused >= s.srv.cfg.RefusedClose {
		return s.harvesting()
	}
	if over := s.refused - limit; over > 0 {
		time.Sleep(time.Duration(over) * s.srv.cfg.RefusedDelay)
	}
	return err
}

// harvesting ends a session that named too many refused recipients: 421,
// then the connection closes (RFC 5321 §3.8).
func (s *session) harvesting() error {
	if s.refused == s.srv.cfg.RefusedClose {
		s.srv.log.Warn("too many refused recipients, closing", "remote", s.remote)
	}
	if s.conn != nil {
		s.conn.end()
	}
	return errTooManyRefused
}

func (s *session) Data(r io.Reader) error {
	if len(s.routes) == 0 {
		return errNoRcpt
	}
	return s.withData(r, func(env inbound.Envelope, raw []byte) error {
		ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.StoreTimeout)
		defer cancel()
		if err := s.srv.rcv.Receive(ctx, env, s.routes, raw); err != nil {
			return reply(s.srv.log, err, "remote", s.remote)
		}
		return nil
	})
}

// storeWait is how long a complete message waits for room in the memory
// budget to be stored before it is deferred (452): well within the ten
// minutes a client waits for its reply (RFC 5321 §4.5.3.2.6).
const storeWait = 3 * time.Minute

// receive reads DATA and returns the whole message once there is room to
// store it; release gives the room back. Errors are SMTP replies.
func (s *session) receive(r io.Reader) (raw []byte, release func(), err error) {
	msg, err := s.readMessage(r)
	if err != nil {
		return nil, nil, s.dataError(err)
	}
	defer msg.discard()
	ctx, cancel := context.WithTimeout(context.Background(), storeWait)
	defer cancel()
	raw, release, err = msg.bytes(ctx)
	if err != nil {
		if err == errNoMemory {
			s.srv.log.Warn("no memory to store a message", "remote", s.remote, "bytes", msg.size)
		}
		return nil, nil, s.dataError(err)
	}
	return raw, release, nil
}

func (s *session) dataError(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code == 552 {
		s.srv.log.Info("message too big", "remote", s.remote)
		return errTooBig
	}
	if errors.Is(err, smtp.ErrTooLongLine) {
		s.srv.log.Info("line too long", "remote", s.remote)
		return errLineTooLong
	}
	return reply(s.srv.log, err, "remote", s.remote)
}

// withData reads a DATA through the limits, unless the server is
// draining, and hands the bytes to hand; the transaction ends with it.
func (s *session) withData(r io.Reader, hand func(env inbound.Envelope, raw []byte) error) error {
	s.dataStart()
	defer s.transaction(false)
	if !s.srv.enter() {
		return errShuttingDown
	}
	defer s.srv.busy.Done()
	raw, release, err := s.receive(r)
	if err != nil {
		return err
	}
	defer release()
	env := inbound.Envelope{MailFrom: s.from, Remote: s.remote, HELO: s.c.Hostname()}
	// An LMTP client, and an SMTP client in RateExempt, is the front
	// MTA: its address says nothing of the sender's, so SPF and the
	// blocklists are not asked about it.
	if a, err := netip.ParseAddr(s.ip); err == nil && !s.exempt && !s.srv.cfg.LMTP {
		env.Client = a.Unmap()
	}
	return hand(env, raw)
}

// LMTPData stores the message once per recipient and reports each
// recipient's own status (RFC 2033 §4.2).
func (s *session) LMTPData(r io.Reader, status smtp.StatusCollector) error {
	return s.withData(r, func(env inbound.Envelope, raw []byte) error {
		// One bound for all of them: the client waits for every reply.
		ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.StoreTimeout)
		defer cancel()
		for i, route := range s.routes {
			err := s.srv.rcv.Receive(ctx, env, []inbound.Route{route}, raw)
			status.SetStatus(s.rcpts[i], reply(s.srv.log, err, "remote", s.remote, "rcpt", s.rcpts[i]))
		}
		return nil
	})
}

// slogErrorLog sends go-smtp's own error log lines to slog.
type slogErrorLog struct{ log *slog.Logger }

func (l slogErrorLog) Printf(format string, v ...any) {
	l.log.Warn("smtp server", "err", fmt.Sprintf(format, v...))
}

func (l slogErrorLog) Println(v ...any) {
	l.log.Warn("smtp server", "err", fmt.Sprint(v...))
}
