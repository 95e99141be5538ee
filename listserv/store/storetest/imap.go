package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"praxis/listserv/store"
)

// imapArchive holds the IMAP view's reads to their meaning: a list's posts
// in id order, counted and paged without another list's posts mixed in,
// the newest id of each list, sizes kept when archived, and each member's
// flags kept apart from another member's and another list's.
func imapArchive(t *testing.T, s store.Backend) {
	ctx := context.Background()
	a := newList(t, s, "a@example.org")
	b := newList(t, s, "b@example.org")
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var ids []int64 // list a's posts, in archive order
	for i := range 7 {
		// The lists' posts interleave, so ids of a have gaps.
		for _, l := range []*store.List{a, b} {
			p, raw := archived(l, fmt.Sprintf("%d.%s", i, l.Address), "Post", "", day.Add(time.Duration(i)*time.Hour))
			if _, err := s.ArchivePut(ctx, p, raw); err != nil {
				t.Fatal(err)
			}
			if l == a {
				ids = append(ids, p.ID)
			}
		}
	}
	n, err := s.IMAPCount(ctx, a.ID)
	must(t, err)
	if n != 7 {
		t.Errorf("IMAPCount = %d, want 7", n)
	}
	if n, err := s.IMAPCountRange(ctx, a.ID, 0, ids[3]); err != nil || n != 4 {
		t.Errorf("IMAPCountRange(0, 4th id) = %d, %v; want 4", n, err)
	}
	if n, err := s.IMAPCountRange(ctx, a.ID, ids[1], ids[5]); err != nil || n != 4 {
		t.Errorf("IMAPCountRange(2nd, 6th) = %d, %v; want 4", n, err)
	}
	page, err := s.IMAPIDs(ctx, a.ID, ids[0], ids[6], 3)
	must(t, err)
	if !slices.Equal(page, ids[1:4]) {
		t.Errorf("IMAPIDs page = %v, want %v", page, ids[1:4])
	}
	// Ranks between a's 2nd post, b's post after it (not a's), a's 5th
	// and a's 7th: sequence numbers 2, -, 5, 7 when summed.
	counts, have, err := s.IMAPRanks(ctx, a.ID, 0, []int64{ids[1], ids[1] + 1, ids[4], ids[6]})
	must(t, err)
	if !slices.Equal(counts, []int{2, 0, 3, 2}) || !slices.Equal(have, []bool{true, false, true, true}) {
		t.Errorf("IMAPRanks = %v %v, want [2 0 3 2] [true false true true]", counts, have)
	}
	if counts, have, err := s.IMAPRanks(ctx, a.ID, ids[4], []int64{ids[4], ids[5]}); err != nil || !slices.Equal(counts, []int{0, 1}) || !slices.Equal(have, []bool{true, true}) {
		t.Errorf("IMAPRanks after the 5th = %v %v %v, want [0 1] [true true]", counts, have, err)
	}
	if _, _, err := s.IMAPRanks(ctx, a.ID, 0, []int64{ids[2], ids[1]}); err == nil {
		t.Error("IMAPRanks took ids out of order")
	}
	for seq, want := range ids {
		got, err := s.IMAPIDAt(ctx, a.ID, 0, seq+1)
		if err != nil || got != want {
			t.Errorf("IMAPIDAt(%d) = %d, %v; want %d", seq+1, got, err, want)
		}
	}
	if _, err := s.IMAPIDAt(ctx, a.ID, 0, 8); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("IMAPIDAt past the end: %v, want ErrNotFound", err)
	}
	if got, err := s.IMAPIDAt(ctx, a.ID, ids[2], 2); err != nil || got != ids[4] {
		t.Errorf("IMAPIDAt(after the 3rd, 2) = %d, %v; want %d", got, err, ids[4])
	}
	if _, err := s.IMAPIDAt(ctx, a.ID, ids[5], 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("IMAPIDAt past the end after the 6th: %v, want ErrNotFound", err)
	}
	empty := newList(t, s, "empty@example.org")
	maxes, err := s.IMAPMaxIDs(ctx)
	must(t, err)
	if maxes[a.ID] != ids[6] || maxes[b.ID] != ids[6]+1 {
		t.Errorf("IMAPMaxIDs = %v, want a %d, b %d", maxes, ids[6], ids[6]+1)
	}
	if _, ok := maxes[empty.ID]; ok {
		t.Errorf("IMAPMaxIDs has the empty list: %v", maxes)
	}

	// Posts by id: another list's ids are left out.
	posts, err := s.IMAPPosts(ctx, a.ID, []int64{ids[2], ids[0], ids[0] + 1})
	must(t, err)
	if len(posts) != 2 || posts[0].ID != ids[0] || posts[1].ID != ids[2] || posts[0].Hash == "" || !posts[0].Date.Equal(day) {
		t.Fatalf("IMAPPosts = %+v", posts)
	}
	imapSizes(t, s, b)

	// Header blocks by blob hash: ArchivePut keeps each post's.
	hash := posts[0].Hash
	raw, err := s.ArchiveRaw(ctx, hash)
	must(t, err)
	heads, err := s.IMAPHeaders(ctx, []string{hash, "no such hash"})
	must(t, err)
	if len(heads) != 1 || string(heads[hash]) != string(store.HeaderBlock(raw)) || !strings.HasSuffix(string(heads[hash]), "\n\n") && !strings.HasSuffix(string(heads[hash]), "\n\r\n") {
		t.Errorf("IMAPHeaders after ArchivePut = %q, want the header block of %q", heads, raw)
	}

	// Flags: per member and list, case-insensitive, sorted.
	got, err := s.IMAPStoreFlags(ctx, a.ID, "Ann@example.net", ids[:3], store.FlagsAdd, []string{`\Seen`, "$label1"})
	must(t, err)
	if !slices.Equal(got[ids[1]], []string{"$label1", `\Seen`}) {
		t.Errorf("after +FLAGS: %v", got)
	}
	got, err = s.IMAPStoreFlags(ctx, a.ID, "ann@example.net", ids[1:2], store.FlagsRemove, []string{"$LABEL1"})
	must(t, err)
	if !slices.Equal(got[ids[1]], []string{`\Seen`}) {
		t.Errorf("after -FLAGS: %v", got)
	}
	_, err = s.IMAPStoreFlags(ctx, a.ID, "ann@example.net", ids[2:3], store.FlagsSet, nil)
	must(t, err)
	flags, err := s.IMAPFlags(ctx, a.ID, "ANN@example.net", ids)
	must(t, err)
	want := map[int64][]string{ids[0]: {"$label1", `\Seen`}, ids[1]: {`\Seen`}}
	if len(flags) != len(want) || !slices.Equal(flags[ids[0]], want[ids[0]]) || !slices.Equal(flags[ids[1]], want[ids[1]]) {
		t.Errorf("IMAPFlags = %v, want %v", flags, want)
	}
	if other, err := s.IMAPFlags(ctx, a.ID, "bob@example.net", ids); err != nil || len(other) != 0 {
		t.Errorf("another member's flags: %v, %v", other, err)
	}
	if other, err := s.IMAPFlags(ctx, b.ID, "ann@example.net", ids); err != nil || len(other) != 0 {
		t.Errorf("another list's flags: %v, %v", other, err)
	}
	if n, err := s.IMAPSeenCount(ctx, a.ID, "ann@example.net"); err != nil || n != 2 {
		t.Errorf("IMAPSeenCount = %d, %v; want 2", n, err)
	}
	if id, err := s.IMAPFirstUnseen(ctx, a.ID, "ann@example.net"); err != nil || id != ids[2] {
		t.Errorf("IMAPFirstUnseen = %d, %v; want %d", id, err, ids[2])
	}
	if id, err := s.IMAPFirstUnseen(ctx, empty.ID, "ann@example.net"); err != nil || id != 0 {
		t.Errorf("IMAPFirstUnseen of an empty list = %d, %v", id, err)
	}

	// A list deleted takes its members' flags along: made again, it is a
	// new mailbox.
	must(t, s.DeleteList(ctx, a.Address))
	if flags, err := s.IMAPFlags(ctx, a.ID, "ann@example.net", ids); err != nil || len(flags) != 0 {
		t.Errorf("flags of a deleted list: %v, %v", flags, err)
	}
}

// imapSizes: a post put through ArchivePut or ArchivePutMany has its size
// with CRLF line ends (RFC822.SIZE) readable through IMAPPosts at once,
// whatever line ends its bytes have; the same bytes under another
// Message-ID have theirs too.
func imapSizes(t *testing.T, s store.Backend, l *store.List) {
	ctx := context.Background()
	day := time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)
	raws := [][]byte{
		[]byte("Message-ID: <lf@x>\nSubject: lf\n\nbody\nmore\n"),
		[]byte("Message-ID: <crlf@x>\r\nSubject: crlf\r\n\r\nbody\r\n"),
		[]byte("\nMessage-ID: <mixed@x>\r\nSubject: mixed\n\n\r\r\nlone\rcr\n\x00\xff\n"),
		[]byte("Message-ID: <lf@x>\nSubject: lf\n\nbody\nmore\n"), // the first one's bytes
	}
	posts := make([]*store.ArchivedPost, len(raws))
	for i := range raws {
		posts[i] = &store.ArchivedPost{ListID: l.ID, MessageID: fmt.Sprintf("size%d@x", i), Subject: "sizes", Date: day.Add(time.Duration(i) * time.Minute)}
	}
	_, err := s.ArchivePut(ctx, posts[0], raws[0])
	must(t, err)
	_, err = s.ArchivePutMany(ctx, posts[1:], raws[1:])
	must(t, err)
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	got, err := s.IMAPPosts(ctx, l.ID, ids)
	must(t, err)
	if len(got) != len(raws) {
		t.Fatalf("IMAPPosts of %d new posts gave %d", len(raws), len(got))
	}
	for i, p := range got {
		// Made the long way: every line end CRLF, a lone CR left alone.
		crlf := bytes.ReplaceAll(bytes.ReplaceAll(raws[i], []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		if p.ID != ids[i] || p.Size != int64(len(crlf)) {
			t.Errorf("post %d (%q): id %d size %d, want id %d size %d", i, raws[i], p.ID, p.Size, ids[i], len(crlf))
		}
	}
	// SEARCH LARGER and SMALLER filter on the same size, not the stored
	// one: the LF post's is 5 bytes more than its bytes.
	n := int64(len(raws[0]) + 5)
	found, err := s.IMAPSearchIDs(ctx, l.ID, &store.IMAPFilter{Larger: n - 1, Smaller: n + 1, In: ids}, 0, 10)
	must(t, err)
	if !slices.Equal(found, []int64{ids[0], ids[3]}) {
		t.Errorf("IMAPSearchIDs of size %d = %v, want %v", n, found, []int64{ids[0], ids[3]})
	}
}
