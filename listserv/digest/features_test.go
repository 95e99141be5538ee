package digest

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"

	"praxis/archive"
	"praxis/archive/learn"
	"praxis/listserv/store"
)

// TestFeaturesKeptAtArchive: a summary reads what each post contributes
// (its own text, terms and judgements) as archiving worked it out, and
// reads the same as when it works everything out from the posts' bytes,
// as it does for an archive made before features were kept (or by older
// rules); it then keeps them, so the next summary reads rows again.
func TestFeaturesKeptAtArchive(t *testing.T) {
	st, l := usrp(t)
	ctx := context.Background()
	start, posts, err := st.ArchiveBusiestWeek(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	end := start.AddDate(0, 0, 7)
	// Read from the kept rows alone: no post's bytes are asked for (a
	// post whose features Load failed to ask for would be worked out from
	// them, and read the same).
	raws := &rawCounter{Store: st}
	kept, err := Load(ctx, raws, l.ID, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if n := raws.n.Load(); n != 0 {
		t.Errorf("Load read the bytes of %d posts whose features were kept", n)
	}
	// The same for a week that revives a thread older than the Recent
	// days, whose earlier posts Load asks for after its walk.
	revived := false
	for w := 1; w < 80 && !revived; w++ {
		s, e := start.AddDate(0, 0, 7*w), start.AddDate(0, 0, 7*w+7)
		p, err := Load(ctx, raws, l.ID, s, e)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.Posts {
			revived = revived || q.Date.Before(e.Add(-Recent))
		}
	}
	if !revived {
		t.Error("no week of the archive revives a thread older than the Recent days")
	}
	if n := raws.n.Load(); n != 0 {
		t.Errorf("Load read the bytes of %d posts whose features were kept", n)
	}
	var ids []int64
	linked := 0
	for _, q := range kept.Posts {
		ids = append(ids, q.ID)
		if q.Features == 0 {
			t.Fatalf("post %s loaded without its features", q.MessageID)
		}
		// The links kept are those the summary's resources would find.
		if want := archive.Links(q.Body); q.Links == nil || !slices.Equal(q.Links, want) {
			t.Fatalf("post %s loaded with links %q, its text shares %q", q.MessageID, q.Links, want)
		}
		if len(q.Links) > 0 {
			linked++
		}
	}
	if linked == 0 {
		t.Fatal("no post of the busiest week was loaded with a link")
	}
	if len(kept.Posts) < posts {
		t.Fatalf("%d posts loaded, fewer than the week's %d", len(kept.Posts), posts)
	}

	// Every row gone, as in an archive of before 0029: the same period,
	// worked out from the bytes.
	res, err := st.DB().Exec(`DELETE FROM post_features`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n < int64(len(ids)) {
		t.Fatalf("%d feature rows deleted, fewer than the %d posts loaded", n, len(ids))
	}
	// Nor packs of its days (0041), which hold the features too.
	forgetPacks(t, st)
	worked, err := Load(ctx, st, l.ID, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if len(worked.Posts) != len(kept.Posts) {
		t.Fatalf("%d posts worked out, %d kept", len(worked.Posts), len(kept.Posts))
	}
	for i, q := range kept.Posts {
		if w := worked.Posts[i]; !reflect.DeepEqual(q, w) {
			t.Errorf("post %s read from its features differs from its bytes:\nkept   %+v\nworked %+v", q.MessageID, q, w)
		}
	}
	if !reflect.DeepEqual(kept.DF, worked.DF) {
		t.Errorf("document frequencies differ: %d docs kept, %d worked out", kept.DF.Docs, worked.DF.Docs)
	}

	// Kept again, every one by these rules.
	var n, current int
	if err := st.DB().QueryRow(`SELECT COUNT(*), COALESCE(SUM(version = ?), 0) FROM post_features`, learn.FeaturesVersion).Scan(&n, &current); err != nil {
		t.Fatal(err)
	}
	if n < len(ids) || current != n {
		t.Errorf("after the summary: %d rows (%d of version %d), want every one of the %d posts read", n, current, learn.FeaturesVersion, len(ids))
	}
	// An older version is worked out again, not read.
	if _, err := st.DB().Exec(`UPDATE post_features SET version = version - 1, flags = 0, links = ''`); err != nil {
		t.Fatal(err)
	}
	forgetPacks(t, st)
	again, err := Load(ctx, st, l.ID, start, end)
	if err != nil {
		t.Fatal(err)
	}
	for i, q := range again.Posts {
		if q.Features != kept.Posts[i].Features || !slices.Equal(q.Links, kept.Posts[i].Links) {
			t.Fatalf("post %s: features of an older version were read (%b, want %b; links %q, want %q)", q.MessageID, q.Features, kept.Posts[i].Features, q.Links, kept.Posts[i].Links)
		}
	}
}

// rawCounter is a store that counts the posts' bytes read.
type rawCounter struct {
	*store.Store
	n atomic.Int32
}

func (r *rawCounter) ArchiveRaw(ctx context.Context, hash string) ([]byte, error) {
	r.n.Add(1)
	return r.Store.ArchiveRaw(ctx, hash)
}

// forgetPacks makes st's archive one of before 0041, whose days are read
// from their rows: a change made here with SQL (features taken away) is
// not one its packs know of.
func forgetPacks(t *testing.T, st *store.Store) {
	t.Helper()
	for _, q := range []string{`DELETE FROM archive_packs`, `DELETE FROM archive_days`} {
		if _, err := st.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}
