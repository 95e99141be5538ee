package smtpin

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// dialFrom connects from a given loopback source address.
func dialFrom(t *testing.T, src, addr string) *rawConv {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawConv{t: t, conn: conn, c: textproto.NewConn(conn)}
}

// One client holding many idle connections locked everyone out: now it
// locks out only itself, and others still get in.
func TestConnectionCapPerClient(t *testing.T) {
	srv := start(t, newService(t), Config{MaxConnsPerClient: 5})
	addr := srv.Addr().String()
	var held []*rawConv
	for i := 0; i < 5; i++ {
		rc := dialFrom(t, "127.0.0.1", addr)
		rc.expect(220)
		held = append(held, rc)
	}
	for i := 0; i < 3; i++ {
		rc := dialFrom(t, "127.0.0.1", addr)
		if msg := rc.expect(421); !strings.Contains(msg, "4.7.0") || !strings.Contains(msg, "your address") {
			t.Errorf("excess connection: %q, want 421 4.7.0 for this address", msg)
		}
	}
	other := dialFrom(t, "127.0.0.2", addr)
	other.expect(220)
	other.cmd("QUIT", 221)
	// A closed connection gives its place back.
	held[0].cmd("QUIT", 221)
	held[0].conn.Close()
	for i := 0; ; i++ {
		rc := dialFrom(t, "127.0.0.1", addr)
		rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
		code, _, _ := rc.c.ReadResponse(0)
		rc.conn.Close()
		if code == 220 {
			break
		}
		if i == 500 {
			t.Fatal("the place of a closed connection is never given back")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"192.0.2.1:25", "192.0.2.1:26"},
		{"[2001:db8:1:2::1]:25", "[2001:db8:1:2:ffff::9]:40000"},
		{"[::ffff:192.0.2.1]:25", "192.0.2.1:1"},
	} {
		ka, kb := clientKey(net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tc.a))), clientKey(net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tc.b)))
		if ka != kb {
			t.Errorf("%s and %s count apart (%s, %s), want as one client", tc.a, tc.b, ka, kb)
		}
	}
	if clientKey(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2::1")}) == clientKey(&net.TCPAddr{IP: net.ParseIP("2001:db8:1:3::1")}) {
		t.Error("two IPv6 /64s count as one client")
	}
}

// expectClosed checks that the server closed the connection.
func (rc *rawConv) expectClosed() {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
	line, err := rc.c.ReadLine()
	if !errors.Is(err, io.EOF) {
		rc.t.Fatalf("connection still open: read %q, %v", line, err)
	}
}

// A session that only NOOPs (or RSETs, or asks for HELP) holds a place
// without ever sending mail: after IdleCommands it is closed.
func TestIdleCommandsCut(t *testing.T) {
	srv := start(t, newService(t), Config{})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	for i := 0; i < 4; i++ {
		rc.cmd("NOOP", 250)
	}
	// A transaction starts the count again.
	rc.cmd("MAIL FROM:<a@example.net>", 250)
	rc.cmd("RSET", 250)
	for i := 0; i < 10; i++ {
		rc.cmd([]string{"NOOP", "RSET", "HELP"}[i%3], map[int]int{0: 250, 1: 250, 2: 502}[i%3])
	}
	if msg := rc.cmd("NOOP", 421); !strings.Contains(msg, "4.7.0") {
		t.Errorf("11th idle command: %q, want 421 4.7.0", msg)
	}
	rc.expectClosed()

	// Pipelined, all at once: the first ten answered, then 421.
	p := dialRaw(t, srv.Addr().String())
	p.send(strings.Repeat("NOOP\r\n", 30))
	for i := 0; i < 10; i++ {
		p.expect(250)
	}
	p.expect(421)
	p.expectClosed()
}

// A session that delivers mail between its NOOPs is not idle.
func TestIdleCommandsNotCutWithMail(t *testing.T) {
	srv := start(t, newService(t), Config{})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	for round := 0; round < 3; round++ {
		for i := 0; i < 8; i++ {
			rc.cmd("NOOP", 250)
		}
		rc.cmd("MAIL FROM:<a@example.net>", 250)
		rc.cmd("RCPT TO:<cop@example.org>", 250)
		rc.cmd("DATA", 354)
		rc.send(fmt.Sprintf("Subject: %d\r\n\r\n%s.\r\n", round, strings.Repeat("NOOP\r\n", 20)))
		rc.expect(250)
	}
	rc.cmd("QUIT", 221)
}

// Under TLS the commands cannot be counted; the time without a transaction
// still ends the session.
func TestIdleTimeUnderTLS(t *testing.T) {
	cert := selfSigned(t)
	srv := start(t, newService(t), Config{IdleTime: 300 * time.Millisecond, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("STARTTLS", 220)
	tc := tls.Client(rc.conn, &tls.Config{InsecureSkipVerify: true})
	rc.conn, rc.c = tc, textproto.NewConn(tc)
	rc.cmd("EHLO client.example.net", 250)
	// NOOP every 50 ms: without the bound this goes on for ever.
	for i := 0; ; i++ {
		if i == 600 {
			t.Fatal("a session of NOOPs under TLS is never ended")
		}
		rc.send("NOOP\r\n")
		rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
		code, _, err := rc.c.ReadResponse(0)
		if err != nil && code != 421 {
			t.Fatalf("NOOP %d: %d %v", i, code, err)
		}
		if code == 421 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Trying addresses out: past RefusedRcpts the refusals slow down, and at
// twice as many the session ends.
func TestRefusedRecipientsHarvesting(t *testing.T) {
	srv := start(t, newService(t), Config{RefusedRcpts: 3, RefusedDelay: time.Millisecond})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("MAIL FROM:<a@example.net>", 250)
	rc.cmd("RCPT TO:<cop@example.org>", 250)
	for i := 0; i < 5; i++ {
		rc.cmd(fmt.Sprintf("RCPT TO:<guess%d@example.org>", i), 550)
	}
	if msg := rc.cmd("RCPT TO:<guess5@example.org>", 421); !strings.Contains(msg, "4.7.0") {
		t.Errorf("6th refused recipient: %q, want 421 4.7.0", msg)
	}
	rc.expectClosed()
}
