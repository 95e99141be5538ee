package dmarc

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"golang.org/x/net/dns/dnsmessage"

	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
)

// authKey is the test binary's one signing key; making RSA keys is slow.
var authKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

func keyRecord(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(spki)
}

func post(from string) []byte {
	return []byte("From: Alice <" + from + ">\r\n" +
		"To: cop@example.org\r\n" +
		"Subject: Minutes\r\n" +
		"Date: Tue, 10 Mar 2026 09:30:00 +0100\r\n" +
		"Message-ID: <minutes-1@example.com>\r\n" +
		"\r\n" +
		"The minutes are attached.\r\n")
}

// sign signs msg as d=domain with selector "sel", the way the author's
// provider would.
func sign(t *testing.T, key *rsa.PrivateKey, domain string, msg []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	err := dkim.Sign(&b, bytes.NewReader(msg), &dkim.SignOptions{
		Domain:                 domain,
		Selector:               "sel",
		Signer:                 key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "To", "Subject", "Date", "Message-ID"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAuthenticate(t *testing.T) {
	key, err := authKey()
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rec := keyRecord(t, key)
	srv := dnstest.Start(t, dnstest.Zone{
		"_dmarc.example.com":         {dnstest.TXT("v=DMARC1; p=reject")},
		"_dmarc.strict.example":      {dnstest.TXT("v=DMARC1; p=quarantine; adkim=s")},
		"_dmarc.monitor.example":     {dnstest.TXT("v=DMARC1; p=none")},
		"sel._domainkey.example.com": {dnstest.TXT(rec)},
		// A provider signing for its customers under its own name.
		"sel._domainkey.mail.example.com":   {dnstest.TXT(rec)},
		"sel._domainkey.provider.example":   {dnstest.TXT(rec)},
		"sel._domainkey.strict.example":     {dnstest.TXT(rec)},
		"sel._domainkey.sub.strict.example": {dnstest.TXT(rec)},
		"sel._domainkey.monitor.example":    {dnstest.TXT(rec)},
		"sel._domainkey.nopolicy.example":   {dnstest.TXT(rec)},
		"sel._domainkey.rotated.example":    {dnstest.TXT(keyRecord(t, other))},
		"_dmarc.rotated.example":            {dnstest.TXT("v=DMARC1; p=reject")},
		"_dmarc.flaky.example":              {dnstest.TXT("v=DMARC1; p=reject")},
	})
	srv.Fail("sel._domainkey.flaky.example", dnsmessage.RCodeServerFailure)
	srv.Fail("_dmarc.down.example", dnsmessage.RCodeServerFailure)
	c := NewChecker(dns.NewResolver(srv.Addr()), Options{Timeout: 2 * time.Second})

	tamper := func(m []byte) []byte {
		return bytes.Replace(m, []byte("are attached"), []byte("are not attached"), 1)
	}
	tests := []struct {
		name       string
		msg        []byte
		fromDomain string
		want       Verdict
		reason     string // a part of the reason
	}{
		{"aligned signature", sign(t, key, "example.com", post("alice@example.com")), "example.com", Pass, "aligned"},
		{"relaxed: subdomain signs", sign(t, key, "mail.example.com", post("alice@example.com")), "example.com", Pass, "mail.example.com"},
		{"relaxed: author in subdomain", sign(t, key, "example.com", post("alice@lists.example.com")), "lists.example.com", Pass, "aligned"},
		{"strict: exact domain", sign(t, key, "strict.example", post("alice@strict.example")), "strict.example", Pass, "adkim=s"},
		{"strict: subdomain not aligned", sign(t, key, "sub.strict.example", post("alice@strict.example")), "strict.example", Fail, "not aligned"},
		{"body tampered", tamper(sign(t, key, "example.com", post("alice@example.com"))), "example.com", Fail, "d=example.com"},
		{"unaligned d=", sign(t, key, "provider.example", post("alice@example.com")), "example.com", Fail, "d=provider.example valid but not aligned"},
		{"unsigned", post("alice@example.com"), "example.com", Fail, "no DKIM signature"},
		{"wrong key published", sign(t, key, "rotated.example", post("alice@rotated.example")), "rotated.example", Fail, "d=rotated.example"},
		{"p=none still judged", post("alice@monitor.example"), "monitor.example", Fail, "policy none"},
		{"no policy", sign(t, key, "nopolicy.example", post("alice@nopolicy.example")), "nopolicy.example", None, "no DMARC policy"},
		{"no policy, unsigned", post("alice@nx.example"), "nx.example", None, "no DMARC policy"},
		{"policy look-up fails", post("alice@down.example"), "down.example", TempError, "_dmarc.down.example"},
		{"key look-up fails", sign(t, key, "flaky.example", post("alice@flaky.example")), "flaky.example", TempError, "key"},
		{"not a message", []byte("no header here"), "example.com", Fail, "cannot be verified"},
		{"invalid From domain", post("alice@example.com"), "exa mple.com", Fail, "invalid domain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := c.Authenticate(testCtx(t), tt.msg, tt.fromDomain)
			t.Logf("%v: %s", got, reason)
			if got != tt.want {
				t.Errorf("Authenticate = %v (%s), want %v", got, reason, tt.want)
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("reason %q does not mention %q", reason, tt.reason)
			}
		})
	}
}

func TestVerdictString(t *testing.T) {
	tests := []struct {
		v    Verdict
		want string
	}{
		{Pass, "pass"}, {Fail, "fail"}, {None, "none"}, {TempError, "temperror"}, {0, "Verdict(0)"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(tt.v), got, tt.want)
		}
	}
}

func TestAligned(t *testing.T) {
	tests := []struct {
		d, from, mode string
		want          bool
	}{
		{"example.com", "example.com", "s", true},
		{"example.com", "example.com", "r", true},
		{"mail.example.com", "example.com", "r", true},
		{"mail.example.com", "example.com", "s", false},
		{"example.com", "a.b.example.com", "r", true},
		{"example.co.uk", "other.co.uk", "r", false}, // co.uk is a public suffix
		{"co.uk", "example.co.uk", "r", false},
		{"", "example.com", "r", false},
		{"example.net", "example.com", "r", false},
	}
	for _, tt := range tests {
		if got := aligned(tt.d, tt.from, tt.mode); got != tt.want {
			t.Errorf("aligned(%q, %q, %q) = %v, want %v", tt.d, tt.from, tt.mode, got, tt.want)
		}
	}
}
