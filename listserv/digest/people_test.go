package digest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"praxis/archive/learn"
	"praxis/listserv/store"
)

// memArchive is an archive in memory for Load: each post's body is its
// NormSubject field.
type memArchive struct{ posts []*store.ArchivedPost }

func (r *memArchive) ListByID(ctx context.Context, id int64) (*store.List, error) {
	return &store.List{ID: id, Address: "cop@example.org", Name: "CoP"}, nil
}
func (r *memArchive) Members(ctx context.Context, listID int64) ([]*store.Member, error) {
	return nil, nil
}
func (r *memArchive) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error {
	for _, a := range r.posts {
		if a.Date.Before(since) {
			continue
		}
		if err := f(a); err != nil {
			return err
		}
	}
	return nil
}

func (r *memArchive) ArchiveAuthors(ctx context.Context, listID int64, before time.Time) ([]store.ArchiveAuthor, error) {
	first := map[[2]string]time.Time{}
	var order [][2]string
	for _, a := range r.posts {
		k := [2]string{a.FromAddr, a.FromName}
		if !a.Date.Before(before) {
			continue
		}
		if f, ok := first[k]; !ok {
			order = append(order, k)
			first[k] = a.Date
		} else if a.Date.Before(f) {
			first[k] = a.Date
		}
	}
	var out []store.ArchiveAuthor
	for _, k := range order {
		out = append(out, store.ArchiveAuthor{Addr: k[0], Name: k[1], First: first[k]})
	}
	return out, nil
}

func (r *memArchive) ArchiveThreadPosts(ctx context.Context, listID int64, threadIDs []string, before time.Time) ([]*store.ArchivedPost, error) {
	var out []*store.ArchivedPost
	for _, a := range r.posts {
		if a.Date.Before(before) && slices.Contains(threadIDs, a.ThreadID) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (r *memArchive) ArchiveNewestDate(ctx context.Context, listID int64, before time.Time, n int) (time.Time, bool, error) {
	var ds []time.Time
	for _, a := range r.posts {
		if a.Date.Before(before) {
			ds = append(ds, a.Date)
		}
	}
	if len(ds) < n {
		return time.Time{}, false, nil
	}
	slices.SortFunc(ds, func(a, b time.Time) int { return b.Compare(a) })
	return ds[n-1], true, nil
}

// PostFeatures: none kept, so Load works them out from the bytes, as for
// an archive made before features were kept.
func (r *memArchive) PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error) {
	return nil, nil
}

// Related: none kept.
func (r *memArchive) Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]store.RelatedThread, error) {
	return nil, nil
}

func (r *memArchive) ArchiveRaw(ctx context.Context, hash string) ([]byte, error) {
	for _, a := range r.posts {
		if a.Hash == hash {
			return []byte("Content-Type: text/plain; charset=utf-8\r\nSubject: " + a.Subject + "\r\n\r\n" + a.NormSubject + "\r\n"), nil
		}
	}
	return nil, fmt.Errorf("no %s", hash)
}

// archivedPosts returns a maker of archived posts of list 1, numbered in
// the order made, whose bodies memArchive serves.
func archivedPosts() func(id, thread, parent, addr, name string, at time.Time, subject, body string) *store.ArchivedPost {
	n := 0
	return func(id, thread, parent, addr, name string, at time.Time, subject, body string) *store.ArchivedPost {
		n++
		return &store.ArchivedPost{ID: int64(n), ListID: 1, MessageID: id, Hash: id, Date: at, FromAddr: addr, FromName: name,
			Subject: subject, NormSubject: body, ThreadID: thread, ParentID: parent, Size: 100}
	}
}

// TestForgedViaNameIsNotAlias: anyone can write "Ann Smith via cop" in a
// From. Load takes such a post for Ann's only when it came from the
// list's own address (the list's rewriting); a stranger at
// mallory@evil.org who names themselves so stays a stranger: Ann's answer
// to their question is an answer, Ann is a helper, the stranger a
// first-time poster. (Found attacking issue 16's one-person-per-address.)
func TestForgedViaNameIsNotAlias(t *testing.T) {
	h := time.Hour
	mk := archivedPosts()
	old := week0.AddDate(-1, 0, 0)
	st := &memArchive{posts: []*store.ArchivedPost{
		mk("old", "old", "", "ann@x.org", "Ann Smith", old, "Hello", "Hello everyone, I work on B210 drivers."),
		mk("q", "q", "", "mallory@evil.org", "Ann Smith via cop", week0.Add(h), "B210 overflows at 20 Msps",
			"My B210 overflows at 20 Msps on USB 3. What should I tune?"),
		mk("a", "q", "q", "ann@x.org", "Ann Smith", week0.Add(5*h), "Re: B210 overflows at 20 Msps",
			"Raise recv_buff_size to 50 MB and use a USB 3 port on its own controller; the overflows come from the host buffers."),
	}}
	p, err := LoadWindow(context.Background(), st, 1, week0, week0.AddDate(0, 0, 7), 30*24*h)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range p.Posts {
		if q.FromAddr == "mallory@evil.org" && q.Who() == "ann@x.org" {
			t.Errorf("mallory@evil.org's post (From name %q) has Ann's key %q", q.FromName, q.Who())
		}
	}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org", UnansweredAfter: time.Hour})
	for _, q := range s.Unanswered {
		if q.Subject == "B210 overflows at 20 Msps" {
			t.Errorf("the question Ann answered is listed as waiting: %+v", q)
		}
	}
	found := false
	for _, hp := range s.Thanks {
		found = found || hp.Name == "Ann Smith"
	}
	if !found {
		t.Errorf("Ann, who answered, is not among the helpers: %+v", s.Thanks)
	}
	if s.Numbers.FirstTimePosters != 1 {
		t.Errorf("first-time posters: %d, want 1 (mallory)", s.Numbers.FirstTimePosters)
	}
}

// TestAliasedHelperAddress: a helper whose first counted post came
// rewritten by the list ("Ann Smith via cop" <cop@…>) and was taken for
// ann@x.org has Ann's address as Helper.Address, never the list's.
func TestAliasedHelperAddress(t *testing.T) {
	h := time.Hour
	mk := archivedPosts()
	st := &memArchive{posts: []*store.ArchivedPost{
		mk("old", "old", "", "ann@x.org", "Ann Smith", week0.AddDate(-1, 0, 0), "Hello", "Hello everyone, I work on B210 drivers."),
		mk("q", "q", "", "carol@y.org", "Carol", week0.Add(h), "B210 overflows at 20 Msps", "My B210 overflows at 20 Msps on USB 3. What should I tune?"),
		mk("a", "q", "q", "cop@example.org", "Ann Smith via cop", week0.Add(2*h), "Re: B210 overflows at 20 Msps",
			"Raise recv_buff_size to 50 MB and use a USB 3 port on its own controller; the overflows come from the host buffers."),
	}}
	p, err := LoadWindow(context.Background(), st, 1, week0, week0.AddDate(0, 0, 7), 30*24*h)
	if err != nil {
		t.Fatal(err)
	}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	for _, hp := range s.Thanks {
		if hp.Address == "cop@example.org" {
			t.Errorf("helper %q has the list's address %q", hp.Name, hp.Address)
		}
	}
}

// TestStrayThreadInSummary: a reply sent without reply headers ("Re: …",
// a thread of its own in the archive) is read as part of the question's
// conversation: its author, who answered, is a helper, and the stray
// thread, when featured, shows the question's asker, never its own author
// as asker and answerer of their own post.
func TestStrayThreadInSummary(t *testing.T) {
	h := time.Hour
	p := &Period{List: List{Address: "cop@example.org"}, Start: week0, End: week0.AddDate(0, 0, 7), FirstPost: map[string]time.Time{}, Posts: []*learn.Post{
		post("q@x", "q@x", "", "ann@x.org", 1*h, "B210 overflow at 20 Msps", "My B210 overflows at 20 Msps, what should I tune?"),
		post("s@x", "s@x", "", "bob@x.org", 3*h, "Re: B210 overflow at 20 Msps",
			"Use a USB 3 port on its own controller and raise recv_buff_size to 50 MB.\nThe overflows come from the host side buffers, not from the B210."),
		post("s2@x", "s@x", "s@x", "cat@x.org", 4*h, "Re: B210 overflow at 20 Msps", "Bob is right, the buffer size matters most on Linux hosts and the USB controller too."),
		post("s3@x", "s@x", "s@x", "dan@x.org", 5*h, "Re: B210 overflow at 20 Msps", "Agreed, a dedicated controller made the difference for our B210 setups here."),
	}}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	bob := false
	for _, hp := range s.Thanks {
		bob = bob || hp.Name == "Bob"
	}
	if !bob {
		t.Errorf("Bob, whose answer is the question's first reply, is no helper: %+v", s.Thanks)
	}
	for _, tt := range s.Top {
		if tt.Answer != nil && tt.Answer.By == tt.Asker {
			t.Errorf("featured thread %q: asked by %s and answered by %s (%s)", tt.Subject, tt.Asker, tt.Answer.By, tt.Answer.MessageID)
		}
	}
}

// TestStrayThanks: an answer and its confirmation sent in the period
// without reply headers, to a question asked before it, are thanks to
// the one who answered, though the question's own thread has no post
// in the period (the topic starts there; learn joins the stray thread
// to it).
func TestStrayThanks(t *testing.T) {
	h := time.Hour
	p := &Period{List: List{Address: "cop@example.org"}, Start: week0, End: week0.AddDate(0, 0, 7), FirstPost: map[string]time.Time{}, Posts: []*learn.Post{
		post("q@x", "q@x", "", "ann@x.org", -48*h, "B210 overflow at 20 Msps", "My B210 overflows at 20 Msps, what should I tune?"),
		post("s@x", "s@x", "", "bob@x.org", 3*h, "Re: B210 overflow at 20 Msps",
			"Use a USB 3 port on its own controller and raise recv_buff_size to 50 MB.\nThe overflows come from the host side buffers, not from the B210."),
		post("s2@x", "s@x", "s@x", "ann@x.org", 5*h, "Re: B210 overflow at 20 Msps", "Thanks, that worked! The overflows are gone at 20 Msps."),
	}}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	var bob *Helper
	for i, hp := range s.Thanks {
		if hp.Name == "Bob" {
			bob = &s.Thanks[i]
		}
	}
	if bob == nil || bob.Thanked != 1 || bob.Threads != 2 || len(bob.For) != 2 {
		t.Errorf("Bob, whose answer Ann confirmed: %+v, want thanked once, for the two threads", bob)
	}
}
