package store

import (
	"context"

	"fmt"
	"time"
)

// MonthCount is how many threads were started in a month ("2021-04",
// UTC).
type MonthCount struct {
	Month   string
	Threads int
}

// ArchiveMonths counts a list's threads by the month they were started
// in, oldest first: the archive's index of years and months.
func (s *threadTable) ArchiveMonths(ctx context.Context, listID int64) ([]MonthCount, error) {
	month := s.pick(`strftime('%Y-%m', first_date, 'unixepoch')`, `to_char(to_timestamp(first_date) AT TIME ZONE 'UTC', 'YYYY-MM')`)
	rows, err := s.db.QueryContext(ctx, `SELECT `+month+`, COUNT(*) FROM archive_threads WHERE list_id = ? GROUP BY 1 ORDER BY 1`, listID)
	if err != nil {
		return nil, fmt.Errorf("store: months: %w", err)
	}
	defer rows.Close()
	var out []MonthCount
	for rows.Next() {
		var m MonthCount
		if err := rows.Scan(&m.Month, &m.Threads); err != nil {
			return nil, fmt.Errorf("store: months: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ArchiveThreadsStarted returns up to limit threads of a list started in
// [since, until), in the order they were started.
func (s *threadTable) ArchiveThreadsStarted(ctx context.Context, listID int64, since, until time.Time, limit int) ([]*ThreadSummary, error) {
	return s.threads(ctx, `SELECT `+threadCols+` FROM archive_threads WHERE list_id = ? AND first_date >= ? AND first_date < ?
		ORDER BY first_date, thread_id LIMIT ?`, listID, since.Unix(), until.Unix(), limit)
}

// ArchiveThreadNeighbours returns the threads started just before and
// just after threadID on its list (nil at either end), for reading the
// archive thread after thread.
func (s *threadTable) ArchiveThreadNeighbours(ctx context.Context, listID int64, threadID string) (prev, next *ThreadSummary, err error) {
	t, err := s.ArchiveThreadSummary(ctx, listID, threadID)
	if err != nil {
		return nil, nil, err
	}
	first := t.FirstDate.Unix()
	one := func(q string) (*ThreadSummary, error) {
		ts, err := s.threads(ctx, `SELECT `+threadCols+` FROM archive_threads WHERE list_id = ? AND `+q+` LIMIT 1`, listID, first, first, first, threadID)
		if err != nil || len(ts) == 0 {
			return nil, err
		}
		return ts[0], nil
	}
	// The date's bound apart from the OR, so that the database seeks to
	// it in archive_threads_started (ArchiveEach says why).
	if prev, err = one(`first_date <= ? AND (first_date < ? OR (first_date = ? AND thread_id < ?)) ORDER BY first_date DESC, thread_id DESC`); err != nil {
		return nil, nil, err
	}
	if next, err = one(`first_date >= ? AND (first_date > ? OR (first_date = ? AND thread_id > ?)) ORDER BY first_date, thread_id`); err != nil {
		return nil, nil, err
	}
	return prev, next, nil
}
