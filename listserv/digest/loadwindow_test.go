package digest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/archive/learn"
	"praxis/listserv/store"
)

// TestLoadReadsWhatTheWeekNeedsOnly: Load reads from the store what a
// week's summary needs without walking the archive up to the week: a
// thread the week revives is read from its first post however old (the
// question it answers), an author's first post is known however old (no
// old-timer counted a first-time poster), and document frequencies are
// counted over the last MaxDFPosts posts before the Recent days, not the
// whole window, when the window holds more.
func TestLoadReadsWhatTheWeekNeedsOnly(t *testing.T) {
	mk := archivedPosts()
	h := time.Hour
	old := week0.AddDate(-2, 0, 0) // far before any window
	posts := []*store.ArchivedPost{
		mk("root", "t", "", "ann@x.org", "Ann", old, "B210 clock drift", "How do I stop the B210 clock drifting against GPS?"),
		mk("bob-first", "b", "", "bob@x.org", "Bob", old.Add(h), "Hello", "Hello all."),
	}
	// More posts in the window than MaxDFPosts, before the Recent days.
	busy := week0.AddDate(0, 0, -60)
	for i := range MaxDFPosts + 100 {
		posts = append(posts, mk(fmt.Sprintf("f%d", i), fmt.Sprintf("f%d", i), "", "carl@x.org", "Carl", busy.Add(time.Duration(i)*time.Minute),
			"Filler", "A filler post about nothing in particular."))
	}
	posts = append(posts,
		mk("reply", "t", "root", "bob@x.org", "Bob", week0.Add(h), "Re: B210 clock drift", "Discipline it with the 10 MHz and PPS from the GPSDO."),
	)
	st := &memArchive{posts: posts}
	p, err := Load(context.Background(), st, 1, week0, week0.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	var root bool
	for _, q := range p.Posts {
		root = root || q.MessageID == "root"
	}
	if !root {
		t.Error("the first post of a thread the week revives (two years old) was not read")
	}
	if f, ok := p.FirstPost["bob@x.org"]; !ok || !f.Equal(old.Add(h)) {
		t.Errorf("Bob's first post: %v %v, want %v", f, ok, old.Add(h))
	}
	// The last MaxDFPosts fillers and the week's reply; not the root,
	// older than the window, nor the hundred oldest fillers.
	if got, want := p.DF.Docs, MaxDFPosts+1; got != want {
		t.Errorf("document frequencies over %d posts, want %d", got, want)
	}
	s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
	if s.Numbers.FirstTimePosters != 0 {
		t.Errorf("first-time posters: %d, want 0 (Bob posted two years before)", s.Numbers.FirstTimePosters)
	}
}

// troubledArchive is an archive whose reads fail or hang, one way a
// read, as on a database that is lost mid-load: a hanging read returns
// only when its context is done. inside counts the reads running.
type troubledArchive struct {
	*memArchive
	fail, hang       map[string]bool // by method: "authors", "members", "each", "thread", "features", "related", "raw"
	failFeaturesFrom int32           // the features' reads fail from this one on (when > 0)
	// relatedAfter: the related threads' read fails only once this is
	// closed (nil: as fail and hang say): rawRead at the first read of a
	// post's bytes, featuresPut when Load keeps the features it worked
	// out (after every read but the related threads').
	relatedAfter         chan struct{}
	rawOnce, putOnce     sync.Once
	rawRead, featuresPut chan struct{}
	features, inside     atomic.Int32
}

var errGone = errors.New("database gone")

// trouble is what a read of the method named does first: fail, hang
// until ctx is done, or nothing.
func (a *troubledArchive) trouble(ctx context.Context, method string) error {
	if a.fail[method] {
		return errGone
	}
	if a.hang[method] {
		a.inside.Add(1)
		defer a.inside.Add(-1)
		<-ctx.Done()
		// Slow to notice, as a read on a lost connection is: a Load
		// that returned without waiting for it finds it still inside.
		time.Sleep(20 * time.Millisecond)
		return ctx.Err()
	}
	return nil
}

func (a *troubledArchive) ArchiveAuthors(ctx context.Context, listID int64, before time.Time) ([]store.ArchiveAuthor, error) {
	if err := a.trouble(ctx, "authors"); err != nil {
		return nil, err
	}
	return a.memArchive.ArchiveAuthors(ctx, listID, before)
}

func (a *troubledArchive) Members(ctx context.Context, listID int64) ([]*store.Member, error) {
	if err := a.trouble(ctx, "members"); err != nil {
		return nil, err
	}
	return a.memArchive.Members(ctx, listID)
}

func (a *troubledArchive) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error {
	if err := a.trouble(ctx, "each"); err != nil {
		return err
	}
	return a.memArchive.ArchiveEach(ctx, listID, since, f)
}

func (a *troubledArchive) ArchiveThreadPosts(ctx context.Context, listID int64, threadIDs []string, before time.Time) ([]*store.ArchivedPost, error) {
	if err := a.trouble(ctx, "thread"); err != nil {
		return nil, err
	}
	return a.memArchive.ArchiveThreadPosts(ctx, listID, threadIDs, before)
}

func (a *troubledArchive) Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]store.RelatedThread, error) {
	if a.relatedAfter != nil {
		select {
		case <-a.relatedAfter:
			return nil, errGone
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := a.trouble(ctx, "related"); err != nil {
		return nil, err
	}
	return a.memArchive.Related(ctx, listID, threadIDs)
}

func (a *troubledArchive) PutPostFeatures(ctx context.Context, feats map[int64]*store.PostFeatures) error {
	a.putOnce.Do(func() { close(a.featuresPut) })
	return nil
}

func (a *troubledArchive) ArchiveRaw(ctx context.Context, hash string) ([]byte, error) {
	a.rawOnce.Do(func() { close(a.rawRead) })
	if err := a.trouble(ctx, "raw"); err != nil {
		return nil, err
	}
	return a.memArchive.ArchiveRaw(ctx, hash)
}

func (a *troubledArchive) PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error) {
	if n := a.features.Add(1); a.failFeaturesFrom > 0 && n >= a.failFeaturesFrom {
		return nil, errGone
	}
	if err := a.trouble(ctx, "features"); err != nil {
		return nil, err
	}
	return a.memArchive.PostFeatures(ctx, ids, text)
}

// TestLoadFailsFast: Load reads the authors, the members, the archive's
// walk and the walk's kept features side by side. A read that fails,
// first or later, fails Load with its own error, at once: the reads
// still running (here, hanging until their context is done) are ended,
// and Load returns only when none is left running. (A read that hangs
// before any fails still hangs Load, as it did when the reads took
// turns: the walk waits for its pages' features when as many reads as
// the fetcher's limit are running, and only the caller's context ends
// that.)
func TestLoadFailsFast(t *testing.T) {
	mk := archivedPosts()
	var posts []*store.ArchivedPost
	for i := range 3*walkPage + 17 {
		at := week0.AddDate(0, 0, -20).Add(time.Duration(i) * 10 * time.Minute)
		posts = append(posts, mk(fmt.Sprintf("p%d", i), fmt.Sprintf("t%d", i%40), "", "ann@x.org", "Ann", at, "B210", "A post."))
	}
	// A reply in the week to an older thread, so that the thread's
	// earlier posts are read too.
	posts = append(posts, mk("w", "t1", "p1", "bob@x.org", "Bob", week0.Add(time.Hour), "Re: B210", "Reply."))
	set := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	for _, tc := range []struct {
		name             string
		fail, hang       map[string]bool
		failFeaturesFrom int32
	}{
		{"the first read of features fails", nil, nil, 1},
		{"the second read of features fails", nil, nil, 2},
		{"the third read of features fails", nil, nil, 3},
		{"the members fail", set("members"), nil, 0},
		{"the authors fail, the walk hangs", set("authors"), set("each"), 0},
		{"the authors fail, the features hang", set("authors"), set("features"), 0},
		{"the walk fails, the members hang", set("each"), set("members"), 0},
		{"the threads' posts fail, the members hang", set("thread"), set("members"), 0},
		// The related threads are read beside everything after the
		// walk and waited for last.
		{"the related threads fail", set("related"), nil, 0},
		{"the related threads fail, the members hang", set("related"), set("members"), 0},
		{"the posts' bytes fail, the related threads hang", set("raw"), set("related"), 0},
		{"the related threads fail while the posts' bytes hang", set("related late"), set("raw"), 0},
		{"the related threads fail after the posts are read", set("related last"), nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &troubledArchive{memArchive: &memArchive{posts: posts}, fail: tc.fail, hang: tc.hang, failFeaturesFrom: tc.failFeaturesFrom,
				rawRead: make(chan struct{}), featuresPut: make(chan struct{})}
			switch {
			case tc.fail["related late"]:
				st.relatedAfter = st.rawRead
			case tc.fail["related last"]:
				st.relatedAfter = st.featuresPut
			}
			// Cancelled by the test only if Load hangs, so as not to
			// hang the suite; Load must not need it.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := Load(ctx, st, 1, week0, week0.AddDate(0, 0, 7))
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				cancel()
				err = <-done
				t.Errorf("Load waited for a read it should have ended, until the test cancelled it")
			}
			if !errors.Is(err, errGone) {
				t.Errorf("Load gave %v, want the failure (%v)", err, errGone)
			}
			if n := st.inside.Load(); n != 0 {
				t.Errorf("%d reads still running when Load returned", n)
			}
		})
	}
}

// TestDocFreqSampled: document frequencies count MaxDFSample posts'
// terms, evenly spread, when more are read (the Recent days of a list a
// hundred times busier than usrp-users), and the sample tells the same:
// a word in a quarter of the posts is as common in it.
func TestDocFreqSampled(t *testing.T) {
	mk := archivedPosts()
	n := 2*MaxDFSample + 10
	var posts []*store.ArchivedPost
	for i := range n {
		body := "A post about the clock."
		if i%4 == 0 {
			body = "A post about the clock and the FPGA."
		}
		posts = append(posts, mk(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d", i), "", "carl@x.org", "Carl", week0.Add(time.Duration(i)*time.Second),
			"Note", body))
	}
	p, err := Load(context.Background(), &memArchive{posts: posts}, 1, week0, week0.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Posts) != n {
		t.Fatalf("%d posts read, want %d", len(p.Posts), n)
	}
	if p.DF.Docs != MaxDFSample {
		t.Errorf("document frequencies over %d posts of %d, want %d", p.DF.Docs, n, MaxDFSample)
	}
	all := learn.NewDocFreq()
	for _, q := range p.Posts {
		all.Add(q.Subject + "\n" + q.Body)
	}
	for _, w := range []string{"fpga", "clock"} {
		if got, want := p.DF.IDF(w), all.IDF(w); math.Abs(got-want) > 0.05 {
			t.Errorf("IDF(%s) %.3f in the sample, %.3f over every post", w, got, want)
		}
	}
}

// walkFrom records where Load's walks of the archive start.
type walkFrom struct {
	*memArchive
	since []time.Time
}

func (w *walkFrom) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error {
	w.since = append(w.since, since)
	return w.memArchive.ArchiveEach(ctx, listID, since, f)
}

// TestDocFreqOfTheRecentDaysAlone: when the Recent days alone hold
// MaxDFSample posts or more, Load neither walks the window before them
// nor counts its words (a list a hundred times busier than usrp-users);
// with fewer, it counts the window's too, as before.
func TestDocFreqOfTheRecentDaysAlone(t *testing.T) {
	end := week0.AddDate(0, 0, 7)
	recent := end.Add(-Recent)
	for _, tc := range []struct {
		name   string
		recent int  // posts in the Recent days
		older  bool // whether the older posts' words are counted
	}{
		{"busy", MaxDFSample, false},
		{"usual", MaxDFSample - 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mk := archivedPosts()
			var posts []*store.ArchivedPost
			for i := range 300 {
				posts = append(posts, mk(fmt.Sprintf("o%d", i), fmt.Sprintf("o%d", i), "", "carl@x.org", "Carl", recent.AddDate(0, 0, -10).Add(time.Duration(i)*time.Minute),
					"Old", "A legacy post."))
			}
			step := Recent / time.Duration(tc.recent+1)
			for i := range tc.recent {
				posts = append(posts, mk(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d", i), "", "carl@x.org", "Carl", recent.Add(time.Duration(i+1)*step),
					"Note", "A post about the clock."))
			}
			st := &walkFrom{memArchive: &memArchive{posts: posts}}
			p, err := Load(context.Background(), st, 1, week0, end)
			if err != nil {
				t.Fatal(err)
			}
			counted := p.DF.IDF("legacy") != p.DF.IDF("neverseen")
			if counted != tc.older {
				t.Errorf("the older posts' words counted: %v, want %v (IDF %.3f, unseen %.3f)", counted, tc.older, p.DF.IDF("legacy"), p.DF.IDF("neverseen"))
			}
			// Load walks the period's days, then those before it.
			if walkedOld := slices.ContainsFunc(st.since, func(s time.Time) bool { return s.Before(recent) }); walkedOld != tc.older {
				t.Errorf("walked from %v, the Recent days from %v", st.since, recent)
			}
		})
	}
}
