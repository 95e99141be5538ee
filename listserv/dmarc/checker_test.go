package dmarc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
)

func policyZone() dnstest.Zone {
	return dnstest.Zone{
		"_dmarc.reject.example":     {dnstest.TXT("v=DMARC1; p=reject; rua=mailto:dmarc@reject.example")},
		"_dmarc.quarantine.example": {dnstest.TXT("v=DMARC1; p=quarantine; pct=20; adkim=s")},
		"_dmarc.none.example":       {dnstest.TXT("v=DMARC1; p=none")},
		// Other TXT records at the name are not DMARC records.
		"_dmarc.mixed.example": {dnstest.TXT("v=spf1 -all"), dnstest.TXT("v=DMARC1; p=quarantine"), dnstest.TXT("hello")},
		"_dmarc.spf.example":   {dnstest.TXT("v=spf1 -all")},
		// A CNAME chain, as when a provider hosts the record.
		"_dmarc.cname.example":                {dnstest.CNAME("_dmarc.cname.example.hosted.example")},
		"_dmarc.cname.example.hosted.example": {dnstest.CNAME("policy-42.hosted.example")},
		"policy-42.hosted.example":            {dnstest.TXT("v=DMARC1; p=reject")},
		// An organization and its subdomains.
		"_dmarc.example.com":      {dnstest.TXT("v=DMARC1; p=reject; sp=quarantine")},
		"_dmarc.own.example.com":  {dnstest.TXT("v=DMARC1; p=none")},
		"_dmarc.two.example.com":  {dnstest.TXT("v=DMARC1; p=none"), dnstest.TXT("v=DMARC1; p=reject")},
		"_dmarc.bad.example.com":  {dnstest.TXT("v=DMARC1; p=block")},
		"_dmarc.example.net":      {dnstest.TXT("v=DMARC1; p=reject")},
		"_dmarc.nosp.example.net": {},
		// A long record, split into several strings on the wire.
		"_dmarc.long.example": {dnstest.TXT("v=DMARC1; p=reject; rua=mailto:" + longLocal + "@long.example")},
	}
}

const longLocal = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLookup(t *testing.T) {
	srv := dnstest.Start(t, policyZone())
	srv.Fail("_dmarc.broken.example", dnsmessage.RCodeServerFailure)
	srv.Fail("_dmarc.example.org", dnsmessage.RCodeServerFailure)
	c := NewChecker(dns.NewResolver(srv.Addr()), Options{Timeout: 2 * time.Second})

	tests := []struct {
		domain    string
		want      Policy
		strict    bool
		wantError bool
	}{
		{"reject.example", Policy{Domain: "reject.example", OrgDomain: "reject.example", Found: true,
			P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		{"Quarantine.Example.", Policy{Domain: "quarantine.example", OrgDomain: "quarantine.example", Found: true,
			P: "quarantine", Pct: 20, ADKIM: "s", ASPF: "r"}, true, false},
		{"none.example", Policy{Domain: "none.example", OrgDomain: "none.example", Found: true,
			P: "none", Pct: 100, ADKIM: "r", ASPF: "r"}, false, false},
		{"mixed.example", Policy{Domain: "mixed.example", OrgDomain: "mixed.example", Found: true,
			P: "quarantine", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		{"cname.example", Policy{Domain: "cname.example", OrgDomain: "cname.example", Found: true,
			P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		{"long.example", Policy{Domain: "long.example", OrgDomain: "long.example", Found: true,
			P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		// No record of its own: the organization's, with its sp=.
		{"mail.sub.example.com", Policy{Domain: "mail.sub.example.com", OrgDomain: "example.com", Found: true, Inherited: true,
			P: "reject", SP: "quarantine", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		{"sub.example.net", Policy{Domain: "sub.example.net", OrgDomain: "example.net", Found: true, Inherited: true,
			P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		// An empty non-terminal (NODATA) falls back like NXDOMAIN.
		{"nosp.example.net", Policy{Domain: "nosp.example.net", OrgDomain: "example.net", Found: true, Inherited: true,
			P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}, true, false},
		// A record of its own wins, and sp= does not apply to it.
		{"own.example.com", Policy{Domain: "own.example.com", OrgDomain: "example.com", Found: true,
			P: "none", Pct: 100, ADKIM: "r", ASPF: "r"}, false, false},
		// Two records: no policy, and no fallback (§6.6.3 step 5).
		{"two.example.com", Policy{Domain: "two.example.com", OrgDomain: "example.com"}, false, false},
		// One record without a valid p=: not applied (step 6), no fallback.
		{"bad.example.com", Policy{Domain: "bad.example.com", OrgDomain: "example.com"}, false, false},
		{"nx.example", Policy{Domain: "nx.example", OrgDomain: "nx.example"}, false, false},
		{"spf.example", Policy{Domain: "spf.example", OrgDomain: "spf.example"}, false, false},
		{"broken.example", Policy{Domain: "broken.example", OrgDomain: "broken.example"}, false, true},
		// The author's domain answers NXDOMAIN, the organization's fails.
		{"www.example.org", Policy{Domain: "www.example.org", OrgDomain: "example.org"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			got, err := c.Lookup(testCtx(t), tt.domain)
			if (err != nil) != tt.wantError {
				t.Fatalf("err = %v, want error: %v", err, tt.wantError)
			}
			if got != tt.want {
				t.Errorf("Lookup = %+v\n want %+v", got, tt.want)
			}
			if got.Strict() != tt.strict {
				t.Errorf("Strict() = %v, want %v", got.Strict(), tt.strict)
			}
		})
	}
}

func TestLookupInvalidDomain(t *testing.T) {
	c := NewChecker(dns.NewResolver("127.0.0.1:1"), Options{})
	for _, d := range []string{"", ".", "exa mple.com", "-bad-.example"} {
		if _, err := c.Lookup(testCtx(t), d); !errors.Is(err, ErrInvalidDomain) {
			t.Errorf("Lookup(%q): err = %v, want ErrInvalidDomain", d, err)
		}
	}
}

func TestLookupIDN(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{"_dmarc.xn--bcher-kva.example": {dnstest.TXT("v=DMARC1; p=reject")}})
	c := NewChecker(dns.NewResolver(srv.Addr()), Options{})
	p, err := c.Lookup(testCtx(t), "Bücher.example")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Found || p.Domain != "xn--bcher-kva.example" {
		t.Errorf("Lookup = %+v, want the record of xn--bcher-kva.example", p)
	}
}

// silentServer is a UDP socket that nobody reads: queries to it go
// unanswered, as with a server behind a dropping firewall.
func silentServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func TestLookupTimeout(t *testing.T) {
	c := NewChecker(dns.NewResolver(silentServer(t)), Options{Timeout: 200 * time.Millisecond})
	start := time.Now()
	_, err := c.Lookup(testCtx(t), "reject.example")
	if err == nil {
		t.Fatal("Lookup against a silent server succeeded")
	}
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.IsTimeout {
		t.Errorf("err = %v, want a DNS timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Lookup took %v with a 200ms timeout", d)
	}
}

// TestLookupCallerGivesUp: a caller whose context ends gets an error at
// once, and the query it started still completes for the next caller.
func TestLookupCallerGivesUp(t *testing.T) {
	c := NewChecker(dns.NewResolver(silentServer(t)), Options{Timeout: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Lookup(ctx, "reject.example"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// The next caller waits for the same query and gets its timeout, not
	// the first caller's cancellation.
	_, err := c.Lookup(testCtx(t), "reject.example")
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the query's own timeout", err)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func TestLookupCache(t *testing.T) {
	srv := dnstest.Start(t, policyZone())
	srv.Fail("_dmarc.broken.example", dnsmessage.RCodeServerFailure)
	clock := &fakeClock{now: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}
	c := NewChecker(dns.NewResolver(srv.Addr()), Options{Now: clock.Now, Timeout: 2 * time.Second})
	ctx := testCtx(t)

	lookup := func(domain string) Policy {
		t.Helper()
		p, _ := c.Lookup(ctx, domain)
		return p
	}
	queries := func(domain string) int { return srv.Queries("_dmarc." + domain) }

	// Positive answers: one query per TTL.
	lookup("reject.example")
	lookup("reject.example")
	lookup("REJECT.example.")
	if n := queries("reject.example"); n != 1 {
		t.Errorf("reject.example: %d queries for three look-ups, want 1", n)
	}
	// The zone changes; the cache keeps the old answer until the TTL.
	srv.Set("_dmarc.reject.example", dnstest.TXT("v=DMARC1; p=none"))
	clock.Advance(DefaultTTL - time.Second)
	if p := lookup("reject.example"); p.P != "reject" {
		t.Errorf("before the TTL: p=%s, want the cached reject", p.P)
	}
	clock.Advance(time.Second)
	if p := lookup("reject.example"); p.P != "none" {
		t.Errorf("after the TTL: p=%s, want the new none", p.P)
	}
	if n := queries("reject.example"); n != 2 {
		t.Errorf("reject.example: %d queries, want 2", n)
	}

	// Negative answers, both names of an inherited look-up.
	lookup("a.nx.example")
	lookup("a.nx.example")
	lookup("b.example.com")
	lookup("b.example.com")
	lookup("c.example.com") // shares the organization's cached record
	if n, m := queries("a.nx.example"), queries("nx.example"); n != 1 || m != 1 {
		t.Errorf("a.nx.example: %d and %d queries, want 1 and 1", n, m)
	}
	if n, m := queries("b.example.com"), queries("example.com"); n != 1 || m != 1 {
		t.Errorf("b.example.com: %d queries, example.com: %d, want 1 and 1", n, m)
	}
	clock.Advance(DefaultNegativeTTL)
	lookup("a.nx.example")
	if n := queries("a.nx.example"); n != 2 {
		t.Errorf("a.nx.example after the negative TTL: %d queries, want 2", n)
	}

	// Errors: remembered for a minute.
	if _, err := c.Lookup(ctx, "broken.example"); err == nil {
		t.Fatal("broken.example: no error")
	}
	first := queries("broken.example")
	if _, err := c.Lookup(ctx, "broken.example"); err == nil {
		t.Fatal("broken.example, cached: no error")
	}
	if n := queries("broken.example"); n != first {
		t.Errorf("broken.example: %d queries after a cached error, want %d", n, first)
	}
	srv.Fail("_dmarc.broken.example", dnsmessage.RCodeSuccess)
	srv.Set("_dmarc.broken.example", dnstest.TXT("v=DMARC1; p=reject"))
	clock.Advance(DefaultErrorTTL)
	if p, err := c.Lookup(ctx, "broken.example"); err != nil || !p.Strict() {
		t.Errorf("broken.example once repaired: %+v, %v", p, err)
	}
}

// TestLookupConcurrent: a burst of posts from one domain makes one query.
func TestLookupConcurrent(t *testing.T) {
	srv := dnstest.Start(t, policyZone())
	c := NewChecker(dns.NewResolver(srv.Addr()), Options{})
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			p, err := c.Lookup(ctx, "quarantine.example")
			if err != nil || !p.Strict() {
				t.Errorf("Lookup = %+v, %v", p, err)
			}
		})
	}
	wg.Wait()
	if n := srv.Queries("_dmarc.quarantine.example"); n != 1 {
		t.Errorf("%d queries for 50 concurrent look-ups, want 1", n)
	}
}

func TestCacheBounded(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	c := NewChecker(nil, Options{Now: clock.Now})
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range maxCacheEntries + 10 {
		e := &entry{ready: make(chan struct{}), done: true, expires: clock.now.Add(time.Hour)}
		c.store(fmt.Sprintf("_dmarc.d%d.example.", i), e)
	}
	if n := len(c.cache); n > maxCacheEntries {
		t.Errorf("cache holds %d entries, want at most %d", n, maxCacheEntries)
	}
}
