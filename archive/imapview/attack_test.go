package imapview

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/listserv/apppass"
	"praxis/listserv/store"
)

// TestAttackPrivateUIDsOnPublicList: a session on the public list that
// names the private list's UIDs (FETCH, SEARCH, STORE, SORT, THREAD) gets
// nothing of them.
func TestAttackPrivateUIDsOnPublicList(t *testing.T) {
	f := newFixture(t, 3)
	prv := f.ids(t, f.prv)
	set := fmt.Sprintf("%d,%d,%d", prv[0], prv[1], prv[2])
	for _, who := range []string{"anonymous x", "carol@example.net carol-pass"} {
		s := f.raw(t)
		s.ok("LOGIN %s", who)
		s.ok("SELECT %s", f.pub.Address)
		for _, c := range []string{
			"UID FETCH " + set + " (UID FLAGS BODY.PEEK[])",
			"UID SEARCH UID " + set,
			"UID STORE " + set + " +FLAGS (\\Flagged)",
			"UID SORT (DATE) UTF-8 UID " + set,
			"UID THREAD REFERENCES UTF-8 UID " + set,
		} {
			u, d := s.cmd("%s", c)
			all := strings.Join(u, "")
			if strings.Contains(all, "secret@") || strings.Contains(all, "FETCH") || strings.ContainsAny(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(all, "* SEARCH"), "* SORT"), "* THREAD"), "0123456789") {
				t.Errorf("%s: %s: %q %q", who, c, u, d)
			}
		}
	}
}

// TestAttackListMadePrivate: a list made private while an anonymous
// session has it selected is no more read by that session.
func TestAttackListMadePrivate(t *testing.T) {
	f := newFixture(t, 2)
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
	l := *f.pub
	l.ArchivePolicy = "private"
	if err := f.st.UpdateList(context.Background(), &l); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"FETCH 1 BODY.PEEK[]", "SEARCH ALL", "STORE 1 +FLAGS (\\Seen)"} {
		if u, d := s.cmd("%s", c); !strings.HasPrefix(d, "NO") {
			t.Errorf("%s on a list made private: %q %q", c, u, d)
		}
	}
	if u, d := s.cmd("STATUS %s (MESSAGES)", f.pub.Address); !strings.HasPrefix(d, "NO") {
		t.Errorf("STATUS of a list made private: %q %q", u, d)
	}
}

// TestAttackLiteralFlood: one command is bounded as a whole, literals
// included: a client cannot make the server hold a command of many
// megabytes by sending it as many literals each under the literal limit,
// nor as many lines each ending in an empty literal.
func TestAttackLiteralFlood(t *testing.T) {
	f := newFixture(t, 1)
	big := strings.Repeat("z", 60<<10)
	// Short atoms: go-imap builds a long one a character at a time.
	pad := strings.Repeat("ALL ", 1000)
	for name, piece := range map[string]string{
		"literals":       fmt.Sprintf(" SUBJECT {%d+}\r\n%s", len(big), big),
		"empty literals": fmt.Sprintf(" %sSUBJECT {0+}\r\n", pad),
	} {
		s := f.raw(t)
		s.ok("LOGIN anonymous x")
		s.ok("SELECT %s", f.pub.Address)
		done := make(chan error, 1)
		go func() {
			w := bufio.NewWriter(s.conn)
			io.WriteString(w, "x SEARCH")
			var err error
			for n := 0; n < 24<<20 && err == nil; n += len(piece) {
				_, err = io.WriteString(w, piece)
			}
			if err == nil {
				_, err = io.WriteString(w, "\r\n")
			}
			if err == nil {
				err = w.Flush()
			}
			done <- err
		}()
		s.conn.SetDeadline(time.Now().Add(90 * time.Second))
		got, rerr := io.ReadAll(s.r)
		var ne net.Error
		if werr := <-done; werr == nil || (errors.As(rerr, &ne) && ne.Timeout()) {
			t.Errorf("%s: the server read on a 24 MB command (write error %v) and answered %q", name, werr, got)
		}
		if len(got) > 0 && !strings.HasPrefix(string(got), "* BYE") {
			t.Errorf("%s: a 24 MB command answered %q", name, got)
		}
	}
}

// TestAttackStartTLSInjection: plain text pipelined after STARTTLS, before
// the handshake, is dropped (CVE-2011-0411's class), not run inside TLS.
func TestAttackStartTLSInjection(t *testing.T) {
	f := newFixture(t, 1, func(c *Config, _ *Deps) { c.TLS = selfSigned(t) })
	f.srv.trustLoopback.Store(false)
	s := f.raw(t)
	if _, err := io.WriteString(s.conn, "a STARTTLS\r\nb LOGIN anonymous x\r\nc SELECT cop@example.org\r\n"); err != nil {
		t.Fatal(err)
	}
	if l := s.line(); !strings.HasPrefix(l, "a OK") {
		t.Fatalf("STARTTLS: %q", l)
	}
	tc := tls.Client(s.conn, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	in := &raw{t: t, conn: tc, r: bufio.NewReader(tc)}
	u, d := in.cmd("NOOP")
	for _, l := range u {
		if strings.HasPrefix(l, "b ") || strings.HasPrefix(l, "c ") || strings.Contains(l, "EXISTS") {
			t.Errorf("injected command ran inside TLS: %q", u)
		}
	}
	if !strings.HasPrefix(d, "OK") {
		t.Errorf("NOOP: %q", d)
	}
	if _, d := in.cmd("FETCH 1 UID"); strings.HasPrefix(d, "OK") {
		t.Errorf("a session logged in by injected text: %q", d)
	}
	// STARTTLS after LOGIN, and a second STARTTLS.
	in.ok("LOGIN anonymous x")
	if _, d := in.cmd("STARTTLS"); strings.HasPrefix(d, "OK") {
		t.Errorf("STARTTLS after LOGIN: %q", d)
	}
	p := f.raw(t)
	p.ok("LOGIN anonymous x")
	if _, d := p.cmd("STARTTLS"); strings.HasPrefix(d, "OK") {
		t.Errorf("plain STARTTLS after LOGIN: %q", d)
	}
	p.ok("NOOP")
}

// TestAttackAuthenticateGarbage: AUTHENTICATE with bad base64, unknown
// mechanisms and cancelled exchanges gets an answer, and the session goes on.
func TestAttackAuthenticateGarbage(t *testing.T) {
	f := newFixture(t, 1)
	s := f.raw(t)
	for _, c := range []string{
		"AUTHENTICATE PLAIN !!!***",
		"AUTHENTICATE PLAIN AAAA",
		"AUTHENTICATE PLAIN " + strings.Repeat("QUFB", 1500),
		"AUTHENTICATE FOO",
		"AUTHENTICATE",
		"AUTHENTICATE PLAIN =",
		"AUTHENTICATE ANONYMOUS !!",
	} {
		if _, d := s.cmd("%s", c); strings.HasPrefix(d, "OK") {
			t.Errorf("%s: %q", c, d)
		}
	}
	// A continuation answered with garbage, then with "*".
	for _, reply := range []string{"%%%", "*"} {
		fmt.Fprintf(s.conn, "z AUTHENTICATE PLAIN\r\n")
		if l := s.line(); !strings.HasPrefix(l, "+") {
			t.Fatalf("continuation: %q", l)
		}
		fmt.Fprintf(s.conn, "%s\r\n", reply)
		if l := s.line(); !strings.HasPrefix(l, "z NO") && !strings.HasPrefix(l, "z BAD") {
			t.Errorf("reply %q: %q", reply, l)
		}
	}
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
}

// TestAttackHostileSets: huge, reversed, zero and star UID and sequence
// sets, partials and long field lists are answered, name only the list's
// posts, and leave the session usable.
func TestAttackHostileSets(t *testing.T) {
	f := newFixture(t, 3)
	pub, prv := f.ids(t, f.pub), f.ids(t, f.prv)
	var many []string
	for i := 1; i < 1500; i++ {
		many = append(many, fmt.Sprint(i*3))
	}
	var fields []string
	for i := 0; i < 700; i++ {
		fields = append(fields, fmt.Sprintf("X-F%d", i))
	}
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
	for _, c := range []string{
		"UID FETCH 1:4294967295 UID",
		"UID FETCH 4294967295:1 UID",
		"UID FETCH 0 UID",
		"UID FETCH 0:* UID",
		"UID FETCH * UID",
		"UID FETCH *:4294967295 UID",
		"UID FETCH 4294967295 UID",
		"UID FETCH " + strings.Join(many, ",") + " UID",
		"FETCH 1:4294967295 UID",
		"FETCH 4294967295:1 UID",
		"FETCH 4294967295 UID",
		"FETCH 0 UID",
		"FETCH * UID",
		"FETCH 1 BODY.PEEK[HEADER]<4294967295.10>",
		"FETCH 1 BODY.PEEK[HEADER]<999999999999999999999.1>",
		"FETCH 1 BODY.PEEK[HEADER]<-1.5>",
		"FETCH 1 BODY.PEEK[HEADER]<0.-5>",
		"FETCH 1 BODY.PEEK[HEADER]<5.4294967295>",
		"FETCH 1 BODY.PEEK[HEADER.FIELDS (" + strings.Join(fields, " ") + ")]",
		"FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (" + strings.Join(fields, " ") + ")]",
		"FETCH 1 BODY.PEEK[1.2.3.4.5.6.7.8.9.HEADER]",
		"UID SEARCH UID 1:4294967295",
		"UID SEARCH UID 4294967295:1",
		"SEARCH 1:4294967295",
		fmt.Sprintf("UID SEARCH UID %d:%d", prv[0], prv[len(prv)-1]),
	} {
		u, d := s.cmd("%s", c)
		all := strings.Join(u, "")
		for _, id := range prv {
			if strings.Contains(all, fmt.Sprintf("UID %d)", id)) || strings.Contains(all, fmt.Sprintf("UID %d ", id)) {
				t.Errorf("%.60s named the private post %d: %q", c, id, u)
			}
		}
		if strings.HasPrefix(d, "NO [SERVERBUG]") {
			t.Errorf("%.60s: %q", c, d)
		}
		_ = pub
	}
	if u := strings.Join(s.ok("FETCH 1:* UID"), ""); strings.Count(u, "FETCH") != 3 {
		t.Errorf("after the hostile sets: %q", u)
	}
}

// TestAttackNewsAfterSwitchingLists: a member's session that leaves the
// private list for the public one while the member's other session
// stores on the private list is told nothing of the private list after
// its SELECT: no FETCH with a private post's UID.
func TestAttackNewsAfterSwitchingLists(t *testing.T) {
	f := newFixture(t, 5, func(c *Config, _ *Deps) { c.MaxConnsPerIP = 20 })
	prv := f.ids(t, f.prv)
	isPrv := func(l string) bool {
		fl, ok := parseFetch(l)
		return ok && slices.Contains(prv, fl.uid)
	}
	storer := f.raw(t)
	storer.ok("LOGIN bob@example.net bob-pass")
	storer.ok("SELECT %s", f.prv.Address)
	stop := make(chan struct{})
	stored := make(chan int)
	go func() {
		n := 0
		defer func() { stored <- n }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			op := "+"
			if i%2 == 1 {
				op = "-"
			}
			fmt.Fprintf(storer.conn, "s%d STORE 1:* %sFLAGS (\\Flagged k%d)\r\n", i, op, i%7)
			for {
				l, err := storer.r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(l, fmt.Sprintf("s%d ", i)) {
					break
				}
			}
			n++
		}
	}()
	sw := f.raw(t)
	sw.ok("LOGIN bob@example.net bob-pass")
	for round := 0; round < 40; round++ {
		sw.ok("SELECT %s", f.prv.Address)
		u := sw.ok("SELECT %s", f.pub.Address)
		// What follows SELECT's own answer (none of it may be the private
		// list's), and what NOOP and an UNSELECT bring after.
		u = append(u[len(u):], sw.ok("NOOP")...)
		if round%2 == 0 {
			u = append(u, sw.ok("UNSELECT")...)
			u = append(u, sw.ok("NOOP")...)
		}
		for _, l := range u {
			if isPrv(l) {
				t.Fatalf("round %d: a session on the public list was told %q", round, l)
			}
		}
	}
	close(stop)
	if n := <-stored; n == 0 {
		t.Error("no STORE ran meanwhile")
	}
}

// TestAttackRemovedMemberHearsNothing: a member removed from the private
// list, with the list still selected, is told no more of it: no count of
// new posts at NOOP or while idling.
func TestAttackRemovedMemberHearsNothing(t *testing.T) {
	f := newFixture(t, 2)
	s := f.raw(t)
	s.ok("LOGIN bob@example.net bob-pass")
	s.ok("SELECT %s", f.prv.Address)
	if err := f.st.RemoveMember(context.Background(), f.prv.ID, "bob@example.net"); err != nil {
		t.Fatal(err)
	}
	for i := 3; i <= 5; i++ {
		f.archive(t, f.prv, i)
	}
	u, d := s.cmd("NOOP")
	for _, l := range u {
		if strings.Contains(l, "EXISTS") {
			t.Errorf("NOOP told a removed member %q (%s)", l, d)
		}
	}
	// Idling: the poller's news. An anonymous idler on the public list
	// hears of the public list's post, archived after the private one's:
	// the poller has looked at both by then.
	p := f.raw(t)
	p.ok("LOGIN anonymous x")
	p.ok("SELECT %s", f.pub.Address)
	for _, c := range []*raw{s, p} {
		fmt.Fprintf(c.conn, "i IDLE\r\n")
		if l := c.line(); !strings.HasPrefix(l, "+") {
			t.Fatalf("IDLE: %q", l)
		}
	}
	f.archive(t, f.prv, 6)
	f.archive(t, f.pub, 6)
	// The public list's count (2 and 1), not the private list's (6).
	if l := p.line(); l != "* 3 EXISTS\r\n" {
		t.Fatalf("the public list's idler: %q", l)
	}
	fmt.Fprintf(s.conn, "DONE\r\n")
	for {
		l := s.line()
		if strings.Contains(l, "EXISTS") {
			t.Errorf("IDLE told a removed member %q", l)
		}
		if strings.HasPrefix(l, "i ") {
			break
		}
	}
}

// TestAttackSlowReaderAndChurn: a member's session that never reads (its
// answers pile up unread) holds up none of the member's STOREs from
// another session; sessions of the member that store and go away at
// once, mid-STORE, leave nothing behind: once every client is gone the
// server holds no more goroutines than before them.
func TestAttackSlowReaderAndChurn(t *testing.T) {
	f := newFixture(t, 20, func(c *Config, _ *Deps) { c.MaxConnsPerIP = 40 })
	settle := func(limit int) int {
		n := runtime.NumGoroutine()
		for i := 0; i < 3000 && n > limit; i++ { // a busy machine: the sleeper's answers fail one by one
			time.Sleep(20 * time.Millisecond)
			n = runtime.NumGoroutine()
		}
		return n
	}
	warm := f.raw(t)
	warm.ok("LOGIN bob@example.net bob-pass")
	warm.ok("SELECT %s", f.prv.Address)
	warm.ok("LOGOUT")
	warm.conn.Close()
	// The count before: once it has held still for 25 looks in a row
	// (the warm session's goroutines end on their own time).
	base, still := runtime.NumGoroutine(), 0
	for i := 0; i < 3000 && still < 25; i++ {
		time.Sleep(20 * time.Millisecond)
		if n := runtime.NumGoroutine(); n != base {
			base, still = n, 0
		} else {
			still++
		}
	}

	sleeper := f.raw(t)
	sleeper.ok("LOGIN bob@example.net bob-pass")
	sleeper.ok("SELECT %s", f.prv.Address)
	go func() {
		// Answers of megabytes that the client never reads.
		w := bufio.NewWriter(sleeper.conn)
		for i := 0; i < 3000; i++ {
			if _, err := fmt.Fprintf(w, "f%d FETCH 1:* BODY.PEEK[]\r\n", i); err != nil {
				return
			}
		}
		w.Flush()
	}()
	storer := f.raw(t)
	storer.ok("LOGIN bob@example.net bob-pass")
	storer.ok("SELECT %s", f.prv.Address)
	var churn sync.WaitGroup
	for i := 0; i < 60; i++ {
		storer.ok("STORE 1:* +FLAGS (k%d)", i)
		if i%3 == 0 {
			churn.Go(func() {
				c, err := net.Dial("tcp", f.addr)
				if err != nil {
					return
				}
				defer c.Close()
				r := bufio.NewReader(c)
				r.ReadString('\n')
				fmt.Fprintf(c, "a LOGIN bob@example.net bob-pass\r\nb SELECT %s\r\nc STORE 1:* -FLAGS (k%d)\r\nd IDLE\r\n", f.prv.Address, i-3)
				r.ReadString('\n')
			})
		}
	}
	churn.Wait()
	storer.ok("LOGOUT")
	storer.conn.Close()
	sleeper.conn.Close()
	if n := settle(base + 2); n > base+2 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines after every client left, %d before:\n%s", n, base, buf)
	}
}

// TestAttackBruteForceAcrossAddresses: guesses spread over many addresses
// from one IP are limited by the IP: after them, even a right password
// from that IP is refused (the app-password check is listserv/apppass's).
func TestAttackBruteForceAcrossAddresses(t *testing.T) {
	f := newFixture(t, 1, func(_ *Config, d *Deps) {
		d.Auth = apppass.NewAuthenticator(d.Store.(*store.Store), nil)
	})
	pass, err := apppass.Issue(context.Background(), f.st, f.prv.ID, "bob@example.net")
	if err != nil {
		t.Fatal(err)
	}
	ok := f.raw(t)
	ok.ok("LOGIN bob@example.net %s", pass)
	s := f.raw(t)
	for i := 0; i < 25; i++ {
		if _, d := s.cmd("LOGIN guess%d@example.net wrong%d", i, i); !strings.HasPrefix(d, "NO [AUTHENTICATIONFAILED]") {
			t.Fatalf("guess %d: %q", i, d)
		}
	}
	if _, d := s.cmd("LOGIN bob@example.net %s", pass); !strings.HasPrefix(d, "NO [AUTHENTICATIONFAILED]") {
		t.Errorf("a right password after 25 guesses from the IP: %q", d)
	}
}

// TestAttackSearchWordsOfThePrivateList: words found only in the private
// list's posts (the index holds every list) find nothing on the public
// list, by SEARCH, SORT or THREAD.
func TestAttackSearchWordsOfThePrivateList(t *testing.T) {
	f := newFixture(t, 2)
	raw := "From: Eve <eve@example.net>\nTo: secret@example.org\nSubject: quixotical plans\nMessage-ID: <q1@example.net>\nIn-Reply-To: <1.cop@example.org>\nReferences: <1.cop@example.org>\n\nThe quixotical zygomorphic plan.\n"
	if err := f.arch.Archive(context.Background(), f.prv, []byte(raw), ""); err != nil {
		t.Fatal(err)
	}
	indexAll(t, f.st, f.idx)
	for _, who := range []string{"anonymous x", "carol@example.net carol-pass"} {
		s := f.raw(t)
		s.ok("LOGIN %s", who)
		s.ok("SELECT %s", f.pub.Address)
		for _, c := range []string{
			"UID SEARCH BODY zygomorphic", "UID SEARCH TEXT quixotical", "UID SEARCH SUBJECT quixotical",
			"UID SEARCH OR BODY zygomorphic FROM eve", "UID SORT (ARRIVAL) UTF-8 TEXT zygomorphic",
			"UID THREAD REFERENCES UTF-8 TEXT zygomorphic", "UID SEARCH HEADER Message-ID q1@example.net",
		} {
			u, d := s.cmd("%s", c)
			all := strings.TrimSpace(strings.Join(u, ""))
			if !strings.HasPrefix(d, "OK") || (all != "* SEARCH" && all != "* SORT" && all != "* THREAD") {
				t.Errorf("%s: %s: %q %q", who, c, u, d)
			}
		}
		// THREAD of the whole public list: the private reply is in no thread.
		u := strings.Join(s.ok("UID THREAD REFERENCES UTF-8 ALL"), "")
		for _, id := range f.ids(t, f.prv) {
			if strings.Contains(u, fmt.Sprint(id)) && !slices.Contains(f.ids(t, f.pub), id) {
				t.Errorf("%s: THREAD names the private post %d: %q", who, id, u)
			}
		}
	}
}

// TestAttackKeywordFlood: keywords a post keeps are bounded, in number
// and length, for an anonymous session (in its memory) and a member (in
// the store): a client adding new ones command after command is told NO
// [LIMIT] past the bound, and the post keeps what it had.
func TestAttackKeywordFlood(t *testing.T) {
	f := newFixture(t, 1)
	for _, who := range []string{"anonymous x", "carol@example.net carol-pass"} {
		s := f.raw(t)
		s.ok("LOGIN %s", who)
		s.ok("SELECT %s", f.pub.Address)
		limited := false
		for round := 0; round < 20 && !limited; round++ {
			kws := make([]string, 100)
			for i := range kws {
				kws[i] = fmt.Sprintf("r%dk%d", round, i)
			}
			_, d := s.cmd("STORE 1 +FLAGS.SILENT (%s)", strings.Join(kws, " "))
			limited = strings.HasPrefix(d, "NO [LIMIT]")
			if !limited && !strings.HasPrefix(d, "OK") {
				t.Fatalf("%s: round %d: %q", who, round, d)
			}
		}
		if !limited {
			u := strings.Join(s.ok("FETCH 1 FLAGS"), "")
			t.Errorf("%s: 2000 keywords stored on one post (%d bytes of FLAGS)", who, len(u))
		}
		if _, d := s.cmd("STORE 1 +FLAGS (%s)", strings.Repeat("k", 1000)); !strings.HasPrefix(d, "NO [LIMIT]") {
			t.Errorf("%s: a keyword of 1000 characters: %q", who, d)
		}
		s.ok("STORE 1 FLAGS (\\Seen)")
	}
}

// TestAttackSessionFlagsBounded: an anonymous session's flags are bounded
// in number over all posts, keywords included, not in posts alone; what
// is removed makes room again.
func TestAttackSessionFlagsBounded(t *testing.T) {
	s := newSessionFlags()
	kws := make([]string, store.MaxFlags)
	for i := range kws {
		kws[i] = fmt.Sprintf("k%d", i)
	}
	stored := 0
	var err error
	for id := int64(1); id <= 2*maxSessionFlags/store.MaxFlags && err == nil; id++ {
		if _, err = s.store(1, []int64{id}, store.FlagsAdd, kws); err == nil {
			stored += len(kws)
		}
	}
	if err == nil || stored > maxSessionFlags {
		t.Fatalf("%d flags kept, error %v", stored, err)
	}
	if _, err := s.store(1, []int64{1}, store.FlagsSet, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store(1, []int64{1}, store.FlagsAdd, kws); err != nil {
		t.Errorf("after room was made: %v", err)
	}
}

// offsetCounter is the store, counting the posts IMAPIDAt steps over.
type offsetCounter struct {
	*store.Store
	mu    sync.Mutex
	steps int
}

func (c *offsetCounter) IMAPIDAt(ctx context.Context, listID, after int64, n int) (int64, error) {
	c.mu.Lock()
	c.steps += n
	c.mu.Unlock()
	return c.Store.IMAPIDAt(ctx, listID, after, n)
}

// TestAttackScatteredSequenceNumbers: a FETCH of many scattered sequence
// numbers walks the list once, not once for each: each number's post is
// found from the one before it, not counted from the list's start (a
// line of 1000 of them near the end of a large list cost 1000 walks).
func TestAttackScatteredSequenceNumbers(t *testing.T) {
	const posts = 300
	var counter *offsetCounter
	f := newFixture(t, posts, func(_ *Config, d *Deps) {
		counter = &offsetCounter{Store: d.Store.(*store.Store)}
		d.Store = counter
	})
	var set []string
	for seq := 100; seq < posts; seq += 2 {
		set = append(set, fmt.Sprint(seq))
	}
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
	counter.mu.Lock()
	counter.steps = 0
	counter.mu.Unlock()
	u := s.ok("FETCH %s UID", strings.Join(set, ","))
	if len(u) != len(set) {
		t.Errorf("%d answers for %d numbers", len(u), len(set))
	}
	counter.mu.Lock()
	defer counter.mu.Unlock()
	if counter.steps > posts+len(set) {
		t.Errorf("the FETCH stepped over %d posts of %d", counter.steps, posts)
	}
}

// TestAttackHeaderOnlyPost: a post that is all header (no empty line,
// no body) answers header items as one with a body does: FIELDS picks
// its fields, HEADER ends with the empty line, TEXT is empty, and a
// partial past the end is empty.
func TestAttackHeaderOnlyPost(t *testing.T) {
	f := newFixture(t, 0)
	raw := "From: Eve <eve@example.net>\nTo: cop@example.org\nSubject: only a header\nX-Other: other"
	if err := f.arch.Archive(context.Background(), f.pub, []byte(raw), ""); err != nil {
		t.Fatal(err)
	}
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
	for c, want := range map[string]string{
		"FETCH 1 BODY.PEEK[HEADER.FIELDS (Subject)]":             "Subject: only a header\r\n\r\n",
		"FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (From To Subject)]": "X-Other: other\r\n\r\n",
		"FETCH 1 BODY.PEEK[TEXT]":                                "",
		"FETCH 1 BODY.PEEK[HEADER]<4000000000.10>":               "",
	} {
		u := strings.Join(s.ok("%s", c), "")
		if !strings.Contains(u, fmt.Sprintf("{%d}\r\n%s)", len(want), want)) && !(want == "" && strings.Contains(u, `""`)) {
			t.Errorf("%s = %q, want %q", c, u, want)
		}
	}
}

// TestAttackIPv6ConnectionShare: an IPv6 client is held to one share of
// connections over its /64 (as SMTP and the web limit it): taking a new
// address of the /64 for each connection gains it nothing.
func TestAttackIPv6ConnectionShare(t *testing.T) {
	l := newIPLimiter(2, 1000, true)
	for i := 1; i <= 2; i++ {
		if !l.take(net.ParseIP(fmt.Sprintf("2001:db8:1:2::%d", i))) {
			t.Fatalf("connection %d refused", i)
		}
	}
	if l.take(net.ParseIP("2001:db8:1:2:ffff::3")) {
		t.Error("a third address of the same /64 got a connection")
	}
	if !l.take(net.ParseIP("2001:db8:1:3::1")) {
		t.Error("another /64 was refused")
	}
	l.give(net.ParseIP("2001:db8:1:2::1"))
	if !l.take(net.ParseIP("2001:db8:1:2::9")) {
		t.Error("the /64 was refused after giving one back")
	}
	if n := l.count(net.ParseIP("2001:db8:1:2::77")); n != 2 {
		t.Errorf("the /64 holds %d, want 2", n)
	}
}
