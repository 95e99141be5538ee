package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// What a learning summary reads of an archive of any size besides the
// weeks it covers: who posted before (each author's first post), the
// earlier posts of the threads it covers, and where its window of
// document frequencies starts. Walking every post up to the week's end
// for these made the summary of a late week cost the whole archive.

// ArchiveAuthor is one From of a list's posts, as archived, and the date
// of the first post that carries it.
type ArchiveAuthor struct {
	Addr, Name string
	First      time.Time
}

// ArchiveAuthors returns every From (address and name) of a list's posts
// dated before before, each with the date of its first post, oldest
// first. The archive_authors index holds all it reads, in its groups'
// order.
func (s *archiveTable) ArchiveAuthors(ctx context.Context, listID int64, before time.Time) ([]ArchiveAuthor, error) {
	// SQLite: a skip scan of archive_authors (0035), one From to the
	// next: each From's first entry in the index is its first post, so
	// the query seeks once or twice a From, whatever the posts; its GROUP
	// BY read every post's entry, which at a hundred times the usrp
	// archive was half of a summary's time budget. PostgreSQL aggregates
	// the entries faster than it steps through such a recursion, and
	// planned each step of it without the index when its statistics
	// predated a bulk import (8 s for 5,000 Froms of 10,000 posts, where
	// the GROUP BY took 13 ms): it keeps the GROUP BY.
	rows, err := s.db.QueryContext(ctx, s.pick(`WITH RECURSIVE g(id, addr, name) AS (
			SELECT id, from_addr, from_name FROM (SELECT id, from_addr, from_name FROM archive WHERE list_id = ?1
				ORDER BY from_addr, from_name, date LIMIT 1) f
			UNION ALL
			SELECT a.id, a.from_addr, a.from_name FROM g JOIN archive a ON a.id = COALESCE(
				(SELECT x.id FROM archive x WHERE x.list_id = ?1 AND x.from_addr = g.addr AND x.from_name > g.name
					ORDER BY x.from_name, x.date LIMIT 1),
				(SELECT x.id FROM archive x WHERE x.list_id = ?1 AND x.from_addr > g.addr
					ORDER BY x.from_addr, x.from_name, x.date LIMIT 1)))
		SELECT a.from_addr, a.from_name, a.date FROM g JOIN archive a ON a.id = g.id WHERE a.date < ?2
		ORDER BY a.date, a.from_addr, a.from_name`,
		`SELECT from_addr, from_name, MIN(date) AS first FROM archive WHERE list_id = ?1 AND date < ?2
		GROUP BY from_addr, from_name ORDER BY first, from_addr, from_name`), listID, before.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: archive authors: %w", err)
	}
	defer rows.Close()
	var out []ArchiveAuthor
	for rows.Next() {
		var a ArchiveAuthor
		var first int64
		if err := rows.Scan(&a.Addr, &a.Name, &first); err != nil {
			return nil, fmt.Errorf("store: archive authors: %w", err)
		}
		a.First = time.Unix(first, 0).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: archive authors: %w", err)
	}
	return out, nil
}

// ArchiveThreadPosts returns the posts of a list's threads threadIDs
// dated before before, oldest first.
func (s *archiveTable) ArchiveThreadPosts(ctx context.Context, listID int64, threadIDs []string, before time.Time) ([]*ArchivedPost, error) {
	if len(threadIDs) == 0 {
		return nil, nil
	}
	// Only a thread started before before has a post before it
	// (archive_threads keeps each thread's first date in the
	// transactions that change its posts). When the list has no more
	// such threads than are asked for, as in an archive's first weeks or
	// a young list's, they are read from the front of
	// archive_threads_started, a few pages in a row, and only those of
	// them asked for are looked up: at a hundred times usrp-users'
	// traffic, the busiest week (three weeks after the archive's first
	// post) looked its 2,501 active threads up in archive_thread for
	// none, 8 ms warm and 130-180 ms with the page cache dropped, now 1
	// ms cold. Otherwise the read stops at one more than asked for (a
	// week a year into that archive, 1,603 threads looked up: about 1.5
	// ms more, warm).
	started, err := s.threadsStartedBefore(ctx, listID, before, len(threadIDs)+1)
	if err != nil {
		return nil, err
	}
	if len(started) <= len(threadIDs) {
		asked := make(map[string]bool, len(threadIDs))
		for _, id := range threadIDs {
			asked[id] = true
		}
		threadIDs = slices.DeleteFunc(started, func(id string) bool { return !asked[id] })
		if len(threadIDs) == 0 {
			return nil, nil
		}
	}
	js, err := json.Marshal(threadIDs)
	if err != nil {
		return nil, fmt.Errorf("store: thread posts: %w", err)
	}
	// The threads' own posts (archive_thread), their date bounded in
	// that index, so that each thread's look-up stops at the bound
	// rather than reading the entries of all its posts: SQLite is told
	// to take that index, as offered archive_list_date for the date or
	// the order it walked every post of the list instead. At a hundred
	// times usrp-users' traffic, the busiest week's 2,501 threads (none
	// with a post older than the window) took 8.6 ms warm and 114-124 ms
	// with the page cache dropped, against 10.5 and 125-154 with the
	// date left to each entry. The posts are put in order here.
	rows, err := s.db.QueryContext(ctx, `SELECT `+archiveCols+` FROM archive `+s.pick(`INDEXED BY archive_thread`, ``)+` WHERE list_id = ? AND thread_id IN (`+s.jsonTexts()+`) AND date < ?`,
		listID, string(js), before.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: thread posts: %w", err)
	}
	defer rows.Close()
	var out []*ArchivedPost
	for rows.Next() {
		p, err := scanArchived(rows)
		if err != nil {
			return nil, fmt.Errorf("store: thread posts: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: thread posts: %w", err)
	}
	slices.SortFunc(out, ArchiveOrder)
	return out, nil
}

// threadsStartedBefore returns the ids of up to n threads of a list whose
// first post is dated before before, oldest first.
func (s *archiveTable) threadsStartedBefore(ctx context.Context, listID int64, before time.Time, n int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT thread_id FROM archive_threads WHERE list_id = ? AND first_date < ? ORDER BY first_date LIMIT ?`, listID, before.Unix(), n)
	if err != nil {
		return nil, fmt.Errorf("store: thread posts: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: thread posts: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: thread posts: %w", err)
	}
	return ids, nil
}

// ArchiveNewestDate returns the date of a list's n-th newest post dated
// before before (n counts from 1), and false when it has fewer posts
// than that before then.
func (s *archiveTable) ArchiveNewestDate(ctx context.Context, listID int64, before time.Time, n int) (time.Time, bool, error) {
	if n < 1 {
		return time.Time{}, false, fmt.Errorf("store: newest date: n is %d", n)
	}
	var d int64
	err := s.db.QueryRowContext(ctx, `SELECT date FROM archive WHERE list_id = ? AND date < ? ORDER BY date DESC LIMIT 1 OFFSET ?`,
		listID, before.Unix(), n-1).Scan(&d)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, fmt.Errorf("store: newest date: %w", err)
	}
	return time.Unix(d, 0).UTC(), true, nil
}

// ArchiveOrder is the archive's order of posts, ArchiveEach's: by date,
// then by id.
func ArchiveOrder(a, b *ArchivedPost) int {
	if c := a.Date.Compare(b.Date); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
