package smtpin

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/listserv"
	"praxis/listserv/inbound"
	"praxis/listserv/store"
	"praxis/templates"
)

func newService(t *testing.T) *listserv.Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://127.0.0.1:8080", Hostname: "lists.example.org"}, templates.MustParse(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"cop@example.org", "other@example.org"} {
		if err := svc.CreateList(ctx, &listserv.List{Address: addr, Name: "CoP", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public"}); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

func start(t *testing.T, rcv inbound.Receiver, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.Hostname == "" {
		cfg.Hostname = "lists.example.org"
	}
	srv := New(cfg, rcv, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

// conv is a raw SMTP conversation, so tests see exact reply codes.
type conv struct {
	t *testing.T
	c *textproto.Conn
}

func dial(t *testing.T, addr string) *conv {
	t.Helper()
	c, err := textproto.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cv := &conv{t, c}
	cv.expect(220, "")
	return cv
}

// expect reads one reply and checks its code and that its text contains want.
func (cv *conv) expect(code int, want string) string {
	cv.t.Helper()
	got, msg, err := cv.c.ReadResponse(0)
	if got != code || !strings.Contains(msg, want) {
		cv.t.Fatalf("reply %d %q (err %v), want %d containing %q", got, msg, err, code, want)
	}
	return msg
}

func (cv *conv) cmd(code int, want, format string, args ...any) string {
	cv.t.Helper()
	if err := cv.c.PrintfLine(format, args...); err != nil {
		cv.t.Fatal(err)
	}
	return cv.expect(code, want)
}

func TestRecipients(t *testing.T) {
	svc := newService(t)
	must(t, svc.AddMember(context.Background(), "cop@example.org", &listserv.Member{Address: "owner@example.org", Role: listserv.RoleOwner}))
	srv := start(t, svc.Inbound(), Config{})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "EHLO client.example.net")
	cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
	cv.cmd(550, "5.1.1", "RCPT TO:<nobody@example.org>")
	// other@ has no owner, and no --admin is set: nobody would read it.
	cv.cmd(550, "5.2.1", "RCPT TO:<other-owner@example.org>")
	cv.cmd(550, "5.1.1", "RCPT TO:<cop+tag@example.org>")
	cv.cmd(550, "5.7.1", "RCPT TO:<victim@example.com>")
	cv.cmd(550, "5.7.1", "RCPT TO:<cop@example.org@example.com>")
	for _, rcpt := range []string{"cop@example.org", "COP-request@Example.org", "cop-join@example.org", "cop-leave@example.org", "cop-owner@example.org", "cop-confirm+tok@example.org", "cop-bounces+a=b.net@example.org"} {
		cv.cmd(250, "", "RCPT TO:<%s>", rcpt)
	}
	cv.cmd(354, "", "DATA")
	cv.c.PrintfLine("From: alice@example.net\r\nSubject: hi\r\n\r\nhello\r\n.")
	cv.expect(250, "")
	// Stored before the 250: every recipient's copy is in the spool now.
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	must(t, svc.ProcessReceived(context.Background()))
	kinds := map[string]bool{}
	for _, m := range ms {
		kinds[m.Kind] = true
	}
	if len(ms) != 7 || len(kinds) != 7 {
		t.Errorf("spooled %d messages of kinds %v, want one per recipient", len(ms), kinds)
	}
	cv.cmd(221, "", "QUIT")
}

func TestNoRecipientsNoData(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "EHLO client.example.net")
	cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
	cv.cmd(550, "", "RCPT TO:<x@example.com>")
	if err := cv.c.PrintfLine("DATA"); err != nil {
		t.Fatal(err)
	}
	code, _, _ := cv.c.ReadResponse(0)
	if code < 500 {
		t.Errorf("DATA without recipients: %d", code)
	}
}

func TestSizeLimit(t *testing.T) {
	svc := newService(t)
	srv := start(t, svc.Inbound(), Config{MaxMessageBytes: 2000})
	cv := dial(t, srv.Addr().String())
	msg := cv.cmd(250, "", "EHLO client.example.net")
	if !strings.Contains(msg, "SIZE 2000") {
		t.Errorf("EHLO does not announce SIZE 2000: %q", msg)
	}
	cv.cmd(552, "5.3.4", "MAIL FROM:<alice@example.net> SIZE=5000")
	cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
	cv.cmd(250, "", "RCPT TO:<cop@example.org>")
	cv.cmd(354, "", "DATA")
	cv.c.PrintfLine("Subject: big\r\n\r\n%s\r\n.", strings.Repeat("0123456789\r\n", 400))
	cv.expect(552, "5.3.4")
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 10)
	must(t, err)
	if len(ms) != 0 {
		t.Errorf("an oversize message was stored")
	}
}

func TestLMTPPerRecipient(t *testing.T) {
	svc := newService(t)
	srv := start(t, svc.Inbound(), Config{LMTP: true})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "LHLO mta.example.org")
	cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
	cv.cmd(250, "", "RCPT TO:<cop@example.org>")
	cv.cmd(550, "5.1.1", "RCPT TO:<ghost@example.org>")
	cv.cmd(250, "", "RCPT TO:<other@example.org>")
	// The second list disappears between RCPT and DATA: its recipient gets
	// its own temporary failure, the first its 250 (RFC 2033 §4.2).
	if err := svc.DeleteList(context.Background(), "other@example.org"); err != nil {
		t.Fatal(err)
	}
	cv.cmd(354, "", "DATA")
	cv.c.PrintfLine("From: alice@example.net\r\nSubject: hi\r\n\r\nhello\r\n.")
	cv.expect(250, "")
	cv.expect(451, "4.3.0")
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 10)
	must(t, err)
	if len(ms) != 1 || ms[0].ListAddress != "cop@example.org" {
		t.Errorf("stored %d messages, want 1 for cop@", len(ms))
	}
}

func TestConnectionCap(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{MaxConns: 1})
	first := dial(t, srv.Addr().String())
	c, err := textproto.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	code, msg, _ := c.ReadResponse(0)
	if code != 421 || !strings.Contains(msg, "4.7.0") {
		t.Errorf("second connection: %d %q, want 421 4.7.0", code, msg)
	}
	first.cmd(221, "", "QUIT")
	first.c.Close()
	// The slot is freed: a new connection is greeted.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := textproto.Dial("tcp", srv.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		code, _, _ := c.ReadResponse(0)
		c.Close()
		if code == 220 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slot never freed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRateLimit(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{RatePerSecond: 0.001, RateBurst: 2, RateExempt: []netip.Prefix{}})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "EHLO client.example.net")
	cv.cmd(250, "", "MAIL FROM:<a@example.net>")
	cv.cmd(250, "", "RSET")
	cv.cmd(250, "", "MAIL FROM:<a@example.net>")
	cv.cmd(250, "", "RSET")
	cv.cmd(451, "4.7.0", "MAIL FROM:<a@example.net>")
}

func TestLoopbackExemptFromRateLimit(t *testing.T) {
	srv := start(t, newService(t).Inbound(), Config{RatePerSecond: 0.001, RateBurst: 1})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "EHLO client.example.net")
	for i := 0; i < 5; i++ {
		cv.cmd(250, "", "MAIL FROM:<a@example.net>")
		cv.cmd(250, "", "RSET")
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lists.example.org"}, DNSNames: []string{"lists.example.org"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestSTARTTLS(t *testing.T) {
	svc := newService(t)
	cert := selfSigned(t)
	srv := start(t, svc.Inbound(), Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}})
	c, err := smtp.DialStartTLS(srv.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("no TLS after STARTTLS")
	}
	if err := c.SendMail("alice@example.net", []string{"cop@example.org"}, strings.NewReader("Subject: tls\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	// Without a certificate, STARTTLS is not offered.
	plain := start(t, svc.Inbound(), Config{})
	cv := dial(t, plain.Addr().String())
	if msg := cv.cmd(250, "", "EHLO x.example"); strings.Contains(msg, "STARTTLS") {
		t.Error("STARTTLS offered without a certificate")
	}
}

func TestShutdownFinishesData(t *testing.T) {
	svc := newService(t)
	srv := start(t, svc.Inbound(), Config{})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "EHLO client.example.net")
	cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
	cv.cmd(250, "", "RCPT TO:<cop@example.org>")
	// An idle client, connected but with no transaction, is ended.
	idle := dial(t, srv.Addr().String())
	idle.cmd(250, "", "EHLO idle.example.net")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- srv.Shutdown(ctx)
	}()
	time.Sleep(100 * time.Millisecond)
	cv.cmd(354, "", "DATA")
	cv.c.PrintfLine("Subject: during shutdown\r\n\r\nhi\r\n.")
	cv.expect(250, "")
	cv.c.PrintfLine("QUIT")
	idle.expect(421, "")
	if err := <-done; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 10)
	must(t, err)
	if len(ms) != 1 {
		t.Errorf("stored %d, want the message accepted during shutdown", len(ms))
	}
}

// A list address named twice, in any case, is one recipient: one copy.
func TestRepeatedRecipientSpooledOnce(t *testing.T) {
	svc := newService(t)
	srv := start(t, svc.Inbound(), Config{})
	cv := dial(t, srv.Addr().String())
	cv.cmd(250, "", "EHLO client.example.net")
	cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
	cv.cmd(250, "", "RCPT TO:<cop@example.org>")
	cv.cmd(250, "", "RCPT TO:<cop@example.org>")
	cv.cmd(250, "", "RCPT TO:<COP@Example.org>")
	cv.cmd(250, "", "RCPT TO:<other@example.org>")
	cv.cmd(354, "", "DATA")
	cv.c.PrintfLine("Subject: twice\r\n\r\nhi\r\n.")
	cv.expect(250, "")
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 10)
	must(t, err)
	if len(ms) != 2 {
		t.Errorf("spooled %d messages for two distinct lists, want 2", len(ms))
	}
}

// must stops the test at a setup step that failed.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
