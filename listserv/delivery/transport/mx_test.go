package transport

import (
	"crypto/tls"
	"errors"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
)

// mxZone points every test domain at 127.0.0.1 or at 127.0.0.2, where
// nothing listens (Linux routes all of 127/8 to loopback).
func mxZone() dnstest.Zone {
	return dnstest.Zone{
		"example.test": {
			dnstest.MX(10, "dead.example.test"),
			dnstest.MX(20, "mx.example.test"),
		},
		"dead.example.test":  {dnstest.A("127.0.0.2")},
		"mx.example.test":    {dnstest.A("127.0.0.1")},
		"null.test":          {dnstest.MX(0, ".")},
		"nomx.test":          {dnstest.A("127.0.0.1")},
		"alldead.test":       {dnstest.MX(10, "dead.example.test")},
		"ghosthosts.test":    {dnstest.MX(10, "ghost.example.test")},
		"tlsbroken.test":     {dnstest.MX(10, "mx.example.test")},
		"failing.test":       {dnstest.MX(10, "mx.example.test")},
		"equal.test":         {dnstest.MX(10, "mx.example.test"), dnstest.MX(10, "dead.example.test")},
		"deadthenghost.test": {dnstest.MX(5, "ghost.example.test"), dnstest.MX(10, "dead.example.test")},
	}
}

func newTestMX(t *testing.T, dnsAddr, sinkAddr string) *MX {
	t.Helper()
	p, err := strconv.Atoi(port(sinkAddr))
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions()
	opts.Resolver = dns.NewResolver(dnsAddr)
	opts.MXPort = p
	tr, err := Parse("mx", opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr.(*MX)
}

func TestMXRoute(t *testing.T) {
	m := NewMX(Options{})
	for _, tt := range []struct{ in, want string }{
		{"Example.ORG", "example.org"},
		{"example.org.", "example.org"},
		{"[127.0.0.1]", "[127.0.0.1]"},
	} {
		if got := m.Route(tt.in); got != tt.want {
			t.Errorf("Route(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMXDelivery(t *testing.T) {
	srvTLS, _ := selfSigned(t)
	k := startSink(t, sinkOptions{startTLS: srvTLS})
	zone := dnstest.Start(t, mxZone())
	m := newTestMX(t, zone.Addr(), k.addr)

	tests := []struct {
		name   string
		domain string
	}{
		{"first MX dead, second answers", "example.test"},
		{"no MX: the domain's own address", "nomx.test"},
		{"equal preferences", "equal.test"},
		{"address literal", "[127.0.0.1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(k.messages())
			s, err := m.Open(testCtx(t), m.Route(tt.domain))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Send(testCtx(t), "list@lists.test", "u@"+tt.domain, []byte("Subject: hi\r\n\r\nhi\r\n")); err != nil {
				t.Fatal(err)
			}
			got := k.messages()
			if len(got) != before+1 {
				t.Fatalf("sink has %d messages, want %d", len(got), before+1)
			}
			// Opportunistic TLS against a self-signed certificate.
			if !got[before].tls {
				t.Error("message not sent over STARTTLS")
			}
		})
	}
	if zone.Queries("dead.example.test") == 0 {
		t.Error("the preferred (dead) MX host was never tried")
	}
	if helos, _ := k.seen(); helos[0] != "praxis.test" {
		t.Errorf("EHLO %q, want praxis.test", helos[0])
	}
}

func TestMXFailures(t *testing.T) {
	k := startSink(t, sinkOptions{})
	zone := dnstest.Start(t, mxZone())
	zone.Fail("failing.test", dnsmessage.RCodeServerFailure)
	m := newTestMX(t, zone.Addr(), k.addr)

	tests := []struct {
		domain        string
		wantTemporary bool
		wantEnhanced  string
	}{
		{"null.test", false, "5.1.10"},
		{"nowhere.test", false, "5.1.2"},
		{"ghosthosts.test", false, "5.1.2"},
		{"failing.test", true, "4.4.3"},
		{"alldead.test", true, "4.4.1"},
		{"deadthenghost.test", true, "4.4.1"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			_, err := m.Open(testCtx(t), tt.domain)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Open = %v, want *Error", err)
			}
			if e.Temporary != tt.wantTemporary || e.Enhanced != tt.wantEnhanced {
				t.Errorf("got Temporary=%v Enhanced=%q, want %v %q (%v)", e.Temporary, e.Enhanced, tt.wantTemporary, tt.wantEnhanced, e)
			}
		})
	}
}

// TestMXTLSFallback: a server that offers STARTTLS but cannot complete the
// handshake still gets the mail, in plaintext on a second connection.
func TestMXTLSFallback(t *testing.T) {
	k := startSink(t, sinkOptions{startTLS: &tls.Config{}}) // no certificate
	zone := dnstest.Start(t, mxZone())
	m := newTestMX(t, zone.Addr(), k.addr)
	s, err := m.Open(testCtx(t), "tlsbroken.test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(testCtx(t), "list@lists.test", "u@tlsbroken.test", []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := k.messages(); len(got) != 1 || got[0].tls {
		t.Errorf("got %+v, want one message in plaintext", got)
	}
	if n := k.conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2 (TLS attempt, then plaintext)", n)
	}
}

// TestMXRejectingGreeting: when every host refuses the session for good, the
// failure is permanent and carries the server's reply.
func TestMXRejectingGreeting(t *testing.T) {
	addr := fakeServer(t, "554 5.7.1 no service here\r\n")
	zone := dnstest.Start(t, mxZone())
	m := newTestMX(t, zone.Addr(), addr)
	_, err := m.Open(testCtx(t), "nomx.test")
	var e *Error
	if !errors.As(err, &e) || e.Temporary || e.Code != 554 || e.Enhanced != "5.7.1" {
		t.Errorf("Open = %v, want a permanent 554 5.7.1", err)
	}
}

func TestMXOrder(t *testing.T) {
	zone := dnstest.Start(t, dnstest.Zone{
		"order.test": {
			dnstest.MX(30, "c.order.test"),
			dnstest.MX(10, "A.order.test."),
			dnstest.MX(20, "b.order.test"),
			dnstest.MX(20, "b.order.test"),
		},
	})
	m := NewMX(Options{Resolver: dns.NewResolver(zone.Addr())})
	got, implicit, err := m.exchangers(testCtx(t), "order.test")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.order.test", "b.order.test", "c.order.test"}
	if implicit || !slices.Equal(got, want) {
		t.Errorf("exchangers = %v (implicit %v), want %v", got, implicit, want)
	}
}
