package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Backups of a SQLite installation (`praxis backup`, `praxis restore`,
// listserv/backup). PostgreSQL has pg_dump for that.

// ErrNotSQLite is asked of a PostgreSQL store what only a SQLite file can do.
var ErrNotSQLite = errors.New("the database is PostgreSQL, not a SQLite file")

// Snapshot writes a consistent copy of the whole database to path, a
// file that does not exist or is empty, while other processes (serve)
// go on writing. VACUUM INTO reads the database in one read transaction,
// so the copy is the database as of one commit: every post spooled
// (its 250 given) before it began is in it; in WAL mode it holds up no
// writer, only the checkpoints past its snapshot until it ends.
func (s *Store) Snapshot(ctx context.Context, path string) error {
	if s.pg {
		return fmt.Errorf("store: snapshot: %w", ErrNotSQLite)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: snapshot into %s: %w", path, err)
	}
	return nil
}

// Contents is what an installation holds, counted: a backup's manifest
// records it and a restore checks the database it wrote against it.
// The keys are the names printed (lists, members, …).
type Contents map[string]int64

// contentCounts are Contents' keys and the queries that count them, in
// the order they are printed.
var contentCounts = []struct{ name, query string }{
	{"lists", `SELECT COUNT(*) FROM lists`},
	{"members", `SELECT COUNT(*) FROM members`},
	{"archived posts", `SELECT COUNT(*) FROM archive`},
	{"posts not yet processed", `SELECT COUNT(*) FROM messages WHERE state = 'received'`},
	{"held posts", `SELECT COUNT(*) FROM messages WHERE state = 'held'`},
	{"queued copies", `SELECT COUNT(*) FROM deliveries WHERE state = 'queued'`},
	{"digest runs", `SELECT COUNT(*) FROM digest_runs`},
	{"DKIM keys", `SELECT COUNT(*) FROM dkim_keys`},
	{"secrets", `SELECT COUNT(*) FROM secrets`},
}

// ContentNames are Contents' keys in the order to print them.
func ContentNames() []string {
	names := make([]string, len(contentCounts))
	for i, c := range contentCounts {
		names[i] = c.name
	}
	return names
}

// Contents counts what the installation holds. Its counts are taken one
// after the other, so they agree with each other only in a database no
// one writes meanwhile: a snapshot, a restored copy.
func (s *Store) Contents(ctx context.Context) (Contents, error) {
	out := Contents{}
	for _, c := range contentCounts {
		var n int64
		if err := s.db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return nil, fmt.Errorf("store: contents: %s: %w", c.name, err)
		}
		out[c.name] = n
	}
	return out, nil
}

// SchemaVersion is the highest migration applied to the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// LatestSchema is the highest migration this build knows.
func LatestSchema() int {
	ms, err := readMigrations(migrations, "migrations")
	if err != nil || len(ms) == 0 {
		// The migrations are embedded: only a broken build lacks them.
		panic(fmt.Sprintf("store: embedded migrations: %v", err))
	}
	return ms[len(ms)-1].version
}

// CheckIntegrity reads every page of a SQLite database and its indexes
// (PRAGMA quick_check): a restore checks the file it wrote before it
// calls it an installation.
func (s *Store) CheckIntegrity(ctx context.Context) error {
	if s.pg {
		return fmt.Errorf("store: integrity check: %w", ErrNotSQLite)
	}
	rows, err := s.db.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("store: integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("store: integrity check: %s", strings.Join(problems[:min(len(problems), 5)], "; "))
	}
	return nil
}

// ForgetProcesses clears, in a restored copy, what the processes that ran
// on the original held, and names its index log anew (RenameIndexLog): the queue's claims (a copy claimed by a serve of
// the original is sent by the restored one at once, rather than after
// a lease of a node that does not run here has run out), the named
// leases (an --imap-ingest mailbox) and the nodes' heartbeats. None of it
// is the installation's state; all of it names processes of another
// place.
func (s *Store) ForgetProcesses(ctx context.Context) error {
	renameIndexLog := s.pick(`UPDATE index_clock SET log_id = lower(hex(randomblob(16)))`, RenameIndexLog)
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: forget processes: %w", err)
	}
	defer release()
	for _, q := range []string{
		`UPDATE deliveries SET lease_node = '', lease_until = 0 WHERE state = 'queued' AND (lease_node <> '' OR lease_until <> 0)`,
		`DELETE FROM leases`,
		`DELETE FROM nodes`,
		renameIndexLog,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("store: forget processes: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: forget processes: %w", err)
	}
	return nil
}
