package imapin

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// startTLS does what imap:// needs before go-imap's client takes the
// connection: read the greeting, ask CAPABILITY, and run STARTTLS (RFC
// 3501 §6.2.1) when it is offered. It is done here rather than with the
// client's StartTLS so that the literal guard (literal.go) can sit on the
// plaintext above TLS. The returned conn replays a greeting for the
// client. offered tells whether TLS is now on.
func startTLS(ctx context.Context, conn net.Conn, cfg *tls.Config, timeout time.Duration) (out net.Conn, offered bool, err error) {
	conn.SetDeadline(time.Now().Add(timeout))
	defer conn.SetDeadline(time.Time{})
	br := bufio.NewReader(io.LimitReader(conn, 64<<10)) // a greeting and capabilities, no more
	greeting, err := readLine(br)
	if err != nil {
		return nil, false, fmt.Errorf("greeting: %w", err)
	}
	if !strings.HasPrefix(greeting, "* OK") {
		return nil, false, fmt.Errorf("greeting %q: not ready", clip(greeting))
	}
	lines, err := command(conn, br, "P1", "CAPABILITY")
	if err != nil {
		return nil, false, err
	}
	for _, l := range lines {
		if up := strings.ToUpper(l); strings.HasPrefix(up, "* CAPABILITY ") && hasWord(up, "STARTTLS") {
			offered = true
		}
	}
	if !offered {
		// The rest of the conversation goes through the buffer (it may
		// hold bytes already), after the greeting replayed.
		rest := io.MultiReader(strings.NewReader(greeting+"\r\n"), br, conn)
		return &prefaced{Conn: conn, r: rest}, false, nil
	}
	if _, err := command(conn, br, "P2", "STARTTLS"); err != nil {
		return nil, false, err
	}
	// Anything sent after the OK and before the handshake is plaintext
	// someone injected (the STARTTLS injection attack): refuse it.
	if br.Buffered() > 0 {
		return nil, false, errors.New("STARTTLS: the server sent data before the TLS handshake")
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, false, fmt.Errorf("STARTTLS handshake: %w", err)
	}
	return &prefaced{Conn: tc, r: io.MultiReader(strings.NewReader("* OK TLS on\r\n"), tc)}, true, nil
}

// command sends one command and returns the untagged lines before its
// tagged answer, which must be OK.
func command(conn net.Conn, br *bufio.Reader, tag, cmd string) ([]string, error) {
	if _, err := fmt.Fprintf(conn, "%s %s\r\n", tag, cmd); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd, err)
	}
	var lines []string
	for {
		l, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cmd, err)
		}
		if rest, ok := strings.CutPrefix(l, tag+" "); ok {
			if !strings.HasPrefix(strings.ToUpper(rest), "OK") {
				return nil, fmt.Errorf("%s: %s", cmd, clip(rest))
			}
			return lines, nil
		}
		lines = append(lines, l)
	}
}

func readLine(br *bufio.Reader) (string, error) {
	l, err := br.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(l, "\r\n"), nil
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}

// clip shortens a server's words for an error message.
func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// prefaced is a connection whose reads come from r (a replayed greeting,
// then the connection).
type prefaced struct {
	net.Conn
	r io.Reader
}

func (p *prefaced) Read(b []byte) (int, error) { return p.r.Read(b) }
