package delivery

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/listserv"
	"praxis/listserv/delivery/transport"
	"praxis/listserv/store"
	"praxis/templates"
)

// clock is the fake clock of a test: real time plus an offset it advances.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// mx is a loopback SMTP server whose answer to RCPT depends on the recipient.
type mx struct {
	mu       sync.Mutex
	got      map[string]int    // rcpt → copies received
	from     map[string]string // rcpt → envelope sender
	data     map[string][]byte // rcpt → the last copy's bytes
	refuse   map[string]*smtp.SMTPError
	conns    atomic.Int64
	srv      *smtp.Server
	listener net.Listener
}

func startMX(t *testing.T) *mx {
	t.Helper()
	m := &mx{got: map[string]int{}, from: map[string]string{}, data: map[string][]byte{}, refuse: map[string]*smtp.SMTPError{}}
	m.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		m.conns.Add(1)
		return &mxSession{m: m}, nil
	}))
	m.srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.listener = ln
	go m.srv.Serve(ln)
	t.Cleanup(func() { m.srv.Close() })
	return m
}

func (m *mx) setRefuse(rcpt string, e *smtp.SMTPError) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e == nil {
		delete(m.refuse, rcpt)
	} else {
		m.refuse[rcpt] = e
	}
}

func (m *mx) count(rcpt string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.got[rcpt]
}

type mxSession struct {
	m     *mx
	from  string
	rcpts []string
}

func (s *mxSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *mxSession) Logout() error { return nil }
func (s *mxSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *mxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if e := s.m.refuse[to]; e != nil {
		return e
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *mxSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	for _, to := range s.rcpts {
		s.m.got[to]++
		s.m.from[to] = s.from
		s.m.data[to] = b
	}
	return nil
}

type fixture struct {
	svc   *listserv.Service
	st    *store.Store
	clock *clock
	mx    *mx
	stop  func()
}

func setup(t *testing.T, members []string, concurrency int) *fixture {
	t.Helper()
	return setupWith(t, members, Config{Concurrency: concurrency}, nil)
}

// setupWith starts a queue with cfg (Poll and Now are the fixture's), after
// adjust, when set, has changed it.
func setupWith(t *testing.T, members []string, cfg Config, adjust func(*Queue)) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{}
	st, err := store.Open(ctx, t.TempDir(), store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://lists.test", Hostname: "lists.test", Now: clk.Now}, templates.MustParse(), log)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateList(ctx, &listserv.List{Address: "cop@lists.test", Name: "CoP", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public", Prefix: "[cop] "}); err != nil {
		t.Fatal(err)
	}
	l, err := svc.List(ctx, "cop@lists.test")
	must(t, err)
	var ms []*store.Member
	for _, a := range members {
		ms = append(ms, &store.Member{ListID: l.ID, Address: a, Role: "member", Delivery: "each"})
	}
	if err := st.AddMembers(ctx, ms); err != nil {
		t.Fatal(err)
	}
	m := startMX(t)
	tr, err := transport.Parse("smtp://"+m.listener.Addr().String()+"?tls=none", transport.Options{Hostname: "lists.test"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Poll, cfg.Now = 20*time.Millisecond, clk.Now
	q := New(cfg, svc, tr, log)
	if adjust != nil {
		adjust(q)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		q.Run(runCtx)
		close(done)
	}()
	f := &fixture{svc: svc, st: st, clock: clk, mx: m}
	f.stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("queue did not stop")
		}
	}
	t.Cleanup(f.stop)
	return f
}

func (f *fixture) post(t *testing.T, subject string) {
	t.Helper()
	f.postRaw(t, []byte("From: author@example.net\r\nSubject: "+subject+"\r\nMessage-ID: <"+subject+"@example.net>\r\n\r\nbody\r\n"))
}

func (f *fixture) postRaw(t *testing.T, raw []byte) {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Inbound().Resolve(ctx, "cop@lists.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "author@example.net"}, []listserv.Route{r}, raw); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ProcessReceived(ctx); err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func deliveryRow(t *testing.T, st *store.Store, rcpt string) (state string, attempts int, nextAt int64) {
	t.Helper()
	ds, err := st.DeliveryStates(context.Background(), rcpt)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) == 0 {
		t.Fatalf("no copy to %s queued", rcpt)
	}
	d := ds[len(ds)-1]
	return d.State, d.Attempts, d.NextAt.Unix()
}

func TestRetriesAndFailures(t *testing.T) {
	f := setup(t, []string{"ok@a.test", "temp@a.test", "perm@a.test"}, 2)
	f.mx.setRefuse("temp@a.test", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "greylisted"})
	f.mx.setRefuse("perm@a.test", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"})
	f.post(t, "hello")

	eventually(t, "the copy to ok@", func() bool { return f.mx.count("ok@a.test") == 1 })
	eventually(t, "the permanent failure", func() bool { s, _, _ := deliveryRow(t, f.st, "perm@a.test"); return s == "failed" })
	eventually(t, "the first deferral", func() bool { _, n, _ := deliveryRow(t, f.st, "temp@a.test"); return n == 1 })
	f.mx.mu.Lock()
	gotFrom := f.mx.from["ok@a.test"]
	f.mx.mu.Unlock()
	if got := gotFrom; got != f.svc.VERP("cop@lists.test", "ok@a.test") || !strings.HasPrefix(got, "cop-bounces+ok=a.test=") {
		t.Errorf("envelope sender %q, want the VERP address", got)
	}
	// 5xx recorded against the member for the bounce processor.
	l, err := f.svc.List(context.Background(), "cop@lists.test")
	must(t, err)
	fails, err := f.st.Failures(context.Background(), l.ID, "perm@a.test")
	must(t, err)
	if len(fails) != 1 || fails[0].Code != 550 || fails[0].Enhanced != "5.1.1" || !fails[0].Permanent {
		t.Errorf("failures of perm@: %+v", fails)
	}
	// The deferral waits a minute (Backoff(1)), and not less.
	state, _, next := deliveryRow(t, f.st, "temp@a.test")
	if wait := time.Unix(next, 0).Sub(f.clock.Now()); state != "queued" || wait < 50*time.Second || wait > 61*time.Second {
		t.Errorf("temp@ is %s, retry in %s; want queued, in about a minute", state, wait)
	}
	time.Sleep(100 * time.Millisecond)
	if _, n, _ := deliveryRow(t, f.st, "temp@a.test"); n != 1 {
		t.Fatalf("retried before its time: %d attempts", n)
	}
	f.clock.advance(2 * time.Minute)
	eventually(t, "the second attempt", func() bool { _, n, _ := deliveryRow(t, f.st, "temp@a.test"); return n == 2 })
	_, _, next = deliveryRow(t, f.st, "temp@a.test")
	if wait := time.Unix(next, 0).Sub(f.clock.Now()); wait < 4*time.Minute || wait > 5*time.Minute+time.Second {
		t.Errorf("second retry in %s, want about 5 minutes", wait)
	}
	// The greylisting ends: the next attempt delivers.
	f.mx.setRefuse("temp@a.test", nil)
	f.clock.advance(6 * time.Minute)
	eventually(t, "the retried copy", func() bool { return f.mx.count("temp@a.test") == 1 })
	eventually(t, "the row marked done", func() bool { s, _, _ := deliveryRow(t, f.st, "temp@a.test"); return s == "done" })
	if f.mx.count("ok@a.test") != 1 || f.mx.count("perm@a.test") != 0 {
		t.Errorf("copies: ok %d, perm %d", f.mx.count("ok@a.test"), f.mx.count("perm@a.test"))
	}
	// Two workers, errors that leave the dialogue in step: connections reused.
	if n := f.mx.conns.Load(); n > 2 {
		t.Errorf("%d connections for 4 transactions with 2 workers", n)
	}
}

func TestGiveUpAfterMaxAge(t *testing.T) {
	f := setup(t, []string{"temp@a.test"}, 1)
	f.mx.setRefuse("temp@a.test", &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full"})
	f.post(t, "full")
	eventually(t, "the first deferral", func() bool { _, n, _ := deliveryRow(t, f.st, "temp@a.test"); return n == 1 })
	f.clock.advance(5*24*time.Hour + time.Minute)
	eventually(t, "giving up", func() bool { s, _, _ := deliveryRow(t, f.st, "temp@a.test"); return s == "failed" })
	l, err := f.svc.List(context.Background(), "cop@lists.test")
	must(t, err)
	fails, err := f.st.Failures(context.Background(), l.ID, "temp@a.test")
	must(t, err)
	if len(fails) != 1 || fails[0].Permanent || fails[0].Code != 452 {
		t.Errorf("failure after giving up: %+v", fails)
	}
}

func TestExactlyOnceUnderLoad(t *testing.T) {
	var members []string
	for i := 0; i < 400; i++ {
		members = append(members, fmt.Sprintf("m%03d@d%d.test", i, i%7))
	}
	f := setup(t, members, 8)
	for i := 0; i < 3; i++ {
		f.post(t, fmt.Sprintf("post%d", i))
	}
	eventually(t, "every copy", func() bool {
		f.mx.mu.Lock()
		defer f.mx.mu.Unlock()
		total := 0
		for _, n := range f.mx.got {
			total += n
		}
		return total >= 3*len(members)
	})
	time.Sleep(200 * time.Millisecond)
	f.mx.mu.Lock()
	defer f.mx.mu.Unlock()
	for _, m := range members {
		if n := f.mx.got[m]; n != 3 {
			t.Errorf("%s got %d copies, want 3", m, n)
		}
	}
	if n := f.mx.conns.Load(); n > 8 {
		t.Errorf("%d connections with 8 workers: sessions not reused", n)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 4 * time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	var total time.Duration
	n := 0
	for total < 5*24*time.Hour {
		n++
		total += Backoff(n)
	}
	if n < 20 || n > 40 {
		t.Errorf("%d attempts over 5 days; expected a few dozen", n)
	}
}

// must stops the test at a setup step that failed.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
