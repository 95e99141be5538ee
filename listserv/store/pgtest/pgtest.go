// Package pgtest gives a test a PostgreSQL database of its own, made in the
// server PRAXIS_TEST_PG names (.ci/postgres starts one for CI) and dropped
// when the test ends, so tests on PostgreSQL run in parallel without
// seeing each other's rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Env names the variable that holds the test server's URL: a role that
// may create databases, and a database it may connect to.
const Env = "PRAXIS_TEST_PG"

// Server returns PRAXIS_TEST_PG. Without it the test is skipped, unless
// CI is set: CI must run the PostgreSQL tests, so there it fails.
func Server(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI runs the PostgreSQL tests (.ci/postgres starts a server)", Env)
		}
		t.Skipf("%s is not set (a postgres:// URL of a role that may create databases)", Env)
	}
	return base
}

// URL makes a fresh, empty database in the Server and returns its URL;
// the database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	base := Server(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", Env, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	name := "praxis_test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// From template0, which no one connects to: a copy of template1
	// waits for whoever is connected to it. Its text sorts and compares
	// as English does (ICU), as an operator's database likely would, and
	// not bytewise: the store must not depend on the default (its
	// columns say their collation).
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`); err != nil {
		// A server without ICU (or before PostgreSQL 15): its default.
		t.Logf("pgtest: no ICU database (%v): the server's default collation", err)
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0`); err != nil {
			admin.Close()
			t.Fatalf("pgtest: create database: %v", err)
		}
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Not WITH (FORCE): that needs the right to end the server's own
		// processes (autovacuum), which a plain DROP ends by itself. A
		// connection the test left open makes it fail, as it should.
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
