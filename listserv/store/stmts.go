package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache holds the statements of the hot reads, prepared once on the
// non-spool pool: every post is routed, spooled and checked through a
// handful of small queries, and SQLite parsing one costs more than
// running it (a profile of `praxis bench` ingest put parsing at a tenth
// of the receive path's CPU). database/sql prepares a cached statement
// again on each connection it lands on, by itself.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// stmt returns q prepared on s.db; a failed prepare is not cached.
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if st, ok := s.cache.stmts[q]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if s.cache.stmts == nil {
		s.cache.stmts = make(map[string]*sql.Stmt)
	}
	s.cache.stmts[q] = st
	return st, nil
}

// queryRow is s.db.QueryRowContext through the statement cache.
func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.stmt(ctx, q)
	if err != nil {
		// The same error, at Scan, as the uncached call would give.
		return s.db.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// query is s.db.QueryContext through the statement cache.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// closeStmts closes the cached statements (Close, before the pools).
func (s *Store) closeStmts() {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	for _, st := range s.cache.stmts {
		st.Close()
	}
	s.cache.stmts = nil
}
