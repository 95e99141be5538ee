package imapview

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// startTLS turns a raw session into one over TLS (STARTTLS, RFC 3501
// §6.2.1) and returns the session spoken inside it.
func (s *raw) startTLS() *raw {
	s.t.Helper()
	s.ok("STARTTLS")
	tc := tls.Client(s.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		s.t.Fatalf("TLS handshake after STARTTLS: %v", err)
	}
	return &raw{t: s.t, conn: tc, r: bufio.NewReader(tc)}
}

// TestStartTLSKeepsTheLineGuard: after STARTTLS the command lines inside
// the TLS session are held to the limit as before it (the guard under the
// TLS session would count ciphertext, where a newline is one byte in 256):
// a literal longer than a line still passes, an endless line closes the
// session, and the server answers the next client.
func TestStartTLSKeepsTheLineGuard(t *testing.T) {
	f := newFixture(t, 2, func(c *Config, _ *Deps) { c.TLS = selfSigned(t) })
	f.srv.trustLoopback.Store(false)

	s := f.raw(t).startTLS()
	s.ok("LOGIN bob@example.net bob-pass")
	s.ok("SELECT %s", f.prv.Address)
	// A literal is not part of the line: 20000 bytes of one (over the 8
	// KiB a line may hold) are read whole and searched for.
	word := strings.Repeat("x", 20000)
	if u, d := s.cmd("SEARCH SUBJECT {%d+}\r\n%s", len(word), word); !strings.HasPrefix(d, "OK") || strings.Join(u, "") != "* SEARCH\r\n" {
		t.Errorf("a long literal after STARTTLS: %q %q", u, d)
	}

	// A line far over the limit: the session ends (BYE, then the close;
	// the client may see the close as a reset), it is not read on.
	chunk := bytes.Repeat([]byte("A"), 4096)
	var werr error
	if _, werr = io.WriteString(s.conn, "t9 SEARCH SUBJECT "); werr == nil {
		for i := 0; i < 16 && werr == nil; i++ {
			_, werr = s.conn.Write(chunk)
		}
	}
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, rerr := io.ReadAll(s.r)
	var ne net.Error
	if errors.As(rerr, &ne) && ne.Timeout() {
		t.Fatalf("an endless line after STARTTLS left the session open (%q, write error %v)", rest, werr)
	}
	if len(rest) > 0 && !strings.HasPrefix(string(rest), "* BYE") {
		t.Errorf("an endless line after STARTTLS answered %q", rest)
	}

	// The server goes on: a new client starts TLS and reads the list.
	n := f.raw(t).startTLS()
	n.ok("LOGIN bob@example.net bob-pass")
	if u := strings.Join(n.ok("SELECT %s", f.prv.Address), ""); !strings.Contains(u, "* 2 EXISTS") {
		t.Errorf("SELECT after the endless line: %q", u)
	}
}

// TestStartTLSPasswords: a peer that is not loopback may send a password
// only after STARTTLS, by LOGIN and by AUTHENTICATE PLAIN alike; the
// capabilities say so before and after.
func TestStartTLSPasswords(t *testing.T) {
	f := newFixture(t, 1, func(c *Config, _ *Deps) { c.TLS = selfSigned(t) })
	f.srv.trustLoopback.Store(false)

	clear := f.raw(t)
	caps := strings.Join(clear.ok("CAPABILITY"), "")
	if !strings.Contains(caps, "STARTTLS") || !strings.Contains(caps, "LOGINDISABLED") || strings.Contains(caps, "AUTH=PLAIN") {
		t.Errorf("CAPABILITY in the clear = %q", caps)
	}
	if _, d := clear.cmd("LOGIN bob@example.net bob-pass"); !strings.HasPrefix(d, "NO [PRIVACYREQUIRED]") {
		t.Errorf("LOGIN in the clear: %q", d)
	}

	for i, login := range []string{"LOGIN bob@example.net bob-pass", "AUTHENTICATE PLAIN AGJvYkBleGFtcGxlLm5ldABib2ItcGFzcw=="} {
		s := f.raw(t).startTLS()
		caps := strings.Join(s.ok("CAPABILITY"), "")
		if strings.Contains(caps, "STARTTLS") || strings.Contains(caps, "LOGINDISABLED") || !strings.Contains(caps, "AUTH=PLAIN") {
			t.Errorf("%d: CAPABILITY after STARTTLS = %q", i, caps)
		}
		if _, d := s.cmd("STARTTLS"); !strings.HasPrefix(d, "BAD") && !strings.HasPrefix(d, "NO") {
			t.Errorf("%d: a second STARTTLS: %q", i, d)
		}
		if _, d := s.cmd("%s", login); !strings.HasPrefix(d, "OK") {
			t.Fatalf("%d: %s after STARTTLS: %q", i, strings.Fields(login)[0], d)
		}
		if u := strings.Join(s.ok("SELECT %s", f.prv.Address), ""); !strings.Contains(u, "* 1 EXISTS") {
			t.Errorf("%d: the private list after STARTTLS: %q", i, u)
		}
		s.ok("LOGOUT")
	}

	// A wrong password after STARTTLS is still wrong.
	s := f.raw(t).startTLS()
	if _, d := s.cmd("LOGIN bob@example.net nope"); !strings.HasPrefix(d, "NO [AUTHENTICATIONFAILED]") {
		t.Errorf("a wrong password after STARTTLS: %q", d)
	}
	fmt.Fprintf(s.conn, "x LOGOUT\r\n")
}
