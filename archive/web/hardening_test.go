package web

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"praxis/listserv"
	"praxis/listserv/store"
)

// The attacks of issue 10 on the web side, each reproduced: a huge
// phrase, the entry points that went round the queue, one client taking
// every turn, stalled downloads, a shared rate bucket behind a proxy, a
// page number that overflows, a bad cursor, a CSRF token that worked in
// any session, and a stranger using up a member's daily mail.

// behindProxy makes the fixture's server believe X-Forwarded-For from
// loopback, where the tests' clients connect from, so that one test can
// be many clients.
func (f *archiveFixture) behindProxy() {
	f.srv.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
}

// forwarded adds X-Forwarded-For to every request, as a proxy would.
type forwarded struct {
	ip string
	rt http.RoundTripper
}

func (x forwarded) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", x.ip)
	return x.rt.RoundTrip(r)
}

// clientFrom is a browser at ip behind the trusted proxy.
func (f *archiveFixture) clientFrom(t *testing.T, ip string) *http.Client {
	c := f.client(t)
	c.Transport = forwarded{ip: ip, rt: http.DefaultTransport}
	return c
}

func mailsTo(t *testing.T, f *archiveFixture, addr string) int {
	t.Helper()
	n, err := f.svc.Store().CountMessages(context.Background(), "", addr)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lastMailTo returns the newest mail Praxis spooled to addr.
func lastMailTo(t *testing.T, st *store.Store, addr string) []byte {
	t.Helper()
	m, err := st.LatestMessage(context.Background(), "", addr)
	if err != nil {
		t.Fatalf("no mail to %s: %v", addr, err)
	}
	return m.Raw
}

// must stops the test at a setup step that failed.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond, a bounded number of times: the tests assert counts
// reached, never how long it took.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 6000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("never: %s", what)
}

func TestClientKey(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48")}}}
	tests := []struct {
		remote, xff, want string
	}{
		{"192.0.2.1:1234", "", "192.0.2.1"},
		// From an untrusted peer the header is the client's own words.
		{"192.0.2.1:1234", "198.51.100.7", "192.0.2.1"},
		{"10.0.0.2:1234", "198.51.100.7", "198.51.100.7"},
		// The right-most untrusted hop; what the client wrote left of it
		// does not count.
		{"10.0.0.2:1234", "203.0.113.9, 198.51.100.7, 10.0.0.3", "198.51.100.7"},
		{"10.0.0.2:1234", "forged, 198.51.100.7", "198.51.100.7"},
		{"10.0.0.2:1234", "198.51.100.7, nonsense", "10.0.0.2"},
		{"10.0.0.2:1234", "", "10.0.0.2"},
		{"[2001:db8:1::5]:443", "[2001:db8:2:3:4::1]:5555", "2001:db8:2:3::/64"},
		// IPv6 by /64: another address of the same block is the same client.
		{"[2001:db8:9:9:1::1]:1", "", "2001:db8:9:9::/64"},
		{"[::ffff:192.0.2.1]:1", "", "192.0.2.1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := s.client(r); got != tt.want {
			t.Errorf("RemoteAddr %s, X-Forwarded-For %q: client %q, want %q", tt.remote, tt.xff, got, tt.want)
		}
	}
}

// Behind a proxy, one client's twenty form posts used up the one bucket
// everyone shared; now they use up that client's only. A header sent by
// a client that is not the proxy changes nothing.
func TestProxyRateBuckets(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	n := 0
	post := func(c *http.Client) int {
		_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/info")
		n++ // an address each time: only the client's rate is tested here
		resp, err := c.PostForm(f.ts.URL+"/l/cop@example.org/leave", url.Values{"address": {fmt.Sprintf("nobody%d@example.com", n)}, "csrf": {csrfRe.FindStringSubmatch(body)[1]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	noisy := f.clientFrom(t, "198.51.100.1")
	refused := 0
	for i := 0; i < 25; i++ {
		if post(noisy) == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused != 5 {
		t.Errorf("%d of 25 posts from one client refused, want 5", refused)
	}
	if got := post(f.clientFrom(t, "198.51.100.2")); got != http.StatusOK {
		t.Errorf("another client behind the proxy: %d, want 200", got)
	}
	// Not behind a trusted proxy: the header is not believed.
	f.srv.cfg.TrustedProxies = nil
	for i := 0; i < 20; i++ {
		post(f.clientFrom(t, fmt.Sprintf("203.0.113.%d", i)))
	}
	if got := post(f.clientFrom(t, "203.0.113.99")); got != http.StatusTooManyRequests {
		t.Errorf("forged X-Forwarded-For from an untrusted peer gave a fresh bucket: %d", got)
	}
}

// A throttled client stays throttled however many others come and go:
// the map used to be wiped at 10,000 keys, which let the throttled go.
func TestLimiterForgetsIdleNotThrottled(t *testing.T) {
	l := newLimiter(20, 10*time.Minute) // a token every 30 s
	l.maxKeys = 100
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		if !l.allow("throttled", t0) {
			t.Fatalf("request %d refused", i)
		}
	}
	allowed := 0
	for i := 1; i <= 1000; i++ {
		now := t0.Add(time.Duration(i) * time.Second)
		l.allow(fmt.Sprintf("passer-by %d", i), now)
		if l.allow("throttled", now) {
			allowed++
		}
		if l.size() > l.maxKeys {
			t.Fatalf("%d keys kept, limit %d", l.size(), l.maxKeys)
		}
	}
	// One token per 30 s over 1,000 s, not a fresh burst at every wipe.
	if allowed > 1000/30+1 {
		t.Errorf("the throttled client was let through %d times in 1,000 s, want at most %d", allowed, 1000/30+1)
	}
}

// One client's requests share out the cores with others': it holds at
// most perClient running and waiting (the rest are refused), and a freed
// core goes round the clients that wait rather than to the one that
// queued first.
func TestAdmissionFairShare(t *testing.T) {
	a := newAdmission(2)
	a.perClientRunning, a.perClient = 2, 4
	ctx := context.Background()
	var held []func()
	for i := 0; i < 2; i++ {
		rel, err := a.acquire(ctx, "greedy")
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, rel)
	}
	type result struct {
		who string
		rel func()
	}
	got := make(chan result, 8)
	wait := func(who string) {
		go func() {
			rel, err := a.acquire(ctx, who)
			if err != nil {
				t.Errorf("%s: %v", who, err)
				return
			}
			got <- result{who, rel}
		}()
	}
	wait("greedy")
	wait("greedy")
	waitFor(t, "two of greedy's waiting", func() bool { _, w := a.counts(); return w == 2 })
	if _, err := a.acquire(ctx, "greedy"); err != errClientBusy {
		t.Errorf("greedy's fifth request: %v, want errClientBusy", err)
	}
	wait("polite")
	waitFor(t, "polite waiting", func() bool { _, w := a.counts(); return w == 3 })
	// A core is freed: polite's turn comes before greedy's queued ones.
	held[0]()
	first := <-got
	if first.who != "polite" {
		t.Errorf("the freed core went to %s, want polite (greedy queued first but already had a turn)", first.who)
	}
	if running, waiting := a.counts(); running != 2 || waiting != 2 {
		t.Errorf("running %d, waiting %d; want 2, 2", running, waiting)
	}
	first.rel()
	second := <-got
	held[1]()
	third := <-got
	second.rel()
	third.rel()
	if running, waiting := a.counts(); running != 0 || waiting != 0 || len(a.clients) != 0 || len(a.round) != 0 {
		t.Errorf("after all: running %d, waiting %d, %d clients, round %d", running, waiting, len(a.clients), len(a.round))
	}
}

// With the default share (half the cores), a client whose requests fill
// its share does not keep another client waiting at all.
func TestAdmissionOtherClientServed(t *testing.T) {
	a := newAdmission(2)
	ctx := context.Background()
	rel, err := a.acquire(ctx, "greedy")
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	waiting := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			r, err := a.acquire(ctx, "greedy")
			if err == nil {
				r() // before telling the test, which counts what runs next
			}
			waiting <- err
		}()
	}
	waitFor(t, "greedy's three waiting", func() bool { _, w := a.counts(); return w == 3 })
	if _, err := a.acquire(ctx, "greedy"); err != errClientBusy {
		t.Errorf("greedy's fifth: %v, want errClientBusy", err)
	}
	other, err := a.acquire(ctx, "other")
	if err != nil {
		t.Fatalf("other client: %v", err)
	}
	if running, waiting := a.counts(); running != 2 || waiting != 3 {
		t.Errorf("running %d, waiting %d; want other running beside greedy, greedy's three waiting", running, waiting)
	}
	// A waiter that gives up leaves the queue.
	ctx2, cancel := context.WithCancel(ctx)
	go func() { _, err := a.acquire(ctx2, "third"); waiting <- err }()
	waitFor(t, "third waiting", func() bool { _, w := a.counts(); return w == 4 })
	cancel()
	waitFor(t, "third gone", func() bool { _, w := a.counts(); return w == 3 })
	other()
	rel() // greedy's turns run one after the other
	for i := 0; i < 4; i++ {
		if err := <-waiting; err != nil && err != context.Canceled {
			t.Errorf("waiter: %v", err)
		}
	}
	if running, waiting := a.counts(); running != 0 || waiting != 0 {
		t.Errorf("after all: running %d, waiting %d", running, waiting)
	}
}

// Every entry point that searches or walks a thread takes its turn in the
// queue: with one client's share taken, each answers that client 429 and
// still serves another.
func TestEveryEntryPointQueues(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	f.srv.queue = newAdmission(2) // one running and three waiting per client
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rel, err := f.srv.queue.acquire(ctx, "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	defer rel()
	for i := 0; i < 3; i++ {
		go f.srv.queue.acquire(ctx, "198.51.100.1")
	}
	waitFor(t, "the client's share taken", func() bool { _, w := f.srv.queue.counts(); return w == 3 })
	thread := url.PathEscape("q1@example.net")
	greedy, other := f.clientFrom(t, "198.51.100.1"), f.clientFrom(t, "198.51.100.2")
	for _, p := range []string{
		"/l/cop@example.org/search?q=lathe", "/l/cop@example.org/search.atom?q=lathe", "/l/cop@example.org/search.mbox?q=lathe",
		"/api/l/cop@example.org/search?q=lathe", "/l/cop@example.org/", "/l/cop@example.org/t/" + thread,
		"/l/cop@example.org/t/" + thread + ".mbox", "/api/l/cop@example.org/threads", "/api/l/cop@example.org/t/" + thread,
	} {
		if status, _, _ := get(t, greedy, f.ts.URL+p); status != http.StatusTooManyRequests {
			t.Errorf("%s: %d for the client whose share is taken, want 429", p, status)
		}
		if status, _, _ := get(t, other, f.ts.URL+p); status != http.StatusOK {
			t.Errorf("%s: %d for another client, want 200", p, status)
		}
	}
}

// A pasted page of text in quotes is refused at every search entry point
// with a 400 that says why, before it reaches the index.
func TestHugePhraseRefused(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	q := url.QueryEscape(`"` + strings.TrimSpace(strings.Repeat("lathe gib screws ", 2000)) + `"`)
	for _, p := range []string{"/l/cop@example.org/search?q=", "/l/cop@example.org/search.atom?q=", "/l/cop@example.org/search.mbox?q=", "/api/l/cop@example.org/search?q="} {
		status, body, _ := get(t, c, f.ts.URL+p+q)
		if status != http.StatusBadRequest || !strings.Contains(body, "more than 32") {
			t.Errorf("%s<6,000-word phrase>: %d %.200s; want 400 saying the phrase is too long", p, status, body)
		}
	}
}

// A hand-edited after= is the reader's mistake: 400, not 500.
func TestBadCursor(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	for _, p := range []string{
		"/l/cop@example.org/search?q=lathe&after=x,y", "/l/cop@example.org/search?q=lathe&sort=relevance&after=x",
		"/l/cop@example.org/search?q=lathe&sort=relevance&after=high,0000000001614592800.1", "/api/l/cop@example.org/search?q=lathe&after=garbage",
		"/l/cop@example.org/search.atom?q=lathe&after=1,2,3", "/l/cop@example.org/search.mbox?q=lathe&after=nonsense",
	} {
		if status, body, _ := get(t, c, f.ts.URL+p); status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400 (%.200s)", p, status, body)
		}
	}
}

// A page number past the end of an int used to overflow into a negative
// slice index and panic.
func TestPageNumberOverflow(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	f.signIn(t, c, "mod@example.net")
	thread := url.PathEscape("q1@example.net")
	for _, n := range []string{"92233720368547760", "9223372036854775807", "-9223372036854775808", "0", "x"} {
		for _, p := range []string{"/l/cop@example.org/t/" + thread, "/l/cop@example.org/admin/held", "/l/cop@example.org/resources"} {
			if status, _, _ := get(t, c, f.ts.URL+p+"?page="+n); status != http.StatusOK {
				t.Errorf("%s?page=%s: %d, want 200", p, n, status)
			}
		}
	}
}

// A token taken in one session does not pass in another, even with the
// same CSRF cookie (planted by whoever knew its token in their own).
func TestCSRFBoundToSession(t *testing.T) {
	f := newArchiveFixture(t)
	attacker := f.client(t)
	f.signIn(t, attacker, "carol@example.net")
	_, body, _ := get(t, attacker, f.ts.URL+"/l/cop@example.org/info")
	tok := csrfRe.FindStringSubmatch(body)[1]
	u, _ := url.Parse(f.ts.URL)
	var planted *http.Cookie
	for _, ck := range attacker.Jar.Cookies(u) {
		if ck.Name == "praxis_csrf" {
			planted = ck
		}
	}
	if planted == nil {
		t.Fatal("no CSRF cookie")
	}
	victim := f.client(t)
	f.signIn(t, victim, "alice@example.net")
	victim.Jar.SetCookies(u, []*http.Cookie{{Name: "praxis_csrf", Value: planted.Value, Path: "/"}})
	resp, err := victim.PostForm(f.ts.URL+"/signout", url.Values{"csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's token with its cookie: %d, want 403", resp.StatusCode)
	}
	// The victim's own page gives a token that works.
	_, body, _ = get(t, victim, f.ts.URL+"/l/cop@example.org/info")
	resp, _ = victim.PostForm(f.ts.URL+"/signout", url.Values{"csrf": {csrfRe.FindStringSubmatch(body)[1]}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("own token: %d, want 303", resp.StatusCode)
	}
}

// Behind https the CSRF cookie is __Host-: Secure, Path=/, no Domain.
func TestCSRFCookieHostPrefix(t *testing.T) {
	f := newArchiveFixture(t)
	for _, secure := range []bool{true, false} {
		f.srv.cfg.Secure = secure
		rec := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/signin", nil))
		cookies := rec.Result().Cookies()
		if len(cookies) != 1 {
			t.Fatalf("secure %v: cookies %v", secure, cookies)
		}
		ck := cookies[0]
		want := "praxis_csrf"
		if secure {
			want = "__Host-praxis_csrf"
		}
		if ck.Name != want || ck.Secure != secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
			t.Errorf("secure %v: cookie %+v, want %s", secure, ck, want)
		}
	}
}

// Five anonymous sign-in requests for an address used to leave its owner
// none that day; now one requester gets a share of the address's quota,
// and the owner, asking from elsewhere, still gets a link. The same for
// confirmation requests of the subscribe form.
func TestAddressQuotaPerRequester(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	ctx := context.Background()
	if err := f.svc.CreateList(ctx, &listserv.List{Address: "extra@example.org", Name: "Extra", ArchivePolicy: listserv.ArchivePublic,
		SubscribePolicy: listserv.SubscribeConfirm, PostPolicy: listserv.PostMembers}); err != nil {
		t.Fatal(err)
	}
	form := func(c *http.Client, page, action string, v url.Values) int {
		_, body, _ := get(t, c, f.ts.URL+page)
		v.Set("csrf", csrfRe.FindStringSubmatch(body)[1])
		resp, err := c.PostForm(f.ts.URL+action, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	stranger, owner := f.clientFrom(t, "198.51.100.66"), f.clientFrom(t, "192.0.2.10")
	refused := 0
	for i := 0; i < listserv.MaxSignInsPerDay; i++ {
		if form(stranger, "/signin", "/signin", url.Values{"address": {"alice@example.net"}}) == http.StatusTooManyRequests {
			refused++
		}
	}
	if n := mailsTo(t, f, "alice@example.net"); n != perRequesterPerAddress || refused != listserv.MaxSignInsPerDay-perRequesterPerAddress {
		t.Errorf("a stranger's %d sign-in requests: %d mails, %d refused; want %d mails", listserv.MaxSignInsPerDay, n, refused, perRequesterPerAddress)
	}
	if status := form(owner, "/signin", "/signin", url.Values{"address": {"alice@example.net"}}); status != http.StatusOK || mailsTo(t, f, "alice@example.net") != perRequesterPerAddress+1 {
		t.Errorf("the owner's own sign-in request: %d, %d mails; want a link", status, mailsTo(t, f, "alice@example.net"))
	}

	for _, l := range []string{"cop", "other", "extra"} {
		form(stranger, "/l/"+l+"@example.org/info", "/l/"+l+"@example.org/subscribe", url.Values{"address": {"dave@example.com"}})
	}
	if n := mailsTo(t, f, "dave@example.com"); n != perRequesterPerAddress {
		t.Errorf("a stranger's subscribe requests for one address: %d confirmation mails, want %d", n, perRequesterPerAddress)
	}
	if status := form(owner, "/l/extra@example.org/info", "/l/extra@example.org/subscribe", url.Values{"address": {"dave@example.com"}}); status != http.StatusOK ||
		mailsTo(t, f, "dave@example.com") != perRequesterPerAddress+1 {
		t.Errorf("the owner's own subscribe request: %d, %d mails; want a confirmation", status, mailsTo(t, f, "dave@example.com"))
	}
}

// bigPost archives a post of about 1 MB of base64 (as good as random to
// gzip) on a new public list, and returns the list and its Message-ID.
func (f *archiveFixture) bigPost(t *testing.T) (list, id string) {
	ctx := context.Background()
	l := &listserv.List{Address: "big@example.org", Name: "Big", ArchivePolicy: listserv.ArchivePublic,
		SubscribePolicy: listserv.SubscribeConfirm, PostPolicy: listserv.PostMembers}
	if err := f.svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 1<<20*3/4)
	rand.Read(noise)
	enc := base64.StdEncoding.EncodeToString(noise)
	var body strings.Builder
	for len(enc) > 76 {
		body.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	body.WriteString(enc + "\r\n")
	raw := post("big1@example.net", "Alice <alice@example.net>", "A big one", "Mon, 1 Mar 2021 10:00:00 +0000", body.String())
	if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
		t.Fatal(err)
	}
	return l.Address, "big1@example.net"
}

// smallBuffers makes the server's sockets' send buffers small, so that a
// client that does not read blocks the handler's writes after kilobytes,
// not after the megabytes loopback would otherwise buffer.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// stalledGet sends a GET and never reads the answer, with a small receive
// buffer.
func stalledGet(t *testing.T, addr, path, ip string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: archive.test\r\nX-Forwarded-For: %s\r\n\r\n", path, ip)
	return c
}

func (f *archiveFixture) smallBufferServer(t *testing.T) *httptest.Server {
	ts := httptest.NewUnstartedServer(f.srv.Handler())
	ts.Listener = smallBuffers{ts.Listener}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// Clients that never read their download used to keep its handler (and
// its buffers and database read) alive: the export cleared its write
// deadline, so forever. Now each download is cut when a chunk waits past
// the write deadline.
func TestStalledDownloadsAreCut(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	f.srv.cfg.WriteStall = 300 * time.Millisecond
	list, id := f.bigPost(t)
	ts := f.smallBufferServer(t)
	addr := strings.TrimPrefix(ts.URL, "http://")
	stalledGet(t, addr, "/l/"+list+"/export.mbox.gz", "198.51.100.1")
	stalledGet(t, addr, "/m/"+id+"/raw", "198.51.100.1")
	stalledGet(t, addr, "/l/"+list+"/t/"+id+".mbox", "198.51.100.2")
	// The downloads are cut (their writes fail) while the clients are
	// still connected, not reading.
	waitFor(t, "three stalled downloads cut", func() bool {
		_, _, exportsCut := f.srv.exports.stats()
		_, _, postsCut := f.srv.posts.stats()
		return exportsCut == 2 && postsCut == 1
	})
	exports, _, _ := f.srv.exports.stats()
	posts, _, _ := f.srv.posts.stats()
	if exports+posts != 0 {
		t.Errorf("%d downloads still running after their clients stalled", exports+posts)
	}
}

// One client may run two downloads at once; a third is refused with 429
// and counted, while another client is served.
func TestDownloadsPerClient(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	f.srv.cfg.WriteStall = 10 * time.Minute // the stalled ones stay
	list, _ := f.bigPost(t)
	ts := f.smallBufferServer(t)
	addr := strings.TrimPrefix(ts.URL, "http://")
	var conns []net.Conn
	for i := 0; i < downloadsPerClient; i++ {
		conns = append(conns, stalledGet(t, addr, "/l/"+list+"/export.mbox.gz", "198.51.100.1"))
	}
	waitFor(t, "two stalled exports running", func() bool { active, _, _ := f.srv.exports.stats(); return active == downloadsPerClient })
	greedy, other := &http.Client{Transport: forwarded{"198.51.100.1", http.DefaultTransport}}, &http.Client{Transport: forwarded{"198.51.100.2", http.DefaultTransport}}
	if status, _, _ := get(t, greedy, ts.URL+"/l/"+list+"/export.mbox.gz"); status != http.StatusTooManyRequests {
		t.Errorf("a third export from one client: %d, want 429", status)
	}
	if _, refused, _ := f.srv.exports.stats(); refused != 1 {
		t.Errorf("%d downloads refused, want 1", refused)
	}
	resp, err := other.Get(ts.URL + "/l/" + list + "/export.mbox.gz")
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatalf("another client's export: %d, %v", resp.StatusCode, err)
	}
	n, err := io.Copy(io.Discard, zr)
	resp.Body.Close()
	if err != nil || n < 1<<20 {
		t.Errorf("another client's export: %d bytes, %v", n, err)
	}
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, "the stalled exports ended with their connections", func() bool { active, _, _ := f.srv.exports.stats(); return active == 0 })
}
