// Package store keeps Praxis's state in SQL: lists, members, every message
// accepted with a 250 (the spool), and the outbound delivery queue.
//
// A post passes through here three times: Spool writes it durably before
// the SMTP reply, Accept turns it into one delivery row per recipient in a
// single transaction, and the delivery workers mark those rows done. Every
// step is a state change in a row, so a process killed at any moment resumes
// where it stopped.
//
// The schema lives in migrations/*.sql for SQLite (modernc.org/sqlite,
// pure Go, WAL) and in migrations_pg/*.sql, the same numbers translated,
// for PostgreSQL (pgx through database/sql), which Options.DB selects.
// The queries are SQLite's text; dialect.go rebinds their placeholders for
// PostgreSQL and holds the few fragments that differ (pick). Ids come back
// with RETURNING, which both support. On SQLite one writer runs at a time
// (wmu, and the file's lock across processes); on PostgreSQL writers of
// several nodes run at once, and a write that depends on what its
// transaction read takes lockKey or is a single conditional statement.
//
// copy.go moves a SQLite installation into PostgreSQL (`praxis migrate`,
// CopyInto): every table the SQLite schema has, with its ids, in
// batches that a second run skips, checked on both sides at the end.
package store
