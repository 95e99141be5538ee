package transport

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sink is a go-smtp server that records what it receives. Recipients whose
// local part starts with "reject" get a 550, "defer" a 451, "close" a 421.
type sink struct {
	addr  string
	conns atomic.Int64 // TCP connections accepted

	mu       sync.Mutex
	msgs     []sinkMsg
	helos    []string
	users    map[string]string // AUTH PLAIN accounts; none: AUTH not offered
	authed   []string
	discard  bool
	received atomic.Int64
}

type sinkMsg struct {
	from, to string
	data     string
	tls      bool
}

type sinkOptions struct {
	startTLS *tls.Config // offer STARTTLS with this config
	implicit *tls.Config // TLS from the first byte
	users    map[string]string
	host     string // listen address; default 127.0.0.1:0
	discard  bool   // count messages without keeping them (benchmarks)
}

func startSink(t testing.TB, o sinkOptions) *sink {
	t.Helper()
	k := &sink{users: o.users, discard: o.discard}
	host := o.host
	if host == "" {
		host = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	k.addr = ln.Addr().String()
	var l net.Listener = &countingListener{Listener: ln, n: &k.conns}
	if o.implicit != nil {
		l = tls.NewListener(l, o.implicit)
	}
	srv := smtp.NewServer(k)
	srv.Domain = "sink.test"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = true // so that the client's own refusal is tested
	srv.TLSConfig = o.startTLS
	srv.ErrorLog = log.New(io.Discard, "", 0)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return k
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func (k *sink) messages() []sinkMsg {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]sinkMsg(nil), k.msgs...)
}

// seen returns the EHLO names and the authenticated users so far.
func (k *sink) seen() (helos, authed []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.helos...), append([]string(nil), k.authed...)
}

func (k *sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, isTLS := c.TLSConnectionState()
	k.mu.Lock()
	k.helos = append(k.helos, c.Hostname())
	k.mu.Unlock()
	return &sinkSession{k: k, tls: isTLS}, nil
}

type sinkSession struct {
	k        *sink
	tls      bool
	from, to string
}

var _ smtp.AuthSession = (*sinkSession)(nil)

func (s *sinkSession) AuthMechanisms() []string {
	if len(s.k.users) == 0 {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if want, ok := s.k.users[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.k.mu.Lock()
		s.k.authed = append(s.k.authed, user)
		s.k.mu.Unlock()
		return nil
	}), nil
}

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if strings.HasPrefix(from, "reject") {
		return &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 1, 7}, Message: "sender refused"}
	}
	s.from = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "reject"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "defer"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted, try later"}
	case strings.HasPrefix(to, "close"):
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "shutting down"}
	}
	s.to = to
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	if s.k.discard {
		s.k.received.Add(1)
		_, err := io.Copy(io.Discard, r)
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if strings.HasPrefix(s.to, "dataerr") {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "content refused"}
	}
	s.k.mu.Lock()
	s.k.msgs = append(s.k.msgs, sinkMsg{from: s.from, to: s.to, data: string(b), tls: s.tls})
	s.k.mu.Unlock()
	return nil
}

func (s *sinkSession) Reset()        { s.from, s.to = "", "" }
func (s *sinkSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost, and the pool
// that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "praxis test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}

// fakeServer answers every connection with greeting and closes it.
func fakeServer(t testing.TB, greeting string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(greeting))
			c.Close()
		}
	}()
	return ln.Addr().String()
}
