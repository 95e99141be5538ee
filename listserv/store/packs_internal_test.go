package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golang/snappy"

	"praxis/listserv/store/pgtest"
)

func packFixture() []byte {
	var posts []PackedPost
	for i := range 5 {
		a := &ArchivedPost{ID: int64(i + 1), MessageID: "m@x", Hash: "h", Date: time.Unix(1600000000, 0), FromAddr: "a@b", Subject: "s", Attachments: []string{"a", "b"}, ThreadID: "t"}
		posts = append(posts, PackedPost{ArchivedPost: a, Features: &PostFeatures{Version: 7, Own: "own", Terms: []string{"x", "y"}, Links: []string{"l"}}})
	}
	return encodePack(posts)
}

// TestDecodePackRoundTrip: what encodePack writes, decodePack reads; so
// are the uncompressed packs of format 1, which databases made before
// format 2 hold.
func TestDecodePackRoundTrip(t *testing.T) {
	packed := packFixture()
	if packed[0] != packFormatCompressed {
		t.Fatalf("encodePack wrote format %d", packed[0])
	}
	plain := decodePackT(t, packed)
	for _, p := range [][]PackedPost{plain, decodePackT(t, plainFixture(t, plain))} {
		if len(p) != 5 {
			t.Fatalf("%d posts", len(p))
		}
		p := p[4]
		if p.ID != 5 || p.ListID != 3 || p.MessageID != "m@x" || !p.Date.Equal(time.Unix(1600000000, 0)) || len(p.Attachments) != 2 ||
			p.Features == nil || p.Features.Own != "own" || len(p.Features.TermList()) != 2 || p.Features.Links[0] != "l" {
			t.Errorf("read back %+v %+v", p.ArchivedPost, p.Features)
		}
	}
}

func decodePackT(t *testing.T, raw []byte) []PackedPost {
	t.Helper()
	ps, err := decodePack(3, raw, -1)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// plainFixture is the posts as a pack of format 1, read back the same.
func plainFixture(t *testing.T, ps []PackedPost) []byte {
	t.Helper()
	raw := encodePlainPack(ps)
	if raw[0] != packFormat {
		t.Fatalf("encodePlainPack wrote format %d", raw[0])
	}
	return raw
}

// TestDecodePackNotItsCount: a pack whose posts are not as many as its
// row says is refused before anything is made for them. A compressed
// pack of zeros decodes to posts of 12 bytes each, 22 times its size: a
// 1 MB one claiming 1,800,000 posts (a helper's review) had 700 MB
// allocated, while its row said it held 5.
func TestDecodePackNotItsCount(t *testing.T) {
	n := 1_800_000
	plain := binary.AppendUvarint(nil, uint64(n))
	plain = append(plain, make([]byte, 12*n)...)
	raw := append([]byte{packFormatCompressed}, snappy.Encode(nil, plain)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodePack(1, raw, 5)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("a pack of 1,800,000 posts was read as its row's 5")
	}
	// The decoded bytes (22 MB) are made before the count is read.
	if got := after.TotalAlloc - before.TotalAlloc; got > 48<<20 {
		t.Errorf("%d MiB allocated for a %d KB pack", got>>20, len(raw)>>10)
	}
	if ps, err := decodePack(3, packFixture(), 4); err == nil {
		t.Errorf("a pack of 5 posts read as 4: %d posts", len(ps))
	}
	if ps, err := decodePack(3, packFixture(), 5); err != nil || len(ps) != 5 {
		t.Errorf("a pack of 5 posts read as 5: %d posts, %v", len(ps), err)
	}
}

// TestDecodePackBadLength: a compressed pack that claims to hold far more
// than snappy can make of its bytes is refused before anything is made
// for it.
func TestDecodePackBadLength(t *testing.T) {
	raw := binary.AppendUvarint([]byte{packFormatCompressed}, 1<<30)
	raw = append(raw, make([]byte, 1000)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodePack(1, raw, -1)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("a pack claiming 1 GiB in 1 KB was read")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("%d KiB allocated for a 1 KB pack", got>>10)
	}
}

// TestDecodePackBadCount: a pack that claims more posts than its bytes
// can hold is refused before anything is made for them (a 1 MiB blob
// claiming 2^20 posts had 401 MiB allocated).
func TestDecodePackBadCount(t *testing.T) {
	n := 1 << 20
	raw := binary.AppendUvarint([]byte{packFormat}, uint64(n))
	raw = append(raw, make([]byte, n)...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodePack(1, raw, -1)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Error("a pack of 2^20 posts in 1 MiB was read")
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("%d MiB allocated for a 1 MiB pack", got>>20)
	}
}

// TestDecodePackDamaged: a pack cut short, with bytes changed or added,
// is refused or read, never a panic.
func TestDecodePackDamaged(t *testing.T) {
	packed := packFixture()
	plain := encodePlainPack(decodePackT(t, packed))
	r := rand.New(rand.NewSource(1))
	for k := range 100000 {
		good := packed
		if k%2 == 1 {
			good = plain
		}
		b := append([]byte(nil), good...)
		switch k % 3 {
		case 0:
			b = b[:r.Intn(len(b)+1)]
		case 1:
			for range 1 + r.Intn(4) {
				b[r.Intn(len(b))] = byte(r.Intn(256))
			}
		case 2:
			b = append(b, byte(r.Intn(256)))
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("panic on %x: %v", b, p)
				}
			}()
			decodePack(1, b, -1)
			decodePack(1, b, 5)
		}()
	}
}

// TestFloodDayLeftToTheRows: a day of more than maxPackedDay posts is not
// packed whole after a change, nor by a summary: it is read from its
// rows.
func TestFloodDayLeftToTheRows(t *testing.T) {
	ctx := context.Background()
	s, l := sqliteWithList(t)
	d0 := time.Date(2021, 3, 1, 9, 0, 0, 0, time.UTC)
	var posts []*ArchivedPost
	var raws [][]byte
	for i := range 3 {
		id := fmt.Sprintf("p%d@x", i)
		posts = append(posts, &ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: "a@x", Date: d0.Add(time.Duration(i) * time.Minute)})
		raws = append(raws, []byte("Message-ID: <"+id+">\r\nSubject: s\r\n\r\nbody\r\n"))
	}
	if _, err := s.ArchivePutMany(ctx, posts, raws); err != nil {
		t.Fatal(err)
	}
	packed := func() (int, []int64) {
		t.Helper()
		ps, un, err := s.ArchivePacked(ctx, l.ID, d0.Truncate(24*time.Hour), d0.Truncate(24*time.Hour).AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		return len(ps), un
	}
	if n, un := packed(); n != 3 || len(un) != 0 {
		t.Fatalf("archived: %d posts packed, unpacked %v", n, un)
	}
	defer func(m int64) { maxPackedDay = m }(maxPackedDay)
	maxPackedDay = 1
	if _, err := s.ArchiveRemove(ctx, Removal{ListID: l.ID, MessageID: "p1@x", By: "admin", Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	if n, un := packed(); n != 0 || len(un) != 1 {
		t.Errorf("a flood changed: %d posts packed, unpacked %v; want its day left to the rows", n, un)
	}
	if err := s.PackArchiveDay(ctx, l.ID, Day(d0)); err != nil {
		t.Fatal(err)
	}
	if n, un := packed(); n != 0 || len(un) != 1 {
		t.Errorf("a flood packed by a summary: %d posts packed, unpacked %v", n, un)
	}
	maxPackedDay = 20000
	if err := s.PackArchiveDay(ctx, l.ID, Day(d0)); err != nil {
		t.Fatal(err)
	}
	if n, un := packed(); n != 2 || len(un) != 0 {
		t.Errorf("packed when no longer a flood: %d posts, unpacked %v", n, un)
	}
}

// TestPacksMerged: a day archived a post or a batch at a time is not read
// from a pack per post or batch: its packs are merged as they come
// (mergePacks), at most packFanIn-1 of a tier, and the day reads as its
// rows, in their order, whatever order its posts came in.
func TestPacksMerged(t *testing.T) {
	engines := map[string]func(t *testing.T) *Store{
		"sqlite": func(t *testing.T) *Store {
			s, err := Open(context.Background(), t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"postgres": func(t *testing.T) *Store {
			s, err := Open(context.Background(), "", Options{DB: pgtest.URL(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
	for name, open := range engines {
		// 64 posts a post at a time end as one pack, read unsorted.
		for _, c := range []struct{ total, batch int }{{600, 1}, {600, 7}, {600, 30}, {64, 1}} {
			total, batch := c.total, c.batch
			t.Run(fmt.Sprintf("%s/%d posts in batches of %d", name, total, batch), func(t *testing.T) {
				ctx := context.Background()
				s := open(t)
				l := &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostOpen, ArchivePolicy: ArchivePublic}
				if err := s.CreateList(ctx, l); err != nil {
					t.Fatal(err)
				}
				d0 := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
				rng := rand.New(rand.NewSource(int64(batch)))
				order := rng.Perm(total)
				for i := 0; i < total; i += batch {
					var posts []*ArchivedPost
					var raws [][]byte
					for _, k := range order[i:min(i+batch, total)] {
						id := fmt.Sprintf("p%d@x", k)
						// Two posts a minute: some share a date, and
						// are read in the order of their ids.
						posts = append(posts, &ArchivedPost{ListID: l.ID, MessageID: id, Subject: "s " + id, FromAddr: "a@x", Date: d0.Add(time.Duration(k/2) * time.Minute),
							Features: &PostFeatures{Version: 7, Own: "own " + id, Terms: []string{"t", id}, Flags: 3, Links: []string{"https://x/" + id}}})
						raws = append(raws, []byte("Message-ID: <"+id+">\r\nSubject: s "+id+"\r\n\r\nbody\r\n"))
					}
					if _, err := s.ArchivePutMany(ctx, posts, raws); err != nil {
						t.Fatal(err)
					}
				}
				var packs, held int64
				if err := s.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(p.posts), 0) FROM archive_packs p JOIN archive_days d ON d.list_id = p.list_id AND d.day = p.day AND d.gen = p.gen
					WHERE p.list_id = ? AND p.day = ?`, l.ID, Day(d0)).Scan(&packs, &held); err != nil {
					t.Fatal(err)
				}
				// Tiers 0 to packTier(total), each of at most
				// packFanIn-1 packs; without merging, total/batch packs.
				if limit := int64(packTier(int64(total))+1) * (packFanIn - 1); packs > limit || held != int64(total) {
					t.Errorf("%d packs holding %d posts; want at most %d holding %d", packs, held, limit, total)
				}
				got, unpacked, err := s.ArchivePacked(ctx, l.ID, d0, d0.AddDate(0, 0, 1))
				if err != nil || len(unpacked) != 0 {
					t.Fatalf("ArchivePacked: unpacked %v, %v", unpacked, err)
				}
				var rows []*ArchivedPost
				if err := s.ArchiveEach(ctx, l.ID, d0, func(p *ArchivedPost) error {
					rows = append(rows, p)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if len(got) != len(rows) {
					t.Fatalf("the packs hold %d posts, the rows %d", len(got), len(rows))
				}
				for i, p := range got {
					if p.ID != rows[i].ID || p.MessageID != rows[i].MessageID || p.Features == nil || p.Features.Own != "own "+p.MessageID ||
						strings.Join(p.Features.TermList(), " ") != "t "+p.MessageID || strings.Join(p.Features.Links, " ") != "https://x/"+p.MessageID {
						t.Fatalf("post %d of the day: packed %d %q %+v, the rows' %d %q", i, p.ID, p.MessageID, p.Features, rows[i].ID, rows[i].MessageID)
					}
				}
			})
		}
	}
}

// TestFloodPacksNotMerged: a flood's packs are not merged into one of
// more than maxPackedDay posts (a merge is held whole in memory), and
// the day still reads whole from them.
func TestFloodPacksNotMerged(t *testing.T) {
	ctx := context.Background()
	s, l := sqliteWithList(t)
	defer func(m int64) { maxPackedDay = m }(maxPackedDay)
	maxPackedDay = 20
	d0 := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 200 {
		id := fmt.Sprintf("p%d@x", i)
		if _, err := s.ArchivePutMany(ctx, []*ArchivedPost{{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: "a@x", Date: d0.Add(time.Duration(i) * time.Minute)}},
			[][]byte{[]byte("Message-ID: <" + id + ">\r\nSubject: s\r\n\r\nbody\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	var biggest, packs int64
	if err := s.queryRow(ctx, `SELECT MAX(posts), COUNT(*) FROM archive_packs WHERE list_id = ? AND day = ?`, l.ID, Day(d0)).Scan(&biggest, &packs); err != nil {
		t.Fatal(err)
	}
	if biggest > maxPackedDay || packs >= 200 {
		t.Errorf("the flood's biggest pack holds %d posts, of %d packs; want at most %d posts, and packs merged", biggest, packs, maxPackedDay)
	}
	got, unpacked, err := s.ArchivePacked(ctx, l.ID, d0, d0.AddDate(0, 0, 1))
	if err != nil || len(unpacked) != 0 || len(got) != 200 {
		t.Errorf("ArchivePacked: %d posts, unpacked %v, %v", len(got), unpacked, err)
	}
}

// sqliteWithList is a store on SQLite in a temporary dir, closed when the
// test ends, with one open, public list.
func sqliteWithList(t *testing.T) (*Store, *List) {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	l := &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostOpen, ArchivePolicy: ArchivePublic}
	if err := s.CreateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return s, l
}

// TestPackArchiveDayBesideAMerge: a post archived while a summary packs
// a day read from its rows (PackArchiveDay, between its read and its
// write) neither merges the packs the summary replaces into one of its
// own, which would stand beside the summary's pack and hold posts twice,
// nor keeps the day from being read from its packs after (a review
// found the day read from its rows, 16 posts packed for 9).
func TestPackArchiveDayBesideAMerge(t *testing.T) {
	ctx := context.Background()
	s, l := sqliteWithList(t)
	d0 := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	put := func(i int) {
		id := fmt.Sprintf("p%d@x", i)
		if _, err := s.ArchivePutMany(ctx, []*ArchivedPost{{ListID: l.ID, MessageID: id, Subject: "s", FromAddr: "a@x", Date: d0.Add(time.Duration(i) * time.Minute)}},
			[][]byte{[]byte("Message-ID: <" + id + ">\r\nSubject: s\r\n\r\nbody\r\n")}); err != nil {
			t.Fatal(err)
		}
	}
	// A post archived before 0041 (its day not known), then seven a post
	// at a time: the day is read from its rows.
	put(0)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM archive_packs`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM archive_days`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 7; i++ {
		put(i)
	}
	if _, un, _ := s.ArchivePacked(ctx, l.ID, d0, d0.AddDate(0, 0, 1)); len(un) != 1 {
		t.Fatalf("unpacked %v, want the day", un)
	}
	// A summary packs the day; the eighth post (the eighth pack of its
	// size) comes meanwhile.
	packDayGap = func() { put(8) }
	defer func() { packDayGap = nil }()
	if err := s.PackArchiveDay(ctx, l.ID, Day(d0)); err != nil {
		t.Fatal(err)
	}
	packDayGap = nil
	var packs, held, want int64
	if err := s.queryRow(ctx, `SELECT COUNT(*), SUM(posts) FROM archive_packs`).Scan(&packs, &held); err != nil {
		t.Fatal(err)
	}
	if err := s.queryRow(ctx, `SELECT posts FROM archive_days`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	got, un, err := s.ArchivePacked(ctx, l.ID, d0, d0.AddDate(0, 0, 1))
	if err != nil || len(un) != 0 || len(got) != 9 {
		t.Errorf("after the summary packed the day: %d packs holding %d posts for a day of %d; unpacked %v, %d posts read from packs (%v)", packs, held, want, un, len(got), err)
	}
}

// TestOnePackInTheRowsOrder: a day of one pack, a batch's whose posts
// share a second but came with dates a fraction of a second apart in the
// order opposite to their ids, reads in the rows' order (by the whole
// second, then id), as it is read without re-sorting.
func TestOnePackInTheRowsOrder(t *testing.T) {
	ctx := context.Background()
	s, l := sqliteWithList(t)
	at := time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC)
	posts := []*ArchivedPost{
		{ListID: l.ID, MessageID: "a@x", Subject: "s", FromAddr: "a@x", Date: at.Add(900 * time.Millisecond)},
		{ListID: l.ID, MessageID: "b@x", Subject: "s", FromAddr: "a@x", Date: at.Add(100 * time.Millisecond)},
	}
	raws := [][]byte{[]byte("Message-ID: <a@x>\r\n\r\na\r\n"), []byte("Message-ID: <b@x>\r\n\r\nb\r\n")}
	if _, err := s.ArchivePutMany(ctx, posts, raws); err != nil {
		t.Fatal(err)
	}
	day := at.Truncate(24 * time.Hour)
	got, un, err := s.ArchivePacked(ctx, l.ID, day, day.AddDate(0, 0, 1))
	if err != nil || len(un) != 0 || len(got) != 2 {
		t.Fatalf("ArchivePacked: %d posts, unpacked %v, %v", len(got), un, err)
	}
	var rows []string
	if err := s.ArchiveEach(ctx, l.ID, day, func(p *ArchivedPost) error {
		rows = append(rows, p.MessageID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got[0].MessageID != rows[0] || got[1].MessageID != rows[1] {
		t.Errorf("the pack reads %s, %s; the rows %v", got[0].MessageID, got[1].MessageID, rows)
	}
}
