package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// The store's SQL is written once, for SQLite, with ? placeholders. On
// PostgreSQL every statement passes through the pool and transaction
// types below, which rebind its placeholders to $n (bind); where the two
// engines differ in more than placeholders, the query says so with
// pick(sqlite, postgres), so `grep -n pick(` lists every such place.

// dialect is the engine the store talks to.
type dialect struct {
	pg bool
}

// pick returns the text written for the store's engine.
func (d *dialect) pick(sqlite, postgres string) string {
	if d.pg {
		return postgres
	}
	return sqlite
}

// bind rewrites q's placeholders for the engine: on PostgreSQL ? becomes
// $1, $2, … in order, and SQLite's numbered ?N becomes $N; text in quotes
// and comments is left alone. On SQLite q is returned as it is. Not
// cached: one pass over the text costs about a microsecond, a hundredth of
// a round trip to the server, and the store builds queries of many shapes
// (IN lists, IMAP SEARCH), which a cache would keep for ever.
func (d *dialect) bind(q string) string {
	if !d.pg {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			b.WriteString(q[i:min(j+1, len(q))])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '?':
			j := i + 1
			for j < len(q) && '0' <= q[j] && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// pool is a database handle that binds every statement for its engine.
type pool struct {
	raw *sql.DB
	d   *dialect
}

func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return p.raw.ExecContext(ctx, p.d.bind(q), args...)
}

func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.raw.QueryContext(ctx, p.d.bind(q), args...)
}

func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return p.raw.QueryRowContext(ctx, p.d.bind(q), args...)
}

func (p *pool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return p.raw.PrepareContext(ctx, p.d.bind(q))
}

func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*txn, error) {
	t, err := p.raw.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &txn{raw: t, d: p.d}, nil
}

func (p *pool) Close() error { return p.raw.Close() }

// txn is a transaction that binds every statement for its engine.
type txn struct {
	raw *sql.Tx
	d   *dialect
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.raw.ExecContext(ctx, t.d.bind(q), args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.raw.QueryContext(ctx, t.d.bind(q), args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return t.raw.QueryRowContext(ctx, t.d.bind(q), args...)
}

func (t *txn) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return t.raw.PrepareContext(ctx, t.d.bind(q))
}

// StmtContext binds a statement prepared on the pool (already bound) to t.
func (t *txn) StmtContext(ctx context.Context, st *sql.Stmt) *sql.Stmt {
	return t.raw.StmtContext(ctx, st)
}

func (t *txn) Commit() error   { return t.raw.Commit() }
func (t *txn) Rollback() error { return t.raw.Rollback() }

// lockKey makes t wait for, then hold until it ends, the lock named by
// (name, key), where several writers' read-then-write must not interleave.
// On SQLite every write transaction holds the database's one write lock
// from its start (immediate transactions), so this is nothing; on
// PostgreSQL, where writers of several nodes run at once, it is a
// transaction-scoped advisory lock. A statement after it in a READ
// COMMITTED transaction sees what the previous holder committed.
func (s *core) lockKey(ctx context.Context, t *txn, name string, key int64) error {
	if !s.pg {
		return nil
	}
	_, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, ?))`, name, key)
	return err
}

// lockKeyShared is lockKey's shared form: holders of it run together,
// and wait only for (and hold off) lockKey's holders of the same name and
// key. Nothing on SQLite.
func (s *core) lockKeyShared(ctx context.Context, t *txn, name string, key int64) error {
	if !s.pg {
		return nil
	}
	_, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(hashtextextended(?, ?))`, name, key)
	return err
}

// pgCode is the SQLSTATE of a PostgreSQL error, "" for any other error.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// jsonIDs selects the ids of a JSON array bound as one parameter (a batch
// of any size in one statement).
func (d *dialect) jsonIDs() string {
	return d.pick(`SELECT value FROM json_each(?)`, `SELECT value::bigint FROM jsonb_array_elements_text(?::jsonb)`)
}

// jsonTexts selects the strings of a JSON array bound as one parameter.
func (d *dialect) jsonTexts() string {
	return d.pick(`SELECT value FROM json_each(?)`, `SELECT value FROM jsonb_array_elements_text(?::jsonb)`)
}

// instr is the position of needle in hay, 0 when absent (text).
func (d *dialect) instr(hay, needle string) string {
	return d.pick(`instr(`+hay+`, `+needle+`)`, `strpos(`+hay+`, `+needle+`)`)
}

// like is LIKE as SQLite has it: ASCII letters match either case. On
// PostgreSQL, ILIKE over TEXT in the "C" collation, which every text
// column has (migrations_pg), folds ASCII letters only, as SQLite does.
func (d *dialect) like() string { return d.pick(`LIKE`, `ILIKE`) }

// Unavailable tells whether err says the database could not be reached
// or dropped the work for a reason of its own (a restart, a lost
// connection, a timeout, a writer holding the lock), rather than
// anything about the data: the same work done again later succeeds.
// Callers use it to try again soon instead of counting it against what
// they were doing.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, sql.ErrConnDone),
		errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err), isBusy(err):
		return true
	}
	code := pgCode(err)
	// PostgreSQL's SQLSTATE: 08 connection exception, 57P01-03 shut
	// down or starting, 53 out of resources, 40001 and 40P01 a
	// serialisation failure or a deadlock (the transaction may run again).
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "53") ||
		code == "40001" || code == "40P01"
}
