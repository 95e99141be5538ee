// Package store keeps Praxis's state in SQL: lists, members, every message
// accepted with a 250 (the spool), and the outbound delivery queue.
//
// A post passes through here three times: Spool writes it durably before
// the SMTP reply, Accept turns it into one delivery row per recipient in a
// single transaction, and the delivery workers mark those rows done. Every
// step is a state change in a row, so a process killed at any moment resumes
// where it stopped.
//
// The schema lives in migrations/*.sql. The SQL is kept portable: SQLite
// (modernc.org/sqlite, pure Go, WAL) now, and PostgreSQL through the same
// queries later. What that backend will add, in one small dialect seam:
// '?' placeholders rebound to $n, BIGSERIAL and BYTEA in the migrations,
// and its error codes in isUnique and isBusy. Ids come back with RETURNING,
// which both support; no SQLite-only functions are used.
package store
