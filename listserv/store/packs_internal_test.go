package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"runtime"
	"testing"
	"time"
)

func packFixture() []byte {
	var posts []PackedPost
	for i := range 5 {
		a := &ArchivedPost{ID: int64(i + 1), MessageID: "m@x", Hash: "h", Date: time.Unix(1600000000, 0), FromAddr: "a@b", Subject: "s", Attachments: []string{"a", "b"}, ThreadID: "t"}
		posts = append(posts, PackedPost{ArchivedPost: a, Features: &PostFeatures{Version: 7, Own: "own", Terms: []string{"x", "y"}, Links: []string{"l"}}})
	}
	return encodePack(posts)
}

// TestDecodePackRoundTrip: what encodePack writes, decodePack reads.
func TestDecodePackRoundTrip(t *testing.T) {
	ps, err := decodePack(3, packFixture())
	if err != nil || len(ps) != 5 {
		t.Fatalf("%d posts, %v", len(ps), err)
	}
	p := ps[4]
	if p.ID != 5 || p.ListID != 3 || p.MessageID != "m@x" || !p.Date.Equal(time.Unix(1600000000, 0)) || len(p.Attachments) != 2 ||
		p.Features == nil || p.Features.Own != "own" || len(p.Features.TermList()) != 2 || p.Features.Links[0] != "l" {
		t.Errorf("read back %+v %+v", p.ArchivedPost, p.Features)
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
	_, err := decodePack(1, raw)
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
	good := packFixture()
	r := rand.New(rand.NewSource(1))
	for k := range 100000 {
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
			decodePack(1, b)
		}()
	}
}

// TestFloodDayLeftToTheRows: a day of more than maxPackedDay posts is not
// packed whole after a change, nor by a summary: it is read from its
// rows.
func TestFloodDayLeftToTheRows(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l := &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostOpen, ArchivePolicy: ArchivePublic}
	if err := s.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
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
