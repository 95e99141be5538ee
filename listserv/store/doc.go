// Package store keeps Praxis's state in SQL: lists, members, every message
// accepted with a 250 (the spool), and the outbound delivery queue.
//
// A post passes through here three times: Spool writes it durably before
// the SMTP reply, Accept turns it into one delivery row per recipient in a
// single transaction, and the delivery workers mark those rows done. Every
// step is a state change in a row, so a process killed at any moment resumes
// where it stopped.
//
// The schema lives in migrations/*.sql and is portable SQL: SQLite
// (modernc.org/sqlite, pure Go, WAL) now, PostgreSQL later through the same
// queries (placeholders are written as '?' and rebound by the dialect).
package store
