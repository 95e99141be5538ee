// Package spamtest runs a real spamd (SpamAssassin 4.0) and a real rspamd
// (3.4) on loopback for the tests of the spam checks: each started once
// per test binary, on first use, from a throwaway directory, and stopped
// by Stop, which the package's TestMain calls. Without the binary a test
// is skipped, or fails when CI=true.
package spamtest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"praxis/listserv/loopport"
)

// GTUBE is SpamAssassin's test string: every content filter scores a
// message holding it as spam.
const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// startWait bounds a filter's start: rspamd loads hundreds of rules and
// maps, which a busy machine takes its time over.
const startWait = 3 * time.Minute

type daemon struct {
	once sync.Once
	addr string
	err  error
	skip bool // the binary is missing
	dir  string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
}

var spamd, rspamd daemon

// Spamd returns the address (127.0.0.1:PORT) of the test binary's spamd.
func Spamd(t testing.TB) string {
	t.Helper()
	spamd.once.Do(func() { spamd.start(startSpamd) })
	return spamd.get(t, "spamd (apt-get install spamassassin)")
}

// Rspamd returns the URL (http://127.0.0.1:PORT) of the test binary's
// rspamd.
func Rspamd(t testing.TB) string {
	t.Helper()
	rspamd.once.Do(func() { rspamd.start(startRspamd) })
	return rspamd.get(t, "rspamd (apt-get install rspamd)")
}

// Stop stops whichever filters were started; TestMain calls it.
func Stop() {
	for _, d := range []*daemon{&spamd, &rspamd} {
		if d.cmd != nil && d.cmd.Process != nil {
			d.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-d.done:
			case <-time.After(10 * time.Second):
				d.cmd.Process.Kill()
				<-d.done
			}
		}
		if d.dir != "" {
			os.RemoveAll(d.dir)
		}
	}
}

func (d *daemon) get(t testing.TB, what string) string {
	t.Helper()
	switch {
	case d.skip && os.Getenv("CI") != "":
		t.Fatalf("%s is not installed (CI=true: the spam tests need it)", what)
	case d.skip:
		t.Skipf("%s is not installed", what)
	case d.err != nil:
		t.Fatal(d.err)
	}
	return d.addr
}

func (d *daemon) start(run func(d *daemon) error) {
	d.done = make(chan struct{})
	if d.err = run(d); d.err != nil && d.cmd != nil && d.cmd.Process != nil {
		d.cmd.Process.Kill()
		<-d.done
		d.err = fmt.Errorf("%w\n%s", d.err, d.out.String())
	}
}

func (d *daemon) run(name string, args ...string) error {
	d.cmd = exec.Command(name, args...)
	d.cmd.Stdout, d.cmd.Stderr = &d.out, &d.out
	if err := d.cmd.Start(); err != nil {
		close(d.done)
		return fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	return nil
}

// wait polls ready until it answers true, the process exits or startWait
// passes.
func (d *daemon) wait(name string, ready func() bool) error {
	deadline := time.Now().Add(startWait)
	for time.Now().Before(deadline) {
		select {
		case <-d.done:
			return fmt.Errorf("%s exited at start", name)
		default:
		}
		if ready() {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within %v", name, startWait)
}

func lookPath(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if _, err := os.Stat(n); err == nil {
			return n
		}
	}
	return ""
}

// freeAddr is a loopback address free at the moment, for a daemon that
// binds it a moment later (see loopport: the 4,000 ports from 13,000
// below the kernel's range for outgoing connections).
func freeAddr() (string, error) {
	p, err := loopport.Free(13000)
	if err != nil {
		return "", err
	}
	return "127.0.0.1:" + strconv.Itoa(p), nil
}

// startSpamd runs spamd with its local tests only (-L: no DNS, no
// network checks, so a sandbox answers as quickly as CI), one child.
func startSpamd(d *daemon) error {
	bin := lookPath("spamd", "/usr/sbin/spamd")
	if bin == "" {
		d.skip = true
		return nil
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	if d.dir, err = os.MkdirTemp("", "praxis-spamd-"); err != nil {
		return err
	}
	args := []string{"--listen=" + addr, "--max-children=1", "--min-children=1", "-L", "-x",
		"--syslog=stderr", "--pidfile=" + filepath.Join(d.dir, "spamd.pid")}
	if os.Geteuid() == 0 {
		// spamd will not run its children as root.
		args = append(args, "-u", "nobody")
	}
	if err := d.run(bin, args...); err != nil {
		return err
	}
	d.addr = addr
	return d.wait("spamd", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "PING SPAMC/1.5\r\n\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		return strings.Contains(line, "PONG")
	})
}

// startRspamd runs rspamd with Debian's configuration and overrides of
// its own: the normal worker alone on a free port, no controller or
// proxy, logs and databases in the throwaway directory, no hyperscan
// (compiling its cache takes minutes), and DNS to a port nobody
// answers, so that its network rules fail at once instead of waiting.
func startRspamd(d *daemon) error {
	bin := lookPath("rspamd", "/usr/bin/rspamd")
	if bin == "" {
		d.skip = true
		return nil
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	if d.dir, err = os.MkdirTemp("", "praxis-rspamd-"); err != nil {
		return err
	}
	// The workers may run as another user: they write here.
	if err := os.Chmod(d.dir, 0o777); err != nil {
		return err
	}
	override := filepath.Join(d.dir, "override.d")
	if err := os.Mkdir(override, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"worker-normal.inc":     fmt.Sprintf("bind_socket = %q;\ncount = 1;\n", addr),
		"worker-controller.inc": "enabled = false;\n",
		"worker-proxy.inc":      "enabled = false;\n",
		"worker-fuzzy.inc":      "enabled = false;\n",
		"logging.inc":           fmt.Sprintf("type = \"file\";\nfilename = %q;\nlevel = \"error\";\n", filepath.Join(d.dir, "rspamd.log")),
		"options.inc": fmt.Sprintf("pidfile = %q;\ndisable_hyperscan = true;\ndns { nameserver = [\"127.0.0.1:9\"]; timeout = 0.2s; retransmits = 0; }\n",
			filepath.Join(d.dir, "rspamd.pid")),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(override, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	args := []string{"-f", "-c", "/etc/rspamd/rspamd.conf"}
	for _, v := range []string{"LOCAL_CONFDIR", "DBDIR", "RUNDIR", "LOGDIR"} {
		args = append(args, "--var", v+"="+d.dir)
	}
	if os.Geteuid() == 0 {
		args = append(args, "-i") // root in a container: let it be
	}
	if err := d.run(bin, args...); err != nil {
		return err
	}
	d.addr = "http://" + addr
	client := &http.Client{Timeout: 2 * time.Second}
	return d.wait("rspamd", func() bool {
		resp, err := client.Get(d.addr + "/ping")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
