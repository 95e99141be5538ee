package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/listserv/store"
)

// ErrNotEmpty is a restore's target that holds something already.
var ErrNotEmpty = errors.New("the data dir is not empty")

// restorePrefix names a restore's work directory inside the target.
const restorePrefix = ".praxis-restore-"

// Restored is what a restore did.
type Restored struct {
	Manifest *Manifest
	// Contents is what the restored database holds.
	Contents store.Contents
	// IndexTook is how long the index took to rebuild.
	IndexTook time.Duration
}

// Restore brings the backup in file back as a SQLite installation in dir,
// which must be empty or absent: the database, checked, and its index,
// rebuilt. On any failure it leaves dir as it found it.
func Restore(ctx context.Context, file, dir string, log *slog.Logger) (res *Restored, err error) {
	made, err := emptyTarget(dir)
	if err != nil {
		return nil, err
	}
	work, err := newWorkDir(dir, restorePrefix)
	if err != nil {
		if made {
			os.Remove(dir)
		}
		return nil, fmt.Errorf("restore: %w", err)
	}
	var placed []string
	defer func() {
		if err != nil {
			for _, p := range placed {
				os.RemoveAll(p)
			}
		}
		if rerr := work.remove(); rerr != nil && err == nil {
			err = fmt.Errorf("restore: the database and its index are in place, and the work directory is left over: %w", rerr)
		}
		if err != nil && made {
			os.Remove(dir) // only when empty again
		}
	}()

	src, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	rd, err := openReader(src)
	if err != nil {
		return nil, fmt.Errorf("restore: %s: %w", file, err)
	}
	res = &Restored{Manifest: &rd.m}
	if err := roomFor(work.path, rd.m.Files[0].Size); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	db := filepath.Join(work.path, store.SQLiteFile)
	if err := rd.extract(rd.m.Files[0], db); err != nil {
		return nil, fmt.Errorf("restore: %s: %w", file, err)
	}
	if err := rd.end(); err != nil {
		return nil, fmt.Errorf("restore: %s: %w", file, err)
	}
	if err := prepare(ctx, work.path, res, log); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	// The database goes last: a data dir with praxis.db in it is a whole
	// installation (an index that is not there is rebuilt by serve).
	for _, name := range []string{"index", store.SQLiteFile} {
		from, to := filepath.Join(work.path, name), filepath.Join(dir, name)
		if err := os.Rename(from, to); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		placed = append(placed, to)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return res, nil
}

// prepare opens the database extracted into dir as a store (which
// migrates one of an older schema), checks it, clears what named the
// original's processes, and builds its index in dir/index.
func prepare(ctx context.Context, dir string, res *Restored, log *slog.Logger) (err error) {
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		// The WAL is folded back in at the close; one left would be
		// part of the database that the move would leave behind.
		if _, serr := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err == nil && !errors.Is(serr, fs.ErrNotExist) {
			err = fmt.Errorf("the database's WAL was not folded into it (%v)", serr)
		}
	}()
	if err := st.CheckIntegrity(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	if res.Contents, err = st.Contents(ctx); err != nil {
		return err
	}
	if err := st.ForgetProcesses(ctx); err != nil {
		return err
	}
	start := time.Now()
	idx, err := archive.OpenIndex(ctx, st, filepath.Join(dir, "index"), index.Options{}, log)
	if err != nil {
		return err
	}
	_, err = archive.NewIndexer(st, idx, log).CatchUp(ctx)
	res.IndexTook = time.Since(start)
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("rebuilding the index: %w", err)
	}
	return nil
}

// emptyTarget makes sure dir is an empty directory, making it when it is
// absent (made says so). What a killed restore left (an unlocked work
// directory) does not count, and is removed.
func emptyTarget(dir string) (made bool, err error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return false, fmt.Errorf("restore: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("restore: %w", err)
	case !fi.IsDir():
		return false, fmt.Errorf("restore: %s is not a directory", dir)
	}
	if err := removeAbandoned(dir, restorePrefix); err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("restore: %w", err)
	}
	if len(entries) > 0 {
		var names []string
		for _, e := range entries[:min(len(entries), 5)] {
			names = append(names, e.Name())
		}
		if len(entries) > 5 {
			names = append(names, "…")
		}
		what := strings.Join(names, ", ")
		if strings.HasPrefix(entries[0].Name(), restorePrefix) {
			what = "another praxis restore is writing into it"
		}
		return false, fmt.Errorf("restore: %w: %s holds %s", ErrNotEmpty, dir, what)
	}
	return false, nil
}

// roomFor refuses, before a byte is written, a database the target's file
// system has no room for: a manifest that names a huge one (a damaged
// or crafted file) must not fill the disk the installation lives on.
func roomFor(dir string, size int64) error {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return err
	}
	if free := int64(fs.Bavail) * int64(fs.Bsize); size > free {
		return fmt.Errorf("the backup's database is %d bytes, and %s has %d free", size, dir, free)
	}
	return nil
}
