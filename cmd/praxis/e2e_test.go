package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"

	"praxis/listserv/bench"
	"praxis/listserv/delivery"
	"praxis/listserv/spam/spamtest"
	"praxis/listserv/store"
)

// The end-to-end tests run the real binary, as a user would, against a
// loopback SMTP sink that stands for the members' mail servers.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "praxis-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "praxis")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building praxis:", err)
		os.Exit(1)
	}
	code := m.Run()
	spamtest.Stop() // the spamd TestSpamEndToEnd started, if it did
	os.RemoveAll(dir)
	os.Exit(code)
}

// praxis runs an admin command and returns its stdout; it fails the test on
// a non-zero exit unless wantErr.
func praxis(t *testing.T, data string, args ...string) string {
	t.Helper()
	out, errOut, err := praxisRun(data, args...)
	if err != nil {
		t.Fatalf("praxis %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

func praxisRun(data string, args ...string) (string, string, error) {
	cmd := exec.Command(binary, append([]string{"--data", data}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// openStore opens the store the commands of a test use: SQLite in data,
// or PostgreSQL when PRAXIS_DB names it (TestPostgresEndToEnd).
func openStore(data string) (*store.Store, error) {
	return store.Open(context.Background(), data, store.Options{DB: os.Getenv("PRAXIS_DB")})
}

// recorder is a sink that keeps every copy it receives.
type recorder struct {
	mu     sync.Mutex
	copies []delivered
	sink   *bench.Sink
}

type delivered struct {
	from string
	to   string
	data []byte
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{}
	s, err := bench.StartSink(func(from string, rcpts []string, data []byte) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, to := range rcpts {
			r.copies = append(r.copies, delivered{from, to, data})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	r.sink = s
	t.Cleanup(s.Close)
	return r
}

func (r *recorder) snapshot() []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivered(nil), r.copies...)
}

func (r *recorder) waitFor(t *testing.T, what string, cond func([]delivered) bool) []delivered {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		cs := r.snapshot()
		if cond(cs) {
			return cs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; sink has %d copies", what, len(cs))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// server is a running `praxis serve`.
type server struct {
	cmd    *exec.Cmd
	data   string
	smtp   string
	http   string
	imap   string // "" when --imap "" turned it off
	stderr *bytes.Buffer
	done   chan error
}

func serve(t *testing.T, data string, sinkAddr string, extra ...string) *server {
	t.Helper()
	args := append([]string{"--data", data, "serve", "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--imap", "127.0.0.1:0",
		"--hostname", "lists.example.org", "--delivery", "smtp://" + sinkAddr + "?tls=none"}, extra...)
	cmd := exec.Command(binary, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, data: data, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{w: s.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	re := regexp.MustCompile(`^(\w+) listening on (\S+)$`)
	for (s.smtp == "" || s.http == "") && lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			switch m[1] {
			case "smtp":
				s.smtp = m[2]
			case "http":
				s.http = m[2]
			case "imap":
				s.imap = m[2]
			}
		}
	}
	if s.smtp == "" || s.http == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("serve did not announce its listeners:\n%s", s.stderr)
	}
	go io.Copy(io.Discard, stdout)
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve exited with %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		// Ask the Go runtime for every goroutine's stack, to see where.
		s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
		}
		t.Fatalf("serve did not stop on SIGTERM\n%s", s.stderr)
	}
}

func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func header(t *testing.T, data []byte) textproto.Header {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatalf("copy has a bad header: %v", err)
	}
	return h
}

func swaks(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("swaks is not installed; .ci/run installs it")
		}
		t.Skip("swaks not installed (apt-get install swaks)")
	}
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	return string(out)
}

func TestEndToEnd(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers CoP", "--prefix", "[cop] ")
	praxis(t, data, "member", "add", "cop@example.org", "alice@example.net", "--name", "Alice")
	praxis(t, data, "member", "add", "cop@example.org", "bob@example.com")
	praxis(t, data, "member", "add", "cop@example.org", "carol@example.com", "--delivery", "digest")
	praxis(t, data, "member", "add", "cop@example.org", "dave@example.com", "--delivery", "nomail")
	praxis(t, data, "member", "add", "cop@example.org", "owner@example.org", "--role", "owner", "--delivery", "nomail")

	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())

	// A member posts with swaks, an independent SMTP client.
	out := swaks(t, "--server", srv.smtp, "--from", "alice@example.net", "--to", "cop@example.org",
		"--header", "Subject: Re: [cop] Re: soldering tips", "--header", "Message-Id: <first@example.net>",
		"--body", "Use flux.\n")
	if !strings.Contains(out, "250") {
		t.Fatalf("swaks: %s", out)
	}
	copies := rec.waitFor(t, "two copies", func(cs []delivered) bool { return len(cs) >= 2 })
	time.Sleep(300 * time.Millisecond)
	copies = rec.snapshot()
	got := map[string]int{}
	for _, c := range copies {
		got[c.to]++
	}
	if len(copies) != 2 || got["alice@example.net"] != 1 || got["bob@example.com"] != 1 {
		t.Fatalf("copies by recipient: %v, want one each for alice and bob", got)
	}
	var bobCopy delivered
	for _, c := range copies {
		h := header(t, c.data)
		if !regexp.MustCompile(`^cop-bounces\+` + regexp.QuoteMeta(strings.Replace(c.to, "@", "=", 1)) + `=[0-9a-f]{16}@example\.org$`).MatchString(c.from) {
			t.Errorf("envelope sender %q is not VERP for %s", c.from, c.to)
		}
		if got := h.Get("Subject"); got != "[cop] Re: soldering tips" {
			t.Errorf("Subject = %q", got)
		}
		if got := h.Get("List-Id"); !strings.Contains(got, "<cop.example.org>") {
			t.Errorf("List-Id = %q", got)
		}
		if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post = %q", got)
		}
		if got := h.Get("Archived-At"); !strings.Contains(got, "/m/first@example.net") {
			t.Errorf("Archived-At = %q", got)
		}
		if c.to == "bob@example.com" {
			bobCopy = c
		}
	}

	// A non-member's post is held, and `praxis held ls` shows it while
	// serve runs.
	swaks(t, "--server", srv.smtp, "--from", "eve@example.com", "--to", "cop@example.org", "--header", "Subject: cheap watches", "--body", "buy\n")
	var heldID string
	deadline := time.Now().Add(10 * time.Second)
	for heldID == "" && time.Now().Before(deadline) {
		out := praxis(t, data, "held", "ls", "cop@example.org")
		if m := regexp.MustCompile(`(?m)^(\d+)\s.*eve@example.com.*cheap watches`).FindStringSubmatch(out); m != nil {
			heldID = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if heldID == "" {
		t.Fatal("the non-member's post was not held")
	}

	// Bob leaves with the one-click link of his copy (RFC 8058).
	bobHeader := header(t, bobCopy.data)
	link := regexp.MustCompile(`<(http://[^>]+/unsubscribe/[^>]+)>`).FindStringSubmatch(bobHeader.Get("List-Unsubscribe"))
	if link == nil {
		t.Fatalf("no https/http one-click link in %q", bobHeader.Get("List-Unsubscribe"))
	}
	u := link[1]
	if !strings.HasPrefix(u, "http://"+srv.http+"/l/cop@example.org/unsubscribe/") {
		t.Fatalf("one-click link %q does not point at the web listener %s", u, srv.http)
	}
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("one-click POST: %d", resp.StatusCode)
	}
	if members := praxis(t, data, "member", "ls", "cop@example.org"); strings.Contains(members, "bob@example.com") {
		t.Fatalf("bob is still a member:\n%s", members)
	}

	// The moderator approves the held post from the CLI; it reaches alice only.
	// The owner was told of the held post, with the post attached.
	notices := rec.waitFor(t, "the moderator's notice", func(cs []delivered) bool {
		for _, c := range cs {
			if c.to == "owner@example.org" && strings.Contains(string(c.data), "needs approval") {
				return true
			}
		}
		return false
	})
	_ = notices
	praxis(t, data, "held", "approve", "cop@example.org", heldID)
	approved := func(cs []delivered) (out []delivered) {
		for _, c := range cs {
			if strings.Contains(string(c.data), "Subject: [cop] cheap watches") {
				out = append(out, c)
			}
		}
		return out
	}
	rec.waitFor(t, "the approved post", func(cs []delivered) bool { return len(approved(cs)) >= 1 })
	time.Sleep(300 * time.Millisecond)
	if got := approved(rec.snapshot()); len(got) != 1 || got[0].to != "alice@example.net" {
		t.Fatalf("after approval %d copies of the post went out, want one to alice", len(got))
	}
	srv.stop(t)
}

func TestAdminErrors(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP")
	praxis(t, data, "member", "add", "cop@example.org", "alice@example.net")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"member", "add", "nolist@example.org", "a@example.net"}, "no list"},
		{[]string{"member", "add", "cop@example.org", "not-an-address"}, "not an email address"},
		{[]string{"member", "add", "cop@example.org", "ALICE@example.net"}, "already a member"},
		{[]string{"member", "add", "cop@example.org", "b@example.net", "--role", "king"}, "--role"},
		{[]string{"list", "create", "cop@example.org", "--name", "again"}, "already exists"},
		{[]string{"list", "create", "x@example.org"}, "--name"},
		{[]string{"list", "create", "x@example.org", "--name", "X", "--post", "everyone"}, "--post"},
		{[]string{"list", "show", "ghost@example.org"}, "no list"},
		{[]string{"list", "set", "cop@example.org"}, "nothing to change"},
		{[]string{"member", "rm", "cop@example.org", "zed@example.net"}, "not a member"},
		{[]string{"held", "approve", "cop@example.org", "42"}, "no held post"},
		{[]string{"held", "approve", "cop@example.org", "x"}, "not a post ID"},
		{[]string{"frobnicate"}, "unknown command"},
	}
	for _, tt := range tests {
		_, errOut, err := praxisRun(data, tt.args...)
		if err == nil || !strings.Contains(errOut, tt.want) {
			t.Errorf("praxis %s: err %v, stderr %q; want failure mentioning %q", strings.Join(tt.args, " "), err, errOut, tt.want)
		}
	}
	// Nothing half-done: the failed commands left the list as it was.
	if out := praxis(t, data, "member", "ls", "cop@example.org"); strings.Count(out, "@") != 1 {
		t.Errorf("members after failures:\n%s", out)
	}
	keygen := praxis(t, data, "domain", "dkim-keygen", "example.org")
	if !strings.Contains(keygen, "praxis._domainkey.example.org") || !strings.Contains(keygen, "v=DKIM1; k=rsa; p=") {
		t.Errorf("dkim-keygen printed:\n%s", keygen)
	}
	praxis(t, data, "ban", "add", "cop@example.org", "^.*@spam\\.example$")
	if out := praxis(t, data, "ban", "ls", "cop@example.org"); !strings.Contains(out, "@spam") {
		t.Errorf("ban ls: %q", out)
	}
	if _, errOut, err := praxisRun(data, "ban", "add", "cop@example.org", "^(unclosed"); err == nil || !strings.Contains(errOut, "regular expression") {
		t.Errorf("a bad ban pattern: %v %q", err, errOut)
	}
	out := praxis(t, data, "list", "set", "cop@example.org", "--post", "open", "--prefix", "[makers] ")
	if !strings.Contains(out, "updated") || !strings.Contains(praxis(t, data, "list", "show", "cop@example.org"), "[makers] ") {
		t.Error("list set did not take")
	}
}

// TestCrashLosesNothing kills serve with SIGKILL in the middle of a burst
// of posts, while copies are going out; after a restart every member gets
// every post that got a 250, and copies sent twice are at most those that
// were in flight at the kill.
func TestCrashLosesNothing(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--post", "open")
	const members, posts = 5, 400
	for i := 0; i < members; i++ {
		praxis(t, data, "member", "add", "cop@example.org", fmt.Sprintf("m%d@example.net", i))
	}
	rec := newRecorder(t)
	const workers = 4
	srv := serve(t, data, rec.sink.Addr(), "--delivery-concurrency", strconv.Itoa(workers))

	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[string]bool{}
	killed := make(chan struct{})
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			cl, err := smtp.Dial(srv.smtp)
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for i := c; i < posts; i += 4 {
				id := fmt.Sprintf("crash-%d@example.net", i)
				msg := fmt.Sprintf("From: poster@example.net\r\nTo: cop@example.org\r\nSubject: post %d\r\nMessage-ID: <%s>\r\n\r\nbody %d\r\n", i, id, i)
				if err := cl.SendMail("poster@example.net", []string{"cop@example.org"}, strings.NewReader(msg)); err != nil {
					return // the server is gone: this post has no 250
				}
				mu.Lock()
				accepted[id] = true
				mu.Unlock()
			}
		}(c)
	}
	// Kill once intake and fan-out are both well under way.
	go func() {
		for deadline := time.Now().Add(30 * time.Second); len(rec.snapshot()) < 100 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		srv.kill()
		close(killed)
	}()
	wg.Wait()
	<-killed
	mu.Lock()
	n := len(accepted)
	mu.Unlock()
	if n == 0 || n == posts {
		t.Logf("the kill came at an edge: %d of %d posts accepted", n, posts)
	}
	before := len(rec.snapshot())

	srv = serve(t, data, rec.sink.Addr(), "--delivery-concurrency", strconv.Itoa(workers))
	want := n * members
	seen := map[string]int{}
	count := func(cs []delivered) int {
		clear(seen)
		for _, c := range cs {
			h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(c.data)))
			if err != nil {
				continue
			}
			id := strings.Trim(h.Get("Message-Id"), "<>")
			if accepted[id] {
				seen[id+" "+c.to]++
			}
		}
		return len(seen)
	}
	rec.waitFor(t, "every copy of every accepted post after the restart", func(cs []delivered) bool { return count(cs) >= want })
	time.Sleep(300 * time.Millisecond)
	count(rec.snapshot())
	dups := 0
	for _, k := range seen {
		dups += k - 1
	}
	t.Logf("%d posts accepted before the kill, %d copies out before it, %d duplicates after the restart", n, before, dups)
	// In flight at a kill: the copies sent or being sent whose outcome
	// was not committed, which the queue bounds whatever the load (a
	// worker waits for the commit rather than run further ahead). A queue
	// that let the commits fall behind under load, or forgot its progress,
	// would send many more of the copies sent before the kill again.
	if inFlight := delivery.UnrecordedBound(workers); dups > inFlight {
		t.Errorf("%d duplicates after the restart (%d copies went out before the kill), want at most the %d that can be in flight", dups, before, inFlight)
	}
	srv.stop(t)
}

func TestServeStopsCleanly(t *testing.T) {
	data := t.TempDir()
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	resp, err := http.Get("http://" + srv.http + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// An idle SMTP client must not hold up the shutdown.
	idle, err := smtp.Dial(srv.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	start := time.Now()
	srv.stop(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SIGTERM took %s with an idle client connected", d)
	}
	if !strings.Contains(srv.stderr.String(), "stopped") {
		t.Errorf("no clean stop in the log:\n%s", srv.stderr)
	}
}
