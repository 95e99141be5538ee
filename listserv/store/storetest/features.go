package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/listserv/store"
)

// postFeaturesKept: the features of a post (its links too, each as it
// was, a no-break space in one included) are kept
// beside it when it is archived (text that is not UTF-8 or holds a NUL kept as valid text on
// either engine), read with or without the text, replaced when worked out
// again, never kept for a post not in the archive or removed from it, and
// gone with a removed post.
func postFeaturesKept(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "feat@example.org")
	d0 := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	own := "Raise recv_buff_size — it fixed my B210 ü"
	put := func(id string, f *store.PostFeatures) *store.ArchivedPost {
		t.Helper()
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: a@example.net\r\nSubject: s\r\n\r\nbody of " + id + "\r\n")
		p := &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: "a@example.net", Date: d0, Features: f}
		_, err := s.ArchivePut(ctx, p, raw)
		must(t, err)
		return p
	}
	with := put("with@x", &store.PostFeatures{Version: 1, Own: own + "\x00\xff", Terms: []string{"rais", "b210", "ü"}, Flags: 1<<31 | 5, Links: []string{"https://files.ettus.com/manual/page_usrp_b200.html", "https://example.org/ü", "https://wiki.example.org/B210\u00a0notes"}})
	without := put("without@x", nil)
	leak := put("leak@x", &store.PostFeatures{Version: 1, Own: "my password is hunter2", Terms: []string{"password"}, Flags: 1 << 31})

	got, err := s.PostFeatures(ctx, []int64{with.ID, without.ID, leak.ID, 1 << 40}, true)
	must(t, err)
	if f := got[with.ID]; f == nil || f.Version != 1 || f.Own != own+"\uFFFD" || !slices.Equal(f.Terms, []string{"rais", "b210", "ü"}) || f.Flags != 1<<31|5 ||
		!slices.Equal(f.Links, []string{"https://files.ettus.com/manual/page_usrp_b200.html", "https://example.org/ü", "https://wiki.example.org/B210\u00a0notes"}) {
		t.Errorf("PostFeatures of a post archived with them: %+v", f)
	}
	if len(got) != 2 || got[without.ID] != nil {
		t.Errorf("PostFeatures found %d posts, want the two archived with features", len(got))
	}
	got, err = s.PostFeatures(ctx, []int64{with.ID}, false)
	must(t, err)
	if f := got[with.ID]; f == nil || f.Own != "" || len(f.Terms) != 3 || len(f.Links) != 0 {
		t.Errorf("PostFeatures without text: %+v", f)
	}

	// Worked out later: for the post archived without (kept), the post
	// archived with (replaced), and ids of no post (not kept).
	must(t, s.PutPostFeatures(ctx, map[int64]*store.PostFeatures{
		without.ID: {Version: 2, Own: "later", Terms: []string{"later"}, Flags: 1 << 31},
		with.ID:    {Version: 2, Own: "again", Terms: nil, Flags: 1 << 31, Links: []string{"https://example.org/again"}},
		1 << 40:    {Version: 2, Own: "nobody's", Flags: 1 << 31},
	}))
	got, err = s.PostFeatures(ctx, []int64{with.ID, without.ID, 1 << 40}, true)
	must(t, err)
	if f := got[without.ID]; f == nil || f.Version != 2 || f.Own != "later" || len(f.Links) != 0 {
		t.Errorf("PutPostFeatures of a post without: %+v", f)
	}
	if f := got[with.ID]; f == nil || f.Version != 2 || f.Own != "again" || len(f.Terms) != 0 || !slices.Equal(f.Links, []string{"https://example.org/again"}) {
		t.Errorf("PutPostFeatures replacing: %+v", f)
	}
	if got[1<<40] != nil {
		t.Error("PutPostFeatures kept features of a post not in the archive")
	}

	// Many ids at once (more than one read's batch).
	ids := []int64{with.ID}
	for i := int64(0); i < 2500; i++ {
		ids = append(ids, 1<<40+i)
	}
	ids = append(ids, without.ID)
	got, err = s.PostFeatures(ctx, ids, false)
	must(t, err)
	if len(got) != 2 {
		t.Errorf("PostFeatures of 2,502 ids: %d found, want 2", len(got))
	}

	// A removed post's text goes with it, and a summary that worked it
	// out before the removal does not bring it back.
	if n, err := s.ArchiveRemove(ctx, store.Removal{ListID: l.ID, MessageID: "leak@x", By: "test"}); err != nil || n != 1 {
		t.Fatalf("ArchiveRemove: %d, %v", n, err)
	}
	must(t, s.PutPostFeatures(ctx, map[int64]*store.PostFeatures{leak.ID: {Version: 1, Own: "my password is hunter2", Flags: 1 << 31}}))
	got, err = s.PostFeatures(ctx, []int64{leak.ID}, true)
	must(t, err)
	if f := got[leak.ID]; f != nil && strings.Contains(f.Own, "hunter2") {
		t.Error("a removed post's features are still kept")
	}
}
