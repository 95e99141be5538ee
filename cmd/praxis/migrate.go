package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"praxis/archive/index"
	"praxis/listserv/store"
)

// migrate copies a SQLite installation into PostgreSQL (store.CopyInto
// does the copying and the checks).
func (c *cli) migrate(fs *flag.FlagSet) runFunc {
	from := fs.String("from", "", "the data dir of the SQLite installation to copy")
	return func(ctx context.Context, _ []string) error {
		if *from == "" {
			return usagef("migrate: --from DATA_DIR names the installation to copy (usage: praxis migrate --from DATA_DIR --db URL)")
		}
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		if cfg.DB == "" {
			return usagef("migrate: --db postgres://… (or PRAXIS_DB) names the database to copy into (usage: praxis migrate --from DATA_DIR --db URL)")
		}
		// Open would make a new, empty installation where there is none.
		if _, err := os.Stat(filepath.Join(*from, store.SQLiteFile)); err != nil {
			return fmt.Errorf("migrate: %s is no Praxis data dir (no %s in it): %w", *from, store.SQLiteFile, err)
		}
		release, err := holdDataDir(*from)
		if err != nil {
			return err
		}
		defer release()
		src, err := store.Open(ctx, *from, store.Options{})
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := store.Open(ctx, "", store.Options{DB: cfg.DB})
		if err != nil {
			return err
		}
		defer dst.Close()

		start := time.Now()
		bar := newCopyBar(c.stderr)
		tables, err := store.CopyInto(ctx, src, dst, bar.update)
		bar.clear()
		for _, t := range tables {
			if t.Repaired > 0 {
				fmt.Fprintf(c.stderr, "praxis: warning: %s: %d text values held bytes that are not UTF-8, or NUL, which PostgreSQL's text cannot: copied with U+FFFD for the bad bytes and without the NULs\n", t.Table, t.Repaired)
			}
		}
		if errors.Is(err, store.ErrConflict) {
			return advise(err, "copy into an empty database (createdb), or into the one an earlier migrate of this data dir filled")
		}
		if err != nil {
			return err
		}
		var rows, copied int64
		for _, t := range tables {
			rows += t.Rows
			copied += t.Copied
		}
		fmt.Fprintf(c.stdout, "copied %s into %s in %s: %d tables, %d rows (%d new); every table's count and contents match\n",
			*from, cfg.DBRedacted(), time.Since(start).Round(time.Millisecond), len(tables), rows, copied)
		// CopyInto's order is parents first; a reader looks by name.
		slices.SortFunc(tables, func(a, b store.TableCopy) int { return strings.Compare(a.Table, b.Table) })
		for _, t := range tables {
			fmt.Fprintf(c.stdout, "  %-22s %9d rows  %9d new\n", t.Table, t.Rows, t.Copied)
		}
		fmt.Fprintf(c.stdout, "next: praxis serve --data %s --db URL (the data dir keeps its index, which is still this archive's)\n", *from)
		return nil
	}
}

// holdDataDir makes sure no praxis serve runs on the data dir dir while
// it is copied, and none starts: serve holds the data dir's index from
// its start to its end, so migrate takes the index itself until release.
// A data dir without an index has had no serve yet; one starting now
// would still find the database's write lock taken by the copy.
func holdDataDir(dir string) (release func(), err error) {
	idxDir := filepath.Join(dir, "index")
	if entries, err := os.ReadDir(idxDir); errors.Is(err, os.ErrNotExist) || (err == nil && len(entries) == 0) {
		return func() {}, nil
	}
	idx, err := index.Open(idxDir, index.Options{OpenTimeout: 300 * time.Millisecond})
	switch {
	case errors.Is(err, index.ErrLocked):
		return nil, fmt.Errorf("migrate: praxis serve, or another praxis command, is running on %s (it holds %s): stop it, and migrate what it leaves", dir, idxDir)
	case err != nil:
		// A corrupt index is no process's: the copy goes on without it
		// (a node rebuilds its index from the database).
		return func() {}, nil
	}
	return func() { idx.Close() }, nil
}

// copyBar shows CopyInto's progress: on a terminal a line redrawn in
// place, elsewhere (a log, a pipe) a plain line as each step begins and
// every few seconds while a table's rows go.
type copyBar struct {
	w    io.Writer
	tty  bool
	step string
	last time.Time
}

func newCopyBar(w io.Writer) *copyBar { return &copyBar{w: w, tty: isTerminal(w)} }

var copySteps = map[string]string{
	"check":  "checking what the database holds already",
	"copy":   "copying",
	"verify": "comparing both sides",
}

func (b *copyBar) update(p store.CopyProgress) {
	if p.Step != b.step {
		b.step = p.Step
		b.clear()
		fmt.Fprintf(b.w, "praxis: migrate: %s\n", copySteps[p.Step])
	}
	every := 5 * time.Second
	if b.tty {
		every = 200 * time.Millisecond
	}
	if p.Done == 0 || time.Since(b.last) < every {
		return
	}
	b.last = time.Now()
	if !b.tty {
		fmt.Fprintf(b.w, "praxis: migrate: %s %s: %d of %d rows\n", p.Step, p.Table, p.Done, p.Total)
		return
	}
	const width = 30
	filled := width
	if p.Total > 0 {
		filled = int(min(p.Done, p.Total) * width / p.Total)
	}
	fmt.Fprintf(b.w, "\r\033[K%s %-20s [%s%s] %d/%d rows", p.Step, p.Table, strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.Done, p.Total)
}

func (b *copyBar) clear() {
	if b.tty {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
