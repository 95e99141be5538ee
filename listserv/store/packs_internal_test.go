package store

import (
	"encoding/binary"
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
