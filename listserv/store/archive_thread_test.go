package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Threading unit tests for ArchivePut: the posts are built by hand as
// archive.Read would make them (Refs closest first), so that every arrival
// order of a case can be tried.

// tpost is one post of a threading case.
type tpost struct {
	id      string
	refs    []string // closest first, as archive.Read gives them
	subject string
	day     int // days after the case's start
	body    string
}

func (p tpost) archived(listID int64, start time.Time) (*ArchivedPost, []byte) {
	subj := p.subject
	if subj == "" {
		subj = "about " + p.id
	}
	// As archive.Read's normSubject does: markers off, lower case.
	norm, reply := strings.ToLower(subj), false
	for strings.HasPrefix(norm, "re: ") || strings.HasPrefix(norm, "fwd: ") {
		reply = reply || strings.HasPrefix(norm, "re: ")
		_, norm, _ = strings.Cut(norm, ": ")
	}
	raw := fmt.Sprintf("Message-ID: <%s>\r\nSubject: %s\r\n\r\n%s\r\n", p.id, subj, p.body)
	return &ArchivedPost{
		ListID: listID, MessageID: p.id, Refs: p.refs, Subject: subj, NormSubject: norm, IsReply: reply,
		Date: start.AddDate(0, 0, p.day), FromAddr: "a@example.org",
	}, []byte(raw)
}

func newThreadStore(t *testing.T, newStore opener) (*Store, *List) {
	t.Helper()
	s := newStore(t)
	return s, newThreadList(t, s, "cop@example.org")
}

// newThreadList makes a list: a case tried in every order uses one list
// per order, in one store, as opening a store costs more than the case.
func newThreadList(t *testing.T, s *Store, addr string) *List {
	t.Helper()
	l := &List{Address: addr, Name: "x", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public"}
	if err := s.CreateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

// put archives posts in the given order and returns every stored row by
// Message-ID (more than one for a shared id).
func put(t *testing.T, s *Store, l *List, posts []tpost) map[string][]*ArchivedPost {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, p := range posts {
		ap, raw := p.archived(l.ID, start)
		if _, err := s.ArchivePut(ctx, ap, raw); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+archiveCols+` FROM archive WHERE list_id = ?`, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]*ArchivedPost{}
	for rows.Next() {
		p, err := scanArchived(rows)
		if err != nil {
			t.Fatal(err)
		}
		out[p.MessageID] = append(out[p.MessageID], p)
	}
	return out
}

// permutations returns every order of n items (n small).
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestArchiveThreadingEveryOrder(t *testing.T) { backends(t, testArchiveThreadingEveryOrder) }

func testArchiveThreadingEveryOrder(t *testing.T, newStore opener) {
	tests := []struct {
		name    string
		posts   []tpost
		threads [][]string // the expected partition into threads
		parents map[string]string
		root    string // the thread id, whatever the order ("" to not check)
	}{
		{
			name: "chain",
			posts: []tpost{
				{id: "root@x"},
				{id: "child@x", refs: []string{"root@x"}},
				{id: "grand@x", refs: []string{"child@x", "root@x"}},
				{id: "sibling@x", refs: []string{"root@x"}},
			},
			threads: [][]string{{"root@x", "child@x", "grand@x", "sibling@x"}},
			parents: map[string]string{"root@x": "", "child@x": "root@x", "grand@x": "child@x", "sibling@x": "root@x"},
			root:    "root@x",
		},
		{
			// Only In-Reply-To: the grandchild names its parent alone,
			// so it meets the root only through the child.
			name: "in-reply-to only",
			posts: []tpost{
				{id: "root@x"},
				{id: "child@x", refs: []string{"root@x"}},
				{id: "grand@x", refs: []string{"child@x"}},
			},
			threads: [][]string{{"root@x", "child@x", "grand@x"}},
			parents: map[string]string{"grand@x": "child@x"},
		},
		{
			name: "ghost root",
			posts: []tpost{
				{id: "a@x", refs: []string{"ghost@x"}},
				{id: "b@x", refs: []string{"ghost@x"}},
				{id: "c@x", refs: []string{"b@x", "ghost@x"}},
				{id: "other@x"},
			},
			threads: [][]string{{"a@x", "b@x", "c@x"}, {"other@x"}},
			parents: map[string]string{"a@x": "ghost@x", "b@x": "ghost@x", "c@x": "b@x"},
			root:    "ghost@x",
		},
		{
			name: "loop",
			posts: []tpost{
				{id: "l12@x", refs: []string{"l21@x"}},
				{id: "l21@x", refs: []string{"l12@x"}},
			},
			threads: [][]string{{"l12@x", "l21@x"}},
			parents: map[string]string{"l12@x": "l21@x", "l21@x": "l12@x"},
		},
		{
			// A post that names two threads joins them.
			name: "merge",
			posts: []tpost{
				{id: "a@x"},
				{id: "a1@x", refs: []string{"a@x"}},
				{id: "b@x"},
				{id: "b1@x", refs: []string{"b@x"}},
				{id: "ab@x", refs: []string{"a1@x", "b1@x"}},
			},
			threads: [][]string{{"a@x", "a1@x", "b@x", "b1@x", "ab@x"}},
			parents: map[string]string{"ab@x": "a1@x"},
		},
		{
			name: "unrelated",
			posts: []tpost{
				{id: "a@x"},
				{id: "b@x", subject: "about a@x"}, // same subject, no Re:
				{id: "c@x", refs: []string{"ghost-c@x"}},
			},
			threads: [][]string{{"a@x"}, {"b@x"}, {"c@x"}},
		},
	}
	s := newStore(t)
	for n, tt := range tests {
		for k, order := range permutations(len(tt.posts)) {
			var posts []tpost
			var names []string
			for _, i := range order {
				posts = append(posts, tt.posts[i])
				names = append(names, tt.posts[i].id)
			}
			t.Run(tt.name+"/"+strings.Join(names, ","), func(t *testing.T) {
				l := newThreadList(t, s, fmt.Sprintf("case%d-order%d@example.org", n, k))
				got := put(t, s, l, posts)
				threadOf := map[string]string{}
				for _, p := range tt.posts {
					if len(got[p.id]) != 1 {
						t.Fatalf("<%s> stored %d times", p.id, len(got[p.id]))
					}
					threadOf[p.id] = got[p.id][0].ThreadID
				}
				seen := map[string]string{}
				for i, group := range tt.threads {
					th := threadOf[group[0]]
					for _, id := range group {
						if threadOf[id] != th {
							t.Errorf("<%s> in thread %q, <%s> in %q: want one thread", id, threadOf[id], group[0], th)
						}
					}
					if other, ok := seen[th]; ok {
						t.Errorf("thread %q holds groups %s and %d", th, other, i)
					}
					seen[th] = fmt.Sprint(i)
				}
				if tt.root != "" && threadOf[tt.threads[0][0]] != tt.root {
					t.Errorf("thread id %q, want %q (named after its root)", threadOf[tt.threads[0][0]], tt.root)
				}
				for id, want := range tt.parents {
					if p := got[id][0].ParentID; p != want {
						t.Errorf("<%s>: parent %q, want %q", id, p, want)
					}
				}
			})
		}
	}
}

// A "Re:" without references joins the latest thread with its subject
// within SubjectWindow, and only then.
func TestArchiveThreadingSubject(t *testing.T) { backends(t, testArchiveThreadingSubject) }

func testArchiveThreadingSubject(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	got := put(t, s, l, []tpost{
		{id: "q@x", subject: "Tuning the mixer", day: 0},
		{id: "a@x", subject: "Re: Tuning the mixer", day: 2},                                 // joins by subject
		{id: "late@x", subject: "Re: Tuning the mixer", day: 2 + 31},                         // beyond the window of both
		{id: "new@x", subject: "Tuning the mixer", day: 3},                                   // not a reply: its own thread
		{id: "ref@x", subject: "Re: something else", refs: []string{"q@x"}, day: 4},          // references win
		{id: "other@x", subject: "Re: Tuning the mixer again", day: 1},                       // another subject
		{id: "fwd@x", subject: "Fwd: Tuning the mixer", day: 5},                              // a forward is not a reply
		{id: "rere@x", subject: "Re: Re: Tuning the mixer", day: 6, body: "twice"},           // markers stripped
		{id: "ghosted@x", subject: "Re: Tuning the mixer", refs: []string{"gone@x"}, day: 7}, // has references: no fallback
	})
	th := func(id string) string { return got[id][0].ThreadID }
	if th("a@x") != th("q@x") {
		t.Errorf("a Re: within the window: thread %q, want %q", th("a@x"), th("q@x"))
	}
	if th("ref@x") != th("q@x") {
		t.Errorf("references: thread %q, want %q", th("ref@x"), th("q@x"))
	}
	for _, id := range []string{"late@x", "new@x", "other@x", "fwd@x", "ghosted@x"} {
		if th(id) == th("q@x") {
			t.Errorf("<%s> joined the question's thread", id)
		}
	}
	// "Re: Re:" is the same subject; the latest post with it within the
	// window is the forward (day 5).
	if th("rere@x") != th("fwd@x") {
		t.Errorf("Re: Re: in thread %q, want the latest with its subject, %q", th("rere@x"), th("fwd@x"))
	}
}

// The same bytes twice are one post; different bytes under one Message-ID
// are two posts, which belong in one thread: a Message-ID names one
// message, and a reply to it cannot be threaded with only one copy.
func TestArchiveDuplicateMessageID(t *testing.T) { backends(t, testArchiveDuplicateMessageID) }

func testArchiveDuplicateMessageID(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	ctx := context.Background()
	start := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	p, raw := tpost{id: "dup@x", refs: []string{"ghost-1@x"}}.archived(l.ID, start)
	if made, err := s.ArchivePut(ctx, p, raw); err != nil || !made {
		t.Fatalf("first copy: %v %v", made, err)
	}
	p, raw = tpost{id: "dup@x", refs: []string{"ghost-1@x"}}.archived(l.ID, start)
	if made, err := s.ArchivePut(ctx, p, raw); err != nil || made {
		t.Fatalf("the same bytes again: made %v, %v", made, err)
	}
	got := put(t, s, l, []tpost{{id: "dup@x", refs: []string{"ghost-2@x"}, body: "resent by the bug tracker"}})
	if len(got["dup@x"]) != 2 {
		t.Fatalf("%d posts with <dup@x>, want 2", len(got["dup@x"]))
	}
	t.Run("one thread", func(t *testing.T) {
		if a, b := got["dup@x"][0].ThreadID, got["dup@x"][1].ThreadID; a != b {
			t.Errorf("the two <dup@x> are in threads %q and %q", a, b)
		}
	})
}
