// Package usrptest gives tests the usrp-users archive (../shared/corpora)
// archived into a new SQLite store, as an import makes it: every post with
// its threads and its features. A test without the corpus is skipped,
// except under CI, where it fails.
package usrptest

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/mbox"
	"praxis/listserv/store"
)

// Path is the corpus's mbox.
func Path() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "corpora", "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")
}

// Store archives the corpus into a store in a temporary dir, closed when
// the test ends, on the list usrp-users@lists.ettus.com.
func Store(t testing.TB) (*store.Store, *store.List) {
	t.Helper()
	f, err := os.Open(Path())
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus %s not present (CI=true makes this a failure)", Path())
		}
		t.Skipf("corpus %s not present", Path())
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := store.NewList("usrp-users@lists.ettus.com", "USRP-users")
	if err := st.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	r, err := mbox.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	arch := archive.NewArchiver(st, func() time.Time { return time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC) })
	var raws [][]byte
	flush := func() {
		if _, _, err := arch.ArchiveMany(ctx, l, raws); err != nil {
			t.Fatal(err)
		}
		raws = raws[:0]
	}
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if raws = append(raws, m.Raw); len(raws) == 500 {
			flush()
		}
	}
	flush()
	return st, l
}
