package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmtCache holds the statements of the hot reads, prepared once on the
// non-spool pool: every post is routed, spooled and checked through a
// handful of small queries, and SQLite parsing one costs about as much as
// running it (in a profile of `praxis bench` ingest, parsing was half of
// routing a recipient). database/sql prepares a cached statement again on
// each connection it lands on, by itself.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// stmt returns q prepared on s.db; a failed prepare is not cached. The
// prepare runs outside the cache's lock: it needs a connection of the
// pool, and a caller that holds one (iterating rows, say) may be waiting
// for this lock; holding it while waiting for a connection could deadlock
// a full pool.
func (s *core) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.cache.mu.Lock()
	st, ok := s.cache.stmts[q]
	s.cache.mu.Unlock()
	if ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if s.cache.stmts == nil {
		s.cache.stmts = make(map[string]*sql.Stmt)
	}
	if first, ok := s.cache.stmts[q]; ok {
		// Another caller prepared it meanwhile: keep one.
		st.Close()
		return first, nil
	}
	s.cache.stmts[q] = st
	return st, nil
}

// queryRow is s.db.QueryRowContext through the statement cache.
func (s *core) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, q)
	if err != nil {
		// The same error, at Scan, as the uncached call would give.
		return s.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// query is s.db.QueryContext through the statement cache.
func (s *core) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// exec is s.db.ExecContext through the statement cache.
func (s *core) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// txExec runs q in tx through the statement cache. A statement the cache
// does not hold yet is prepared on tx's own connection for this once: a
// prepare on the pool would need a second connection while tx holds one.
// The statements transactions run on every post are put in the cache at
// Open (warmStmts).
func (s *core) txExec(ctx context.Context, tx *txn, q string, args ...any) (sql.Result, error) {
	s.cache.mu.Lock()
	st, ok := s.cache.stmts[q]
	s.cache.mu.Unlock()
	if !ok {
		return tx.ExecContext(ctx, q, args...)
	}
	ts := tx.StmtContext(ctx, st)
	defer ts.Close()
	return ts.ExecContext(ctx, args...)
}

// warmStmts prepares qs into the cache, before anything holds a
// connection.
func (s *core) warmStmts(ctx context.Context, qs ...string) error {
	for _, q := range qs {
		if _, err := s.stmt(ctx, q); err != nil {
			return fmt.Errorf("store: prepare: %w", err)
		}
	}
	return nil
}

// closeStmts closes the cached statements (Close, before the pools).
func (s *core) closeStmts() {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	for _, st := range s.cache.stmts {
		st.Close()
	}
	s.cache.stmts = nil
}
