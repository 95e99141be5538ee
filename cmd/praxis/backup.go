package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"praxis/listserv/backup"
	"praxis/listserv/store"
)

// pgBackupAdvice is what backup and restore say on PostgreSQL, where the
// database is the installation and pg_dump its backup (README: Backups).
const pgBackupAdvice = "on PostgreSQL the database is the installation: back it up with `pg_dump --format=custom --file=praxis.dump URL` and restore it with `pg_restore --no-owner --dbname=URL praxis.dump` into an empty database (createdb); each node's data dir holds only its index, which serve rebuilds from the database"

func (c *cli) backup(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		if cfg.DB != "" {
			return advise(fmt.Errorf("backup copies a SQLite data dir, and this installation's database is %s", cfg.DBRedacted()), pgBackupAdvice)
		}
		if err := c.checkDataDir(cfg); err != nil {
			return err
		}
		st, err := store.Open(ctx, cfg.Data, store.Options{Node: nodeName(cfg.Data)})
		if err != nil {
			return err
		}
		defer st.Close()
		start := time.Now()
		m, err := backup.Create(ctx, st, pos[0], backup.Options{Praxis: buildVersion(), Source: absPath(cfg.Data)})
		if err != nil {
			return err
		}
		size := int64(0)
		if fi, err := os.Stat(pos[0]); err == nil {
			size = fi.Size()
		}
		fmt.Fprintf(c.stdout, "backed up %s into %s (%s, the database as of %s) in %s\n",
			absPath(cfg.Data), pos[0], sizeOf(size), m.Created.Format(time.RFC3339), time.Since(start).Round(time.Millisecond))
		printContents(c.stdout, m.Contents)
		fmt.Fprintf(c.stdout, "restore it with: praxis restore %s --data NEW_DATA_DIR\n", pos[0])
		return nil
	}
}

func (c *cli) restore(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, pos []string) error {
		cfg, err := c.config(nil)
		if err != nil {
			return err
		}
		if cfg.DB != "" {
			return advise(fmt.Errorf("restore writes a SQLite data dir, and --db names %s", cfg.DBRedacted()),
				"to bring a backup into PostgreSQL, restore it into a data dir and run `praxis migrate --from DIR --db URL`; "+pgBackupAdvice)
		}
		start := time.Now()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		res, err := backup.Restore(ctx, pos[0], cfg.Data, log)
		switch {
		case errors.Is(err, backup.ErrNotEmpty):
			return advise(err, "restore into a new or empty directory (--data); to replace an installation, stop its serve, move its data dir aside, and restore into the emptied place")
		case errors.Is(err, backup.ErrNotBackup), errors.Is(err, backup.ErrDamaged):
			return advise(err, "nothing was written; restore another backup (each `praxis backup` writes a whole one)")
		case err != nil:
			return err
		}
		m := res.Manifest
		fmt.Fprintf(c.stdout, "restored %s into %s in %s: the database of %s as of %s (praxis %s)\n",
			pos[0], absPath(cfg.Data), time.Since(start).Round(time.Millisecond), m.Source, m.Created.Format(time.RFC3339), m.Praxis)
		printContents(c.stdout, res.Contents)
		fmt.Fprintf(c.stdout, "the index was rebuilt from the archive, here, in %s\n", res.IndexTook.Round(time.Millisecond))
		fmt.Fprintf(c.stdout, "next: praxis serve --data %s (it processes the posts not yet processed and sends the queued copies)\n", cfg.Data)
		return nil
	}
}

// printContents prints what an installation holds, one count a line.
func printContents(w io.Writer, contents store.Contents) {
	for _, name := range store.ContentNames() {
		if n, ok := contents[name]; ok {
			fmt.Fprintf(w, "  %-24s %9d\n", name, n)
		}
	}
}

// sizeOf writes a file's size for people.
func sizeOf(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
