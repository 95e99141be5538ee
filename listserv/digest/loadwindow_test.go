package digest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

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

// failingFeatures is an archive whose reads of kept features fail from
// the n-th on (a database gone mid-walk).
type failingFeatures struct {
	*memArchive
	calls, n atomic.Int32
}

var errFeaturesGone = errors.New("features gone")

func (f *failingFeatures) PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error) {
	if f.calls.Add(1) >= f.n.Load() {
		return nil, errFeaturesGone
	}
	return f.memArchive.PostFeatures(ctx, ids, text)
}

// TestLoadFeaturesFail: the kept features are read beside the walk of
// the archive; a read that fails, first or later, fails Load with its
// error, and Load neither hangs nor leaves a read running.
func TestLoadFeaturesFail(t *testing.T) {
	mk := archivedPosts()
	var posts []*store.ArchivedPost
	for i := range 3 * walkPage {
		at := week0.AddDate(0, 0, -20).Add(time.Duration(i) * 10 * time.Minute)
		posts = append(posts, mk(fmt.Sprintf("p%d", i), fmt.Sprintf("t%d", i%40), "", "ann@x.org", "Ann", at, "B210", "A post."))
	}
	for _, n := range []int32{1, 2, 3} {
		st := &failingFeatures{memArchive: &memArchive{posts: posts}}
		st.n.Store(n)
		_, err := Load(context.Background(), st, 1, week0, week0.AddDate(0, 0, 7))
		if !errors.Is(err, errFeaturesGone) {
			t.Errorf("the %d-th read of features failing: Load gave %v, want the failure", n, err)
		}
		if c := st.calls.Load(); c < n {
			t.Errorf("the %d-th read failing: only %d reads made", n, c)
		}
	}
}
