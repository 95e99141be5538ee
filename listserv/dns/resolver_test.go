package dns_test

import (
	"context"
	"net"
	"testing"
	"time"

	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
)

func TestNewResolverDefault(t *testing.T) {
	if got := dns.NewResolver(""); got != net.DefaultResolver {
		t.Errorf(`NewResolver("") = %p, want net.DefaultResolver`, got)
	}
}

// TestNewResolverUsesAddr checks that look-ups go to the given server and
// nowhere else: the name exists only in the test zone.
func TestNewResolverUsesAddr(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{"praxis.test": {dnstest.MX(10, "mail.praxis.test")}})
	r := dns.NewResolver(srv.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mxs, err := r.LookupMX(ctx, "praxis.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(mxs) != 1 || mxs[0].Host != "mail.praxis.test." {
		t.Errorf("LookupMX = %+v, want mail.praxis.test.", mxs)
	}
	if got := srv.Queries("praxis.test"); got != 1 {
		t.Errorf("server saw %d queries, want 1", got)
	}
}

// TestNewResolverDeadServer: with nothing listening, a look-up fails within
// the caller's deadline instead of hanging.
func TestNewResolverDeadServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := dns.NewResolver(addr)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := r.LookupMX(ctx, "praxis.test"); err == nil {
		t.Fatal("look-up against a dead server succeeded")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("look-up took %v", d)
	}
}
