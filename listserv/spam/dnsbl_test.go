package spam

import (
	"context"
	"net/netip"
	"reflect"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
)

// TestQueryName: RFC 5782 §2.1 and §2.4's own examples.
func TestQueryName(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"192.0.2.99", "99.2.0.192.bl.example."},
		{"::ffff:192.0.2.99", "99.2.0.192.bl.example."},
		{"2001:db8:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example."},
	} {
		if got := QueryName(netip.MustParseAddr(tc.ip), "bl.example"); got != tc.want {
			t.Errorf("QueryName(%s) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}

// TestBlocklistsAndSPF asks a loopback DNS server, through --dns's
// resolver: a listing in each zone that has one, the zone's error codes
// and answers outside 127/8 taken for nothing, a failing zone lists
// nobody; and SPF's pass, fail and none.
func TestBlocklistsAndSPF(t *testing.T) {
	srv := dnstest.Start(t, dnstest.Zone{
		// 192.0.2.66 is listed by two zones, answered with an error code
		// by a third (a public resolver's query to Spamhaus) and with a
		// hijacker's address by a fourth.
		"66.2.0.192.bl.example":                                      {dnstest.A("127.0.0.2"), dnstest.A("127.0.0.4")},
		"66.2.0.192.other.example":                                   {dnstest.A("127.0.0.3")},
		"66.2.0.192.errors.example":                                  {dnstest.A("127.255.255.254")},
		"66.2.0.192.wild.example":                                    {dnstest.A("198.51.100.1")},
		QueryName(netip.MustParseAddr("2001:db8::66"), "bl.example"): {dnstest.A("127.0.0.2")},
		"example.net":                                                {dnstest.TXT("v=spf1 ip4:192.0.2.10 -all")},
		"soft.example.net":                                           {dnstest.TXT("v=spf1 ip4:192.0.2.10 ~all")},
	})
	srv.Fail("66.2.0.192.broken.example", dnsmessage.RCodeServerFailure)
	c := New(Config{Resolver: dns.NewResolver(srv.Addr()), Zones: []string{"bl.example", " Other.Example. ", "errors.example", "wild.example", "broken.example"}})
	ctx := context.Background()

	cases := []struct {
		ip, from   string
		listed     []string
		spf, where string
	}{
		{"192.0.2.66", "eve@example.net", []string{"bl.example (127.0.0.2, 127.0.0.4)", "other.example (127.0.0.3)"}, "fail", "example.net"},
		{"192.0.2.10", "ann@example.net", nil, "pass", "example.net"},
		{"192.0.2.11", "bob@soft.example.net", nil, "softfail", "soft.example.net"},
		{"192.0.2.11", "bob@nowhere.example", nil, "none", "nowhere.example"},
		{"2001:db8::66", "eve@nowhere.example", []string{"bl.example (127.0.0.2)"}, "none", "nowhere.example"},
		// The null sender: SPF of the HELO name (RFC 7208 §2.4).
		{"192.0.2.66", "", []string{"bl.example (127.0.0.2, 127.0.0.4)", "other.example (127.0.0.3)"}, "fail", "example.net"},
	}
	for _, tc := range cases {
		got := c.Check(ctx, Input{IP: netip.MustParseAddr(tc.ip), HELO: "example.net", MailFrom: tc.from})
		if got == nil {
			t.Errorf("%s from %q: no findings", tc.ip, tc.from)
			continue
		}
		if !reflect.DeepEqual(got.Listed, tc.listed) || got.SPF != tc.spf || got.SPFDomain != tc.where {
			t.Errorf("%s from %q: listed %q, SPF %q for %q; want %q, %q for %q", tc.ip, tc.from, got.Listed, got.SPF, got.SPFDomain, tc.listed, tc.spf, tc.where)
		}
	}
	// No connecting address (an IMAP mailbox, a front MTA): nothing asked.
	before := srv.Queries("66.2.0.192.bl.example")
	if got := c.Check(ctx, Input{MailFrom: "eve@example.net"}); got != nil {
		t.Errorf("no address: findings %+v, want none", got)
	}
	if srv.Queries("66.2.0.192.bl.example") != before {
		t.Error("a blocklist was asked about no address")
	}
}
