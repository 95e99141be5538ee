package smtpin

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/textproto"
	"testing"
	"time"

	"praxis/listserv/store"
)

// replyWithin is how long a test waits for a reply before it calls the
// session hung: generous, so a busy machine never fails it, and far below
// the five-minute data timeout a hung session would wait for.
const replyWithin = 30 * time.Second

// rawConv speaks SMTP on a raw connection, so tests send exact bytes and
// bound every wait for a reply by a read deadline.
type rawConv struct {
	t    *testing.T
	conn net.Conn
	c    *textproto.Conn
}

func dialRaw(t *testing.T, addr string) *rawConv {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	rc := &rawConv{t: t, conn: conn, c: textproto.NewConn(conn)}
	rc.expect(220)
	return rc
}

func (rc *rawConv) expect(code int) string {
	rc.t.Helper()
	rc.conn.SetReadDeadline(time.Now().Add(replyWithin))
	got, msg, err := rc.c.ReadResponse(0)
	if got != code {
		rc.t.Fatalf("reply %d %q (err %v), want %d", got, msg, err, code)
	}
	return msg
}

func (rc *rawConv) send(b string) {
	rc.t.Helper()
	if _, err := rc.c.W.WriteString(b); err != nil {
		rc.t.Fatal(err)
	}
	if err := rc.c.W.Flush(); err != nil {
		rc.t.Fatal(err)
	}
}

func (rc *rawConv) cmd(line string, code int) string {
	rc.t.Helper()
	rc.send(line + "\r\n")
	return rc.expect(code)
}

func spooled(t *testing.T, svc interface {
	Store() *store.Store
}) [][]byte {
	t.Helper()
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, m := range ms {
		full, err := svc.Store().Message(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, full.Raw)
	}
	return out
}

// A last line that ends in CR CR LF, as nullmailer writes it, followed by
// the end of data: go-smtp alone never sees the end and the client waits
// until its timeout, then sends again for days.
func TestDataEndAfterCRCRLF(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"last line CR CR LF", "Subject: cr\r\n\r\nhello\r\r\n.\r\n", "Subject: cr\r\n\r\nhello\r\r\n"},
		{"stuffed dot after CR CR LF", "Subject: cr\r\n\r\na\r\r\n..b\r\n.\r\n", "Subject: cr\r\n\r\na\r\r\n.b\r\n"},
		{"stuffed dot then the end", "Subject: cr\r\n\r\na\r\r\n..\r\r\n.\r\n", "Subject: cr\r\n\r\na\r\r\n.\r\r\n"},
		{"three CRs are fine already", "Subject: cr\r\n\r\nx\r\r\r\n.\r\n", "Subject: cr\r\n\r\nx\r\r\r\n"},
		{"dot CR in a line", "Subject: cr\r\n\r\nx\r\r\n.\rY\r\n.\r\n", "Subject: cr\r\n\r\nx\r\r\n\rY\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc := newService(t)
			srv := start(t, svc.Inbound(), Config{})
			rc := dialRaw(t, srv.Addr().String())
			rc.cmd("EHLO nullmailer.example.net", 250)
			rc.cmd("MAIL FROM:<alice@example.net>", 250)
			rc.cmd("RCPT TO:<cop@example.org>", 250)
			rc.cmd("DATA", 354)
			rc.send(tc.data)
			rc.expect(250)
			// The session goes on as usual.
			rc.cmd("MAIL FROM:<alice@example.net>", 250)
			rc.cmd("RCPT TO:<cop@example.org>", 250)
			rc.cmd("DATA", 354)
			rc.send("Subject: second\r\n\r\nplain\r\n.\r\n")
			rc.expect(250)
			rc.cmd("QUIT", 221)
			got := spooled(t, svc)
			if len(got) != 2 || string(got[0]) != tc.want || !bytes.HasSuffix(got[1], []byte("plain\r\n")) {
				t.Errorf("stored %q, want %q and the second message", got, tc.want)
			}
		})
	}
}

// The same after STARTTLS, where the bytes under TLS cannot be looked at,
// and over LMTP.
func TestDataEndAfterCRCRLFTLSAndLMTP(t *testing.T) {
	svc := newService(t)
	cert := selfSigned(t)
	srv := start(t, svc.Inbound(), Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	rc := dialRaw(t, srv.Addr().String())
	rc.cmd("EHLO nullmailer.example.net", 250)
	rc.cmd("STARTTLS", 220)
	tc := tls.Client(rc.conn, &tls.Config{InsecureSkipVerify: true})
	rc.conn, rc.c = tc, textproto.NewConn(tc)
	rc.cmd("EHLO nullmailer.example.net", 250)
	rc.cmd("MAIL FROM:<alice@example.net>", 250)
	rc.cmd("RCPT TO:<cop@example.org>", 250)
	rc.cmd("DATA", 354)
	rc.send("Subject: tls\r\n\r\nhello\r\r\n.\r\n")
	rc.expect(250)
	rc.cmd("QUIT", 221)

	lmtp := start(t, svc.Inbound(), Config{LMTP: true})
	lc := dialRaw(t, lmtp.Addr().String())
	lc.cmd("LHLO mta.example.org", 250)
	lc.cmd("MAIL FROM:<alice@example.net>", 250)
	lc.cmd("RCPT TO:<cop@example.org>", 250)
	lc.cmd("RCPT TO:<other@example.org>", 250)
	lc.cmd("DATA", 354)
	lc.send("Subject: lmtp\r\n\r\nhello\r\r\n.\r\n")
	lc.expect(250)
	lc.expect(250)
	if got := spooled(t, svc); len(got) != 3 {
		t.Errorf("stored %d messages, want 3", len(got))
	}
}

// dataEnd alone, over the bytes go-smtp would pass on, cut at every point:
// the result does not depend on how the reads fall.
func TestDataEndSplitReads(t *testing.T) {
	// What go-smtp returns for "a\r\r\n..b\r\r\n.\r\nQUIT\r\n": it missed
	// both line starts, so the dots are still there.
	in := "a\r\r\n..b\r\r\n.\r\nQUIT\r\n"
	want := "a\r\r\n.b\r\r\n"
	for cut := 1; cut < len(in); cut++ {
		d := &dataEnd{r: &chunked{[]string{in[:cut], in[cut:]}}}
		var out []byte
		buf := make([]byte, 4)
		for i := 0; i < 100; i++ {
			n, err := d.Read(buf)
			out = append(out, buf[:n]...)
			if err != nil {
				break
			}
		}
		if string(out) != want || !d.found {
			t.Errorf("cut at %d: %q (end found %v), want %q", cut, out, d.found, want)
		}
	}
}

// chunked returns its parts in as many reads as it takes, at most a part
// per read.
type chunked struct{ parts []string }

func (c *chunked) Read(p []byte) (int, error) {
	for len(c.parts) > 0 && c.parts[0] == "" {
		c.parts = c.parts[1:]
	}
	if len(c.parts) == 0 {
		return 0, context.DeadlineExceeded
	}
	n := copy(p, c.parts[0])
	c.parts[0] = c.parts[0][n:]
	return n, nil
}
