package imapview

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/emersion/go-imap/client"
)

// selfSigned makes a certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "praxis test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// TestTLS: a remote peer logs in with a password after STARTTLS (not
// before), and on the implicit-TLS listener at once.
func TestTLS(t *testing.T) {
	cert := selfSigned(t)
	f := newFixture(t, 2, func(c *Config, _ *Deps) { c.TLS, c.TLSAddr = cert, "127.0.0.1:0" })
	f.srv.trustLoopback.Store(false)
	insecure := &tls.Config{InsecureSkipVerify: true}

	c, err := client.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if ok, _ := c.Support("LOGINDISABLED"); !ok {
		t.Error("no LOGINDISABLED before STARTTLS")
	}
	if ok, _ := c.SupportStartTLS(); !ok {
		t.Fatal("no STARTTLS offered")
	}
	if err := c.StartTLS(insecure); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Support("LOGINDISABLED"); ok {
		t.Error("LOGINDISABLED after STARTTLS")
	}
	if err := c.Login("bob@example.net", "bob-pass"); err != nil {
		t.Fatalf("login after STARTTLS: %v", err)
	}
	if mb, err := c.Select(f.prv.Address, true); err != nil || mb.Messages != 2 {
		t.Errorf("the private list over STARTTLS: %v %v", mb, err)
	}

	tc, err := client.DialTLS(f.srv.TLSAddr().String(), insecure)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Logout()
	if ok, _ := tc.Support("LOGINDISABLED"); ok {
		t.Error("LOGINDISABLED on imaps")
	}
	if ok, _ := tc.Support("STARTTLS"); ok {
		t.Error("STARTTLS offered on imaps")
	}
	if err := tc.Login("bob@example.net", "bob-pass"); err != nil {
		t.Fatalf("login on imaps: %v", err)
	}
	if mb, err := tc.Select(f.prv.Address, true); err != nil || mb.Messages != 2 {
		t.Errorf("the private list over imaps: %v %v", mb, err)
	}
}
