package imapview

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"
	"github.com/emersion/go-imap/client"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/listserv/store"
)

// fakeAuth is the app-password check's stand-in: one password per address.
type fakeAuth map[string]string

var errWrong = errors.New("login failed")

func (a fakeAuth) Login(_ context.Context, _ net.IP, addr, pass string) error {
	if want, ok := a[strings.ToLower(addr)]; ok && want == pass {
		return nil
	}
	return errWrong
}

// fixture is a store and an index with a public list, a private list and
// posts in both, and the view serving them on loopback, searching through
// a real Searcher.
type fixture struct {
	st       *store.Store
	idx      *index.Index
	arch     *archive.Archiver
	pub, prv *store.List
	srv      *Server
	addr     string
	cancel   context.CancelFunc
	done     chan error
}

func post(i int, list string) []byte {
	// LF line endings, as the archive keeps SMTP mail: the view serves
	// them as CRLF.
	return []byte(fmt.Sprintf("From: Ann <ann@example.net>\nTo: %s\nSubject: post %d\nDate: Mon, 2 Mar 2026 10:%02d:00 +0000\nMessage-ID: <%d.%s>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nBody of post %d.\nSecond line.\n", list, i, i%60, i, list, i))
}

func newFixture(t *testing.T, posts int, tweak ...func(*Config, *Deps)) *fixture {
	t.Helper()
	ctx := context.Background()
	st, idx := openStoreIndex(t, t.TempDir())
	f := &fixture{st: st, idx: idx, arch: archive.NewArchiver(st, time.Now)}
	f.pub = &store.List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePublic}
	f.prv = &store.List{Address: "secret@example.org", Name: "Secret", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePrivate}
	for _, l := range []*store.List{f.pub, f.prv} {
		if err := st.CreateList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddMember(ctx, &store.Member{ListID: f.prv.ID, Address: "Bob@example.net", Role: store.RoleMember, Delivery: "each", Status: store.StatusEnabled}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMember(ctx, &store.Member{ListID: f.pub.ID, Address: "carol@example.net", Role: store.RoleMember, Delivery: "each", Status: store.StatusEnabled}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= posts; i++ {
		f.archiveOnly(t, f.pub, i)
		f.archiveOnly(t, f.prv, i)
	}
	indexAll(t, st, idx)
	cfg := Config{Addr: "127.0.0.1:0", Poll: 50 * time.Millisecond, MaxConnsPerIP: 8, LimitLoopback: true}
	deps := Deps{Store: st, Auth: fakeAuth{"bob@example.net": "bob-pass", "carol@example.net": "carol-pass"}, Search: NewSearcher(st, idx)}
	for _, tw := range tweak {
		tw(&cfg, &deps)
	}
	f.srv = New(cfg, deps, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := f.srv.Listen(); err != nil {
		t.Fatal(err)
	}
	f.addr = f.srv.Addr().String()
	rctx, cancel := context.WithCancel(ctx)
	f.cancel, f.done = cancel, make(chan error, 1)
	go func() { f.done <- f.srv.Run(rctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-f.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return f
}

// archive archives post i into l and indexes it, as serve's archiver and
// indexer do.
func (f *fixture) archive(t *testing.T, l *store.List, i int) {
	t.Helper()
	f.archiveOnly(t, l, i)
	indexAll(t, f.st, f.idx)
}

func (f *fixture) archiveOnly(t *testing.T, l *store.List, i int) {
	t.Helper()
	if err := f.arch.Archive(context.Background(), l, post(i, l.Address), ""); err != nil {
		t.Fatal(err)
	}
}

// ids returns a list's archive ids in order (the UIDs).
func (f *fixture) ids(t *testing.T, l *store.List) []int64 {
	t.Helper()
	ids, err := f.st.IMAPIDs(context.Background(), l.ID, 0, 1<<62, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (f *fixture) client(t *testing.T, user, pass string) *client.Client {
	t.Helper()
	c, err := client.Dial(f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Logout() })
	if user != "" {
		if err := c.Login(user, pass); err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
	}
	return c
}

// raw is a session spoken by hand, for the exact answers.
type raw struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	n    int
}

func (f *fixture) raw(t *testing.T) *raw {
	t.Helper()
	conn, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	s := &raw{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := s.line(); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("greeting %q", g)
	}
	return s
}

// line reads one response line, literals included.
func (s *raw) line() string {
	s.t.Helper()
	var out strings.Builder
	for {
		l, err := s.r.ReadString('\n')
		if err != nil {
			s.t.Fatalf("read: %v (so far %q)", err, out.String()+l)
		}
		out.WriteString(l)
		m := regexp.MustCompile(`\{(\d+)\}\r\n$`).FindStringSubmatch(l)
		if m == nil {
			return out.String()
		}
		n, _ := strconv.Atoi(m[1])
		b := make([]byte, n)
		if _, err := io.ReadFull(s.r, b); err != nil {
			s.t.Fatal(err)
		}
		out.Write(b)
	}
}

// cmd sends a command and returns the untagged lines and the tagged
// answer without its tag.
func (s *raw) cmd(format string, args ...any) (untagged []string, done string) {
	s.t.Helper()
	s.n++
	tag := fmt.Sprintf("t%d", s.n)
	if _, err := fmt.Fprintf(s.conn, tag+" "+format+"\r\n", args...); err != nil {
		s.t.Fatal(err)
	}
	for {
		l := s.line()
		if strings.HasPrefix(l, tag+" ") {
			return untagged, strings.TrimSpace(strings.TrimPrefix(l, tag+" "))
		}
		untagged = append(untagged, l)
	}
}

func (s *raw) ok(format string, args ...any) []string {
	s.t.Helper()
	u, done := s.cmd(format, args...)
	if !strings.HasPrefix(done, "OK") {
		s.t.Fatalf("%s: %s", fmt.Sprintf(format, args...), done)
	}
	return u
}

func TestAnonymousSelectAndFetch(t *testing.T) {
	f := newFixture(t, 5)
	c := f.client(t, "anonymous", "whatever")
	ids := f.ids(t, f.pub)

	ch := make(chan *imap.MailboxInfo, 10)
	if err := c.List("", "*", ch); err != nil {
		t.Fatal(err)
	}
	var names []string
	for mb := range ch {
		names = append(names, mb.Name)
	}
	if !slices.Equal(names, []string{f.pub.Address}) {
		t.Errorf("LIST = %v, want only the public list", names)
	}

	mb, err := c.Select(f.pub.Address, false)
	if err != nil {
		t.Fatal(err)
	}
	if mb.Messages != 5 || mb.UidValidity != uint32(f.pub.ID) || mb.UidNext != uint32(ids[4]+1) || mb.ReadOnly {
		t.Errorf("SELECT: messages %d, uidvalidity %d, uidnext %d, read-only %v; want 5, %d, %d, false",
			mb.Messages, mb.UidValidity, mb.UidNext, mb.ReadOnly, f.pub.ID, ids[4]+1)
	}

	// RFC822.SIZE was counted when each post was archived, before any
	// FETCH, which only reads it.
	posts, err := f.st.IMAPPosts(context.Background(), f.pub.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range posts {
		if p.Size != int64(len(toCRLF(post(slices.Index(ids, p.ID)+1, f.pub.Address)))) {
			t.Errorf("size kept of %d: %d", p.ID, p.Size)
		}
	}

	set, _ := imap.ParseSeqSet("1:*")
	section := &imap.BodySectionName{Peek: true}
	msgs := make(chan *imap.Message, 10)
	if err := c.Fetch(set, []imap.FetchItem{imap.FetchUid, imap.FetchRFC822Size, imap.FetchInternalDate, imap.FetchEnvelope, imap.FetchBodyStructure, imap.FetchFlags, section.FetchItem()}, msgs); err != nil {
		t.Fatal(err)
	}
	i := 0
	for m := range msgs {
		want := toCRLF(post(i+1, f.pub.Address))
		body, _ := io.ReadAll(m.GetBody(section))
		if m.SeqNum != uint32(i+1) || m.Uid != uint32(ids[i]) {
			t.Errorf("message %d: seq %d uid %d, want %d %d", i, m.SeqNum, m.Uid, i+1, ids[i])
		}
		if !bytes.Equal(body, want) || int(m.Size) != len(body) {
			t.Errorf("message %d: BODY[] %q (RFC822.SIZE %d), want %q", i, body, m.Size, want)
		}
		if m.Envelope == nil || m.Envelope.Subject != fmt.Sprintf("post %d", i+1) || len(m.Envelope.From) != 1 || m.Envelope.From[0].Address() != "ann@example.net" {
			t.Errorf("message %d: envelope %+v", i, m.Envelope)
		}
		if m.BodyStructure == nil || m.BodyStructure.MIMEType != "text" || m.BodyStructure.MIMESubType != "plain" {
			t.Errorf("message %d: bodystructure %+v", i, m.BodyStructure)
		}
		if wantDate := time.Date(2026, 3, 2, 10, i+1, 0, 0, time.UTC); !m.InternalDate.Equal(wantDate) {
			t.Errorf("message %d: INTERNALDATE %v, want %v", i, m.InternalDate, wantDate)
		}
		if len(m.Flags) != 0 {
			t.Errorf("message %d: flags %v before any STORE", i, m.Flags)
		}
		i++
	}
	if i != 5 {
		t.Errorf("FETCH 1:* gave %d messages, want 5", i)
	}

	// Header fields and partials, by UID.
	uidSet := new(imap.SeqSet)
	uidSet.AddNum(uint32(ids[2]))
	hdr := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier, Fields: []string{"Subject", "From"}}, Peek: true}
	part := &imap.BodySectionName{Peek: true, Partial: []int{6, 3}}
	text := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.TextSpecifier}, Peek: true}
	msgs = make(chan *imap.Message, 1)
	if err := c.UidFetch(uidSet, []imap.FetchItem{hdr.FetchItem(), part.FetchItem(), text.FetchItem()}, msgs); err != nil {
		t.Fatal(err)
	}
	m := <-msgs
	if m == nil {
		t.Fatal("UID FETCH gave nothing")
	}
	got := func(s *imap.BodySectionName) string { b, _ := io.ReadAll(m.GetBody(s)); return string(b) }
	if g := got(hdr); g != "From: Ann <ann@example.net>\r\nSubject: post 3\r\n\r\n" {
		t.Errorf("HEADER.FIELDS = %q", g)
	}
	if g := got(part); g != "Ann" {
		t.Errorf("BODY[]<6.3> = %q", g)
	}
	if g := got(text); g != "Body of post 3.\r\nSecond line.\r\n" {
		t.Errorf("BODY[TEXT] = %q", g)
	}
}

// TestPrivateListIsNowhere: to an anonymous session and to a member of
// other lists, a private list answers every command exactly as a list
// that does not exist; its member sees it.
func TestPrivateListIsNowhere(t *testing.T) {
	f := newFixture(t, 2)
	for _, who := range []struct{ user, pass string }{{"anonymous", "x"}, {"carol@example.net", "carol-pass"}} {
		s := f.raw(t)
		s.ok("LOGIN %s %s", who.user, who.pass)
		list := strings.Join(s.ok(`LIST "" "*"`), "")
		if strings.Contains(list, f.prv.Address) || !strings.Contains(list, f.pub.Address) {
			t.Errorf("%s: LIST = %q", who.user, list)
		}
		for _, c := range []string{"SELECT %s", "EXAMINE %s", "STATUS %s (MESSAGES UIDNEXT)", `LIST "" %s`, "SUBSCRIBE %s"} {
			u1, d1 := s.cmd(c, f.prv.Address)
			u2, d2 := s.cmd(c, "nosuch@example.org")
			if d1 != d2 || len(u1) != len(u2) {
				t.Errorf("%s: %q on the private list: %q %q; on no list: %q %q", who.user, c, u1, d1, u2, d2)
			}
		}
		s.ok("LOGOUT")
	}
	s := f.raw(t)
	s.ok("LOGIN bob@example.net bob-pass")
	if list := strings.Join(s.ok(`LIST "" "*"`), ""); !strings.Contains(list, f.prv.Address) {
		t.Errorf("the member's LIST = %q", list)
	}
	if u := strings.Join(s.ok("SELECT %s", f.prv.Address), ""); !strings.Contains(u, "* 2 EXISTS") {
		t.Errorf("the member's SELECT = %q", u)
	}
	// Removed, the member loses it at once, even selected.
	if err := f.st.RemoveMember(context.Background(), f.prv.ID, "bob@example.net"); err != nil {
		t.Fatal(err)
	}
	if _, d := s.cmd("FETCH 1 (UID)"); !strings.HasPrefix(d, "NO") {
		t.Errorf("FETCH after removal: %q", d)
	}
	if _, d := s.cmd("STATUS %s (MESSAGES)", f.prv.Address); !strings.HasPrefix(d, "NO") {
		t.Errorf("STATUS after removal: %q", d)
	}
}

func TestLogins(t *testing.T) {
	f := newFixture(t, 1)
	s := f.raw(t)
	if _, d := s.cmd("LOGIN bob@example.net wrong"); !strings.HasPrefix(d, "NO [AUTHENTICATIONFAILED]") {
		t.Errorf("a wrong password: %q", d)
	}
	if _, d := s.cmd("LOGIN nobody@example.net wrong"); !strings.HasPrefix(d, "NO [AUTHENTICATIONFAILED]") {
		t.Errorf("an unknown address: %q", d)
	}
	// AUTHENTICATE ANONYMOUS with an initial response (SASL-IR).
	if _, d := s.cmd("AUTHENTICATE ANONYMOUS dHJhY2U="); !strings.HasPrefix(d, "OK") {
		t.Errorf("AUTHENTICATE ANONYMOUS: %q", d)
	}
	s.ok("SELECT %s", f.pub.Address)
	// AUTHENTICATE PLAIN for a member.
	s2 := f.raw(t)
	if _, d := s2.cmd("AUTHENTICATE PLAIN AGJvYkBleGFtcGxlLm5ldABib2ItcGFzcw=="); !strings.HasPrefix(d, "OK") {
		t.Errorf("AUTHENTICATE PLAIN: %q", d)
	}
	s2.ok("SELECT %s", f.prv.Address)
	s2.ok("NAMESPACE")
}

// TestPasswordsNeedTLS: a peer that is not loopback, without TLS, is told
// LOGINDISABLED and may still log in anonymously.
func TestPasswordsNeedTLS(t *testing.T) {
	f := newFixture(t, 1)
	f.srv.trustLoopback.Store(false)
	s := f.raw(t)
	caps := strings.Join(s.ok("CAPABILITY"), "")
	if !strings.Contains(caps, "LOGINDISABLED") || !strings.Contains(caps, "AUTH=ANONYMOUS") || strings.Contains(caps, "AUTH=PLAIN") {
		t.Errorf("CAPABILITY = %q", caps)
	}
	if _, d := s.cmd("LOGIN bob@example.net bob-pass"); !strings.HasPrefix(d, "NO [PRIVACYREQUIRED]") {
		t.Errorf("a password in the clear: %q", d)
	}
	if _, d := s.cmd("AUTHENTICATE PLAIN AGJvYkBleGFtcGxlLm5ldABib2ItcGFzcw=="); !strings.HasPrefix(d, "NO [PRIVACYREQUIRED]") {
		t.Errorf("AUTHENTICATE PLAIN in the clear: %q", d)
	}
	s.ok("LOGIN anonymous x")
}

func TestReadOnlyAnswers(t *testing.T) {
	f := newFixture(t, 2)
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
	for _, c := range []string{
		"APPEND %[1]s {5+}\r\nhello",
		"COPY 1 %[1]s",
		"UID COPY 1:* %[1]s",
		"MOVE 1 %[1]s",
		"EXPUNGE",
		"CREATE new@example.org",
		"DELETE %[1]s",
		"RENAME %[1]s other@example.org",
	} {
		if _, d := s.cmd(c, f.pub.Address); d != "NO [NOPERM] The archive is read-only." {
			t.Errorf("%q: %q", c, d)
		}
	}
	// \Deleted is not kept, so CLOSE removes nothing and succeeds.
	u := strings.Join(s.ok(`STORE 1 +FLAGS (\Deleted \Flagged)`), "")
	if strings.Contains(u, `\Deleted`) || !strings.Contains(u, `\Flagged`) {
		t.Errorf("STORE \\Deleted: %q", u)
	}
	s.ok("CLOSE")
	if u := strings.Join(s.ok("EXAMINE %s", f.pub.Address), ""); !strings.Contains(u, "* 2 EXISTS") {
		t.Errorf("EXAMINE after CLOSE: %q", u)
	}
}

// TestFlags: a member's flags outlive the session; an anonymous session's
// do not; a body fetched under SELECT is \Seen, under EXAMINE not.
func TestFlags(t *testing.T) {
	f := newFixture(t, 3)
	s := f.raw(t)
	s.ok("LOGIN carol@example.net carol-pass")
	if _, d := s.cmd("EXAMINE %s", f.pub.Address); !strings.HasPrefix(d, "OK [READ-ONLY]") {
		t.Errorf("EXAMINE: %q", d)
	}
	s.ok("FETCH 1 (BODY[])")
	if u := strings.Join(s.ok("FETCH 1 (FLAGS)"), ""); strings.Contains(u, `\Seen`) {
		t.Errorf("a body fetched under EXAMINE set \\Seen: %q", u)
	}
	if _, d := s.cmd(`STORE 1 +FLAGS (\Flagged)`); !strings.HasPrefix(d, "NO") {
		t.Errorf("STORE under EXAMINE: %q", d)
	}
	if u, d := s.cmd("SELECT %s", f.pub.Address); !strings.HasPrefix(d, "OK [READ-WRITE]") || !strings.Contains(strings.Join(u, ""), "[UNSEEN 1]") {
		t.Errorf("SELECT: %q %q", u, d)
	}
	if u := strings.Join(s.ok("FETCH 2 (BODY[HEADER])"), ""); !strings.Contains(u, `FLAGS (\Seen)`) {
		t.Errorf("BODY[HEADER] under SELECT did not say \\Seen: %q", u)
	}
	if u := s.ok(`UID STORE 1:* +FLAGS (\Flagged $Important)`); len(u) != 3 || !strings.Contains(u[0], "UID ") {
		t.Errorf("UID STORE: %q", u)
	}
	if u := s.ok(`STORE 3 -FLAGS.SILENT (\Flagged)`); len(u) != 0 {
		t.Errorf("STORE .SILENT answered %q", u)
	}
	s.ok("LOGOUT")

	s = f.raw(t)
	s.ok("LOGIN Carol@Example.net carol-pass")
	if u := strings.Join(s.ok("SELECT %s", f.pub.Address), ""); !strings.Contains(u, "[UNSEEN 1]") {
		t.Errorf("SELECT again: %q", u)
	}
	u := strings.Join(s.ok("FETCH 1:* (FLAGS)"), "")
	for _, want := range []string{`* 1 FETCH (FLAGS ($important \Flagged))`, `* 2 FETCH (FLAGS ($important \Flagged \Seen))`, `* 3 FETCH (FLAGS ($important))`} {
		if !strings.Contains(u, want) {
			t.Errorf("a new session's flags %q lack %q", u, want)
		}
	}
	if u := strings.Join(s.ok("STATUS %s (UNSEEN MESSAGES)", f.pub.Address), ""); !strings.Contains(u, "UNSEEN 2") {
		t.Errorf("STATUS: %q", u)
	}

	a := f.raw(t)
	a.ok("LOGIN anonymous x")
	a.ok("SELECT %s", f.pub.Address)
	a.ok(`STORE 1 +FLAGS (\Seen)`)
	if u := strings.Join(a.ok("FETCH 1 FLAGS"), ""); !strings.Contains(u, `\Seen`) {
		t.Errorf("an anonymous session forgot its own flag: %q", u)
	}
	b := f.raw(t)
	b.ok("LOGIN anonymous x")
	b.ok("SELECT %s", f.pub.Address)
	if u := strings.Join(b.ok("FETCH 1 FLAGS"), ""); strings.Contains(u, `\Seen`) {
		t.Errorf("another anonymous session sees the flag: %q", u)
	}
}

// TestSequenceAndUIDSets: UIDs with gaps (another list's posts between),
// ranges given backwards, "*", and sets past the end.
func TestSequenceAndUIDSets(t *testing.T) {
	f := newFixture(t, 6)
	ids := f.ids(t, f.pub)
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("EXAMINE %s", f.pub.Address)
	fetched := func(u []string) (out []string) {
		for _, l := range u {
			out = append(out, strings.TrimSpace(l))
		}
		return out
	}
	got := fetched(s.ok("FETCH 5:3,1 (UID)"))
	want := []string{fmt.Sprintf("* 1 FETCH (UID %d)", ids[0]), fmt.Sprintf("* 3 FETCH (UID %d)", ids[2]), fmt.Sprintf("* 4 FETCH (UID %d)", ids[3]), fmt.Sprintf("* 5 FETCH (UID %d)", ids[4])}
	if !slices.Equal(got, want) {
		t.Errorf("FETCH 5:3,1 = %q, want %q", got, want)
	}
	got = fetched(s.ok("UID FETCH %d:* (FLAGS)", ids[4]))
	if len(got) != 2 || !strings.HasPrefix(got[0], "* 5 FETCH") || !strings.HasPrefix(got[1], "* 6 FETCH") {
		t.Errorf("UID FETCH n:* = %q", got)
	}
	// Scattered UIDs (one page, many runs) keep their sequence numbers.
	got = fetched(s.ok("UID FETCH %d,%d,%d:%d,%d (UID)", ids[5], ids[0], ids[2], ids[3], ids[0]+1))
	want = []string{fmt.Sprintf("* 1 FETCH (UID %d)", ids[0]), fmt.Sprintf("* 3 FETCH (UID %d)", ids[2]), fmt.Sprintf("* 4 FETCH (UID %d)", ids[3]), fmt.Sprintf("* 6 FETCH (UID %d)", ids[5])}
	if !slices.Equal(got, want) {
		t.Errorf("UID FETCH of scattered UIDs = %q, want %q", got, want)
	}
	// n:* past the newest names the newest (RFC 3501 §6.4.8).
	got = fetched(s.ok("UID FETCH %d:* (UID)", ids[5]+100))
	if len(got) != 1 || got[0] != fmt.Sprintf("* 6 FETCH (UID %d)", ids[5]) {
		t.Errorf("UID FETCH past:* = %q", got)
	}
	if got := s.ok("FETCH 7:9 (UID)"); len(got) != 0 {
		t.Errorf("FETCH past the end = %q", got)
	}
	// SEARCH: sets and a subject.
	if u := strings.Join(s.ok("SEARCH 2:4"), ""); strings.TrimSpace(u) != "* SEARCH 2 3 4" {
		t.Errorf("SEARCH 2:4 = %q", u)
	}
	if u := strings.Join(s.ok("UID SEARCH ALL"), ""); strings.TrimSpace(u) != "* SEARCH "+joinIDs(ids) {
		t.Errorf("UID SEARCH ALL = %q", u)
	}
	if u := strings.Join(s.ok("SEARCH SUBJECT \"post 4\""), ""); strings.TrimSpace(u) != "* SEARCH 4" {
		t.Errorf("SEARCH SUBJECT = %q", u)
	}
	// Words, from the fixture's index.
	if u := strings.Join(s.ok("SEARCH BODY \"post 5\""), ""); strings.TrimSpace(u) != "* SEARCH 5" {
		t.Errorf("SEARCH BODY = %q", u)
	}
}

// TestSearcherRequired: the view does not start without its Searcher
// (there is no other way to answer SEARCH).
func TestSearcherRequired(t *testing.T) {
	st, _ := openStoreIndex(t, t.TempDir())
	srv := New(Config{Addr: "127.0.0.1:0"}, Deps{Store: st}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Listen(); err == nil {
		srv.closeListeners()
		t.Fatal("Listen without Deps.Search: no error")
	}
}

// TestUIDSetsAsBruteForce: random UID sets (single UIDs, small and wide
// spans, UIDs of the other list, "*", reversed ranges) fetch exactly the
// posts, with exactly the sequence numbers, that a walk of the whole list
// gives; the same UIDs through SEARCH's sequence numbers too.
func TestUIDSetsAsBruteForce(t *testing.T) {
	f := newFixture(t, pageSize+60)
	ids := f.ids(t, f.pub)
	seqOf := make(map[int64]int, len(ids))
	for i, id := range ids {
		seqOf[id] = i + 1
	}
	newest := ids[len(ids)-1]
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("EXAMINE %s", f.pub.Address)
	rng := rand.New(rand.NewPCG(12, 3))
	for round := range 60 {
		var parts []string
		want := make(map[int64]bool)
		for range 1 + rng.IntN(40) {
			lo := ids[0] - 2 + rng.Int64N(newest-ids[0]+6)
			hi := lo
			switch rng.IntN(4) {
			case 1:
				hi = lo + rng.Int64N(smallSpan+2)
			case 2:
				hi = lo + rng.Int64N(3*pageSize)
			}
			star := rng.IntN(10) == 0
			if rng.IntN(2) == 0 {
				lo, hi = hi, lo // n:m is m:n
			}
			lo, hi = max(lo, 1), max(hi, 1)
			a, b := strconv.FormatInt(lo, 10), strconv.FormatInt(hi, 10)
			if star {
				b, hi = "*", newest
			}
			parts = append(parts, a+":"+b)
			lo, hi = min(lo, hi), max(lo, hi)
			if star && lo > newest {
				lo = newest // n:* past the newest names the newest
			}
			for id := lo; id <= hi; id++ {
				if seqOf[id] > 0 {
					want[id] = true
				}
			}
		}
		var wantLines []string
		for _, id := range ids {
			if want[id] {
				wantLines = append(wantLines, fmt.Sprintf("* %d FETCH (UID %d)", seqOf[id], id))
			}
		}
		set := strings.Join(parts, ",")
		var got []string
		for _, l := range s.ok("UID FETCH %s (UID)", set) {
			got = append(got, strings.TrimSpace(l))
		}
		if !slices.Equal(got, wantLines) {
			t.Fatalf("round %d: UID FETCH %s:\n got %q\nwant %q", round, set, got, wantLines)
		}
	}
}

// TestSequenceSearchAsBruteForce: SEARCH by random sequence sets (a few
// ranges, found one from another; many, from one walk) answers exactly
// the numbers of the set that name posts.
func TestSequenceSearchAsBruteForce(t *testing.T) {
	f := newFixture(t, 90)
	n := len(f.ids(t, f.pub))
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("EXAMINE %s", f.pub.Address)
	rng := rand.New(rand.NewPCG(5, 8))
	for round := range 80 {
		var parts []string
		want := make(map[int]bool)
		for range 1 + rng.IntN(24) {
			lo, hi := 1+rng.IntN(n+10), 1+rng.IntN(n+10)
			if rng.IntN(3) == 0 {
				hi = lo
			}
			parts = append(parts, fmt.Sprintf("%d:%d", lo, hi))
			for q := min(lo, hi); q <= max(lo, hi) && q <= n; q++ {
				want[q] = true
			}
		}
		var wantSeqs []string
		for q := 1; q <= n; q++ {
			if want[q] {
				wantSeqs = append(wantSeqs, strconv.Itoa(q))
			}
		}
		set := strings.Join(parts, ",")
		got := strings.TrimSpace(strings.Join(s.ok("SEARCH %s", set), ""))
		if w := strings.TrimSpace("* SEARCH " + strings.Join(wantSeqs, " ")); got != w {
			t.Fatalf("round %d: SEARCH %s = %q, want %q", round, set, got, w)
		}
	}
}

func joinIDs(ids []int64) string {
	var s []string
	for _, id := range ids {
		s = append(s, strconv.FormatInt(id, 10))
	}
	return strings.Join(s, " ")
}

// stubSearcher stands in for the Searcher (search.go) in these tests: it
// answers every search with every other post, so that the conversion of
// its UIDs into sequence numbers is seen.
type stubSearcher struct{ st *store.Store }

func (s stubSearcher) Search(ctx context.Context, l *store.List, c *imap.SearchCriteria, flags FlagsFunc) ([]uint32, error) {
	ids, err := s.st.IMAPIDs(ctx, l.ID, 0, 1<<62, 1000)
	var out []uint32
	for i, id := range ids {
		if i%2 == 1 {
			out = append(out, uint32(id))
		}
	}
	return out, err
}

func (s stubSearcher) Sort(ctx context.Context, l *store.List, _ []sortthread.SortCriterion, c *imap.SearchCriteria, flags FlagsFunc) ([]uint32, error) {
	uids, err := s.Search(ctx, l, c, flags)
	slices.Reverse(uids)
	return uids, err
}

func (s stubSearcher) Thread(ctx context.Context, l *store.List, c *imap.SearchCriteria, flags FlagsFunc) ([]*sortthread.Thread, error) {
	uids, err := s.Search(ctx, l, c, flags)
	if err != nil || len(uids) < 2 {
		return nil, err
	}
	return []*sortthread.Thread{{Id: uids[0], Children: []*sortthread.Thread{{Id: uids[1]}}}}, nil
}

func TestSearchThroughSearcher(t *testing.T) {
	f := newFixture(t, 600, func(_ *Config, d *Deps) { d.Search = stubSearcher{d.Store.(*store.Store)} })
	ids := f.ids(t, f.pub)
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("EXAMINE %s", f.pub.Address)
	var wantSeq, wantUID []string
	for i := 1; i < len(ids); i += 2 {
		wantSeq = append(wantSeq, strconv.Itoa(i+1))
		wantUID = append(wantUID, strconv.FormatInt(ids[i], 10))
	}
	if u := strings.TrimSpace(strings.Join(s.ok("SEARCH ALL"), "")); u != "* SEARCH "+strings.Join(wantSeq, " ") {
		t.Errorf("SEARCH (%d hits) gave %.80q…", len(wantSeq), u)
	}
	if u := strings.TrimSpace(strings.Join(s.ok("UID SEARCH ALL"), "")); u != "* SEARCH "+strings.Join(wantUID, " ") {
		t.Errorf("UID SEARCH gave %.80q…", u)
	}
	slices.Reverse(wantSeq)
	if u := strings.TrimSpace(strings.Join(s.ok("SORT (DATE) UTF-8 ALL"), "")); u != "* SORT "+strings.Join(wantSeq, " ") {
		t.Errorf("SORT gave %.80q…", u)
	}
	if u := strings.TrimSpace(strings.Join(s.ok("THREAD REFERENCES UTF-8 ALL"), "")); u != "* THREAD (2 4)" {
		t.Errorf("THREAD gave %q", u)
	}
	if caps := strings.Join(s.ok("CAPABILITY"), ""); !strings.Contains(caps, "SORT") || !strings.Contains(caps, "THREAD=REFERENCES") {
		t.Errorf("CAPABILITY = %q", caps)
	}
}

// TestIdleAndNoop: a post archived while a client idles reaches it as
// EXISTS; a NOOP sees the next one before its OK.
func TestIdleAndNoop(t *testing.T) {
	f := newFixture(t, 2)
	idler := f.raw(t)
	idler.ok("LOGIN anonymous x")
	idler.ok("EXAMINE %s", f.pub.Address)
	fmt.Fprintf(idler.conn, "i1 IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}
	f.archive(t, f.pub, 3)
	if l := idler.line(); l != "* 3 EXISTS\r\n" {
		t.Errorf("while idling: %q", l)
	}
	fmt.Fprintf(idler.conn, "DONE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "i1 OK") {
		t.Errorf("IDLE's end: %q", l)
	}
	// The command sent with DONE, in the same write, is answered (go-imap
	// v1.2.1's own IDLE dropped it); and a second IDLE ends with a
	// lowercase done.
	fmt.Fprintf(idler.conn, "i2 IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("second IDLE: %q", l)
	}
	fmt.Fprintf(idler.conn, "DONE\r\ni3 NOOP\r\ni4 IDLE\r\n")
	for _, want := range []string{"i2 OK", "i3 OK", "+ "} {
		if l := idler.line(); !strings.HasPrefix(l, want) {
			t.Fatalf("after a pipelined DONE: %q, want %q", l, want)
		}
	}
	fmt.Fprintf(idler.conn, "done\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "i4 OK") {
		t.Errorf("IDLE ended by done: %q", l)
	}
	// Anything but DONE ends the IDLE with an error, not a hang.
	fmt.Fprintf(idler.conn, "i5 IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("third IDLE: %q", l)
	}
	fmt.Fprintf(idler.conn, "NOOP\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "i5 BAD") && !strings.HasPrefix(l, "i5 NO") {
		t.Errorf("IDLE ended by NOOP: %q", l)
	}

	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	s.ok("EXAMINE %s", f.pub.Address)
	f.srv.core.pollMu.Lock() // hold the poller: NOOP must look itself
	f.archive(t, f.pub, 4)
	f.srv.core.pollMu.Unlock()
	if u := strings.Join(s.ok("NOOP"), ""); !strings.Contains(u, "* 4 EXISTS") {
		t.Errorf("NOOP after a post: %q", u)
	}
}

// TestHostileClients: malformed commands get BAD, a literal over the
// limit is refused, a line without end closes that connection, and one
// address holds only its share of connections; the server keeps
// answering others throughout.
func TestHostileClients(t *testing.T) {
	f := newFixture(t, 2)
	s := f.raw(t)
	// A line with a tag alone: no tag to answer, so an untagged BAD.
	fmt.Fprintf(s.conn, "t0\r\n")
	if l := s.line(); !strings.HasPrefix(l, "* BAD") {
		t.Errorf("a tag alone: %q", l)
	}
	for _, c := range []string{"FOO", "LOGIN", "SELECT", "FETCH 1 (BODY[]<-5.3>)", "UID", "UID FOO 1", "FETCH x:y FLAGS"} {
		if _, d := s.cmd("%s", c); !strings.HasPrefix(d, "BAD") && !strings.HasPrefix(d, "NO") {
			t.Errorf("%q answered %q", c, d)
		}
	}
	// A line that does not parse leaves go-imap without its tag: it
	// answers an untagged BAD and reads on; the session goes on.
	for _, c := range []string{"t1 SEARCH (((", `t2 LOGIN "unterminated`, "t3 LIST (a b"} {
		fmt.Fprintf(s.conn, "%s\r\n", c)
		if u := strings.Join(s.ok("NOOP"), ""); !strings.Contains(u, "* BAD") {
			t.Errorf("%q: %q", c, u)
		}
	}
	s.ok("LOGIN anonymous x")
	s.ok("SELECT %s", f.pub.Address)
	if _, d := s.cmd("STATUS %s (MESSAGES FOO)", f.pub.Address); !strings.HasPrefix(d, "BAD") {
		t.Errorf("STATUS with an unknown item: %q", d)
	}
	for _, c := range []string{"FETCH 1 (BODY[]<-5.3>)", "FETCH 1 (BODY[9.9.9])", "FETCH 1 (NONSENSE)", "FETCH 0 FLAGS", "STORE 1 FOO (x)", "SEARCH BEFORE notadate"} {
		_, d := s.cmd("%s", c)
		if !strings.HasPrefix(d, "BAD") && !strings.HasPrefix(d, "NO") && !strings.HasPrefix(d, "OK") {
			t.Errorf("%q answered %q", c, d)
		}
	}
	// A literal over the limit: refused without reading it.
	fmt.Fprintf(s.conn, "h1 SEARCH SUBJECT {99999999}\r\n")
	if u := strings.Join(s.ok("NOOP"), ""); !strings.Contains(u, "* BAD literal exceeding maximum size") {
		t.Errorf("a huge literal: %q", u)
	}
	fmt.Fprintf(s.conn, "h2 SEARCH SUBJECT {99999999+}\r\n")
	if u := strings.Join(s.ok("NOOP"), ""); !strings.Contains(u, "* BAD literal exceeding maximum size") {
		t.Errorf("a huge non-synchronising literal: %q", u)
	}

	// A line that never ends: the connection is closed.
	long := f.raw(t)
	chunk := bytes.Repeat([]byte("A"), 4096)
	var werr error
	for i := 0; i < 200 && werr == nil; i++ {
		_, werr = long.conn.Write(chunk)
	}
	long.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The server says BYE and closes; the client may see the close as a
	// reset (its unread bytes), never as a connection left open.
	rest, rerr := io.ReadAll(long.r)
	var ne net.Error
	if errors.As(rerr, &ne) && ne.Timeout() {
		t.Errorf("an endless line left the connection open (%q, write error %v)", rest, werr)
	}

	// One address, more connections than its share: the extra ones are
	// told BYE; the others keep working.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	byes := 0
	for i := 0; i < 12; i++ {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		g, _ := bufio.NewReader(c).ReadString('\n')
		if strings.HasPrefix(g, "* BYE") {
			byes++
		}
	}
	if byes < 12-8 {
		t.Errorf("%d of 12 connections refused, want at least %d", byes, 12-8)
	}
	s.ok("NOOP")
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	// The server learns of the closes as it reads them: wait until only
	// s holds a share.
	for i := 0; i < 1000 && f.srv.perIP.count(net.IPv4(127, 0, 0, 1)) > 1; i++ {
		time.Sleep(10 * time.Millisecond)
	}

	// Many clients at once, each a whole session.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 6; i++ {
		wg.Go(func() {
			c, err := client.Dial(f.addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Logout()
			if err := c.Login("anonymous", "x"); err != nil {
				errs <- err
				return
			}
			if _, err := c.Select(f.pub.Address, true); err != nil {
				errs <- err
				return
			}
			set, _ := imap.ParseSeqSet("1:*")
			ch := make(chan *imap.Message, 4)
			if err := c.Fetch(set, []imap.FetchItem{imap.FetchRFC822}, ch); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	fresh := f.raw(t)
	fresh.ok("LOGIN anonymous x")
	fresh.ok("SELECT %s", f.pub.Address)
}

// TestPagesAcrossALargeList: FETCH, UID FETCH and STORE over more posts
// than one page (the store is read a page at a time), numbered right
// across the pages' seams.
func TestPagesAcrossALargeList(t *testing.T) {
	f := newFixture(t, 2*pageSize+37)
	ids := f.ids(t, f.pub)
	s := f.raw(t)
	s.ok("LOGIN carol@example.net carol-pass")
	s.ok("SELECT %s", f.pub.Address)
	check := func(u []string, from int) {
		t.Helper()
		for i, l := range u {
			want := fmt.Sprintf("* %d FETCH (UID %d)", from+i, ids[from+i-1])
			if strings.TrimSpace(l) != want {
				t.Fatalf("line %d: %q, want %q", i, l, want)
			}
		}
	}
	u := s.ok("FETCH 1:* (UID)")
	if len(u) != len(ids) {
		t.Fatalf("FETCH 1:* gave %d, want %d", len(u), len(ids))
	}
	check(u, 1)
	u = s.ok("UID FETCH %d:%d (UID)", ids[pageSize-3], ids[2*pageSize+5])
	if len(u) != pageSize+9 {
		t.Fatalf("UID FETCH across pages gave %d", len(u))
	}
	check(u, pageSize-2)
	u = s.ok("FETCH %d:%d (UID)", pageSize+1, 2*pageSize+1)
	check(u, pageSize+1)
	s.ok(`STORE 1:* +FLAGS.SILENT (\Seen)`)
	if u := strings.Join(s.ok("STATUS %s (UNSEEN)", f.pub.Address), ""); !strings.Contains(u, "UNSEEN 0") {
		t.Errorf("after STORE 1:*: %q", u)
	}
	if u := strings.Join(s.ok("SELECT %s", f.pub.Address), ""); strings.Contains(u, "[UNSEEN") {
		t.Errorf("SELECT with every post seen: %q", u)
	}
}

// TestEmptyAndArchivelessLists: a list with no posts is an empty mailbox
// (UIDNEXT 1); a list that keeps no archive is no mailbox at all.
func TestEmptyAndArchivelessLists(t *testing.T) {
	f := newFixture(t, 1)
	ctx := context.Background()
	for _, l := range []*store.List{
		{Address: "empty@example.org", Name: "Empty", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePublic},
		{Address: "none@example.org", Name: "None", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchiveNone},
	} {
		if err := f.st.CreateList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	s := f.raw(t)
	s.ok("LOGIN anonymous x")
	if l := strings.Join(s.ok(`LIST "" "*"`), ""); strings.Contains(l, "none@") || !strings.Contains(l, "empty@") {
		t.Errorf("LIST = %q", l)
	}
	if _, d := s.cmd("SELECT none@example.org"); d != "NO [NONEXISTENT] No such mailbox." {
		t.Errorf("SELECT of a list without archive: %q", d)
	}
	u := strings.Join(s.ok("SELECT EMPTY@example.org"), "")
	if !strings.Contains(u, "* 0 EXISTS") || !strings.Contains(u, "[UIDNEXT 1]") || strings.Contains(u, "[UNSEEN") {
		t.Errorf("SELECT of an empty list: %q", u)
	}
	for _, c := range []string{"FETCH 1:* (UID)", "UID FETCH 1:* (UID)", "STORE 1:* +FLAGS (\\Seen)"} {
		if u := s.ok("%s", c); len(u) != 0 {
			t.Errorf("%s on an empty list: %q", c, u)
		}
	}
	if u := strings.TrimSpace(strings.Join(s.ok("SEARCH ALL"), "")); u != "* SEARCH" {
		t.Errorf("SEARCH ALL on an empty list: %q", u)
	}
	// The first post reaches the selected session.
	f.archive(t, f.listNamed(t, "empty@example.org"), 1)
	if u := strings.Join(s.ok("NOOP"), ""); !strings.Contains(u, "* 1 EXISTS") {
		t.Errorf("NOOP after the first post: %q", u)
	}
}

func (f *fixture) listNamed(t *testing.T, addr string) *store.List {
	t.Helper()
	l, err := f.st.ListByAddress(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Header items read the header block the store keeps (imap_headers):
// kept when a post is archived (migration 0013 cut the older posts'). A
// post without one (never, but for a failed write) has its header cut
// from its bytes, and FETCH, a read, writes nothing. The whole post
// still comes from its stored bytes.
func TestHeadersKept(t *testing.T) {
	f := newFixture(t, 3)
	ctx := context.Background()
	ids := f.ids(t, f.pub)
	posts, err := f.st.IMAPPosts(ctx, f.pub.ID, ids)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([]string, len(posts))
	for i, p := range posts {
		hashes[i] = p.Hash
	}
	kept, err := f.st.IMAPHeaders(ctx, hashes)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hashes {
		if want := string(store.HeaderBlock(post(i+1, f.pub.Address))); string(kept[h]) != want {
			t.Errorf("header kept on archiving message %d: %q, want %q", i+1, kept[h], want)
		}
	}
	// No header kept at all.
	if _, err := f.st.DB().ExecContext(ctx, `DELETE FROM imap_headers`); err != nil {
		t.Fatal(err)
	}

	c := f.client(t, "anonymous", "x")
	if _, err := c.Select(f.pub.Address, true); err != nil {
		t.Fatal(err)
	}
	header := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}, Peek: true}
	whole := &imap.BodySectionName{Peek: true}
	read := func(m *imap.Message, s *imap.BodySectionName) string {
		b, _ := io.ReadAll(m.GetBody(s))
		return string(b)
	}
	set, _ := imap.ParseSeqSet("1:*")
	ch := make(chan *imap.Message, 10)
	if err := c.Fetch(set, []imap.FetchItem{header.FetchItem(), imap.FetchEnvelope}, ch); err != nil {
		t.Fatal(err)
	}
	n := 0
	for m := range ch {
		n++
		want := string(toCRLF(store.HeaderBlock(post(n, f.pub.Address))))
		if g := read(m, header); g != want {
			t.Errorf("message %d: BODY[HEADER] %q, want %q", n, g, want)
		}
		if m.Envelope == nil || m.Envelope.Subject != fmt.Sprintf("post %d", n) {
			t.Errorf("message %d: envelope %+v", n, m.Envelope)
		}
	}
	if n != 3 {
		t.Fatalf("FETCH 1:* gave %d messages, want 3", n)
	}
	if kept, err = f.st.IMAPHeaders(ctx, hashes); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 0 {
		t.Errorf("FETCH kept headers: %q; a read command writes nothing", kept)
	}

	// A kept block is what header items serve; the whole post still
	// comes from the post.
	for i, h := range hashes {
		head := store.HeaderBlock(post(i+1, f.pub.Address))
		if i == 1 {
			head = []byte("Subject: kept\n\n")
		}
		if _, err := f.st.DB().ExecContext(ctx, `INSERT INTO imap_headers (hash, head) VALUES (?, ?)`, h, head); err != nil {
			t.Fatal(err)
		}
	}
	uids := new(imap.SeqSet)
	uids.AddNum(uint32(ids[1]))
	ch = make(chan *imap.Message, 1)
	if err := c.UidFetch(uids, []imap.FetchItem{header.FetchItem(), imap.FetchEnvelope, whole.FetchItem()}, ch); err != nil {
		t.Fatal(err)
	}
	m := <-ch
	if m == nil {
		t.Fatal("UID FETCH gave nothing")
	}
	if g := read(m, header); g != "Subject: kept\r\n\r\n" {
		t.Errorf("BODY[HEADER] %q, want the kept block", g)
	}
	if m.Envelope == nil || m.Envelope.Subject != "kept" {
		t.Errorf("ENVELOPE %+v, want the kept block's", m.Envelope)
	}
	if g, want := read(m, whole), string(toCRLF(post(2, f.pub.Address))); g != want {
		t.Errorf("BODY[] %q, want the post %q", g, want)
	}
	// SEARCH's header criteria answer from the kept blocks (the store's
	// filter and the Searcher's check), the same as from the posts.
	sc := imap.NewSearchCriteria()
	sc.Header.Set("Subject", "post 3")
	got, err := c.UidSearch(sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != uint32(ids[2]) {
		t.Errorf("UID SEARCH SUBJECT \"post 3\" = %v, want [%d]", got, ids[2])
	}
}
