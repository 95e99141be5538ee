package dnstest_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
)

func testZone() dnstest.Zone {
	return dnstest.Zone{
		"example.test": {
			dnstest.MX(20, "mx2.example.test"),
			dnstest.MX(10, "MX1.example.test."),
			dnstest.TXT("v=spf1 -all"),
		},
		"mx1.example.test":        {dnstest.A("192.0.2.1"), dnstest.AAAA("2001:db8::1")},
		"mx2.example.test":        {dnstest.A("192.0.2.2")},
		"alias.example.test":      {dnstest.CNAME("mx2.example.test")},
		"long.example.test":       {dnstest.TXT(strings.Repeat("a", 600))},
		"huge.example.test":       {dnstest.TXT(strings.Repeat("b", 3000))},
		"a.b.nonterminal.test":    {dnstest.A("192.0.2.9")},
		"null.example.test":       {dnstest.MX(0, ".")},
		"_dmarc.example.test":     {dnstest.TXT("v=DMARC1; p=reject")},
		"only-v6.example.test":    {dnstest.AAAA("2001:db8::6")},
		"MixedCase.Example.Test.": {dnstest.A("192.0.2.7")},
	}
}

func lookupCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLookupMX(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	r := dns.NewResolver(srv.Addr())
	mxs, err := r.LookupMX(lookupCtx(t), "example.test")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, mx := range mxs {
		got = append(got, mx.Host+"/"+string(rune('0'+mx.Pref/10)))
	}
	want := []string{"mx1.example.test./1", "mx2.example.test./2"}
	if !slices.Equal(got, want) {
		t.Errorf("LookupMX = %v, want %v", got, want)
	}

	mxs, err = r.LookupMX(lookupCtx(t), "null.example.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(mxs) != 1 || mxs[0].Host != "." || mxs[0].Pref != 0 {
		t.Errorf("null MX = %+v, want one record 0 .", mxs)
	}
}

func TestLookupTXT(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	r := dns.NewResolver(srv.Addr())
	tests := []struct {
		name string
		want string
	}{
		{"example.test", "v=spf1 -all"},
		{"_dmarc.example.test", "v=DMARC1; p=reject"},
		// Three character-strings, joined again by the resolver.
		{"long.example.test", strings.Repeat("a", 600)},
		// Too big for UDP: truncated, then retried over TCP.
		{"huge.example.test", strings.Repeat("b", 3000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.LookupTXT(lookupCtx(t), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("LookupTXT(%s) = %d records %.40q…, want %.40q…", tt.name, len(got), got, tt.want)
			}
		})
	}
}

func TestLookupHost(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	r := dns.NewResolver(srv.Addr())
	tests := []struct {
		name string
		want []string
	}{
		{"mx1.example.test", []string{"192.0.2.1", "2001:db8::1"}},
		{"mx2.example.test", []string{"192.0.2.2"}},
		{"alias.example.test", []string{"192.0.2.2"}},
		{"only-v6.example.test", []string{"2001:db8::6"}},
		{"mixedcase.example.test", []string{"192.0.2.7"}},
		{"MIXEDCASE.EXAMPLE.TEST", []string{"192.0.2.7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.LookupHost(lookupCtx(t), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("LookupHost(%s) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	r := dns.NewResolver(srv.Addr())
	for _, name := range []string{"nowhere.example.test", "nonterminal.test", "b.nonterminal.test"} {
		_, err := r.LookupHost(lookupCtx(t), name)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Errorf("LookupHost(%s) error = %v, want a not-found *net.DNSError", name, err)
		}
		if n := srv.Queries(name); n == 0 {
			t.Errorf("Queries(%s) = 0 after a look-up", name)
		}
	}
}

func TestQueriesAndSet(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	r := dns.NewResolver(srv.Addr())
	if n := srv.Queries("_dmarc.example.test"); n != 0 {
		t.Fatalf("Queries before any look-up = %d", n)
	}
	for i := 1; i <= 3; i++ {
		if _, err := r.LookupTXT(lookupCtx(t), "_dmarc.example.test"); err != nil {
			t.Fatal(err)
		}
		if got := srv.Queries("_DMARC.example.test."); got != i {
			t.Errorf("after %d look-ups Queries = %d", i, got)
		}
	}

	srv.Set("_dmarc.example.test", dnstest.TXT("v=DMARC1; p=none"))
	got, err := r.LookupTXT(lookupCtx(t), "_dmarc.example.test")
	if err != nil || len(got) != 1 || got[0] != "v=DMARC1; p=none" {
		t.Errorf("after Set: LookupTXT = %q, %v", got, err)
	}
	srv.Set("_dmarc.example.test")
	if _, err := r.LookupTXT(lookupCtx(t), "_dmarc.example.test"); err == nil {
		t.Error("after removing the name, LookupTXT succeeded")
	}
}

func TestFail(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	r := dns.NewResolver(srv.Addr())
	srv.Fail("example.test", dnsmessage.RCodeServerFailure)
	_, err := r.LookupMX(lookupCtx(t), "example.test")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || dnsErr.IsNotFound || !dnsErr.IsTemporary {
		t.Errorf("LookupMX on SERVFAIL: error = %#v, want a temporary *net.DNSError", err)
	}
	srv.Fail("example.test", dnsmessage.RCodeSuccess)
	if _, err := r.LookupMX(lookupCtx(t), "example.test"); err != nil {
		t.Errorf("after clearing the failure: %v", err)
	}
}

// TestWire checks the header bits and the truncation rule with raw
// messages, which the resolver tests cannot see.
func TestWire(t *testing.T) {
	srv := dnstest.Start(t, testZone())
	tests := []struct {
		name      string
		network   string
		qname     string
		qtype     dnsmessage.Type
		edns      bool
		rd        bool
		wantRCode dnsmessage.RCode
		wantTC    bool
		wantAns   int
	}{
		{"udp answer", "udp", "Example.Test.", dnsmessage.TypeMX, false, true, dnsmessage.RCodeSuccess, false, 2},
		{"udp no RD", "udp", "example.test.", dnsmessage.TypeMX, false, false, dnsmessage.RCodeSuccess, false, 2},
		{"nxdomain", "udp", "nope.example.test.", dnsmessage.TypeA, false, true, dnsmessage.RCodeNameError, false, 0},
		{"nodata", "udp", "mx2.example.test.", dnsmessage.TypeAAAA, false, true, dnsmessage.RCodeSuccess, false, 0},
		{"udp over 512 without EDNS", "udp", "long.example.test.", dnsmessage.TypeTXT, false, true, dnsmessage.RCodeSuccess, true, 0},
		{"udp 600 with EDNS", "udp", "long.example.test.", dnsmessage.TypeTXT, true, true, dnsmessage.RCodeSuccess, false, 1},
		{"udp over 1232 with EDNS", "udp", "huge.example.test.", dnsmessage.TypeTXT, true, true, dnsmessage.RCodeSuccess, true, 0},
		{"tcp big", "tcp", "huge.example.test.", dnsmessage.TypeTXT, false, true, dnsmessage.RCodeSuccess, false, 1},
		{"cname chain", "tcp", "alias.example.test.", dnsmessage.TypeA, false, true, dnsmessage.RCodeSuccess, false, 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := uint16(1000 + i)
			q := dnsmessage.Question{Name: dnsmessage.MustNewName(tt.qname), Type: tt.qtype, Class: dnsmessage.ClassINET}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: tt.rd})
			b.StartQuestions()
			b.Question(q)
			if tt.edns {
				b.StartAdditionals()
				var rh dnsmessage.ResourceHeader
				rh.SetEDNS0(4096, dnsmessage.RCodeSuccess, false)
				b.OPTResource(rh, dnsmessage.OPTResource{})
			}
			req, err := b.Finish()
			if err != nil {
				t.Fatal(err)
			}
			resp := exchange(t, tt.network, srv.Addr(), req)

			var p dnsmessage.Parser
			h, err := p.Start(resp)
			if err != nil {
				t.Fatal(err)
			}
			gotQ, err := p.Question()
			if err != nil {
				t.Fatalf("reply has no question: %v", err)
			}
			if gotQ != q {
				t.Errorf("question = %v, want %v echoed", gotQ, q)
			}
			if err := p.SkipAllQuestions(); err != nil {
				t.Fatal(err)
			}
			answers, err := p.AllAnswers()
			if err != nil {
				t.Fatal(err)
			}
			if h.ID != id || !h.Response || !h.Authoritative || h.RecursionAvailable {
				t.Errorf("header = %+v, want ID %d, response, authoritative, no RA", h, id)
			}
			if h.RecursionDesired != tt.rd {
				t.Errorf("RD = %v, want the query's %v", h.RecursionDesired, tt.rd)
			}
			if h.RCode != tt.wantRCode || h.Truncated != tt.wantTC || len(answers) != tt.wantAns {
				t.Errorf("got rcode %v TC %v %d answers, want %v %v %d", h.RCode, h.Truncated, len(answers), tt.wantRCode, tt.wantTC, tt.wantAns)
			}
			if tt.network == "udp" && len(resp) > 1232 {
				t.Errorf("UDP reply of %d bytes", len(resp))
			}
		})
	}
}

func exchange(t *testing.T, network, addr string, req []byte) []byte {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if network == "tcp" {
		req = append([]byte{byte(len(req) >> 8), byte(len(req))}, req...)
	}
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 65537)
	if network == "udp" {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return buf[:n]
	}
	n := 0
	for n < 2 || n < 2+int(buf[0])<<8|int(buf[1]) {
		m, err := c.Read(buf[n:])
		if err != nil {
			t.Fatal(err)
		}
		n += m
	}
	return buf[2:n]
}
