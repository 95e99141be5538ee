// Package imapintest runs a real Dovecot for the tests of IMAP ingest: a
// throwaway configuration and maildir in a temporary directory, IMAP
// without TLS on a free loopback port (so imap:// may send its password),
// started and stopped by the test.
package imapintest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"praxis/listserv/loopport"
)

// Dovecot is one running (or stopped) Dovecot.
type Dovecot struct {
	t    testing.TB
	Dir  string
	Addr string // 127.0.0.1:PORT
	User string
	Pass string
	// TLSAddr is the implicit-TLS port and Roots the pool that trusts
	// its certificate (StartTLS only).
	TLSAddr string
	Roots   *x509.CertPool
	conf    string
	cmd     *exec.Cmd
	done    chan struct{}
}

// Start starts a Dovecot for t, stopped at t's end. Without the dovecot
// binary the test is skipped, or fails when CI=true.
func Start(t testing.TB) *Dovecot {
	t.Helper()
	return StartWith(t, "")
}

// StartWith is Start with extra lines of configuration (e.g. an
// imap_capability that offers neither MOVE nor IDLE).
func StartWith(t testing.TB, extra string) *Dovecot {
	t.Helper()
	return start(t, extra, false)
}

// StartTLS is Start with TLS: STARTTLS on Addr and implicit TLS on
// TLSAddr, with a certificate for 127.0.0.1 and localhost made for the
// test; Roots trusts it.
func StartTLS(t testing.TB) *Dovecot {
	t.Helper()
	return start(t, "", true)
}

func start(t testing.TB, extra string, withTLS bool) *Dovecot {
	t.Helper()
	if binary() == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("dovecot is missing (apt-get install dovecot-imapd)")
		}
		t.Skip("dovecot is missing (apt-get install dovecot-imapd)")
	}
	// Not t.TempDir: Dovecot's unprivileged processes must traverse the
	// directory, and t.TempDir's parent is 0700.
	dir, err := os.MkdirTemp("", "praxis-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	must(t, os.Chmod(dir, 0o711))
	for _, d := range []string{"run", "state", "mail"} {
		must(t, os.Mkdir(filepath.Join(dir, d), 0o755))
	}
	// As root, Dovecot will not run its login processes or mail as root:
	// they run as Debian's dovenull and dovecot users, the mail as nobody
	// (owner of the maildir). As another user, everything runs as that
	// user.
	uid, gid := os.Getuid(), os.Getgid()
	internal, login := "dovecot", "dovenull"
	if uid == 0 {
		uid, gid = 65534, 65534
		must(t, os.Chown(filepath.Join(dir, "mail"), uid, gid))
	} else {
		u, err := user.Current()
		must(t, err)
		internal, login = u.Username, u.Username
	}
	port := freePort(t)
	d := &Dovecot{t: t, Dir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", port), User: "lists", Pass: "s3cret-pw"}
	ssl, tlsPort := "ssl = no", 0
	if withTLS {
		tlsPort = freePort(t)
		d.TLSAddr = fmt.Sprintf("127.0.0.1:%d", tlsPort)
		d.Roots = makeCert(t, dir)
		ssl = fmt.Sprintf("ssl = yes\nssl_cert = <%[1]s/cert.pem\nssl_key = <%[1]s/key.pem", dir)
	}
	passwd := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s\n", d.User, d.Pass, uid, gid, filepath.Join(dir, "mail", d.User))
	must(t, os.WriteFile(filepath.Join(dir, "passwd"), []byte(passwd), 0o644))
	d.conf = filepath.Join(dir, "dovecot.conf")
	conf := fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
%[6]s
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = %[2]s
default_internal_group = %[2]s
default_login_user = %[3]s
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = %[1]s/passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[4]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[7]d
  }
}
%[5]s
`, dir, internal, login, port, extra, ssl, tlsPort)
	if os.Getuid() != 0 {
		g, err := user.LookupGroupId(fmt.Sprint(os.Getgid()))
		must(t, err)
		conf = strings.Replace(conf, "default_internal_group = "+internal, "default_internal_group = "+g.Name, 1)
	}
	must(t, os.WriteFile(d.conf, []byte(conf), 0o644))
	d.Start()
	t.Cleanup(d.Stop)
	return d
}

// makeCert writes a self-signed certificate for 127.0.0.1 and localhost
// into dir and returns a pool that trusts it.
func makeCert(t testing.TB, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	kder, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o644))
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// binary is the dovecot program ("" when missing); it lives in sbin,
// which a non-root PATH may lack.
func binary() string {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/dovecot"); err == nil {
		return "/usr/sbin/dovecot"
	}
	return ""
}

// freePort is a port nothing listens on for Dovecot to take (see
// loopport: the 4,000 ports from 9,000 below the kernel's range for
// outgoing connections).
func freePort(t testing.TB) int {
	p, err := loopport.Free(9000)
	must(t, err)
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Start (re)starts the server and waits until it greets.
func (d *Dovecot) Start() {
	d.t.Helper()
	if d.cmd != nil {
		return
	}
	cmd := exec.Command(binary(), "-F", "-c", d.conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(d.t, cmd.Start())
	d.cmd, d.done = cmd, make(chan struct{})
	go func() { cmd.Wait(); close(d.done) }()
	for i := 0; i < 300; i++ {
		select {
		case <-d.done:
			d.t.Fatalf("dovecot exited: %s\n%s", out.String(), d.Log())
		default:
		}
		if c, err := net.DialTimeout("tcp", d.Addr, time.Second); err == nil {
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "* OK") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.t.Fatalf("dovecot did not start on %s:\n%s", d.Addr, d.Log())
}

// Stop stops the server (and the sessions it serves).
func (d *Dovecot) Stop() {
	if d.cmd == nil {
		return
	}
	d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
	d.cmd = nil
	// The master's children leave after it; wait until the port is free
	// so that a restart can bind it.
	for i := 0; i < 200; i++ {
		c, err := net.DialTimeout("tcp", d.Addr, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
}

// Log returns Dovecot's log.
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
	return string(b)
}

// URL is the --imap-ingest URL for mailbox and list, with extra
// parameters (e.g. "&after=delete").
func (d *Dovecot) URL(mailbox, list, extra string) string {
	return fmt.Sprintf("imap://%s:%s@%s/%s?list=%s%s", d.User, d.Pass, d.Addr, mailbox, list, extra)
}

// Client logs in as the test user.
func (d *Dovecot) Client() *client.Client {
	d.t.Helper()
	c, err := client.Dial(d.Addr)
	must(d.t, err)
	c.Timeout = 30 * time.Second
	must(d.t, c.Login(d.User, d.Pass))
	return c
}

// Append puts raw into mailbox (created when missing), unflagged.
func (d *Dovecot) Append(mailbox string, raws ...[]byte) {
	d.t.Helper()
	d.AppendFlagged(mailbox, nil, raws...)
}

// AppendFlagged is Append with flags.
func (d *Dovecot) AppendFlagged(mailbox string, flags []string, raws ...[]byte) {
	d.t.Helper()
	c := d.Client()
	defer c.Logout()
	if mailbox != "INBOX" {
		c.Create(mailbox) // an existing one answers NO: fine
	}
	for _, raw := range raws {
		must(d.t, c.Append(mailbox, flags, time.Now(), bytes.NewReader(raw)))
	}
}

// Messages returns the UIDs and flags of mailbox's messages.
func (d *Dovecot) Messages(mailbox string) map[uint32][]string {
	d.t.Helper()
	c := d.Client()
	defer c.Logout()
	mb, err := c.Select(mailbox, true)
	must(d.t, err)
	out := map[uint32][]string{}
	if mb.Messages == 0 {
		return out
	}
	set := new(imap.SeqSet)
	set.AddRange(1, 0)
	ch := make(chan *imap.Message, 16)
	done := make(chan error, 1)
	go func() { done <- c.Fetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchFlags}, ch) }()
	for m := range ch {
		out[m.Uid] = m.Flags
	}
	must(d.t, <-done)
	return out
}
