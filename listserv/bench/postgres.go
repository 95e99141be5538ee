package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// scratchDB is the bench's database on PostgreSQL: as SQLite's figures
// are taken on a temporary data dir, each scenario runs on a database of
// its own, made in the server base names (its role must be allowed to
// create databases) and dropped by drop (a failure to drop is said
// through progress). With base empty (SQLite) it
// returns "" and a drop that does nothing.
func scratchDB(ctx context.Context, base string, progress Progress) (db string, drop func(), err error) {
	if base == "" {
		return "", func() {}, nil
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, fmt.Errorf("bench: --db: %w", err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("bench: --db: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "praxis_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("bench: a database of its own (the role of --db must be allowed to create one): %w", err)
	}
	drop = func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name); err != nil {
			progress("dropping database %s: %v", name, err)
		}
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// scratch makes a scenario's data dir (a temporary directory named for
// it) and its database (scratchDB's); done removes both.
func scratch(ctx context.Context, name, base string, progress Progress) (dir, db string, done func(), err error) {
	dir, err = os.MkdirTemp("", "praxis-bench-"+name+"-")
	if err != nil {
		return "", "", nil, err
	}
	db, drop, err := scratchDB(ctx, base, progress)
	if err != nil {
		os.RemoveAll(dir)
		return "", "", nil, err
	}
	return dir, db, func() { drop(); os.RemoveAll(dir) }, nil
}
