package main

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// ownPostgres starts a PostgreSQL cluster of the test's own with
// .ci/postgres (which it may stop and start again: down and up) and
// returns its URL and the cluster's directory. Without the server's
// binaries the test is skipped, unless CI is set: there it fails.
func ownPostgres(t *testing.T) (url, dir string) {
	t.Helper()
	script, err := filepath.Abs("../../.ci/postgres")
	must(t, err)
	if bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl"); len(bins) == 0 && os.Getenv("CI") == "" {
		t.Skip("no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)")
	}
	// Not t.TempDir: as root the cluster belongs to the postgres user,
	// who may not enter the test's private directories; /tmp it may.
	dir, err = os.MkdirTemp("", "praxis-pg-")
	must(t, err)
	out, err := exec.Command(script, "start", dir).Output()
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf(".ci/postgres start: %v\n%s", err, stderrOf(err))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(script, "stop", dir).CombinedOutput(); err != nil {
			t.Errorf(".ci/postgres stop: %v\n%s", err, out)
		}
	})
	return strings.TrimSpace(string(out)), dir
}

func stderrOf(err error) []byte {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.Stderr
	}
	return nil
}

// postgresCtl runs .ci/postgres down or up on the test's own cluster.
func postgresCtl(t *testing.T, dir, verb string) {
	t.Helper()
	if out, err := exec.Command("../../.ci/postgres", verb, dir).CombinedOutput(); err != nil {
		t.Fatalf(".ci/postgres %s: %v\n%s", verb, err, out)
	}
}

// posters are SMTP clients posting to one list without pause, each on a
// connection of its own, counting the replies they get.
type posters struct {
	addr string
	stop atomic.Bool
	wg   sync.WaitGroup

	mu       sync.Mutex
	accepted []string       // Message-IDs that got a 250
	deferred map[string]int // 4xx replies by code and enhanced code
	failed   []string       // anything else: a 5xx, a hang, a dropped connection
}

// clientDeadline bounds each transaction of a poster: far above the
// server's own timeouts for a command, so only a server that never
// answers reaches it.
const clientDeadline = 2 * time.Minute

func startPosters(addr string, n int) *posters {
	p := &posters{addr: addr, deferred: map[string]int{}}
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.post(i)
		}()
	}
	return p
}

func (p *posters) post(client int) {
	var conn net.Conn
	var cl *smtp.Client
	defer func() {
		if cl != nil {
			cl.Close()
		}
	}()
	for k := 0; !p.stop.Load(); k++ {
		if cl == nil {
			c, err := net.DialTimeout("tcp", p.addr, clientDeadline)
			if err != nil {
				p.fail(fmt.Sprintf("client %d: dial: %v", client, err))
				return
			}
			conn, cl = c, smtp.NewClient(c)
		}
		if err := conn.SetDeadline(time.Now().Add(clientDeadline)); err != nil {
			p.fail(err.Error())
			return
		}
		id := fmt.Sprintf("restart.%d.%d@example.net", client, k)
		msg := "From: poster@example.net\r\nTo: cop@example.org\r\nSubject: post " + id + "\r\nMessage-ID: <" + id + ">\r\n\r\nbody\r\n"
		err := cl.SendMail("poster@example.net", []string{"cop@example.org"}, strings.NewReader(msg))
		var se *smtp.SMTPError
		switch {
		case err == nil:
			p.mu.Lock()
			p.accepted = append(p.accepted, id)
			p.mu.Unlock()
		case errors.As(err, &se) && se.Code/100 == 4:
			p.mu.Lock()
			p.deferred[fmt.Sprintf("%d %d.%d.%d", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])]++
			p.mu.Unlock()
			// As an MTA does: keep the post queued and come back later
			// on a new connection (a client that retries on the same
			// one, MAIL after MAIL, is cut off as an idle talker).
			cl.Quit()
			cl.Close()
			cl = nil
			time.Sleep(100 * time.Millisecond)
		default:
			p.fail(fmt.Sprintf("client %d, %s: %v", client, id, err))
			return
		}
	}
	cl.Quit()
}

func (p *posters) fail(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failed = append(p.failed, what)
}

// counts returns the number of 250s and of 4xx replies so far.
func (p *posters) counts() (accepted, deferred int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range p.deferred {
		deferred += n
	}
	return len(p.accepted), deferred
}

// waitCounts waits until cond holds of the counts, or a poster failed,
// polling a bounded number of times.
func (p *posters) waitCounts(t *testing.T, what string, cond func(accepted, deferred int) bool) {
	t.Helper()
	for i := 0; ; i++ {
		a, d := p.counts()
		if cond(a, d) {
			return
		}
		p.mu.Lock()
		failed := append([]string(nil), p.failed...)
		p.mu.Unlock()
		if len(failed) > 0 {
			t.Fatalf("waiting for %s: a client failed: %s", what, strings.Join(failed, "; "))
		}
		if i == 6000 {
			t.Fatalf("waiting for %s: %d accepted, %d deferred", what, a, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPostgresRestartUnderLoad stops PostgreSQL under a node taking posts
// from several SMTP clients and starts it again: while it is away the
// clients get 4xx replies (not a 250, not silence), every post that got
// a 250 is archived and delivered to every member, and the node takes
// posts again once the database is back, without a restart of its own.
func TestPostgresRestartUnderLoad(t *testing.T) {
	url, dir := ownPostgres(t)
	t.Setenv("PRAXIS_DB", url)
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	members := []string{"m0@example.net", "m1@example.net", "m2@example.net"}
	csvFile := filepath.Join(t.TempDir(), "members.csv")
	must(t, os.WriteFile(csvFile, []byte("email\n"+strings.Join(members, "\n")+"\n"), 0o600))
	praxis(t, data, "import", "members", "cop@example.org", csvFile)
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve's log, but for its INFO lines:\n%s", notInfo(srv))
		}
	})

	p := startPosters(srv.smtp, 4)
	defer func() {
		p.stop.Store(true)
		p.wg.Wait()
	}()
	p.waitCounts(t, "posts before the restart", func(a, _ int) bool { return a >= 20 })
	postgresCtl(t, dir, "down")
	acceptedAtDown, _ := p.counts()
	// A few seconds: each client waits a tenth of a second after a 4xx.
	p.waitCounts(t, "4xx replies while the database is away", func(_, d int) bool { return d >= 100 })
	postgresCtl(t, dir, "up")
	acceptedAtUp, _ := p.counts()
	p.waitCounts(t, "posts after the restart", func(a, _ int) bool { return a >= acceptedAtUp+20 })
	p.stop.Store(true)
	p.wg.Wait()
	if len(p.failed) > 0 {
		t.Fatalf("clients got neither a 250 nor a 4xx: %s", strings.Join(p.failed, "; "))
	}
	for reply, n := range p.deferred {
		// RFC 3463 X.3.0: a local error of the mail system; a 4.4.x
		// would blame the network, a 4.7.x the sender.
		if reply != "451 4.3.0" {
			t.Errorf("%d replies %q while the database was away, want 451 4.3.0", n, reply)
		}
	}
	t.Logf("accepted %d posts (%d before the database went away, %d while it was, %d after), deferred %v",
		len(p.accepted), acceptedAtDown, acceptedAtUp-acceptedAtDown, len(p.accepted)-acceptedAtUp, p.deferred)

	// Every post that got a 250: archived, and a copy to each member.
	rec.waitFor(t, "every accepted post delivered to every member", func(cs []delivered) bool {
		got := map[string]int{}
		for _, c := range cs {
			for _, id := range p.accepted {
				if bytes.Contains(c.data, []byte("<"+id+">")) {
					got[id]++
				}
			}
		}
		for _, id := range p.accepted {
			if got[id] < len(members) {
				return false
			}
		}
		return true
	})
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	archived := map[string]bool{}
	rows, err := db.Query(`SELECT message_id FROM archive`)
	must(t, err)
	for rows.Next() {
		var id string
		must(t, rows.Scan(&id))
		archived[id] = true
	}
	must(t, rows.Err())
	rows.Close()
	missing := 0
	for _, id := range p.accepted {
		if !archived[id] {
			missing++
			t.Errorf("%s got a 250 and is not in the archive", id)
		}
	}
	t.Logf("%d of %d accepted posts archived", len(p.accepted)-missing, len(p.accepted))
	srv.stop(t)
}

// notInfo is what serve logged above INFO.
func notInfo(s *server) string {
	var b strings.Builder
	for _, l := range strings.Split(s.log(), "\n") {
		if !strings.Contains(l, "level=INFO") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// log is what serve wrote to stderr so far, read under its writer's lock.
func (s *server) log() string {
	lw := s.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return s.stderr.String()
}
