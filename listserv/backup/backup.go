package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"praxis/listserv/store"
)

// Options are what a backup records about where it comes from.
type Options struct {
	// Praxis is the running build's version, for the manifest.
	Praxis string
	// Source is the data dir, for the manifest.
	Source string
}

// Create writes a backup of st, a SQLite store that serve may be using
// at the same time, to file. It builds the file in a work directory
// beside it and renames it into place only once it is whole and on disk:
// until then file is what it was (absent, or an older backup).
func Create(ctx context.Context, st *store.Store, file string, opts Options) (*Manifest, error) {
	if fi, err := os.Stat(file); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("backup: %s is not a file", file)
	}
	parent := filepath.Dir(file)
	if opts.Source != "" && within(parent, opts.Source) {
		// It would be lost with the data dir, and renamed over the
		// database itself if named praxis.db.
		return nil, fmt.Errorf("backup: %s is inside the data dir %s: write the backup elsewhere (another disk, another machine)", file, opts.Source)
	}
	work, err := newWorkDir(parent, "."+filepath.Base(file)+".partial-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer work.remove()

	snap := filepath.Join(work.path, "db", store.SQLiteFile)
	if err := os.Mkdir(filepath.Dir(snap), 0o700); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	created := time.Now().UTC().Truncate(time.Second)
	if err := st.Snapshot(ctx, snap); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	m := &Manifest{Format: FormatName, Version: FormatVersion, Created: created, Praxis: opts.Praxis, Source: opts.Source}
	if err := describe(ctx, filepath.Dir(snap), m); err != nil {
		return nil, fmt.Errorf("backup: the snapshot: %w", err)
	}
	sum, err := fileSum(snap)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	sum.Name = store.SQLiteFile
	m.Files = []File{sum}

	// The file holds every secret and DKIM key: for its owner alone
	// (CreateTemp's 0600), like the data dir.
	out, err := os.CreateTemp(work.path, "backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	err = writeArchive(out, m, map[string]string{store.SQLiteFile: snap})
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("backup: writing %s: %w", file, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(out.Name(), file); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(parent); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

// within tells whether dir is root or under it, symbolic links followed
// where they resolve.
func within(dir, root string) bool {
	resolve := func(p string) string {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return p
	}
	rel, err := filepath.Rel(resolve(root), resolve(dir))
	return err == nil && (rel == "." || !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && rel != "..")
}

// describe fills the manifest's schema and contents from the snapshot in
// dir. Opening it as a store leaves it in WAL mode, as every Praxis
// database is, and its WAL folded back in when it closes.
func describe(ctx context.Context, dir string, m *Manifest) error {
	snap, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		return err
	}
	m.Schema, err = snap.SchemaVersion(ctx)
	if err == nil {
		m.Contents, err = snap.Contents(ctx)
	}
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// A WAL left beside the file would hold part of the database.
	if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the snapshot's WAL was not folded into it (%v)", err)
	}
	return nil
}
