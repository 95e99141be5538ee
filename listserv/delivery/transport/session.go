package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// tlsMode says how a connection gets (or does not get) TLS.
type tlsMode int

const (
	tlsOpportunistic tlsMode = iota // STARTTLS when offered, else plaintext
	tlsStartTLS                     // STARTTLS or fail
	tlsImplicit                     // TLS from the first byte (RFC 8314 §3)
	tlsNone                         // plaintext
)

func (m tlsMode) String() string {
	switch m {
	case tlsStartTLS:
		return "starttls"
	case tlsImplicit:
		return "implicit"
	case tlsNone:
		return "none"
	}
	return "opportunistic"
}

// quitTimeout bounds the polite goodbye: a server that does not answer QUIT
// promptly is not worth waiting minutes for.
const quitTimeout = 10 * time.Second

// aLongTimeAgo is a deadline in the past, to interrupt blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// session is one SMTP connection carrying many transactions.
type session struct {
	c      *smtp.Client
	raw    net.Conn // the TCP connection under any TLS, for cancellation
	remote string   // host:port, for messages
	tls    bool

	utf8OK bool // server offers SMTPUTF8 (RFC 6531)
	// pipe runs the transactions when the server offers PIPELINING;
	// nil: go-smtp's client runs them, a command at a time.
	pipe     *pipeline
	mailOpts smtp.MailOptions // reused for every MAIL FROM
	broken   error            // why the connection can no longer be used
	closed   bool
}

var _ Session = (*session)(nil)

// dialParams is what connect needs to know about one connection.
type dialParams struct {
	addr      string // host:port to dial
	mode      tlsMode
	tlsConfig *tls.Config // with ServerName set; unused for tlsNone
	username  string      // AUTH PLAIN, when set
	password  string
}

// connect dials p.addr and brings the session to the point where MAIL FROM
// may follow: greeting, EHLO, TLS as p.mode asks, and AUTH.
func connect(ctx context.Context, o *Options, p dialParams) (*session, error) {
	d := net.Dialer{Timeout: o.DialTimeout}
	raw, err := d.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, temporary("connect", "4.4.1", "cannot connect to "+p.addr, err)
	}
	// Until the session is handed over, cancelling ctx interrupts
	// whatever read or write is blocked.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(aLongTimeAgo) })
	s, err := handshake(ctx, o, p, raw)
	if !stop() && err == nil {
		err = temporary("connect", "", "cancelled while connecting to "+p.addr, context.Cause(ctx))
	}
	if err != nil {
		raw.Close()
		return nil, err
	}
	return s, nil
}

func handshake(ctx context.Context, o *Options, p dialParams, raw net.Conn) (*session, error) {
	s := &session{raw: raw, remote: p.addr}
	var err error
	conn := raw // the connection the client talks on
	switch p.mode {
	case tlsImplicit:
		tc := tls.Client(raw, p.tlsConfig)
		raw.SetDeadline(time.Now().Add(o.CommandTimeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, temporary("TLS", "4.7.0", "TLS handshake with "+p.addr+" failed", err)
		}
		raw.SetDeadline(time.Time{})
		s.tls = true
		s.c, err = hello(o, p.addr, tc)
		conn = tc
	case tlsStartTLS, tlsOpportunistic:
		s.c, conn, s.tls, err = helloStartTLS(ctx, o, p, raw)
	default:
		s.c, err = hello(o, p.addr, raw)
	}
	if err != nil {
		return nil, err
	}
	s.utf8OK, _ = s.c.Extension("SMTPUTF8")

	if p.username != "" {
		if err := s.auth(p); err != nil {
			s.c.Close()
			return nil, err
		}
	}
	if ok, _ := s.c.Extension("PIPELINING"); ok {
		chunking, _ := s.c.Extension("CHUNKING")
		eightBit, _ := s.c.Extension("8BITMIME")
		size, _ := s.c.Extension("SIZE")
		s.pipe = newPipeline(conn, chunking, eightBit, size, o.CommandTimeout)
	}
	return s, nil
}

// dataReplyTimeout bounds the wait for the reply to a whole message: RFC
// 5321 §4.5.3.2.6 gives it ten minutes, twice the default command timeout.
func dataReplyTimeout(command time.Duration) time.Duration { return 2 * command }

// hello starts go-smtp's client on conn: it reads the greeting and says
// EHLO, or HELO to a server without ESMTP (RFC 5321 §4.1.4).
func hello(o *Options, addr string, conn net.Conn) (*smtp.Client, error) {
	c := smtp.NewClient(conn)
	c.CommandTimeout = o.CommandTimeout
	c.SubmissionTimeout = dataReplyTimeout(o.CommandTimeout)
	if err := c.Hello(o.Hostname); err != nil {
		c.Close()
		return nil, connectError("EHLO", addr, err)
	}
	return c, nil
}

// auth runs AUTH PLAIN (RFC 4616, RFC 4954). PLAIN sends the password as
// it is, so it goes only over TLS or to this machine.
func (s *session) auth(p dialParams) error {
	if !s.tls && !isLoopback(s.raw.RemoteAddr()) {
		return temporary("AUTH", "5.7.11", "refusing to send the password unencrypted to "+p.addr+"; use tls=starttls or tls=implicit", nil)
	}
	if !s.c.SupportsAuth("PLAIN") {
		return temporary("AUTH", "", p.addr+" does not offer AUTH PLAIN", nil)
	}
	if err := s.c.Auth(sasl.NewPlainClient("", p.username, p.password)); err != nil {
		return connectError("AUTH", p.addr, err)
	}
	return nil
}

// connectError classifies a failure before any transaction. A reply code
// is kept for the record, but the failure is always temporary: a smarthost
// refusing our EHLO or password, or an MX host refusing us, says nothing
// about the recipient, and mail should wait for the operator rather than
// bounce. (MX.Open decides separately when every host refused for good.)
func connectError(op, addr string, err error) *Error {
	e := classify(op, err)
	if e.Code == 0 {
		e.Message = "talking to " + addr + ": " + e.Message
	}
	e.Temporary = true
	return e
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// helloStartTLS says EHLO and, when the server offers it, STARTTLS and
// the TLS handshake (RFC 3207), then the fresh EHLO that RFC 3207 §4.2
// asks for. Without TLS the client that said the first EHLO goes on: a
// second EHLO on the same plaintext connection is one a strict server
// answers with 503, and it would defer every copy for ever.
//
// go-smtp's client cannot start TLS once it has said EHLO with our name,
// so STARTTLS is said here on the raw connection, and a new client takes
// the TLS connection with the greeting replayed to it.
func helloStartTLS(ctx context.Context, o *Options, p dialParams, raw net.Conn) (*smtp.Client, net.Conn, bool, error) {
	c, err := hello(o, p.addr, raw)
	if err != nil {
		return nil, nil, false, err
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		if p.mode == tlsStartTLS {
			c.Close()
			return nil, nil, false, temporary("STARTTLS", "4.7.0", p.addr+" does not offer STARTTLS, which tls=starttls requires", nil)
		}
		return c, raw, false, nil
	}

	raw.SetDeadline(time.Now().Add(o.CommandTimeout))
	defer raw.SetDeadline(time.Time{})
	// A reader of its own for the one reply: what it buffers beyond the
	// reply shows, which go-smtp's reader would hide.
	br := bufio.NewReaderSize(raw, 1024)
	_, err = io.WriteString(raw, "STARTTLS\r\n")
	if err == nil {
		_, _, err = textproto.NewReader(br).ReadResponse(220)
	}
	switch {
	case err != nil && !isReply(err):
		c.Close()
		return nil, nil, false, connectError("STARTTLS", p.addr, err)
	case err != nil && p.mode == tlsStartTLS:
		c.Close()
		return nil, nil, false, connectError("STARTTLS", p.addr, err)
	case err != nil:
		// A 454 (RFC 3207 §4): TLS refused, the dialogue goes on in
		// plaintext with the client that said EHLO, provided nothing
		// came that it would take for the next reply.
		if br.Buffered() > 0 {
			c.Close()
			return nil, nil, false, temporary("STARTTLS", "", p.addr+" sent data nobody asked for", nil)
		}
		return c, raw, false, nil
	}
	// Anything the server sent after its 220 arrived in plaintext and
	// would be taken for a reply under TLS: the response injection of
	// CVE-2011-0411. (Whatever go-smtp's reader held is dropped with it.)
	if br.Buffered() > 0 {
		c.Close()
		return nil, nil, false, temporary("STARTTLS", "4.7.0", p.addr+" sent data after its STARTTLS reply", nil)
	}
	tc := tls.Client(raw, p.tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, nil, false, temporary("STARTTLS", "4.7.0", p.addr, fmt.Errorf("%w: %w", errHandshake, err))
	}
	raw.SetDeadline(time.Time{})
	gc := &greetedConn{Conn: tc, replay: []byte(replayedGreeting)}
	tlsClient, err := hello(o, p.addr, gc)
	if err != nil {
		return nil, nil, false, err
	}
	return tlsClient, gc, true, nil
}

// errHandshake marks a failed STARTTLS handshake, after which MX delivery
// tries again without TLS.
var errHandshake = errors.New("TLS handshake failed")

const replayedGreeting = "220 greeting already read\r\n"

// greetedConn hands go-smtp's client a 220 greeting before the real
// stream, for a connection whose greeting was read before TLS started.
type greetedConn struct {
	net.Conn
	replay []byte
}

func (g *greetedConn) Read(b []byte) (int, error) {
	if len(g.replay) > 0 {
		n := copy(b, g.replay)
		g.replay = g.replay[n:]
		return n, nil
	}
	return g.Conn.Read(b)
}

func isReply(err error) bool {
	var te *textproto.Error
	var se *smtp.SMTPError
	return errors.As(err, &te) || errors.As(err, &se)
}

// reply extracts the SMTP reply from an error of go-smtp or net/textproto.
func reply(err error) (code int, enhanced, text string) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		ec := se.EnhancedCode
		if ec[0] >= 2 && ec[0] <= 5 {
			enhanced = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		return se.Code, enhanced, se.Message
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		enhanced, text = splitEnhanced(te.Msg)
		return te.Code, enhanced, text
	}
	return 0, "", ""
}

// splitEnhanced separates an RFC 2034 enhanced status code from the text
// of a reply.
func splitEnhanced(msg string) (enhanced, text string) {
	code, rest, ok := strings.Cut(msg, " ")
	if !ok {
		return "", msg
	}
	parts := strings.Split(code, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return "", msg
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 {
			return "", msg
		}
	}
	return code, rest
}

// classify turns an error from the SMTP dialogue into an *Error: 4xx
// replies are temporary and 5xx permanent (RFC 5321 §4.2.1); anything
// without a reply (a lost connection, a timeout) is temporary.
func classify(op string, err error) *Error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	code, enhanced, text := reply(err)
	if code == 0 {
		return temporary(op, "", "connection lost", err)
	}
	return &Error{
		Temporary: code/100 != 5,
		Code:      code,
		Enhanced:  enhanced,
		Message:   text,
		Op:        op,
		Err:       err,
	}
}

// Send runs one transaction. See Session.
func (s *session) Send(ctx context.Context, from, to string, msg []byte) error {
	if s.broken != nil {
		return temporary("send", "4.4.2", "connection to "+s.remote+" lost earlier", s.broken)
	}
	if err := ctx.Err(); err != nil {
		return temporary("send", "", "not sent", context.Cause(ctx))
	}
	if hasLineBreak(from) {
		return permanent("MAIL FROM", "5.1.7", "sender address contains a line break", nil)
	}
	if hasLineBreak(to) {
		return permanent("RCPT TO", "5.1.3", "recipient address contains a line break", nil)
	}
	// Only CRLF ends a line on the wire, whatever the message held: see
	// CRLF. A no-op (and no copy) for the queue's copies, already so.
	msg = CRLF(msg)
	s.mailOpts.UTF8 = false
	if !isASCII(from) || !isASCII(to) {
		// RFC 6531 §3.2: a non-ASCII address needs SMTPUTF8.
		if !s.utf8OK {
			return permanent("MAIL FROM", "5.6.7", s.remote+" does not offer SMTPUTF8, which a non-ASCII address needs", nil)
		}
		s.mailOpts.UTF8 = true
	} else if s.utf8OK && headerHas8Bit(msg) {
		// RFC 6532 headers; declaring them is only possible
		// where the server takes SMTPUTF8.
		s.mailOpts.UTF8 = true
	}
	// RFC 1870: the size lets the server refuse up front.
	s.mailOpts.Size = int64(len(msg))

	// Cancelling ctx interrupts the blocked read or write; the dialogue
	// is then out of step and the session is given up.
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { s.raw.SetDeadline(aLongTimeAgo) })
	}
	var op string
	var err error
	if s.pipe != nil {
		op, err = s.pipe.transaction(from, to, msg, s.mailOpts.UTF8)
	} else {
		op, err = s.transaction(from, to, msg)
	}
	var e *Error
	if err != nil {
		e = classify(op, err)
		// A 4xx or 5xx reply leaves the dialogue in step, except 421:
		// the server is closing the connection (RFC 5321 §3.8).
		if (e.Code/100 == 4 || e.Code/100 == 5) && e.Code != 421 {
			if rerr := s.reset(); rerr != nil {
				s.broken = fmt.Errorf("RSET after failed %s: %w", op, rerr)
			}
		} else {
			s.broken = err
		}
	}
	if stop != nil && !stop() && s.broken == nil {
		// The deadline was cut at some point: go-smtp's view of
		// the dialogue can no longer be trusted.
		s.broken = context.Cause(ctx)
	}
	if e == nil {
		return nil
	}
	return e
}

// reset says RSET after a refused transaction, on whichever client runs
// them.
func (s *session) reset() error {
	if s.pipe != nil {
		return s.pipe.command("RSET", 250)
	}
	return s.c.Reset()
}

func (s *session) transaction(from, to string, msg []byte) (string, error) {
	if err := s.c.Mail(from, &s.mailOpts); err != nil {
		return "MAIL FROM", err
	}
	if err := s.c.Rcpt(to, nil); err != nil {
		return "RCPT TO", err
	}
	w, err := s.c.Data()
	if err != nil {
		return "DATA", err
	}
	// One Write: go-smtp's dot-writer stuffs dots (RFC 5321 §4.5.2) as
	// it copies. It would turn a lone LF into CRLF but passes a lone CR
	// through, which is why Send made every line end in CRLF first.
	if _, err := w.Write(msg); err != nil {
		return "DATA", err
	}
	if err := w.Close(); err != nil {
		return OpEndOfData, err
	}
	return "", nil
}

// headerHas8Bit reports whether the header block holds raw non-ASCII
// bytes.
func headerHas8Bit(msg []byte) bool {
	for i, c := range msg {
		if c >= 0x80 {
			return true
		}
		if c == '\n' && i+1 < len(msg) && (msg[i+1] == '\n' || msg[i+1] == '\r') {
			return false // end of header
		}
	}
	return false
}

// Close sends QUIT and closes the connection. A session whose connection
// is already lost is just closed.
func (s *session) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.broken != nil {
		// The error would only repeat why the session broke.
		s.c.Close()
		return nil
	}
	if s.pipe != nil {
		s.pipe.cmdTimeout = min(s.pipe.cmdTimeout, quitTimeout)
		err := s.pipe.command("QUIT", 221)
		s.c.Close()
		if err != nil {
			return fmt.Errorf("QUIT to %s: %w", s.remote, err)
		}
		return nil
	}
	s.c.CommandTimeout = min(s.c.CommandTimeout, quitTimeout)
	if err := s.c.Quit(); err != nil {
		s.c.Close()
		return fmt.Errorf("QUIT to %s: %w", s.remote, err)
	}
	return nil
}
