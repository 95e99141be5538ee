package transport

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func testOptions() Options {
	return Options{Hostname: "praxis.test", DialTimeout: 5 * time.Second, CommandTimeout: 10 * time.Second}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func openSmarthost(t testing.TB, spec string, opts Options) Session {
	t.Helper()
	tr, err := Parse(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r := tr.Route("example.org"); r != "" {
		t.Errorf("smarthost Route = %q, want \"\"", r)
	}
	s, err := tr.Open(testCtx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSmarthostReusesConnection(t *testing.T) {
	k := startSink(t, sinkOptions{})
	s := openSmarthost(t, "smtp://"+k.addr+"?tls=none", testOptions())
	var want []sinkMsg
	for i := range 10 {
		from := fmt.Sprintf("list-bounces+u%d=example.org@lists.test", i)
		to := fmt.Sprintf("u%d@example.org", i)
		// Bare LF on purpose, and a line that needs dot-stuffing.
		msg := fmt.Sprintf("Subject: %d\n\nline\n.dot line\n", i)
		if err := s.Send(testCtx(t), from, to, []byte(msg)); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		want = append(want, sinkMsg{from: from, to: to, data: strings.ReplaceAll(msg, "\n", "\r\n")})
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	got := k.messages()
	if len(got) != len(want) {
		t.Fatalf("sink got %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if n := k.conns.Load(); n != 1 {
		t.Errorf("%d connections for 10 messages, want 1", n)
	}
	if helos, _ := k.seen(); len(helos) == 0 || helos[0] != "praxis.test" {
		t.Errorf("EHLO names %q, want praxis.test", helos)
	}
}

func TestSmarthostReplies(t *testing.T) {
	k := startSink(t, sinkOptions{})
	s := openSmarthost(t, "smtp://"+k.addr+"?tls=none", testOptions())
	tests := []struct {
		from, to      string
		wantTemporary bool
		wantCode      int
		wantEnhanced  string
		wantOp        string
	}{
		{"list@lists.test", "reject@example.org", false, 550, "5.1.1", "RCPT TO"},
		{"list@lists.test", "defer@example.org", true, 451, "4.7.1", "RCPT TO"},
		{"reject@lists.test", "a@example.org", false, 553, "5.1.7", "MAIL FROM"},
		{"list@lists.test", "dataerr@example.org", false, 554, "5.6.0", "end of DATA"},
		{"list@lists.test", "bad\r\nRCPT TO:<x@y>", false, 0, "5.1.3", "RCPT TO"},
	}
	for _, tt := range tests {
		t.Run(tt.to, func(t *testing.T) {
			err := s.Send(testCtx(t), tt.from, tt.to, []byte("Subject: x\r\n\r\nbody\r\n"))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Send error = %v, want *Error", err)
			}
			if e.Temporary != tt.wantTemporary || e.Code != tt.wantCode || e.Enhanced != tt.wantEnhanced || e.Op != tt.wantOp {
				t.Errorf("got Temporary=%v Code=%d Enhanced=%q Op=%q, want %v %d %q %q (%v)",
					e.Temporary, e.Code, e.Enhanced, e.Op, tt.wantTemporary, tt.wantCode, tt.wantEnhanced, tt.wantOp, e)
			}
			// The session survives a refused transaction.
			if err := s.Send(testCtx(t), "list@lists.test", "ok@example.org", []byte("Subject: ok\r\n\r\nok\r\n")); err != nil {
				t.Errorf("Send after the failure: %v", err)
			}
		})
	}
	if n := k.conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	if got := len(k.messages()); got != len(tests) {
		t.Errorf("sink got %d messages, want %d", got, len(tests))
	}
}

func TestSmarthost421BreaksSession(t *testing.T) {
	k := startSink(t, sinkOptions{})
	s := openSmarthost(t, "smtp://"+k.addr+"?tls=none", testOptions())
	err := s.Send(testCtx(t), "list@lists.test", "close@example.org", []byte("x\r\n"))
	var e *Error
	if !errors.As(err, &e) || !e.Temporary || e.Code != 421 {
		t.Fatalf("421: got %v, want temporary *Error with Code 421", err)
	}
	start := time.Now()
	err = s.Send(testCtx(t), "list@lists.test", "ok@example.org", []byte("x\r\n"))
	if !errors.As(err, &e) || !e.Temporary || e.Code != 0 {
		t.Errorf("Send on a broken session: got %v, want temporary *Error without code", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Send on a broken session took %v", d)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close of a broken session: %v", err)
	}
}

func TestSmarthostAuth(t *testing.T) {
	users := map[string]string{"praxis": "s3cret"}
	plain := startSink(t, sinkOptions{users: users})
	s := openSmarthost(t, "smtp://praxis:s3cret@"+plain.addr+"?tls=none", testOptions())
	if err := s.Send(testCtx(t), "list@lists.test", "a@example.org", []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, authed := plain.seen(); len(authed) != 1 || authed[0] != "praxis" {
		t.Errorf("server saw AUTH %v, want [praxis]", authed)
	}

	tr, err := Parse("smtp://praxis:wrong@"+plain.addr+"?tls=none", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Open(testCtx(t), "")
	var e *Error
	if !errors.As(err, &e) || e.Code != 535 || !e.Temporary || e.Op != "AUTH" {
		t.Errorf("wrong password: got %v, want a temporary 535 at AUTH", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error leaks the password: %v", err)
	}

	// Over STARTTLS: AUTH follows the second EHLO.
	srvTLS, pool := selfSigned(t)
	secure := startSink(t, sinkOptions{users: users, startTLS: srvTLS})
	opts := testOptions()
	opts.TLSConfig = &tls.Config{RootCAs: pool}
	s = openSmarthost(t, "smtp://praxis:s3cret@"+secure.addr+"?tls=starttls", opts)
	if err := s.Send(testCtx(t), "list@lists.test", "a@example.org", []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if m := secure.messages(); len(m) != 1 || !m[0].tls {
		t.Errorf("got %+v, want one message over TLS", m)
	}
	if _, authed := secure.seen(); len(authed) != 1 {
		t.Errorf("authenticated %v, want one AUTH after STARTTLS", authed)
	}
}

func TestSmarthostTLS(t *testing.T) {
	srvTLS, pool := selfSigned(t)
	trusting := testOptions()
	trusting.TLSConfig = &tls.Config{RootCAs: pool}
	withSTARTTLS := startSink(t, sinkOptions{startTLS: srvTLS})
	implicit := startSink(t, sinkOptions{implicit: srvTLS})
	plain := startSink(t, sinkOptions{})

	tests := []struct {
		name    string
		spec    string
		opts    Options
		k       *sink
		wantTLS bool
		wantErr string // substring; "" for success
	}{
		{"starttls", "smtp://" + withSTARTTLS.addr + "?tls=starttls", trusting, withSTARTTLS, true, ""},
		{"localhost name", "smtp://localhost:" + port(withSTARTTLS.addr) + "?tls=starttls", trusting, withSTARTTLS, true, ""},
		{"implicit", "smtp://" + implicit.addr + "?tls=implicit", trusting, implicit, true, ""},
		{"opportunistic offered", "smtp://" + withSTARTTLS.addr, trusting, withSTARTTLS, true, ""},
		{"opportunistic not offered", "smtp://" + plain.addr, trusting, plain, false, ""},
		{"none despite offer", "smtp://" + withSTARTTLS.addr + "?tls=none", trusting, withSTARTTLS, false, ""},
		{"starttls not offered", "smtp://" + plain.addr + "?tls=starttls", trusting, nil, false, "does not offer STARTTLS"},
		{"starttls untrusted", "smtp://" + withSTARTTLS.addr + "?tls=starttls", testOptions(), nil, false, "certificate"},
		{"implicit untrusted", "smtp://" + implicit.addr + "?tls=implicit", testOptions(), nil, false, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Parse(tt.spec, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			s, err := tr.Open(testCtx(t), "")
			if tt.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || !e.Temporary || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error = %v, want a temporary *Error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := len(tt.k.messages())
			if err := s.Send(testCtx(t), "list@lists.test", "a@example.org", []byte("x\r\n")); err != nil {
				t.Fatal(err)
			}
			m := tt.k.messages()
			if len(m) != before+1 || m[before].tls != tt.wantTLS {
				t.Errorf("message over TLS = %v, want %v", m[len(m)-1].tls, tt.wantTLS)
			}
		})
	}
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func TestSmarthostDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tr, err := Parse("smtp://"+addr, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Open(testCtx(t), "")
	var e *Error
	var op *net.OpError
	if !errors.As(err, &e) || !e.Temporary || e.Op != "connect" || !errors.As(err, &op) {
		t.Errorf("Open to a closed port = %v, want a temporary connect *Error wrapping the *net.OpError", err)
	}
}

// TestSendCancelled: a server that stops answering mid-transaction holds
// Send only until the context ends, and the session is then given up.
func TestSendCancelled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		c.Write([]byte("220 mute.test\r\n"))
		r.ReadString('\n') // EHLO
		c.Write([]byte("250 mute.test\r\n"))
		r.ReadString('\n') // MAIL FROM: no answer
		time.Sleep(5 * time.Second)
	}()
	s := openSmarthost(t, "smtp://"+ln.Addr().String(), testOptions())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = s.Send(ctx, "list@lists.test", "a@example.org", []byte("x\r\n"))
	var e *Error
	if !errors.As(err, &e) || !e.Temporary {
		t.Errorf("Send = %v, want a temporary *Error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v after a 200ms deadline", d)
	}
	if err := s.Send(testCtx(t), "list@lists.test", "a@example.org", []byte("x\r\n")); err == nil {
		t.Error("Send after a cut succeeded on the same session")
	}
}
