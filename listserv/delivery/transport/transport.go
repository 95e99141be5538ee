package transport

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Transport opens sessions toward recipients' domains.
type Transport interface {
	// Route returns the key under which sessions can be reused for
	// rcptDomain ("" for a smarthost: one pool for all).
	Route(rcptDomain string) string
	// Open connects a session for the given route key (as returned by
	// Route).
	Open(ctx context.Context, route string) (Session, error)
}

// Session delivers messages one SMTP transaction at a time over one
// connection; it is not safe for concurrent use.
type Session interface {
	// Send runs one transaction MAIL FROM:<from> RCPT TO:<to> DATA msg.
	// After a failed transaction the session sends RSET so it stays
	// usable (when the connection is still alive); once the connection
	// is lost, Send fails at once with a temporary *Error and the caller
	// should Close the session and Open another.
	Send(ctx context.Context, from, to string, msg []byte) error
	// Close sends QUIT, then closes the connection.
	Close() error
}

// Defaults for Options, after RFC 5321 §4.5.3.2: servers get five minutes
// per command; connecting should not take anywhere near that.
const (
	DefaultDialTimeout    = 30 * time.Second
	DefaultCommandTimeout = 5 * time.Minute
	DefaultMXPort         = 25
)

// Options are the settings shared by the transports.
type Options struct {
	Hostname       string        // our EHLO name; default: the machine's name
	Resolver       *net.Resolver // for mx; nil: net.DefaultResolver
	MXPort         int           // port of MX hosts; default 25 (tests override)
	DialTimeout    time.Duration // default DefaultDialTimeout
	CommandTimeout time.Duration // per SMTP command; default DefaultCommandTimeout
	// TLSConfig is the base for verifying a smarthost (tests add their
	// root CAs here). It is never used for MX hosts, which are not
	// verified (see MX).
	TLSConfig *tls.Config
	Logger    *slog.Logger // default: discard
}

func (o Options) withDefaults() Options {
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
		if o.Hostname == "" {
			o.Hostname = "localhost"
		}
	}
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.MXPort == 0 {
		o.MXPort = DefaultMXPort
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = DefaultCommandTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Error classifies a failure for the retry logic.
type Error struct {
	// Temporary: retry later. True for 4xx replies, connection errors,
	// timeouts and DNS failures that are not a definite "no such
	// domain".
	Temporary bool
	Code      int    // SMTP reply code if there was one (0 otherwise)
	Enhanced  string // RFC 3463 status such as "5.1.1", if known
	// Message is the server's reply text, or else what went wrong here,
	// cause included: it is what a log line or a bounce shows.
	Message string
	// Op is the step that failed: "connect", "STARTTLS", "MAIL FROM",
	// "RCPT TO", "DATA", "MX lookup", "write"…
	Op  string
	Err error // wrapped cause
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Code != 0 {
		b.WriteString(strconv.Itoa(e.Code))
		b.WriteByte(' ')
	}
	if e.Enhanced != "" {
		b.WriteString(e.Enhanced)
		b.WriteByte(' ')
	}
	// Message is complete on its own (the queue records it as the
	// outcome's text); Err is there for errors.Is and errors.As.
	switch {
	case e.Message != "":
		b.WriteString(e.Message)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	return strings.TrimRight(b.String(), " ")
}

func (e *Error) Unwrap() error { return e.Err }

// temporary is a failure without a reply, worth retrying. The cause's
// text joins msg.
func temporary(op, enhanced, msg string, err error) *Error {
	return &Error{Temporary: true, Op: op, Enhanced: enhanced, Message: withCause(msg, err), Err: err}
}

// permanent is a failure without a reply that no retry will fix.
func permanent(op, enhanced, msg string, err error) *Error {
	return &Error{Op: op, Enhanced: enhanced, Message: withCause(msg, err), Err: err}
}

func withCause(msg string, err error) string {
	if err == nil {
		return msg
	}
	if msg == "" {
		return err.Error()
	}
	return msg + ": " + err.Error()
}

// hasLineBreak reports an address that would smuggle a command or header
// line into the dialogue (RFC 5321 §2.3.8: lines end only at CRLF).
func hasLineBreak(s string) bool {
	return strings.ContainsAny(s, "\r\n")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// OpEndOfData is the Op of a failure after the message's final dot was
// sent: the server may have taken the message before the connection failed.
const OpEndOfData = "end of DATA"

// MayHaveDelivered reports whether the failure came after the whole message
// was sent, so that sending it again at once could deliver it twice.
func (e *Error) MayHaveDelivered() bool { return e.Op == OpEndOfData }

// Redact hides the password of a delivery spec, for logs and errors.
func Redact(spec string) string { return redact(spec) }
