package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// Posts removed from an archive (archiveremove.go) leave the IMAP view
// of their list: each open session is told EXPUNGE with the sequence
// number the post had for it, and a later SELECT does not count it.
// Their rows stay, under the negated list id, so their UIDs are never
// given again, and UIDNEXT, counted over them too, never goes down. A
// removal is found in the index log, which holds every node's removals
// in commit order (indexlog.go); the session's count and the removals
// after it are read each in one statement, so each is one snapshot of
// the database.

// IMAPRemoval is a post removed from a list's archive, as the IMAP view
// tells its sessions.
type IMAPRemoval struct {
	Pos    IndexPos // its entry in the index log
	ListID int64
	ID     int64 // its UID
	// Before is how many of the list's posts have a lower id, and Left
	// how many the list holds, in the snapshot the removal was read in:
	// a session that has been told every removal before this one knows
	// it as number Before+1, and has Left posts once told of all of this
	// read's removals.
	Before, Left int
}

// IMAPCountAt returns how many posts a list's archive holds and the
// index log's position in the same snapshot: the count includes no
// removal after that position, and every one before.
func (s *imapTable) IMAPCountAt(ctx context.Context, listID int64) (int, IndexPos, error) {
	var n int
	var pos int64
	if err := s.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM archive WHERE list_id = ?), (SELECT pos FROM index_clock)`, listID).Scan(&n, &pos); err != nil {
		return 0, IndexPos{}, fmt.Errorf("store: imap count: %w", err)
	}
	return n, IndexPos{Pos: pos, ArchiveID: math.MaxInt64}, nil
}

// IMAPRemovals returns the index log's position now and the posts
// removed from archives after pos up to it, in the log's order, read in
// one snapshot. A pos past the end (Pos math.MaxInt64) reads the
// position alone.
func (s *imapTable) IMAPRemovals(ctx context.Context, after IndexPos) (IndexPos, []IMAPRemoval, error) {
	// The clock's row first (kind 0), then the removals (kind 1), so
	// that one statement reads both. A removal's Before and Left are
	// running and whole counts of its list's live posts, taken in one
	// pass over each list that lost posts (the list's live ids and its
	// removed ones in id order): a count per removal would read the list
	// once for each, and a purge of many posts from a long archive would
	// outlast the poller's bound.
	rows, err := s.query(ctx, `WITH r AS (
			SELECT g.pos, g.archive_id, -a.list_id AS list_id
			FROM index_log g JOIN archive a ON a.id = g.archive_id
			WHERE (g.pos, g.archive_id) > (?, ?) AND a.list_id < 0),
		m AS (
			SELECT list_id, id, 1 AS live, 0 AS pos FROM archive WHERE list_id IN (SELECT list_id FROM r)
			UNION ALL
			SELECT list_id, archive_id, 0, pos FROM r),
		c AS (
			SELECT list_id, id, live, pos,
				SUM(live) OVER (PARTITION BY list_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS before_n,
				SUM(live) OVER (PARTITION BY list_id) AS left_n
			FROM m)
		SELECT 0 AS kind, pos, 0 AS archive_id, 0, 0, 0 FROM index_clock
		UNION ALL
		SELECT 1, pos, id, list_id, before_n, left_n FROM c WHERE live = 0
		ORDER BY kind, pos, archive_id`, after.Pos, after.ArchiveID)
	if err != nil {
		return IndexPos{}, nil, fmt.Errorf("store: imap removals: %w", err)
	}
	defer rows.Close()
	var head sql.NullInt64
	var out []IMAPRemoval
	for rows.Next() {
		var kind int
		var r IMAPRemoval
		if err := rows.Scan(&kind, &r.Pos.Pos, &r.Pos.ArchiveID, &r.ListID, &r.Before, &r.Left); err != nil {
			return IndexPos{}, nil, fmt.Errorf("store: imap removals: %w", err)
		}
		if kind == 0 {
			head = sql.NullInt64{Int64: r.Pos.Pos, Valid: true}
			continue
		}
		r.ID = r.Pos.ArchiveID
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return IndexPos{}, nil, fmt.Errorf("store: imap removals: %w", err)
	}
	if !head.Valid {
		return IndexPos{}, nil, fmt.Errorf("store: imap removals: no index clock")
	}
	return IndexPos{Pos: head.Int64, ArchiveID: math.MaxInt64}, out, nil
}

// IMAPUIDNext returns the UID the list's next post gets at least (RFC
// 3501 §2.3.1.1): one more than the highest id the list ever held, its
// removed posts' included, so that it never goes down.
func (s *imapTable) IMAPUIDNext(ctx context.Context, listID int64) (int64, error) {
	var id sql.NullInt64
	if err := s.queryRow(ctx, `SELECT MAX(id) FROM archive WHERE list_id IN (?, ?)`, listID, -listID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: imap uidnext: %w", err)
	}
	return id.Int64 + 1, nil
}
