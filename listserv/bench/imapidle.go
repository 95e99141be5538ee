package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"praxis/listserv/config"
)

// The IMAP idle scenario (issue 12, imap_idle_rss_mb): many clients
// idling at once on the bench's big archive list, served by `serve` in a
// child process of its own (this binary again, told so by childEnv, on
// the data dir the archive bench imported), so that the figure is the
// serving process's memory and not the import's. Then one post over
// SMTP, and how many of the idling clients were told of it (* N EXISTS)
// within a second of its 250.
const (
	// IMAPIdleClients is how many clients idle at once (the 100).
	IMAPIdleClients = 100
	// imapIdleWindow is the "within a second".
	imapIdleWindow = time.Second
	// imapIdleWait is how long a client waits for the EXISTS at all:
	// the count is of those that had it within imapIdleWindow, the wait
	// only tells a late client from a missing one.
	imapIdleWait   = 30 * time.Second
	imapIdlePoster = "poster@bench.localhost"
)

// archiveList is the list the archive bench imports the corpus into.
const archiveList = "archive@bench.localhost"

// benchIMAPIdle runs the IMAP idle scenario on the archive list the
// archive bench imported (no server may be running on cfg.Data).
func benchIMAPIdle(ctx context.Context, h Harness, cfg *config.Config, p Params, res *Result, progress Progress) error {
	r, err := IMAPIdle(ctx, h, cfg.Data, cfg.DB, archiveList, p.IMAPClients, imapIdleWindow, progress)
	if err != nil {
		return err
	}
	res.IMAPIdleRSSMB, res.IMAPIdleNotified, res.IMAPIdleReached = &r.PeakRSSMB, &r.Notified, &r.Reached
	res.IMAPIdleClients, res.IMAPIdleSlowestMs = r.Clients, &r.SlowestMs
	return nil
}

// runIMAPOnly is `bench --only imap`: the corpus imported into a new
// data dir, then the IMAP sessions and the idle clients.
func runIMAPOnly(ctx context.Context, h Harness, p Params, res *Result, progress Progress) (*Result, error) {
	dir, db, done, err := scratch(ctx, "imap", p.DB, progress)
	if err != nil {
		return nil, err
	}
	defer done()
	cfg := config.Default()
	cfg.Data, cfg.DB, cfg.SMTP, cfg.HTTP, cfg.IMAP, cfg.Hostname = dir, db, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "bench.localhost"
	cfg.Finish()
	if err := archiveInChild(ctx, h, &cfg, p, res, progress); err != nil {
		return nil, err
	}
	if err := benchIMAPIdle(ctx, h, &cfg, p, res, progress); err != nil {
		return nil, err
	}
	res.PeakRSSMB = PeakRSSMB()
	return res, nil
}

// IMAPIdleResult is what the scenario measures.
type IMAPIdleResult struct {
	// PeakRSSMB is the child's high-water resident set (VmHWM), read
	// once the new post has reached the clients: serve's start (the
	// store and the index opened), the sessions and the news of the
	// post all count.
	PeakRSSMB float64
	// RSSMB is the child's resident set (VmRSS) while the clients idle,
	// before the post.
	RSSMB float64
	// Notified is how many clients had * N EXISTS within window of the
	// post being sent (from before its SMTP session opened, so a little
	// stricter than from its 250); Reached how many had it at all (within
	// imapIdleWait); Clients how many idled.
	Notified, Reached, Clients int
	// SlowestMs is the time from the sending to the last client's EXISTS
	// (every client within imapIdleWait).
	SlowestMs float64
}

// IMAPIdle runs the scenario on data (a data dir holding list, a public
// archive list that takes posts from anyone, and no server running on
// it): clients sessions LOGIN anonymous, SELECT list and IDLE; then one
// post to list over SMTP. window is how soon after the 250 a client must
// be told of the post to count as notified.
func IMAPIdle(ctx context.Context, h Harness, data, db, list string, clients int, window time.Duration, progress Progress) (*IMAPIdleResult, error) {
	snk, err := StartSink(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: imap idle sink: %w", err)
	}
	defer snk.Close()
	ch, err := startChild(ctx, h, "imapidle", data, db, snk.Addr(), "smtp", "imap")
	if err != nil {
		return nil, fmt.Errorf("bench: imap idle: %w", err)
	}
	defer ch.stop()
	pid := strconv.Itoa(ch.cmd.Process.Pid)

	progress("imap idle: %d clients idling on %s, served by a child process", clients, list)
	sessions := make([]*idleSession, clients)
	defer func() {
		for _, s := range sessions {
			if s != nil {
				s.conn.Close()
			}
		}
	}()
	// Opened a few at a time, as clients come, not all in one burst.
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	sem := make(chan struct{}, 8)
	for i := range sessions {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := idle(ch.addrs["imap"], list)
			if err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
				return
			}
			sessions[i] = s
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, ch.fail(err)
	}
	res := &IMAPIdleResult{Clients: clients, RSSMB: procRSSMB(pid, "VmRSS:")}
	progress("imap idle: %d clients idling, the child holds %.1f MB", clients, res.RSSMB)

	// Each client waits for the news; the post is sent once all listen.
	got := make([]time.Time, clients)
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if t, err := s.waitExists(imapIdleWait); err == nil {
				got[i] = t
			}
		}()
	}
	// Timed from before the SMTP session (stricter than from its 250).
	sent := time.Now()
	if err := send(ch.addrs["smtp"], imapIdlePoster, list, message(0, imapIdlePoster, list)); err != nil {
		return nil, ch.fail(fmt.Errorf("the post: %w", err))
	}
	wg.Wait()
	var slowest time.Duration
	late := 0
	for _, t := range got {
		switch {
		case t.IsZero():
			late++
		case t.Sub(sent) <= window:
			res.Notified++
		}
		if !t.IsZero() {
			res.Reached++
			slowest = max(slowest, t.Sub(sent))
		}
	}
	res.SlowestMs = float64(slowest.Microseconds()) / 1000
	res.PeakRSSMB = procRSSMB(pid, "VmHWM:")
	progress("imap idle: %d of %d told of the new post within %s (the last after %.0f ms, %d never)", res.Notified, clients, window, res.SlowestMs, late)
	for _, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.logout()
		}()
	}
	wg.Wait()
	if err := ch.stop(); err != nil {
		return nil, err
	}
	if res.PeakRSSMB == 0 {
		return nil, errors.New("bench: imap idle: no RSS (no /proc?)")
	}
	return res, nil
}

// idleSession is one raw IMAP connection in IDLE: a plain line reader is
// all the scenario needs, and it is lighter than a client library, so
// that a hundred of them cost the parent little.
type idleSession struct {
	conn   net.Conn
	r      *bufio.Reader
	exists int // the EXISTS the SELECT answered
}

// idle connects, logs in anonymously, selects list and starts IDLE.
func idle(addr, list string) (*idleSession, error) {
	conn, err := net.DialTimeout("tcp", addr, 30*time.Second)
	if err != nil {
		return nil, err
	}
	s := &idleSession{conn: conn, r: bufio.NewReader(conn), exists: -1}
	conn.SetDeadline(time.Now().Add(time.Minute))
	if _, err := s.line(); err != nil { // the greeting
		conn.Close()
		return nil, err
	}
	for _, cmd := range []string{"a LOGIN anonymous bench", "b SELECT " + strconv.Quote(list), "c IDLE"} {
		if _, err := fmt.Fprintf(conn, "%s\r\n", cmd); err != nil {
			conn.Close()
			return nil, err
		}
		tag, _, _ := strings.Cut(cmd, " ")
		for {
			l, err := s.line()
			if err != nil {
				conn.Close()
				return nil, fmt.Errorf("%s: %w", cmd, err)
			}
			if n, ok := existsCount(l); ok {
				s.exists = n
			}
			if tag == "c" && strings.HasPrefix(l, "+") {
				break
			}
			if strings.HasPrefix(l, tag+" ") {
				if !strings.HasPrefix(l, tag+" OK") {
					conn.Close()
					return nil, fmt.Errorf("%s: %s", cmd, l)
				}
				break
			}
		}
	}
	if s.exists < 0 {
		conn.Close()
		return nil, errors.New("SELECT said no EXISTS")
	}
	conn.SetDeadline(time.Time{})
	return s, nil
}

// waitExists reads until an EXISTS above the selected count and returns
// when it came.
func (s *idleSession) waitExists(limit time.Duration) (time.Time, error) {
	s.conn.SetReadDeadline(time.Now().Add(limit))
	defer s.conn.SetReadDeadline(time.Time{})
	for {
		l, err := s.line()
		if err != nil {
			return time.Time{}, err
		}
		if n, ok := existsCount(l); ok && n > s.exists {
			return time.Now(), nil
		}
	}
}

// logout ends IDLE and the session, politely, best effort. (DONE and
// LOGOUT are not sent in one write: the server may drop what came with
// the DONE.)
func (s *idleSession) logout() {
	defer s.conn.Close()
	s.conn.SetDeadline(time.Now().Add(10 * time.Second))
	for _, cmd := range []string{"DONE", "z LOGOUT"} {
		if _, err := fmt.Fprintf(s.conn, "%s\r\n", cmd); err != nil {
			return
		}
		tag := "c "
		if cmd != "DONE" {
			tag = "z "
		}
		for {
			l, err := s.line()
			if err != nil {
				return
			}
			if strings.HasPrefix(l, tag) {
				break
			}
		}
	}
}

func (s *idleSession) line() (string, error) {
	l, err := s.r.ReadString('\n')
	return strings.TrimRight(l, "\r\n"), err
}

// existsCount reads "* N EXISTS".
func existsCount(l string) (int, bool) {
	f := strings.Fields(l)
	if len(f) != 3 || f[0] != "*" || !strings.EqualFold(f[2], "EXISTS") {
		return 0, false
	}
	n, err := strconv.Atoi(f[1])
	return n, err == nil
}

// child is a serve of this binary in a process of its own, on a data dir
// the parent prepared, until its stdin closes.
type child struct {
	cmd    *exec.Cmd
	stdin  interface{ Close() error }
	cancel context.CancelFunc
	done   chan error
	stderr *strings.Builder
	addrs  map[string]string // listener name → address, as announced
	waited bool
	err    error
}

// startChild starts the child of the given kind (childEnv's value) and
// reads the addresses of the named listeners from its stdout.
func startChild(ctx context.Context, h Harness, kind, data, db, sink string, names ...string) (*child, error) {
	return startChildEnv(ctx, h, kind, data, db, sink, nil, names...)
}

// startChildEnv is startChild with more of the child's environment.
func startChildEnv(ctx context.Context, h Harness, kind, data, db, sink string, env []string, names ...string) (*child, error) {
	if len(h.Child) == 0 {
		return nil, errors.New("no command for the child")
	}
	cctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(cctx, h.Child[0], h.Child[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"="+kind, childData+"="+data, childDB+"="+db, childSink+"="+sink)
	cmd.Env = append(cmd.Env, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	c := &child{cmd: cmd, stdin: stdin, cancel: cancel, done: make(chan error, 1), stderr: new(strings.Builder), addrs: map[string]string{}}
	cmd.Stderr = &lockedWriter{b: c.stderr}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("child: %w", err)
	}
	go func() { c.done <- cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	for len(c.addrs) < len(names) {
		if !sc.Scan() {
			return nil, c.fail(fmt.Errorf("the child said no address of %v (%v)", names, sc.Err()))
		}
		name, addr, _ := strings.Cut(sc.Text(), " ")
		for _, n := range names {
			if n == name {
				c.addrs[name] = addr
			}
		}
	}
	// Whatever else it says is read and dropped, so it never blocks.
	go func() {
		for sc.Scan() {
		}
	}()
	return c, nil
}

// stop closes the child's stdin (serve stops as on a signal) and waits
// for it, a minute at most; it may be called again.
func (c *child) stop() error {
	if c.waited {
		return c.err
	}
	c.waited = true
	c.stdin.Close()
	select {
	case err := <-c.done:
		if err != nil {
			c.err = fmt.Errorf("child: %w (%s)", err, c.stderrText())
		}
	case <-time.After(time.Minute):
		c.cancel()
		<-c.done
		c.err = errors.New("the child did not stop")
	}
	c.cancel()
	return c.err
}

// fail kills the child and returns err with what it said on stderr.
func (c *child) fail(err error) error {
	if !c.waited {
		c.waited = true
		c.stdin.Close()
		c.cancel()
		<-c.done
	}
	return fmt.Errorf("%w (child: %s)", err, c.stderrText())
}

func (c *child) stderrText() string {
	w := c.cmd.Stderr.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(w.b.String())
}

type lockedWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
