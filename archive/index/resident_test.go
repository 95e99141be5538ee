package index

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/index/scorch"
)

// mappedRSS is how much of the segment files under dir (.zap; not
// bolt's root, which bolt maps itself) the process has resident through
// its mappings, in kB, as the kernel counts it (/proc/self/smaps).
func mappedRSS(t *testing.T, dir string) int {
	t.Helper()
	// The kernel names the files by their real path.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in, kb := false, 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = len(fields) >= 6 && strings.HasPrefix(fields[5], dir) && strings.HasSuffix(fields[5], ".zap")
		case in && fields[0] == "Rss:":
			n, _ := strconv.Atoi(fields[1])
			kb += n
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return kb
}

// TestReleaseResident: what was read of a segment file is counted in the
// process's resident set until ReleaseResident lets it go; the index
// answers the same afterwards (the pages come back from the file).
func TestReleaseResident(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the resident set is advised on Linux only")
	}
	docs, _ := corpusDocs(t, 600)
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened, every segment is a mapped file.
	x, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	want := run(t, x, "b210", SearchOptions{}).Total

	// Read every byte of every segment, as a merge does.
	adv, err := x.b.Advanced()
	if err != nil {
		t.Fatal(err)
	}
	r, err := adv.Reader()
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, ss := range r.(*scorch.IndexSnapshot).Segments() {
		b := mapped(ss.Segment())
		if b == nil {
			t.Fatalf("a reopened index's segment %T is not known for a mapped file", ss.Segment())
		}
		for _, c := range b {
			sink += c
		}
		size += len(b)
	}
	r.Close()
	if size < 256<<10 {
		t.Fatalf("segments of %d bytes: too few to tell", size)
	}
	before := mappedRSS(t, dir)
	if before*1024 < size/2 {
		t.Fatalf("after reading %d bytes of segments, %d kB of them resident; want most", size, before)
	}
	n, err := x.releaseResident()
	if err != nil || n < int64(size) {
		t.Fatalf("releaseResident = %d, %v; want at least the %d bytes of segments", n, err, size)
	}
	// Nothing else in the test reads the segments now: what is left is
	// at most a page or two a concurrent reader of Bleve's touched.
	if after := mappedRSS(t, dir); after*8 > before {
		t.Errorf("resident after ReleaseResident: %d kB of %d kB", after, before)
	}
	if got := run(t, x, "b210", SearchOptions{}).Total; got != want {
		t.Errorf("b210 after ReleaseResident: %d hits, want %d", got, want)
	}
}

// sink keeps the reads of the segments' bytes from being optimised away.
var sink byte

// TestKeepLean: while it runs, what was read of the segments is let go
// of again; stop ends it, and may be called twice.
func TestKeepLean(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the resident set is advised on Linux only")
	}
	x, dir := openTest(t)
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	touch := func() {
		adv, _ := x.b.Advanced()
		r, err := adv.Reader()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for _, ss := range r.(*scorch.IndexSnapshot).Segments() {
			for _, c := range mapped(ss.Segment()) {
				sink += c
			}
		}
	}
	touch()
	if mappedRSS(t, dir) == 0 {
		t.Fatal("nothing of the segments resident after reading them")
	}
	stop := x.KeepLean(time.Millisecond)
	// However busy the machine, the loop gets its turns: wait for a
	// look that finds nothing resident (bounded by tries, not time).
	released := false
	for range 1000 {
		if mappedRSS(t, dir) == 0 {
			released = true
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	stop()
	if !released {
		t.Errorf("segments still resident while KeepLean ran")
	}
	// Stopped, it lets go of nothing more: not at once, nor in what
	// would have been fifty more turns.
	touch()
	time.Sleep(50 * time.Millisecond)
	if mappedRSS(t, dir) == 0 {
		t.Errorf("segments let go of after stop")
	}
}

// TestReleaseResidentClosed: an import's KeepLean may look once more
// while the index closes; a closed index has nothing to release and
// says so without failing.
func TestReleaseResidentClosed(t *testing.T) {
	x, _ := openTest(t)
	stop := x.KeepLean(time.Millisecond)
	defer stop()
	x.KeepLean(0)() // no loop, and no panic
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := x.releaseResident(); n != 0 {
		t.Errorf("releaseResident on a closed index = %d, %v; want nothing", n, err)
	}
}
