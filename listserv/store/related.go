package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// RelatedThread is a thread found related to a question's (0030): what
// its page, the summary and the asker's mail show of it.
type RelatedThread struct {
	ThreadID string
	Subject  string    // its first post's, as archive_threads keeps it
	Date     time.Time // its first post's
	Posts    int
	Score    float64
}

// PutRelated keeps the threads found related to a question's thread, the
// most related first, and tells whether this call kept them: the first
// to find them (on any node) keeps them, later finds change nothing.
func (s *archiveTable) PutRelated(ctx context.Context, listID int64, threadID string, rs []RelatedThread) (bool, error) {
	if len(rs) == 0 {
		return false, nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return false, fmt.Errorf("store: put related: %w", err)
	}
	defer release()
	kept := false
	for i, r := range rs {
		res, err := tx.ExecContext(ctx, `INSERT INTO related_threads (list_id, thread_id, rank, related_id, score, made_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (list_id, thread_id, rank) DO NOTHING`, listID, threadID, i, r.ThreadID, r.Score, s.unix())
		if err != nil {
			return false, fmt.Errorf("store: put related: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("store: put related: %w", err)
		}
		if i == 0 {
			if n == 0 {
				// Kept already: the rest is the first finder's.
				return false, nil
			}
			kept = true
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: put related: %w", err)
	}
	return kept, nil
}

// Related returns the related threads kept for the given threads of a
// list, by question thread, the most related first; a related thread no
// longer in the list's archive (removed) is left out.
func (s *archiveTable) Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]RelatedThread, error) {
	out := map[string][]RelatedThread{}
	if len(threadIDs) == 0 {
		return out, nil
	}
	js, err := json.Marshal(threadIDs)
	if err != nil {
		return nil, fmt.Errorf("store: related: %w", err)
	}
	rows, err := s.query(ctx, `SELECT r.thread_id, r.related_id, t.subject, t.first_date, t.posts, r.score
		FROM related_threads r JOIN archive_threads t ON t.list_id = r.list_id AND t.thread_id = r.related_id
		WHERE r.list_id = ? AND r.thread_id IN (`+s.jsonTexts()+`) ORDER BY r.thread_id, r.rank`, listID, string(js))
	if err != nil {
		return nil, fmt.Errorf("store: related: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var q string
		var r RelatedThread
		var first int64
		if err := rows.Scan(&q, &r.ThreadID, &r.Subject, &first, &r.Posts, &r.Score); err != nil {
			return nil, fmt.Errorf("store: related: %w", err)
		}
		r.Date = time.Unix(first, 0).UTC()
		out[q] = append(out[q], r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: related: %w", err)
	}
	return out, nil
}
