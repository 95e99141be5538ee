package store

import (
	"context"
	"database/sql"
	"testing"

	"praxis/listserv/store/pgtest"
)

// TestPostgresSpoolCommitsSynchronously: on PostgreSQL the spool commits
// with synchronous_commit on even where the database's default is off,
// so a post has reached the disk before its 250; the other pool follows
// the default.
func TestPostgresSpoolCommitsSynchronously(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", url)
	must(t, err)
	defer admin.Close()
	var name string
	must(t, admin.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name))
	_, err = admin.ExecContext(ctx, `ALTER DATABASE `+name+` SET synchronous_commit = off`)
	must(t, err)

	s, err := Open(ctx, "", Options{DB: url})
	must(t, err)
	defer s.Close()
	var spool, other string
	must(t, s.spool.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&spool))
	must(t, s.db.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&other))
	if spool != "on" || other != "off" {
		t.Errorf("synchronous_commit: spool %s, other writes %s; want on and off (the database's default)", spool, other)
	}
}
