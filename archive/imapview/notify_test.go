package imapview

import (
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/server"

	"praxis/listserv/store"
)

// fetchLine is an untagged FETCH: its UID and flags.
type fetchLine struct {
	uid   int64
	flags []string
}

var (
	fetchRE = regexp.MustCompile(`^\* \d+ FETCH \((.*)\)\r\n$`)
	uidRE   = regexp.MustCompile(`\bUID (\d+)`)
	flagsRE = regexp.MustCompile(`\bFLAGS \(([^)]*)\)`)
)

// parseFetch reads an untagged FETCH line (ok false for any other line).
func parseFetch(l string) (fetchLine, bool) {
	m := fetchRE.FindStringSubmatch(l)
	if m == nil {
		return fetchLine{}, false
	}
	var f fetchLine
	if u := uidRE.FindStringSubmatch(m[1]); u != nil {
		f.uid, _ = strconv.ParseInt(u[1], 10, 64)
	}
	if fl := flagsRE.FindStringSubmatch(m[1]); fl != nil {
		f.flags = strings.Fields(fl[1])
	}
	return f, true
}

// TestStoreTellsEverySession: one member, four sessions on a list, 40
// STOREs sent to them four at a time (each session's at once, so that the
// server runs them together): every STORE but a .SILENT one is answered
// with its own FETCH of the new flags before its OK, and the member's
// other sessions, and one that idles, are told each STORE's flags (at
// their next NOOP, or while idling); an anonymous session and another
// member are told nothing, and what they store reaches no one else.
// Sessions that logged out or went away before the STOREs hold up
// nothing, and one that left the list (UNSELECT) is no longer told.
func TestStoreTellsEverySession(t *testing.T) {
	const sessions, rounds = 4, 10
	f := newFixture(t, sessions*rounds, func(c *Config, _ *Deps) { c.MaxConnsPerIP = 20 })
	ids := f.ids(t, f.pub)
	login := func(user string) *raw {
		s := f.raw(t)
		s.ok("LOGIN %s", user)
		s.ok("SELECT %s", f.pub.Address)
		return s
	}
	var carol []*raw
	for range sessions {
		carol = append(carol, login("carol@example.net carol-pass"))
	}
	// The idler reads the list (EXAMINE): the member's flags are told
	// to it all the same.
	idler := f.raw(t)
	idler.ok("LOGIN Carol@example.net carol-pass")
	idler.ok("EXAMINE %s", f.pub.Address)
	anon := login("anonymous x")
	bob := login("bob@example.net bob-pass") // not a member of the list: it is public
	gone := login("carol@example.net carol-pass")
	gone.ok("LOGOUT")
	dropped := login("carol@example.net carol-pass")
	dropped.conn.Close()

	left := login("carol@example.net carol-pass")
	before := len(f.srv.core.on(f.pub.ID))
	left.ok("UNSELECT")
	if after := len(f.srv.core.on(f.pub.ID)); after != before-1 {
		t.Errorf("after UNSELECT %d sessions are told of the list, want %d", after, before-1)
	}

	fmt.Fprintf(idler.conn, "i1 IDLE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "+ ") {
		t.Fatalf("IDLE: %q", l)
	}

	// Session i stores on posts of its own (ids[i*rounds:(i+1)*rounds]),
	// one a round, a keyword of the round's and its own: a FETCH of a
	// post names whose STORE it tells, and none hides another's loss.
	type storeOp struct {
		session int
		uid     int64
		kw      string
		silent  bool
	}
	var ops []storeOp
	told := make([]map[int64][]string, sessions) // session → UID → flags told, after its own STOREs
	for i := range told {
		told[i] = make(map[int64][]string)
	}
	notes := make([]int, sessions) // FETCHes of other sessions' posts
	note := func(i int, lines []string, own int64) {
		for _, l := range lines {
			fl, ok := parseFetch(l)
			if !ok {
				t.Errorf("session %d: unexpected %q", i, l)
				continue
			}
			if fl.uid == own {
				continue
			}
			notes[i]++
			told[i][fl.uid] = fl.flags
		}
	}
	ownAnswered, silentAnswered := 0, 0
	for r := range rounds {
		round := make([]storeOp, sessions)
		for i, s := range carol {
			op := storeOp{session: i, uid: ids[i*rounds+r], kw: fmt.Sprintf("k%dx%d", r, i), silent: (r+i)%5 == 4}
			round[i] = op
			item := "+FLAGS"
			if op.silent {
				item += ".SILENT"
			}
			s.n++
			fmt.Fprintf(s.conn, "s%d UID STORE %d %s (%s)\r\n", s.n, op.uid, item, op.kw)
		}
		for i, s := range carol {
			op := round[i]
			tag := fmt.Sprintf("s%d ", s.n)
			var lines []string
			for {
				l := s.line()
				if strings.HasPrefix(l, tag) {
					if !strings.HasPrefix(l, tag+"OK") {
						t.Fatalf("session %d: UID STORE %d: %q", i, op.uid, l)
					}
					break
				}
				lines = append(lines, l)
			}
			own := 0
			for _, l := range lines {
				if fl, ok := parseFetch(l); ok && fl.uid == op.uid {
					own++
					if !slices.Contains(fl.flags, op.kw) {
						t.Errorf("session %d: the FETCH of its STORE +FLAGS (%s): %q", i, op.kw, l)
					}
				}
			}
			switch {
			case op.silent && own > 0:
				silentAnswered++
			case !op.silent && own == 1:
				ownAnswered++
			case !op.silent:
				t.Errorf("session %d: UID STORE %d +FLAGS (%s) answered %d FETCHes of it: %q", i, op.uid, op.kw, own, lines)
			}
			note(i, lines, op.uid)
		}
		ops = append(ops, round...)
	}
	silent := 0
	for _, op := range ops {
		if op.silent {
			silent++
		}
	}
	if ownAnswered != len(ops)-silent || silentAnswered != 0 {
		t.Errorf("%d of %d STOREs answered with their FETCH (want all), %d of %d .SILENT ones (want none)",
			ownAnswered, len(ops)-silent, silentAnswered, silent)
	}

	// What another session stores reaches none of these.
	anon.ok("UID STORE %d +FLAGS (anonkw)", ids[0])
	bob.ok("UID STORE %d +FLAGS (bobkw)", ids[1])
	for _, s := range []*raw{anon, bob} {
		for _, l := range s.ok("NOOP") {
			if _, ok := parseFetch(l); ok {
				t.Errorf("a session of another user was told %q", l)
			}
		}
	}

	for i, s := range carol {
		note(i, s.ok("NOOP"), 0)
		if want := (sessions - 1) * rounds; notes[i] != want {
			t.Errorf("session %d was told %d FETCHes of the others' posts, want %d", i, notes[i], want)
		}
		for _, op := range ops {
			if op.session != i && !slices.Contains(told[i][op.uid], op.kw) {
				t.Errorf("session %d was not told session %d's UID STORE %d +FLAGS (%s): %q", i, op.session, op.uid, op.kw, told[i][op.uid])
			}
		}
	}
	// The idler is told every STORE while idling: as many lines as
	// STOREs (a line missing would leave the read waiting).
	idle := make(map[int64][]string)
	for range ops {
		l := idler.line()
		fl, ok := parseFetch(l)
		if !ok {
			t.Fatalf("while idling: %q", l)
		}
		idle[fl.uid] = fl.flags
	}
	for _, op := range ops {
		if !slices.Contains(idle[op.uid], op.kw) {
			t.Errorf("the idler was not told UID STORE %d +FLAGS (%s): %q", op.uid, op.kw, idle[op.uid])
		}
	}
	fmt.Fprintf(idler.conn, "DONE\r\n")
	if l := idler.line(); !strings.HasPrefix(l, "i1 OK") {
		t.Errorf("IDLE's end: %q", l)
	}
	for _, l := range idler.ok("NOOP") {
		if strings.Contains(l, "anonkw") || strings.Contains(l, "bobkw") {
			t.Errorf("the member was told another user's flags: %q", l)
		}
	}
}

// stubConn is a session's connection as the view's selections use it:
// its context alone.
type stubConn struct {
	server.Conn
	ctx *server.Context
}

func (c stubConn) Context() *server.Context { return c.ctx }

// TestNewsToALoggedOutSession: a session whose writer stopped (it logged
// out) while its selection was still recorded takes news without holding
// up whoever tells it, and the selection can still be left (logout does
// that last). A flush that waited for the writer would hang here.
func TestNewsToALoggedOutSession(t *testing.T) {
	c := newCore(Deps{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer c.close()
	b := c.serverBackend(loopback)
	list := &store.List{ID: 7, Address: "cop@example.org"}
	gone, storer := b.newUser("carol@example.net"), b.newUser("Carol@example.net")
	loggedOut := make(chan struct{})
	close(loggedOut)
	conn := stubConn{ctx: &server.Context{Responses: make(chan imap.WriterTo), LoggedOut: loggedOut}}
	c.selected(gone, conn, &mailbox{u: gone, list: list}, 3, store.IndexPos{})
	sel := c.on(list.ID)[0]
	for i := range 50 {
		c.tellFlags(storer, list.ID, []flagChange{{seq: 1 + uint32(i%3), uid: 10 + uint32(i%3), flags: []string{"k" + strconv.Itoa(i)}}}, false)
		sel.tell(uint32(4+i), nil)
	}
	// The writer goroutine finds the session gone and stops telling it.
	isGone := func() bool {
		sel.mu.Lock()
		defer sel.mu.Unlock()
		return sel.gone
	}
	for i := 0; i < 1000 && !isGone(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if !isGone() {
		t.Fatal("the news for a logged-out session is still being written")
	}
	c.unselected(gone, true)
	if n := len(c.on(list.ID)); n != 0 {
		t.Errorf("%d selections left", n)
	}
}

// TestStoreTellsTheNewestFlagsLast: two sessions of one member add
// keywords to one post at the same moment, round after round: whatever
// each was told on the way, the last FETCH of the post each session sees
// holds every keyword (an answer to its own STORE written after the other
// session's newer flags would leave it with the older ones).
func TestStoreTellsTheNewestFlagsLast(t *testing.T) {
	const rounds = 30
	f := newFixture(t, 1)
	uid := f.ids(t, f.pub)[0]
	var ss []*raw
	for range 2 {
		s := f.raw(t)
		s.ok("LOGIN carol@example.net carol-pass")
		s.ok("SELECT %s", f.pub.Address)
		ss = append(ss, s)
	}
	last := make([][]string, len(ss))
	note := func(i int, lines []string) {
		for _, l := range lines {
			if fl, ok := parseFetch(l); ok && fl.uid == uid {
				last[i] = fl.flags
			}
		}
	}
	var all []string
	for r := range rounds {
		for i, s := range ss {
			s.n++
			kw := fmt.Sprintf("r%dx%d", r, i)
			all = append(all, kw)
			fmt.Fprintf(s.conn, "s%d UID STORE %d +FLAGS (%s)\r\n", s.n, uid, kw)
		}
		for i, s := range ss {
			tag := fmt.Sprintf("s%d ", s.n)
			var lines []string
			for {
				l := s.line()
				if strings.HasPrefix(l, tag) {
					if !strings.HasPrefix(l, tag+"OK") {
						t.Fatalf("session %d: %q", i, l)
					}
					break
				}
				lines = append(lines, l)
			}
			note(i, lines)
		}
	}
	for i, s := range ss {
		note(i, s.ok("NOOP"))
		for _, kw := range all {
			if !slices.Contains(last[i], kw) {
				t.Errorf("session %d was told last the flags %q, without %s", i, last[i], kw)
				break
			}
		}
	}
}
