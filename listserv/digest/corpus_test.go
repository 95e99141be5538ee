package digest

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/mbox"
	"praxis/listserv/store"
)

// The usrp-users archive (3,568 real posts, 2020-07..2021-12) sits beside
// the module; tests that need it skip when it is absent.
const usrpPath = "../../../shared/corpora/usrp-users-archive/usrp-users-2020-07_2021-12.mbox"

// corpus is the usrp archive imported once per test binary into a real
// SQLite store.
var corpus struct {
	once  sync.Once
	dir   string
	st    *store.Store
	list  *store.List
	posts []*store.ArchivedPost // every post, in import order
	err   error
	skip  bool
	took  time.Duration
}

func TestMain(m *testing.M) {
	code := m.Run()
	if corpus.st != nil {
		corpus.st.Close()
	}
	if corpus.dir != "" {
		os.RemoveAll(corpus.dir)
	}
	os.Exit(code)
}

// usrp returns the store holding the imported archive and its list.
func usrp(t testing.TB) (*store.Store, *store.List) {
	t.Helper()
	corpus.once.Do(func() {
		f, err := os.Open(usrpPath)
		if errors.Is(err, fs.ErrNotExist) {
			corpus.skip = true
			return
		}
		if err != nil {
			corpus.err = err
			return
		}
		defer f.Close()
		start := time.Now()
		corpus.err = importCorpus(f)
		corpus.took = time.Since(start)
	})
	if corpus.skip {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus %s not present (CI=true makes this a failure)", usrpPath)
		}
		t.Skipf("corpus %s not present", usrpPath)
	}
	if corpus.err != nil {
		t.Fatal(corpus.err)
	}
	return corpus.st, corpus.list
}

func importCorpus(f io.Reader) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "praxis-digest-test-")
	if err != nil {
		return err
	}
	corpus.dir = dir
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	corpus.st = st
	l := store.NewList("usrp-users@lists.ettus.com", "USRP-users")
	l.Prefix = "[USRP-users] "
	if err := st.CreateList(ctx, l); err != nil {
		return err
	}
	corpus.list = l
	r, err := mbox.NewReader(f)
	if err != nil {
		return err
	}
	var posts []*store.ArchivedPost
	var raws [][]byte
	flush := func() error {
		if len(posts) == 0 {
			return nil
		}
		_, err := st.ArchivePutMany(ctx, posts, raws)
		posts, raws = nil, nil
		return err
	}
	now := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		p := archive.Read(m.Raw, now, "lists.ettus.com")
		p.ListID = l.ID
		posts = append(posts, p)
		raws = append(raws, m.Raw)
		corpus.posts = append(corpus.posts, p)
		if len(posts) == 500 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
