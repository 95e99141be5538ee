package digest

import (
	"context"
	"slices"
	"testing"
	"time"

	"praxis/archive/learn"
	"praxis/listserv/store"
)

// rowsOnly is a store whose days are not packed (an archive made before
// 0041, or a Reader of another kind): Load walks its rows.
type rowsOnly struct{ Reader }

// rowsCounted is the store, counting the posts Load takes from its rows
// (its walks'), not from its packs.
type rowsCounted struct {
	*store.Store
	posts int
}

func (r *rowsCounted) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error {
	return r.Store.ArchiveEach(ctx, listID, since, r.count(f))
}

func (r *rowsCounted) ArchiveBetween(ctx context.Context, listID int64, since, before time.Time, f func(*store.ArchivedPost) error) error {
	return r.Store.ArchiveBetween(ctx, listID, since, before, r.count(f))
}

func (r *rowsCounted) count(f func(*store.ArchivedPost) error) func(*store.ArchivedPost) error {
	return func(a *store.ArchivedPost) error {
		err := f(a)
		if err == nil {
			r.posts++ // taken, not the one past the walk's end
		}
		return err
	}
}

// TestPacksReadAsRows: a summary read from the days' packs is the
// summary read from the rows, byte for byte, on every labelled week of
// the usrp archive; and once a week is read, its days with posts are
// packed, and the next read of it takes no post from the rows.
func TestPacksReadAsRows(t *testing.T) {
	st, l := usrp(t)
	weeks, err := ReadLabels(learn.EvalSet, learn.EvalDir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	opts := Options{BaseURL: "https://x.org", Member: &Member{Address: "m@x.org", Expertise: []string{"rfnoc", "fpga"}}}
	packedDays := 0
	// As an archive of before 0041: every day read from its rows first,
	// then packed by the summary that read it.
	forgetPacks(t, st)
	for _, w := range weeks {
		start, err := w.Start()
		if err != nil {
			t.Fatal(err)
		}
		end := start.AddDate(0, 0, 7)
		render := func(r Reader) string {
			t.Helper()
			p, err := Load(ctx, r, l.ID, start, end)
			if err != nil {
				t.Fatal(err)
			}
			txt, err := RenderText(Summarize(p, opts))
			if err != nil {
				t.Fatal(err)
			}
			return txt
		}
		// Twice: the first reads the days from the rows and packs
		// them (a week's Recent days overlap the week before's), the
		// second reads the packs.
		counted := &rowsCounted{Store: st}
		packed, again, rows := render(st), render(counted), render(rowsOnly{st})
		if packed != rows || again != rows {
			t.Errorf("week %s: the summary from the packs differs from the rows':\n%s\n---\n%s", w.Week, packed, rows)
		}
		// The second read took no post from the rows: its days with
		// posts were packed by the first.
		if counted.posts > 0 {
			t.Errorf("week %s: the second summary read %d posts from the rows, not from the packs", w.Week, counted.posts)
		}
		ps, unpacked, err := st.ArchivePacked(ctx, l.ID, end.Add(-Recent), end)
		if err != nil {
			t.Fatal(err)
		}
		// Days without posts are left unknown (their walk finds nothing);
		// every day with posts is packed.
		for _, d := range unpacked {
			day := time.Unix(d*86400, 0).UTC()
			n := 0
			if err := st.ArchiveEach(ctx, l.ID, day, func(a *store.ArchivedPost) error {
				if a.Date.Before(day.AddDate(0, 0, 1)) {
					n++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				t.Errorf("week %s: day %s with %d posts still unpacked after a summary read it", w.Week, day.Format("2006-01-02"), n)
			}
		}
		if len(ps) > 0 {
			packedDays++
		}
	}
	if packedDays < len(weeks)*9/10 {
		t.Errorf("only %d of %d weeks read posts from packs", packedDays, len(weeks))
	}
}

// relatedArchive keeps related threads for some threads, and tells which
// threads Load asked for.
type relatedArchive struct {
	*memArchive
	kept  map[string][]store.RelatedThread
	asked []string
}

func (r *relatedArchive) Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]store.RelatedThread, error) {
	r.asked = append(r.asked, threadIDs...)
	out := map[string][]store.RelatedThread{}
	for _, id := range threadIDs {
		if rs, ok := r.kept[id]; ok {
			out[id] = rs
		}
	}
	return out, nil
}

// TestLoadReadsRelatedOfTheRecentQuestions: the related threads are
// asked for the threads opened in the Recent days (read beside the rest
// of the load), not for replies nor for older threads, and reach the
// period.
func TestLoadReadsRelatedOfTheRecentQuestions(t *testing.T) {
	mk := archivedPosts()
	h := time.Hour
	old := week0.AddDate(0, 0, -40)
	st := &relatedArchive{memArchive: &memArchive{posts: []*store.ArchivedPost{
		mk("old", "old", "", "ann@x.org", "Ann", old, "B210 drift", "How do I stop the B210 drifting?"),
		mk("q", "q", "", "bob@x.org", "Bob", week0.Add(h), "X310 timeouts", "My X310 times out at 200 Msps. Any idea?"),
		mk("r", "q", "q", "ann@x.org", "Ann", week0.Add(2*h), "Re: X310 timeouts", "Check the MTU."),
		mk("late", "old", "old", "bob@x.org", "Bob", week0.Add(3*h), "Re: B210 drift", "Use a GPSDO."),
	}}, kept: map[string][]store.RelatedThread{
		"q": {{ThreadID: "old", Subject: "B210 drift", Date: old, Posts: 2}},
	}}
	p, err := Load(context.Background(), st, 1, week0, week0.AddDate(0, 0, 7))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.asked, []string{"q"}) {
		t.Errorf("related threads asked for %v, want [q]", st.asked)
	}
	if got := p.Related["q"]; len(got) != 1 || got[0].ThreadID != "old" || got[0].Posts != 2 {
		t.Errorf("the period's related threads of q: %+v", got)
	}
}

// rowsSeen is the store, counting every post its walks hand Load, those
// past a walk's end too, and whether it walked with ArchiveEach.
type rowsSeen struct {
	*store.Store
	seen int
	each bool
}

func (r *rowsSeen) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error {
	r.each = true
	return r.Store.ArchiveEach(ctx, listID, since, func(a *store.ArchivedPost) error { r.seen++; return f(a) })
}

func (r *rowsSeen) ArchiveBetween(ctx context.Context, listID int64, since, before time.Time, f func(*store.ArchivedPost) error) error {
	return r.Store.ArchiveBetween(ctx, listID, since, before, func(a *store.ArchivedPost) error { r.seen++; return f(a) })
}

// TestWalkStopsAtItsEnd: the days a summary reads from the rows are
// walked with their end bound (ArchiveBetween), so a day with no posts
// reads none of the posts after it. ArchiveEach reads a page of them
// and hands over the first: a summary of a busy list read 500 rows for
// each day of its four weeks with no post.
func TestWalkStopsAtItsEnd(t *testing.T) {
	st, l := usrp(t)
	ctx := context.Background()
	forgetPacks(t, st)
	// 2020-07-11 and 2020-07-19 have no post; the days after them have.
	start := time.Date(2020, 7, 11, 0, 0, 0, 0, time.UTC)
	for _, day := range []time.Time{start, start.AddDate(0, 0, 8)} {
		if n, err := st.ArchiveCountBetween(ctx, l.ID, day, day.AddDate(0, 0, 1)); err != nil || n != 0 {
			t.Fatalf("%s: %d posts, %v; the test wants a day with none", day.Format(time.DateOnly), n, err)
		}
	}
	seen := &rowsSeen{Store: st}
	// A period of one empty day: its Recent days before it are read too,
	// and end at its start.
	p, err := Load(ctx, seen, l.ID, start, start.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if seen.each {
		t.Error("Load walked with ArchiveEach, not ArchiveBetween")
	}
	if seen.seen != len(p.Posts) {
		t.Errorf("the walks handed Load %d posts for the %d it read: they read past their end", seen.seen, len(p.Posts))
	}
	// A digest's messages of that day: none, and none read past it.
	seen = &rowsSeen{Store: st}
	if raws, err := Messages(ctx, seen, l.ID, start, start.AddDate(0, 0, 1)); err != nil || len(raws) != 0 || seen.seen != 0 || seen.each {
		t.Errorf("Messages of a day with no posts: %d, %v; %d posts handed over, ArchiveEach %v", len(raws), err, seen.seen, seen.each)
	}
}
