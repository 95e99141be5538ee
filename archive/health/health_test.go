package health_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"praxis/archive/health"
	"praxis/archive/learn"
	"praxis/archive/usrptest"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// TestReviewAgreesWithTheRows: for two months of the usrp archive, the
// review's figures agree with the same figures counted here, another
// way, from the store's rows: posts by date, people by author key,
// questions from each thread read whole, first answers, newcomers and
// their second posts.
func TestReviewAgreesWithTheRows(t *testing.T) {
	st, l := usrptest.Store(t)
	ctx := context.Background()
	until := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	months, err := health.Review(ctx, st, l.ID, nil, until)
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 18 || !months[0].Start.Equal(time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%d months from %v, want 18 from July 2020", len(months), months[0].Start)
	}
	var all []*store.ArchivedPost
	must(t, st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error { all = append(all, p); return nil }))
	key := func(p *store.ArchivedPost) string { return mailmsg.AuthorKey(p.FromAddr, p.FromName) }
	for _, m := range []time.Time{time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 8, 1, 0, 0, 0, 0, time.UTC)} {
		end := m.AddDate(0, 1, 0)
		in := func(d time.Time) bool { return !d.Before(m) && d.Before(end) }
		var got health.Month
		for _, mo := range months {
			if mo.Start.Equal(m) {
				got = mo
			}
		}
		posts, people := 0, map[string]bool{}
		seen := map[string]time.Time{}
		newcomers, back := 0, 0
		for _, p := range all {
			if in(p.Date) {
				posts++
				people[key(p)] = true
			}
			if _, ok := seen[key(p)]; !ok {
				seen[key(p)] = p.Date
				if in(p.Date) {
					newcomers++
					for _, q := range all {
						if key(q) == key(p) && q.ID != p.ID && q.Date.After(p.Date) && q.Date.Sub(p.Date) <= health.Returned {
							back++
							break
						}
					}
				}
			}
		}
		// Questions: each thread first posted in the month, read whole.
		questions, answered := 0, 0
		var waits []time.Duration
		roots := map[string]bool{}
		for _, p := range all {
			if !in(p.Date) || p.ParentID != "" || p.ThreadID != p.MessageID || roots[p.ThreadID] {
				continue
			}
			roots[p.ThreadID] = true
			thread, err := st.ArchiveThread(ctx, l.ID, p.ThreadID)
			must(t, err)
			if thread[0].ID != p.ID {
				continue
			}
			f, err := st.PostFeatures(ctx, []int64{p.ID}, false)
			must(t, err)
			if f[p.ID] == nil || !learn.Features(f[p.ID].Flags).Has(learn.FeatAsks) || !learn.StartsThread(p.Subject) {
				continue
			}
			questions++
			for _, q := range thread[1:] {
				if key(q) != key(p) {
					answered++
					waits = append(waits, q.Date.Sub(p.Date))
					break
				}
			}
		}
		sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
		var med time.Duration
		if n := len(waits); n > 0 {
			med = waits[n/2]
			if n%2 == 0 {
				med = (waits[n/2-1] + waits[n/2]) / 2
			}
		}
		want := health.Month{Start: m, Posts: posts, Active: len(people), Questions: questions, Answered: answered, FirstAnswer: med, Newcomers: newcomers, Back: back}
		if got.Posts != want.Posts || got.Active != want.Active || got.Questions != want.Questions || got.Answered != want.Answered ||
			got.FirstAnswer != want.FirstAnswer || got.Newcomers != want.Newcomers || got.Back != want.Back {
			t.Errorf("%s: review %+v\nrows   %+v", m.Format("2006-01"), got, want)
		}
		if got.Posts == 0 || got.Questions == 0 || len(got.Helpers) == 0 {
			t.Errorf("%s: an empty month: %+v", m.Format("2006-01"), got)
		}
		t.Logf("%s: %d posts, %d people, %d/%d questions answered, median first answer %s, %d newcomers (%d back), helpers %v, gaps %v",
			m.Format("2006-01"), got.Posts, got.Active, got.Answered, got.Questions, got.FirstAnswer.Round(time.Minute), got.Newcomers, got.Back, got.Helpers, got.Gaps)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
