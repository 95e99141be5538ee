package index

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// The order bounds of a reopened index, read from the segments' id
// dictionaries, are those a search of every document sorted by id finds,
// over several segments and replaced posts; a deleted post may widen
// them (its id stays until a merge), never narrow them.
func TestBoundsFromIDs(t *testing.T) {
	docs, _ := corpusDocs(t, 400)
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(docs); i += 100 {
		if err := x.Put(docs[i:min(i+100, len(docs))]...); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Apply(docs[50:80], docs[200:230], nil); err != nil {
		t.Fatal(err)
	}
	reopen := func() *Index {
		t.Helper()
		if err := x.Close(); err != nil {
			t.Fatal(err)
		}
		y, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	x = reopen()
	defer func() { x.Close() }()
	// The dictionaries answer (no search of every id was needed).
	if ok, err := x.dictBounds(); !ok || err != nil {
		t.Fatalf("dictBounds: %v, %v", ok, err)
	}
	lo, hi, found, err := x.searchBounds()
	if err != nil || !found {
		t.Fatalf("searchBounds: %v, %v", found, err)
	}
	if got := [2]int64{x.earliest.Load(), x.latest.Load()}; got != [2]int64{lo, hi} {
		t.Errorf("bounds %v, a search of every id finds %v", got, [2]int64{lo, hi})
	}
	// The keys themselves: the oldest and newest post's.
	keys := make([]int64, len(docs))
	for i := range docs {
		keys[i] = orderKey(&docs[i]).UnixNano()
	}
	if lo != slices.Min(keys) || hi != slices.Max(keys) {
		t.Errorf("bounds %v, the posts' keys run %v..%v", [2]int64{lo, hi}, time.Unix(0, slices.Min(keys)), time.Unix(0, slices.Max(keys)))
	}

	// The newest and the oldest post deleted.
	newest, oldest := slices.Index(keys, slices.Max(keys)), slices.Index(keys, slices.Min(keys))
	if err := x.Apply(nil, []Doc{docs[newest], docs[oldest]}, nil); err != nil {
		t.Fatal(err)
	}
	x = reopen()
	lo, hi, found, err = x.searchBounds()
	if err != nil || !found {
		t.Fatalf("searchBounds: %v, %v", found, err)
	}
	if e, l := x.earliest.Load(), x.latest.Load(); e > lo || l < hi {
		t.Errorf("bounds %d..%d leave out live posts at %d..%d", e, l, lo, hi)
	}
}

// An empty index has no bounds.
func TestBoundsEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	x.Close()
	if x, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.earliest.Load() <= x.latest.Load() {
		t.Errorf("an empty index's bounds: %d..%d", x.earliest.Load(), x.latest.Load())
	}
}
