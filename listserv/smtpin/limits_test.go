package smtpin

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"os"
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
	srv := start(t, newService(t).Inbound(), Config{MaxConnsPerClient: 5, RateExempt: []netip.Prefix{}})
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

// expectGone checks that the server closed the connection, maybe with a
// reset, as it does when pipelined commands were left unread.
func (rc *rawConv) expectGone() {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
	if line, err := rc.c.ReadLine(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		rc.t.Fatalf("connection still open: read %q, %v", line, err)
	}
}

// A session that only NOOPs (or RSETs, or asks for HELP) holds a place
// without ever sending mail: after IdleCommands it is closed.
func TestIdleCommandsCut(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	for i := 0; i < 9; i++ {
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

// holdsFor sends up to max command groups (each answered with len(codes)
// replies) and returns how many groups were answered in full before the
// session was cut with 421, or max if it never was.
func holdsFor(rc *rawConv, max int, group string, codes ...int) int {
	rc.t.Helper()
	for i := 0; i < max; i++ {
		rc.send(group)
		for _, want := range codes {
			rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
			code, msg, err := rc.c.ReadResponse(0)
			if code == 421 {
				rc.expectGone()
				return i
			}
			if code != want {
				rc.t.Fatalf("group %d: reply %d %q (%v), want %d", i, code, msg, err, want)
			}
		}
	}
	return max
}

// The attack of /tmp/attack-findings/smtp_idle.py: one MAIL FROM switched
// the idle count off, so NOOPs went on for ever. A MAIL is no progress: the
// NOOPs after it are counted as before it (EHLO, MAIL, then at most nine).
func TestIdleCommandsCutAfterMail(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("MAIL FROM:<x@example.net>", 250)
	if n := holdsFor(rc, 40, "NOOP\r\n", 250); n > 8 {
		t.Errorf("after MAIL FROM %d NOOPs answered, want the session cut after at most 8", n)
	}
}

// MAIL and RSET in a loop: each cycle is an empty transaction, counted as
// one idle command.
func TestIdleMailRsetCycles(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{RateExempt: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	if n := holdsFor(rc, 40, "MAIL FROM:<x@example.net>\r\nRSET\r\n", 250, 250); n > 9 {
		t.Errorf("%d MAIL/RSET cycles answered, want the session cut after at most 9", n)
	}
	// Not pipelined either.
	rc = dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	n := 0
	for ; n < 40; n++ {
		if holdsFor(rc, 1, "MAIL FROM:<x@example.net>\r\n", 250) == 0 || holdsFor(rc, 1, "RSET\r\n", 250) == 0 {
			break
		}
	}
	if n > 9 {
		t.Errorf("%d MAIL/RSET cycles answered one by one, want the session cut after at most 9", n)
	}
}

// An accepted recipient is progress, but the NOOPs after it are still idle
// talk, and a transaction that names a list and resets, over and over,
// never sends mail: both are cut.
func TestIdleAfterAcceptedRecipient(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("MAIL FROM:<x@example.net>", 250)
	rc.cmd("RCPT TO:<cop@example.org>", 250)
	if n := holdsFor(rc, 40, "NOOP\r\n", 250); n != 10 {
		t.Errorf("after an accepted RCPT %d NOOPs answered, want 10 then 421", n)
	}

	rc = dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	if n := holdsFor(rc, 40, "MAIL FROM:<x@example.net>\r\nRCPT TO:<cop@example.org>\r\nRSET\r\n", 250, 250, 250); n > 11 {
		t.Errorf("%d abandoned transactions answered, want the session cut after at most 11", n)
	}
}

// After a MAIL the idle time still runs, also under TLS where the commands
// cannot be counted: a NOOP every few minutes held a slot for ever.
func TestIdleTimeAfterMailUnderTLS(t *testing.T) {
	cert := selfSigned(t)
	srv := start(t, newService(t).Inbound(), Config{IdleTime: 300 * time.Millisecond, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("STARTTLS", 220)
	tc := tls.Client(rc.conn, &tls.Config{InsecureSkipVerify: true})
	rc.conn, rc.c = tc, textproto.NewConn(tc)
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("MAIL FROM:<x@example.net>", 250)
	for i := 0; ; i++ {
		if i == 600 {
			t.Fatal("a session of NOOPs after MAIL FROM under TLS is never ended")
		}
		rc.send("NOOP\r\n")
		rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
		code, _, err := rc.c.ReadResponse(0)
		if code == 421 {
			break
		}
		if err != nil {
			t.Fatalf("NOOP %d: %d %v", i, code, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A session that delivers mail between its NOOPs is not idle.
func TestIdleCommandsNotCutWithMail(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{})
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
	srv := start(t, newService(t).Inbound(), Config{IdleTime: 300 * time.Millisecond, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
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
	srv := start(t, newService(t).Inbound(), Config{RefusedRcpts: 3, RefusedDelay: time.Millisecond})
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

// A harvester that reconnects does not start again: the refusals are
// counted per client address, across its sessions.
func TestRefusedRecipientsAcrossReconnects(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{RefusedRcpts: 3, RefusedDelay: time.Millisecond, RateExempt: []netip.Prefix{}})
	refusedIn := func(src string, max int) int {
		rc := dialFrom(t, src, srv.Addr().String())
		rc.expect(220)
		rc.cmd("EHLO client.example.net", 250)
		rc.cmd("MAIL FROM:<a@example.net>", 250)
		for i := 0; i < max; i++ {
			rc.send(fmt.Sprintf("RCPT TO:<guess%d@example.org>\r\n", i))
			rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
			code, msg, err := rc.c.ReadResponse(0)
			switch code {
			case 550:
				continue
			case 421:
				rc.expectClosed()
				return i
			}
			t.Fatalf("RCPT %d: %d %q %v", i, code, msg, err)
		}
		rc.cmd("QUIT", 221)
		return max
	}
	if n := refusedIn("127.0.0.1", 4); n != 4 {
		t.Fatalf("first session: %d refusals before 421, want 4", n)
	}
	// The sixth refusal in all closes the session, whatever the connection
	// (without the count per client: five more).
	if n := refusedIn("127.0.0.1", 10); n != 1 {
		t.Errorf("after reconnecting: %d refusals before 421, want 1", n)
	}
	if n := refusedIn("127.0.0.1", 10); n != 0 {
		t.Errorf("third session: %d refusals before 421, want 0", n)
	}
	// Another client is not held back.
	if n := refusedIn("127.0.0.2", 3); n != 3 {
		t.Errorf("another client: %d refusals before 421, want 3", n)
	}
}

// Refusals older than the window are forgotten, and so are clients with
// none left.
func TestRefusalsExpire(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	r := newRefusals(10*time.Minute, 20)
	r.now = func() time.Time { return now }
	for i := 1; i <= 3; i++ {
		if got := r.add("192.0.2.1"); got != i {
			t.Fatalf("add %d: count %d", i, got)
		}
	}
	r.add("192.0.2.2")
	now = now.Add(6 * time.Minute)
	if got := r.add("192.0.2.1"); got != 4 {
		t.Errorf("within the window: count %d, want 4", got)
	}
	now = now.Add(5 * time.Minute)
	if got := r.count("192.0.2.1"); got != 1 {
		t.Errorf("after the first three expired: count %d, want 1", got)
	}
	if got := r.count("192.0.2.2"); got != 0 {
		t.Errorf("expired client: count %d, want 0", got)
	}
	now = now.Add(11 * time.Minute)
	r.count("192.0.2.3")
	if len(r.at) != 0 {
		t.Errorf("%d clients kept with no refusal in the window, want 0", len(r.at))
	}
}

// holdConns opens n connections from src and returns how many were greeted
// (220) rather than refused.
func holdConns(t *testing.T, src, addr string, n int) int {
	t.Helper()
	greeted := 0
	for i := 0; i < n; i++ {
		rc := dialFrom(t, src, addr)
		rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
		code, msg, err := rc.c.ReadResponse(0)
		switch code {
		case 220:
			greeted++
		case 421:
		default:
			t.Fatalf("connection %d: %d %q %v", i, code, msg, err)
		}
	}
	return greeted
}

// A front MTA on loopback opens its destination concurrency and keeps more
// connections idle in its cache: the per-client cap deferred its mail.
// Exempt clients are not capped per client; the global cap still holds.
func TestConnectionCapExemptClient(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{MaxConnsPerClient: 3, MaxConns: 8})
	if n := holdConns(t, "127.0.0.1", srv.Addr().String(), 10); n != 8 {
		t.Errorf("loopback front MTA: %d of 10 connections greeted, want 8 (MaxConns)", n)
	}
}

// A negative max-connections-per-client turns the cap off (0 meant 20, so
// there was no way to).
func TestConnectionCapPerClientOff(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{MaxConnsPerClient: -1, RateExempt: []netip.Prefix{}})
	if n := holdConns(t, "127.0.0.1", srv.Addr().String(), 25); n != 25 {
		t.Errorf("no per-client cap: %d of 25 connections greeted, want 25", n)
	}
}

// rcpts sends one RCPT per address in a session from src and returns the
// reply codes, up to the 421 that closes it.
func rcpts(t *testing.T, src, addr string, lmtp bool, to ...string) []int {
	t.Helper()
	rc := dialFrom(t, src, addr)
	rc.expect(220)
	if lmtp {
		rc.cmd("LHLO mta.example.org", 250)
	} else {
		rc.cmd("EHLO client.example.net", 250)
	}
	rc.cmd("MAIL FROM:<a@example.net>", 250)
	var codes []int
	for _, a := range to {
		rc.send("RCPT TO:<" + a + ">\r\n")
		rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
		code, msg, err := rc.c.ReadResponse(0)
		if code != 250 && code != 550 && code != 421 {
			t.Fatalf("RCPT %s: %d %q %v", a, code, msg, err)
		}
		codes = append(codes, code)
		if code == 421 {
			rc.expectClosed()
			return codes
		}
	}
	rc.cmd("QUIT", 221)
	return codes
}

func guesses(n int) []string {
	var g []string
	for i := 0; i < n; i++ {
		g = append(g, fmt.Sprintf("guess%d@example.org", i))
	}
	return g
}

// The harvesting count closed every session of a client for the window,
// valid recipients included: a real list's mail got 421. A valid recipient
// is always accepted; only the guesses are held back.
func TestHarvesterStillReachesLists(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{RefusedRcpts: 3, RefusedDelay: time.Millisecond, RateExempt: []netip.Prefix{}})
	addr := srv.Addr().String()
	if got := rcpts(t, "127.0.0.1", addr, false, guesses(10)...); len(got) != 6 || got[5] != 421 {
		t.Fatalf("harvester: replies %v, want 421 at the 6th guess", got)
	}
	got := rcpts(t, "127.0.0.1", addr, false, "cop@example.org", "other@example.org", "guess9@example.org")
	if fmt.Sprint(got) != "[250 250 421]" {
		t.Errorf("same client after harvesting: replies %v, want [250 250 421]", got)
	}
}

// The scenario of the review: Postfix delivers over LMTP from loopback;
// spam to unknown addresses at the list domain closed every later LMTP
// session, and all list mail was deferred. An exempt client is counted per
// session only.
func TestFrontMTANotBlockedByHarvesting(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{LMTP: true, RefusedRcpts: 3, RefusedDelay: time.Millisecond})
	addr := srv.Addr().String()
	for i := 0; i < 3; i++ {
		if got := rcpts(t, "127.0.0.1", addr, true, guesses(10)...); len(got) != 6 || got[5] != 421 {
			t.Fatalf("spam session %d: replies %v, want 421 at the 6th guess", i, got)
		}
	}
	to := append(guesses(5), "cop@example.org")
	if got := rcpts(t, "127.0.0.1", addr, true, to...); fmt.Sprint(got) != "[550 550 550 550 550 250]" {
		t.Errorf("next LMTP session: replies %v, want five 550 and the list's 250", got)
	}
}

// The session closes at RefusedClose, not only at twice RefusedRcpts.
func TestRefusedCloseConfigurable(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{RefusedRcpts: 2, RefusedClose: 3, RefusedDelay: time.Millisecond, RateExempt: []netip.Prefix{}})
	if got := rcpts(t, "127.0.0.1", srv.Addr().String(), false, guesses(10)...); fmt.Sprint(got) != "[550 550 421]" {
		t.Errorf("replies %v, want [550 550 421]", got)
	}
}

// "DATA x" with recipients gets 501 from go-smtp, and the limiter went on
// believing a message followed: NOOPs were no longer counted.
func TestIdleCountedAfterRefusedData(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("MAIL FROM:<x@example.net>", 250)
	rc.cmd("RCPT TO:<cop@example.org>", 250)
	rc.cmd("DATA x", 501)
	if n := holdsFor(rc, 40, "NOOP\r\n", 250); n != 10 {
		t.Errorf("after a refused DATA %d NOOPs answered, want 10 then 421", n)
	}
	// A DATA taken is not cut: the message and the next session go on.
	rc = dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO client.example.net", 250)
	rc.cmd("MAIL FROM:<x@example.net>", 250)
	rc.cmd("RCPT TO:<cop@example.org>", 250)
	rc.cmd("DATA", 354)
	rc.send("Subject: x\r\n\r\n" + strings.Repeat("NOOP\r\n", 30) + ".\r\n")
	rc.expect(250)
	rc.cmd("QUIT", 221)
}
