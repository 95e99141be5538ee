package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestKeysetPagesAcrossTies: the keyset pages (ArchiveEach's pages of
// 500, the thread list's pages, a thread's neighbours) go through posts
// and threads that share a date, across a page's end, each once and in
// order, on both engines. The pages' SQL bounds the date apart from the
// tie-breaking OR so that the database seeks to it.
func TestKeysetPagesAcrossTies(t *testing.T) { backends(t, testKeysetPagesAcrossTies) }

func testKeysetPagesAcrossTies(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	ctx := context.Background()
	start := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)
	// 1,203 new threads on three days: 401 a day, so ArchiveEach's pages
	// of 500 end inside a day.
	var posts []*ArchivedPost
	var raws [][]byte
	for i := range 1203 {
		p, raw := tpost{id: fmt.Sprintf("p%04d@x", i), day: i % 3}.archived(l.ID, start)
		posts = append(posts, p)
		raws = append(raws, raw)
	}
	_, err := s.ArchivePutMany(ctx, posts, raws)
	must(t, err)

	seen := map[string]bool{}
	var prev *ArchivedPost
	must(t, s.ArchiveEach(ctx, l.ID, time.Time{}, func(p *ArchivedPost) error {
		if seen[p.MessageID] {
			t.Fatalf("ArchiveEach gave %s twice", p.MessageID)
		}
		seen[p.MessageID] = true
		if prev != nil && (p.Date.Before(prev.Date) || p.Date.Equal(prev.Date) && p.ID <= prev.ID) {
			t.Fatalf("ArchiveEach gave %s (%v #%d) after %s (%v #%d)", p.MessageID, p.Date, p.ID, prev.MessageID, prev.Date, prev.ID)
		}
		prev = p
		return nil
	}))
	if len(seen) != 1203 {
		t.Errorf("ArchiveEach gave %d posts, want 1203", len(seen))
	}

	// The thread list, newest first, 50 a page.
	threads := map[string]bool{}
	var cur ThreadCursor
	var last *ThreadSummary
	for {
		page, err := s.ArchiveThreads(ctx, l.ID, cur, 50)
		must(t, err)
		for _, th := range page {
			if threads[th.ThreadID] {
				t.Fatalf("the thread list gave %s twice", th.ThreadID)
			}
			threads[th.ThreadID] = true
			if last != nil && (th.LastDate.After(last.LastDate) || th.LastDate.Equal(last.LastDate) && th.ThreadID >= last.ThreadID) {
				t.Fatalf("the thread list gave %s after %s", th.ThreadID, last.ThreadID)
			}
			last = th
		}
		if len(page) < 50 {
			break
		}
		cur = ThreadCursor{LastDate: last.LastDate, ThreadID: last.ThreadID}
	}
	if len(threads) != 1203 {
		t.Errorf("the thread list gave %d threads, want 1203", len(threads))
	}

	// Neighbours: from the last thread of the middle day, back and on.
	middle, err := s.ArchiveThreadsStarted(ctx, l.ID, start.AddDate(0, 0, 1), start.AddDate(0, 0, 2), 1000)
	must(t, err)
	if len(middle) != 401 {
		t.Fatalf("%d threads started on the middle day, want 401", len(middle))
	}
	here := middle[200]
	prevT, nextT, err := s.ArchiveThreadNeighbours(ctx, l.ID, here.ThreadID)
	must(t, err)
	if prevT == nil || nextT == nil || prevT.ThreadID != middle[199].ThreadID || nextT.ThreadID != middle[201].ThreadID {
		t.Errorf("neighbours of %s: %v, %v; want %s and %s", here.ThreadID, prevT, nextT, middle[199].ThreadID, middle[201].ThreadID)
	}
	// Across the day's edges.
	prevT, _, err = s.ArchiveThreadNeighbours(ctx, l.ID, middle[0].ThreadID)
	must(t, err)
	if prevT == nil || !prevT.FirstDate.Equal(start) {
		t.Errorf("the thread before the middle day's first: %v, want one of the first day", prevT)
	}
	_, nextT, err = s.ArchiveThreadNeighbours(ctx, l.ID, middle[400].ThreadID)
	must(t, err)
	if nextT == nil || !nextT.FirstDate.Equal(start.AddDate(0, 0, 2)) {
		t.Errorf("the thread after the middle day's last: %v, want one of the last day", nextT)
	}
}
