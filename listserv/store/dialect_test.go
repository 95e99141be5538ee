package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestBind(t *testing.T) {
	pg, lite := &dialect{pg: true}, &dialect{}
	for _, tt := range []struct{ in, want string }{
		{`SELECT id FROM lists WHERE address = ?`, `SELECT id FROM lists WHERE address = $1`},
		{`UPDATE m SET a = ?, b = ? WHERE id IN (?, ?)`, `UPDATE m SET a = $1, b = $2 WHERE id IN ($3, $4)`},
		{`VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)`, `VALUES ($1, $2, $3, $4, 1, $5, $5)`},
		{`WHERE list_id = ?12 AND x = ?1`, `WHERE list_id = $12 AND x = $1`},
		// Quoted text and comments keep their question marks.
		{`SELECT '?', "a?b", x FROM t WHERE y = ? -- why?
			AND z = ?`, `SELECT '?', "a?b", x FROM t WHERE y = $1 -- why?
			AND z = $2`},
		{`SELECT 'it''s ?' WHERE a = ?`, `SELECT 'it''s ?' WHERE a = $1`},
		{`WHERE ? = '' OR kind = ?`, `WHERE $1 = '' OR kind = $2`},
	} {
		if got := pg.bind(tt.in); got != tt.want {
			t.Errorf("bind(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := lite.bind(tt.in); got != tt.in {
			t.Errorf("SQLite bind(%q) = %q, want it unchanged", tt.in, got)
		}
	}
}

// TestMigrationsHavePostgresTwins: every migration is written for both
// engines, under the same number and name, so neither schema falls
// behind the other.
func TestMigrationsHavePostgresTwins(t *testing.T) {
	lite, err := readMigrations(migrations, "migrations")
	must(t, err)
	pg, err := readMigrations(migrationsPG, "migrations_pg")
	must(t, err)
	names := func(ms []migration) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if !slices.Equal(names(lite), names(pg)) {
		t.Errorf("migrations/ has %v,\nmigrations_pg/ has %v: write each for both engines", names(lite), names(pg))
	}
}

func TestUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"not found", fmt.Errorf("list x: %w", ErrNotFound), false},
		{"unique", &pgconn.PgError{Code: "23505"}, false},
		{"syntax", &pgconn.PgError{Code: "42601"}, false},
		{"admin shutdown", fmt.Errorf("store: spool: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, true},
		{"refused", fmt.Errorf("store: x: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), true},
		{"timed out", fmt.Errorf("store: x: %w", context.DeadlineExceeded), true},
		{"eof", fmt.Errorf("store: x: %w", io.ErrUnexpectedEOF), true},
		{"bad conn", driver.ErrBadConn, true},
		{"sqlite busy", errors.New("database is locked (5) (SQLITE_BUSY)"), true},
	} {
		if got := Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
