package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"praxis/listserv/mailmsg"
)

// ThreadSummary is one thread as a listing shows it.
type ThreadSummary struct {
	ListID    int64
	ThreadID  string
	RootID    int64 // the archive id of its first post
	Subject   string
	Posts     int
	FirstDate time.Time
	LastDate  time.Time
}

const threadCols = `list_id, thread_id, root_id, subject, posts, first_date, last_date`

func scanThread(row interface{ Scan(...any) error }) (*ThreadSummary, error) {
	var t ThreadSummary
	var first, last int64
	if err := row.Scan(&t.ListID, &t.ThreadID, &t.RootID, &t.Subject, &t.Posts, &first, &last); err != nil {
		return nil, err
	}
	t.FirstDate, t.LastDate = time.Unix(first, 0).UTC(), time.Unix(last, 0).UTC()
	return &t, nil
}

// ThreadCursor marks where a page of threads ended: the last one's latest
// date and id. The zero value starts at the newest.
type ThreadCursor struct {
	LastDate time.Time
	ThreadID string
}

// ArchiveThreads returns up to limit threads of a list, the most recently
// active first, starting after the cursor (keyset paging: every page costs
// the same, however deep).
func (s *threadTable) ArchiveThreads(ctx context.Context, listID int64, after ThreadCursor, limit int) ([]*ThreadSummary, error) {
	q := `SELECT ` + threadCols + ` FROM archive_threads WHERE list_id = ?`
	args := []any{listID}
	if after.ThreadID != "" {
		// The date's bound apart from the OR, so that the database seeks
		// to it in archive_threads_latest (ArchiveEach says why): a page
		// deep in the archive cost a walk of every newer thread.
		q += ` AND last_date <= ? AND (last_date < ? OR (last_date = ? AND thread_id < ?))`
		args = append(args, after.LastDate.Unix(), after.LastDate.Unix(), after.LastDate.Unix(), after.ThreadID)
	}
	q += ` ORDER BY last_date DESC, thread_id DESC LIMIT ?`
	args = append(args, limit)
	return s.threads(ctx, q, args...)
}

func (s *core) threads(ctx context.Context, q string, args ...any) ([]*ThreadSummary, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: threads: %w", err)
	}
	defer rows.Close()
	var out []*ThreadSummary
	for rows.Next() {
		t, err := scanThread(rows)
		if err != nil {
			return nil, fmt.Errorf("store: threads: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ArchiveThreadSummary returns one thread's summary.
func (s *threadTable) ArchiveThreadSummary(ctx context.Context, listID int64, threadID string) (*ThreadSummary, error) {
	t, err := scanThread(s.db.QueryRowContext(ctx, `SELECT `+threadCols+` FROM archive_threads WHERE list_id = ? AND thread_id = ?`, listID, threadID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("thread %s: %w", threadID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: thread %s: %w", threadID, err)
	}
	return t, nil
}

// ArchiveThreadCount returns how many threads a list's archive has.
func (s *threadTable) ArchiveThreadCount(ctx context.Context, listID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive_threads WHERE list_id = ?`, listID).Scan(&n)
	return n, err
}

// ArchivePostCount returns how many posts a list's archive has.
func (s *threadTable) ArchivePostCount(ctx context.Context, listID int64) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ?`, listID).Scan(&n)
	return n, err
}

// ArchiveByID returns one archived post.
func (s *threadTable) ArchiveByID(ctx context.Context, id int64) (*ArchivedPost, error) {
	p, err := scanArchived(s.db.QueryRowContext(ctx, `SELECT `+archiveCols+` FROM archive WHERE id = ? AND list_id > 0`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("archived post %d: %w", id, ErrNotFound)
	}
	return p, err
}

// ArchiveFind returns the posts with a Message-ID on every list, the
// first archived first (a post sent to two lists is in both archives; a
// later post that borrows the id comes after the one it imitates).
func (s *threadTable) ArchiveFind(ctx context.Context, messageID string) ([]*ArchivedPost, error) {
	return s.posts(ctx, "find "+messageID, `SELECT `+archiveCols+` FROM archive WHERE message_id = ? AND list_id > 0 ORDER BY id`, messageID)
}

// posts runs a query for archived posts; what names it in errors.
func (s *core) posts(ctx context.Context, what, q string, args ...any) ([]*ArchivedPost, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*ArchivedPost
	for rows.Next() {
		p, err := scanArchived(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// WeekCount is the number of posts in the week starting on Start (a
// Monday, UTC).
type WeekCount struct {
	Start time.Time
	Posts int
}

// ArchiveWeekly counts a list's posts per week from since on, oldest
// first; weeks without posts are included, with zero.
func (s *threadTable) ArchiveWeekly(ctx context.Context, listID int64, since, until time.Time) ([]WeekCount, error) {
	start := monday(since)
	// 1970-01-01 was a Thursday; the weeks here start on Mondays, which
	// is 4 days later (345600 s).
	rows, err := s.db.QueryContext(ctx, `SELECT (date - 345600) / 604800, COUNT(*) FROM archive WHERE list_id = ? AND date >= ? AND date < ? GROUP BY 1`,
		listID, start.Unix(), until.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: weekly: %w", err)
	}
	defer rows.Close()
	counts := map[int64]int{}
	for rows.Next() {
		var wk int64
		var n int
		if err := rows.Scan(&wk, &n); err != nil {
			return nil, err
		}
		counts[wk] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []WeekCount
	for w := start; w.Before(until); w = w.AddDate(0, 0, 7) {
		out = append(out, WeekCount{Start: w, Posts: counts[(w.Unix()-345600)/604800]})
	}
	return out, nil
}

func monday(t time.Time) time.Time {
	t = t.UTC().Truncate(24 * time.Hour)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// ArchiveActiveThreads returns the threads with the most posts dated in
// [since, until), the busiest first, with Posts counting those posts only.
// Grouped by the thread's whole key: PostgreSQL takes the other columns of
// archive_threads only then (SQLite takes them anyway).
func (s *threadTable) ArchiveActiveThreads(ctx context.Context, listID int64, since, until time.Time, limit int) ([]*ThreadSummary, error) {
	return s.threads(ctx, `SELECT t.list_id, t.thread_id, t.root_id, t.subject, COUNT(*), t.first_date, t.last_date
		FROM archive a JOIN archive_threads t ON t.list_id = a.list_id AND t.thread_id = a.thread_id
		WHERE a.list_id = ? AND a.date >= ? AND a.date < ?
		GROUP BY t.list_id, t.thread_id ORDER BY COUNT(*) DESC, t.last_date DESC LIMIT ?`, listID, since.Unix(), until.Unix(), limit)
}

// Helper is a member who answered others in a period.
type Helper struct {
	Address, Name string
	Threads       int // threads started by someone else that they replied to
	Replies       int
}

// ArchiveHelpers returns who replied in the most threads started by
// someone else, among posts dated in [since, until). People are told
// apart as the pages tell them (mailmsg.AuthorKey): the posts a list
// munged for DMARC ("Ann via CoP" <cop@…>) are their authors', by name,
// not all the list's address's; such a helper has no Address. The
// database groups their replies by author, name and thread; the rows are
// merged here into people, by what the names say.
func (s *threadTable) ArchiveHelpers(ctx context.Context, listID int64, since, until time.Time, limit int) ([]Helper, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.from_addr, a.from_name, a.thread_id, r.from_addr, r.from_name, COUNT(*)
		FROM archive a
		JOIN archive_threads t ON t.list_id = a.list_id AND t.thread_id = a.thread_id
		JOIN archive r ON r.id = t.root_id
		WHERE a.list_id = ? AND a.date >= ? AND a.date < ? AND a.id <> t.root_id AND a.from_addr <> ''
		GROUP BY a.from_addr, a.from_name, a.thread_id, r.from_addr, r.from_name
		ORDER BY MAX(a.id)`, listID, since.Unix(), until.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: helpers: %w", err)
	}
	defer rows.Close()
	type counted struct {
		Helper
		key     string
		threads map[string]bool
	}
	by := map[string]*counted{}
	for rows.Next() {
		var addr, name, thread, rootAddr, rootName string
		var replies int
		if err := rows.Scan(&addr, &name, &thread, &rootAddr, &rootName, &replies); err != nil {
			return nil, fmt.Errorf("store: helpers: %w", err)
		}
		key := mailmsg.AuthorKey(addr, name)
		if key == mailmsg.AuthorKey(rootAddr, rootName) {
			continue // the thread's own starter
		}
		h := by[key]
		if h == nil {
			h = &counted{key: key, threads: map[string]bool{}}
			by[key] = h
		}
		if strings.HasPrefix(key, "name:") {
			h.Name = mailmsg.Demunged(name) // the address is the list's
		} else {
			h.Address = addr
			if name != "" {
				h.Name = name // the latest name they gave
			}
		}
		h.threads[thread] = true
		h.Replies += replies
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: helpers: %w", err)
	}
	all := make([]*counted, 0, len(by))
	for _, h := range by {
		h.Threads = len(h.threads)
		all = append(all, h)
	}
	slices.SortFunc(all, func(a, b *counted) int {
		return cmp.Or(cmp.Compare(b.Threads, a.Threads), cmp.Compare(b.Replies, a.Replies), cmp.Compare(a.key, b.key))
	})
	out := make([]Helper, 0, min(limit, len(all)))
	for _, h := range all[:min(limit, len(all))] {
		out = append(out, h.Helper)
	}
	return out, nil
}

// ArchiveThreadAuthors returns how many different people wrote in each
// of the threads.
func (s *threadTable) ArchiveThreadAuthors(ctx context.Context, listID int64, threadIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if len(threadIDs) == 0 {
		return out, nil
	}
	args := []any{listID}
	for _, t := range threadIDs {
		args = append(args, t)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT thread_id, COUNT(DISTINCT from_addr) FROM archive WHERE list_id = ? AND thread_id IN (?`+
		strings.Repeat(", ?", len(threadIDs)-1)+`) GROUP BY thread_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: thread authors: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, rows.Err()
}

// Link is a URL a post shared.
type Link struct {
	ArchiveID int64
	ListID    int64
	URL       string
	Date      time.Time
}

// Resource is a link or a file shared on a list, with the post it came in.
type Resource struct {
	Kind      string // "link" or "file"
	Value     string // the URL or the file name
	ArchiveID int64
	ThreadID  string
	MessageID string
	Subject   string
	FromAddr  string
	FromName  string
	Date      time.Time
	// Posts counts the posts that shared a link (1 for a file): a link is
	// one entry, shown with its latest post.
	Posts int
}

// PutLinks records the links of posts (idempotent).
func (s *core) putLinks(ctx context.Context, tx *txn, links []Link) error {
	if len(links) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO archive_links (archive_id, list_id, url, date) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("store: links: %w", err)
	}
	defer stmt.Close()
	for _, l := range links {
		if _, err := stmt.ExecContext(ctx, l.ArchiveID, l.ListID, l.URL, l.Date.Unix()); err != nil {
			return fmt.Errorf("store: links: %w", err)
		}
	}
	return nil
}

// ArchiveResources returns the links and files shared on a list, newest
// first, those whose URL or name contains q when q is not empty; offset
// pages them.
func (s *threadTable) ArchiveResources(ctx context.Context, listID int64, q string, offset, limit int) ([]Resource, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(q)) + "%"
	// A link is one entry, with the posts that shared it counted and the
	// latest of them shown. Left out: the links of signatures (found in 3
	// or more posts by fewer than a third as many authors: the same few
	// people's every post), of banners (in 20 or more posts and more than
	// one post in 20 of the list's: a company's disclaimer, an
	// advertisement), and the mailing list's own pages, which list
	// footers that went undetected carry.
	rows, err := s.db.QueryContext(ctx, `SELECT kind, value, a.id, a.thread_id, a.message_id, a.subject, a.from_addr, a.from_name, r.date, r.posts FROM (
			SELECT 'link' AS kind, l.url AS value, MAX(l.archive_id) AS id, MAX(l.date) AS date, COUNT(DISTINCT l.archive_id) AS posts
			FROM archive_links l JOIN archive p ON p.id = l.archive_id
			WHERE l.list_id = ?1 AND lower(l.url) LIKE ?2 ESCAPE '\'
			  AND lower(l.url) NOT LIKE '%/mailman/listinfo%' AND lower(l.url) NOT LIKE '%/postorius/%' AND lower(l.url) NOT LIKE '%/mailman3/lists/%'
			GROUP BY l.url
			HAVING (COUNT(DISTINCT l.archive_id) < 3 OR COUNT(DISTINCT p.from_addr) * 3 > COUNT(DISTINCT l.archive_id))
			   AND (COUNT(DISTINCT l.archive_id) < 20 OR COUNT(DISTINCT l.archive_id) * 20 <= (SELECT COUNT(*) FROM archive WHERE list_id = ?1))
			UNION ALL
			SELECT 'file', attachments, id, date, 1 FROM archive WHERE list_id = ?1 AND attachments <> '' AND lower(attachments) LIKE ?2 ESCAPE '\'
		) r JOIN archive a ON a.id = r.id ORDER BY r.date DESC, r.id DESC, kind, value LIMIT ?3 OFFSET ?4`, listID, like, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: resources: %w", err)
	}
	defer rows.Close()
	var out []Resource
	for rows.Next() {
		var r Resource
		var date int64
		if err := rows.Scan(&r.Kind, &r.Value, &r.ArchiveID, &r.ThreadID, &r.MessageID, &r.Subject, &r.FromAddr, &r.FromName, &date, &r.Posts); err != nil {
			return nil, err
		}
		r.Date = time.Unix(date, 0).UTC()
		if r.Kind == "file" {
			// One row per post: a name per attachment.
			for _, name := range strings.Split(r.Value, "\n") {
				if q == "" || strings.Contains(strings.ToLower(name), strings.ToLower(q)) {
					f := r
					f.Value = name
					out = append(out, f)
				}
			}
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ArchiveLatest returns a list's newest posts, newest first.
func (s *threadTable) ArchiveLatest(ctx context.Context, listID int64, limit int) ([]*ArchivedPost, error) {
	return s.posts(ctx, "latest", `SELECT `+archiveCols+` FROM archive WHERE list_id = ? ORDER BY date DESC, id DESC LIMIT ?`, listID, limit)
}

// ArchiveByIDs returns the posts with these archive ids, in that order;
// ids not found are skipped.
func (s *threadTable) ArchiveByIDs(ctx context.Context, ids []int64) ([]*ArchivedPost, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+archiveCols+` FROM archive WHERE list_id > 0 AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: posts: %w", err)
	}
	defer rows.Close()
	byID := map[int64]*ArchivedPost{}
	for rows.Next() {
		p, err := scanArchived(rows)
		if err != nil {
			return nil, err
		}
		byID[p.ID] = p
	}
	out := make([]*ArchivedPost, 0, len(ids))
	for _, id := range ids {
		if p := byID[id]; p != nil {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// ArchiveCountBetween counts a list's posts dated in [since, until).
func (s *threadTable) ArchiveCountBetween(ctx context.Context, listID int64, since, until time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ? AND date >= ? AND date < ?`, listID, since.Unix(), until.Unix()).Scan(&n)
	return n, err
}

// ArchiveBytesArrived sums the sizes of a list's posts archived in
// [since, until): what waits for the next digest.
func (s *threadTable) ArchiveBytesArrived(ctx context.Context, listID int64, since, until time.Time) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(size), 0) FROM archive WHERE list_id = ? AND archived_at >= ? AND archived_at < ?`, listID, since.Unix(), until.Unix()).Scan(&n)
	return n, err
}

// ArchiveBusiestWeek returns the Monday (UTC) that starts the week with
// the most posts on a list, and how many there were.
func (s *threadTable) ArchiveBusiestWeek(ctx context.Context, listID int64) (time.Time, int, error) {
	var wk int64
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (date - 345600) / 604800, COUNT(*) FROM archive WHERE list_id = ? GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`, listID).Scan(&wk, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, 0, fmt.Errorf("busiest week: %w", ErrNotFound)
	}
	return time.Unix(wk*604800+345600, 0).UTC(), n, err
}

// ArchiveCountArrived counts the posts ArchiveArrivedBetween would return.
func (s *threadTable) ArchiveCountArrived(ctx context.Context, listID int64, since, until, notBefore time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ? AND archived_at >= ? AND archived_at < ? AND date >= ?`,
		listID, since.Unix(), until.Unix(), notBefore.Unix()).Scan(&n)
	return n, err
}

// ArchiveArrivedBetween returns the bytes of a list's posts archived in
// [since, until) and dated on or after notBefore, oldest first by date:
// a digest's posts. By arrival, so a post approved late or with a slow
// clock still reaches the next digest; not older than notBefore, so an
// import of old mail does not.
func (s *threadTable) ArchiveArrivedBetween(ctx context.Context, listID int64, since, until, notBefore time.Time) ([][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT b.raw FROM archive a JOIN archive_blobs b ON b.hash = a.hash
		WHERE a.list_id = ? AND a.archived_at >= ? AND a.archived_at < ? AND a.date >= ? ORDER BY a.date, a.id`,
		listID, since.Unix(), until.Unix(), notBefore.Unix())
	if err != nil {
		return nil, fmt.Errorf("store: posts arrived: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		out = append(out, raw)
	}
	return out, rows.Err()
}
