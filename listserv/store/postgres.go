package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPG opens the PostgreSQL database opts.DB names and migrates it.
// Errors name the database by its URL without the password.
func openPG(ctx context.Context, opts Options) (*Store, error) {
	where := redactDB(opts.DB)
	cfg, err := pgx.ParseConfig(opts.DB)
	if err != nil {
		// pgx's message may quote the URL: say only where.
		return nil, fmt.Errorf("store: %s: not a PostgreSQL URL this store can use", where)
	}
	// The spool's commits are durable before the 250 whatever the
	// server's default: synchronous_commit on (and, with a synchronous
	// standby configured, on the standby too). The other pool follows the
	// server's setting, as SQLite's NORMAL follows its own rule: what a
	// crash loses there, the spool's state machine replays.
	spoolCfg := cfg.Copy()
	spoolCfg.RuntimeParams["synchronous_commit"] = "on"
	db := sql.OpenDB(cleanConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	spool := sql.OpenDB(cleanConnector{stdlib.GetConnector(*spoolCfg)})
	// One connection: the group commit is one loop (spoolLoop).
	spool.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		spool.Close()
		return nil, fmt.Errorf("store: connect to %s: %w", where, err)
	}
	s := newStore(newCore(db, spool, true, opts))
	return s.start(ctx, s.migratePG(ctx))
}

// migratePG applies the migrations not yet applied, all in one
// transaction under an advisory lock: nodes that start at once wait for
// the first, which migrates, and then find nothing to do. PostgreSQL's
// DDL is transactional, so a failed migration leaves no half of itself.
func (s *core) migratePG(ctx context.Context) error {
	ms, err := readMigrations(migrationsPG, "migrations_pg")
	if err != nil {
		return err
	}
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('praxis schema_migrations', 0))`); err != nil {
		return fmt.Errorf("store: migrate: lock: %w", err)
	}
	if _, err := t.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	applied := map[int]bool{}
	rows, err := t.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		for _, stmt := range splitSQL(m.body) {
			if _, err := t.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("store: migration %s: %q: %w", m.name, firstLine(stmt), err)
			}
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, s.unix()); err != nil {
			return fmt.Errorf("store: migration %s: %w", m.name, err)
		}
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// redactDB is a database URL without its password.
func redactDB(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable database URL)"
	}
	return u.Redacted()
}
