package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/listserv/store"
)

// archivePacksHoldTheDays: the packs of a list's days (0041) hold what
// its rows and kept features say, through archiving, threads merged,
// features kept again and removals; a day they no longer hold is said to
// be unpacked until packed again.
func archivePacksHoldTheDays(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "packs@example.org")
	other := newList(t, s, "other@example.org")
	d0 := time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)
	post := func(list *store.List, id string, at time.Time, refs ...string) (*store.ArchivedPost, []byte) {
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: Ann <ann@example.net>\r\nSubject: s " + id + "\r\n\r\nbody of " + id + "\r\n")
		return &store.ArchivedPost{ListID: list.ID, MessageID: id, Subject: "s " + id, FromAddr: "ann@example.net", FromName: "Ann", Date: at, Refs: refs,
			IsReply: len(refs) > 0, Attachments: []string{"a.txt"},
			Features: &store.PostFeatures{Version: 7, Own: "body of " + id, Terms: []string{"bodi", id}, Flags: 3, Links: []string{"https://example.org/" + id}}}, raw
	}
	putMany := func(ps ...func() (*store.ArchivedPost, []byte)) []*store.ArchivedPost {
		t.Helper()
		var posts []*store.ArchivedPost
		var raws [][]byte
		for _, f := range ps {
			p, raw := f()
			posts, raws = append(posts, p), append(raws, raw)
		}
		_, err := s.ArchivePutMany(ctx, posts, raws)
		must(t, err)
		return posts
	}
	at := func(list *store.List, id string, when time.Time, refs ...string) func() (*store.ArchivedPost, []byte) {
		return func() (*store.ArchivedPost, []byte) { return post(list, id, when, refs...) }
	}
	day := func(n int) time.Time { return d0.AddDate(0, 0, n) }
	from, end := d0.Truncate(24*time.Hour), d0.Truncate(24*time.Hour).AddDate(0, 0, 4)

	// The rows' account of [from, end), as packs must give it.
	rowsSay := func(list *store.List) string {
		t.Helper()
		var ps []*store.ArchivedPost
		must(t, s.ArchiveEach(ctx, list.ID, from, func(p *store.ArchivedPost) error {
			if p.Date.Before(end) {
				ps = append(ps, p)
			}
			return nil
		}))
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		fs, err := s.PostFeatures(ctx, ids, true)
		must(t, err)
		var b strings.Builder
		for _, p := range ps {
			b.WriteString(describe(store.PackedPost{ArchivedPost: p, Features: fs[p.ID]}))
		}
		return b.String()
	}
	// The packs' account, with the days they do not hold read from the
	// rows; and which days those were.
	packsSay := func(list *store.List) (string, []int64) {
		t.Helper()
		ps, unpacked, err := s.ArchivePacked(ctx, list.ID, from, end)
		must(t, err)
		for _, d := range unpacked {
			start := time.Unix(d*86400, 0).UTC()
			var got []*store.ArchivedPost
			must(t, s.ArchiveEach(ctx, list.ID, start, func(p *store.ArchivedPost) error {
				if p.Date.Before(start.AddDate(0, 0, 1)) && p.Date.Before(end) {
					got = append(got, p)
				}
				return nil
			}))
			ids := make([]int64, len(got))
			for i, p := range got {
				ids[i] = p.ID
			}
			fs, err := s.PostFeatures(ctx, ids, true)
			must(t, err)
			for _, p := range got {
				ps = append(ps, store.PackedPost{ArchivedPost: p, Features: fs[p.ID]})
			}
		}
		slices.SortFunc(ps, func(a, b store.PackedPost) int {
			if c := a.Date.Compare(b.Date); c != 0 {
				return c
			}
			return int(a.ID - b.ID)
		})
		var b strings.Builder
		for _, p := range ps {
			b.WriteString(describe(p))
		}
		return b.String(), unpacked
	}
	check := func(step string, list *store.List, wantUnpacked ...time.Time) {
		t.Helper()
		got, unpacked := packsSay(list)
		if want := rowsSay(list); got != want {
			t.Errorf("%s: the packs say\n%s\nthe rows\n%s", step, got, want)
		}
		var want []int64
		for _, d := range wantUnpacked {
			want = append(want, store.Day(d))
		}
		if !slices.Equal(unpacked, want) {
			t.Errorf("%s: unpacked days %v, want %v", step, unpacked, want)
		}
	}
	repack := func(list *store.List, days ...time.Time) {
		t.Helper()
		for _, d := range days {
			must(t, s.PackArchiveDay(ctx, list.ID, store.Day(d)))
		}
	}

	// Days with no row yet are not known (an archive made before 0041).
	check("nothing archived", l, day(0), day(1), day(2), day(3))
	repack(l, day(0), day(1), day(2), day(3))
	check("empty days packed", l)

	// One batch over three days, with a reply to a post not archived
	// (its thread is the parent's id), another list's post on day 0.
	putMany(at(l, "a@x", day(0)), at(l, "b@x", day(0).Add(time.Hour), "a@x"), at(l, "c@x", day(1)), at(l, "orphan@x", day(1).Add(time.Minute), "ghost@x"),
		at(other, "o@x", day(0)), at(l, "d@x", day(2)))
	check("a batch archived", l)
	check("the other list", other, day(1), day(2), day(3))

	// A batch whose last post joins a thread made earlier in the batch
	// with one made in an earlier batch (day 1's orphan): the earlier
	// batch's day is left to the rows, the new posts are packed in their
	// thread of now.
	putMany(at(l, "e@x", day(3), "ghost2@x"), at(l, "f@x", day(3).Add(time.Hour), "ghost@x", "ghost2@x"))
	got, _ := packsSay(l)
	if !strings.Contains(got, "e@x in ghost@x") && !strings.Contains(got, "e@x in ghost2@x") {
		t.Fatalf("e@x's thread: %s", got)
	}
	check("a thread made in the batch merged", l)
	// A later post that names an older thread and day 1's orphan: the
	// orphan's thread (with e@x and f@x) moves into the older one, and the
	// days of the posts moved are packed again with it.
	putMany(at(l, "m@x", day(3).Add(2*time.Hour)))
	putMany(at(l, "n@x", day(3).Add(3*time.Hour), "m@x", "orphan@x"))
	if got, _ := packsSay(l); !strings.Contains(got, "orphan@x in m@x") {
		t.Fatalf("the orphan's thread: %s", got)
	}
	check("an older thread merged", l)

	// One post at a time, as serve archives: each adds a pack.
	for i := range 3 {
		p, raw := post(l, fmt.Sprintf("g%d@x", i), day(2).Add(time.Duration(i+1)*time.Hour), "d@x")
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
	}
	check("posts one by one", l)

	// Features kept again: their day is packed again.
	var c *store.ArchivedPost
	must(t, s.ArchiveEach(ctx, l.ID, day(1), func(p *store.ArchivedPost) error {
		if p.MessageID == "c@x" {
			c = p
		}
		return nil
	}))
	must(t, s.PutPostFeatures(ctx, map[int64]*store.PostFeatures{c.ID: {Version: 8, Own: "new words", Terms: []string{"word"}, Flags: 5}}))
	check("features kept again", l)

	// A removal: gone from the day's packs, and from its count.
	_, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: "d@x", By: "admin", Reason: "a password"})
	must(t, err)
	check("a post removed", l)
	// Packed again from the rows, as a day not known is: the same.
	repack(l, day(2))
	check("packed again", l)
	if got, _ := packsSay(l); strings.Contains(got, " d@x in ") {
		t.Errorf("a removed post is in the packs: %s", got)
	}
	// And a post archived after that.
	putMany(at(l, "h@x", day(2).Add(30*time.Minute)))
	check("archived after a repack", l)

	// A period that starts and ends within days.
	ps, _, err := s.ArchivePacked(ctx, l.ID, day(0).Add(30*time.Minute), day(2).Add(90*time.Minute))
	must(t, err)
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.MessageID)
	}
	if want := []string{"b@x", "c@x", "orphan@x", "h@x", "g0@x"}; !slices.Equal(ids, want) {
		t.Errorf("posts of part of the days: %v, want %v", ids, want)
	}
}

// describe is what a test compares of a packed post.
func describe(p store.PackedPost) string {
	s := fmt.Sprintf("%d %s in %s (parent %q) %s by %s <%s> %q %d bytes %v hash %s", p.ID, p.MessageID, p.ThreadID, p.ParentID, p.Date.Format(time.RFC3339),
		p.FromName, p.FromAddr, p.Subject, p.Size, p.Attachments, p.Hash)
	if f := p.Features; f != nil {
		s += fmt.Sprintf(" features v%d %x %q %v %v", f.Version, f.Flags, f.Own, f.TermList(), f.Links)
	}
	return s + "\n"
}
