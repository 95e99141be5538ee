package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Removal is the tombstone of a post removed from a list's archive
// (migration 0023): the Message-ID is never archived on that list again.
type Removal struct {
	ListID    int64
	MessageID string
	At        time.Time
	By        string // who removed it
	Reason    string
}

// ArchiveRemove removes the posts with a Message-ID from a list's archive
// and leaves its tombstone (migration 0023 says how), and returns how
// many posts it removed. A Message-ID not in the archive gets its
// tombstone all the same, so that it is never archived there: a leaked
// post can be barred before its re-import.
func (s *archiveTable) ArchiveRemove(ctx context.Context, r Removal) (int, error) {
	if r.MessageID == "" {
		return 0, errors.New("store: archive remove: no Message-ID")
	}
	ids, err := s.removeWhere(ctx, r, `message_id = ?`, r.MessageID)
	return len(ids), err
}

// ArchivePurge removes every post of one sender (From address, compared
// without case) from a list's archive, as ArchiveRemove does each, and
// returns their Message-IDs.
func (s *archiveTable) ArchivePurge(ctx context.Context, r Removal, fromAddr string) ([]string, error) {
	if fromAddr == "" {
		return nil, errors.New("store: archive purge: no address")
	}
	return s.removeWhere(ctx, r, `lower(from_addr) = ?`, strings.ToLower(fromAddr))
}

// MaxRemovalReason bounds the reason kept with a tombstone, in
// characters: a note for the other moderators, not a document.
const MaxRemovalReason = 500

// removalReason is a reason as the tombstone keeps it, whoever gave it
// (the web's form, `praxis archive rm --reason`): one line, at most
// MaxRemovalReason characters.
func removalReason(reason string) string {
	reason = strings.Join(strings.Fields(reason), " ")
	if rs := []rune(reason); len(rs) > MaxRemovalReason {
		reason = string(rs[:MaxRemovalReason])
	}
	return reason
}

// ArchiveRemoved returns the tombstones of a Message-ID on every list.
func (s *archiveTable) ArchiveRemoved(ctx context.Context, messageID string) ([]Removal, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT list_id, message_id, removed_at, removed_by, reason FROM archive_removed WHERE message_id = ? ORDER BY list_id`, messageID)
	if err != nil {
		return nil, fmt.Errorf("store: removed posts: %w", err)
	}
	defer rows.Close()
	var out []Removal
	for rows.Next() {
		var r Removal
		var at int64
		if err := rows.Scan(&r.ListID, &r.MessageID, &at, &r.By, &r.Reason); err != nil {
			return nil, fmt.Errorf("store: removed posts: %w", err)
		}
		r.At = time.Unix(at, 0).UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// removedPost is what removeWhere reads of a post before it goes.
type removedPost struct {
	id                        int64
	messageID, hash, threadID string
	from, subject             string
	date                      int64
}

// removedCols are the columns removedPosts reads.
const removedCols = `id, message_id, hash, thread_id, from_addr, date, subject`

// removedPosts reads the rows of a query of removedCols.
func removedPosts(rows *sql.Rows, err error) ([]removedPost, error) {
	if err != nil {
		return nil, fmt.Errorf("store: archive remove: %w", err)
	}
	defer rows.Close()
	var out []removedPost
	for rows.Next() {
		var p removedPost
		if err := rows.Scan(&p.id, &p.messageID, &p.hash, &p.threadID, &p.from, &p.date, &p.subject); err != nil {
			return nil, fmt.Errorf("store: archive remove: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: archive remove: %w", err)
	}
	return out, nil
}

// tripTwins adds to posts the list's other posts whose bytes are theirs
// after a round trip through other mail tools (RoundTripHash), and
// returns the hashes the tombstone keeps: each post's exact one and its
// RoundTripHash. Only a post whose bytes do not carry its Message-ID can
// have such a twin under another one (a tool keeps the field), and the
// twin is looked for among the posts of the same sender, date and
// subject, which such tools leave as they were.
func (s *archiveTable) tripTwins(ctx context.Context, tx *txn, listID int64, posts *[]removedPost) ([]string, error) {
	type read struct {
		trip  string
		named bool // the bytes name the post's Message-ID
	}
	reads := map[string]*read{} // by hash: twins share their bytes
	bytesOf := func(p removedPost) (*read, error) {
		if r, ok := reads[p.hash]; ok {
			return r, nil
		}
		var raw []byte
		switch err := tx.QueryRowContext(ctx, `SELECT raw FROM archive_blobs WHERE hash = ?`, p.hash).Scan(&raw); {
		case errors.Is(err, sql.ErrNoRows):
			reads[p.hash] = nil
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("store: archive tombstone: %w", err)
		}
		r := &read{trip: RoundTripHash(raw), named: bytes.Contains(HeaderBlock(raw), []byte("<"+p.messageID+">"))}
		reads[p.hash] = r
		return r, nil
	}
	hashes := []string{}
	trips := map[string]bool{}
	seen := map[int64]bool{}
	type key struct {
		from, subject string
		date          int64
	}
	keys := map[key]bool{}
	for _, p := range *posts {
		seen[p.id] = true
		hashes = append(hashes, p.hash)
		r, err := bytesOf(p)
		if err != nil {
			return nil, err
		}
		if r != nil {
			hashes = append(hashes, r.trip)
			trips[r.trip] = true
			if !r.named {
				keys[key{p.from, p.subject, p.date}] = true
			}
		}
	}
	for k := range keys {
		cands, err := removedPosts(tx.QueryContext(ctx, `SELECT `+removedCols+` FROM archive
			WHERE list_id = ? AND from_addr = ? AND date = ? AND subject = ? ORDER BY id`, listID, k.from, k.date, k.subject))
		if err != nil {
			return nil, err
		}
		for _, p := range cands {
			if seen[p.id] {
				continue
			}
			r, err := bytesOf(p)
			if err != nil {
				return nil, err
			}
			if r != nil && trips[r.trip] {
				seen[p.id] = true
				*posts = append(*posts, p)
				hashes = append(hashes, p.hash)
			}
		}
	}
	return hashes, nil
}

// removeWhere removes the posts of r.ListID's archive that match where,
// in one transaction, and returns their Message-IDs (each once).
func (s *archiveTable) removeWhere(ctx context.Context, r Removal, where string, args ...any) ([]string, error) {
	r.Reason = removalReason(r.Reason)
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("store: archive remove: %w", err)
	}
	defer release()
	// Under the list's archive lock, as archiving is: a post archived on
	// another node at the same time sees the tombstone, or is removed.
	if err := s.lockKey(ctx, tx, "archive", r.ListID); err != nil {
		return nil, fmt.Errorf("store: archive remove: %w", err)
	}
	// With the list's other posts of the same bytes: under another
	// Message-ID they are the same post (a post without one, sent twice
	// or imported from an export, is named anew each time).
	posts, err := removedPosts(tx.QueryContext(ctx, `SELECT `+removedCols+` FROM archive WHERE list_id = ? AND (`+where+`
		OR hash IN (SELECT hash FROM archive WHERE list_id = ? AND `+where+`)) ORDER BY id`,
		slices.Concat([]any{r.ListID}, args, []any{r.ListID}, args)...))
	if err != nil {
		return nil, err
	}
	// The bytes' hashes the tombstone keeps, and the list's posts that
	// are the same after a round trip through other mail tools: an
	// export of a post that came without a Message-ID, read by mutt and
	// imported before the removal, is named anew and has other bytes.
	hashes, err := s.tripTwins(ctx, tx, r.ListID, &posts)
	if err != nil {
		return nil, err
	}
	// One tombstone a Message-ID: a purge may meet several copies of one
	// (different bytes), anywhere in id order.
	msgIDs := []string{}
	if r.MessageID != "" && len(posts) == 0 {
		msgIDs = append(msgIDs, r.MessageID)
	}
	for _, p := range posts {
		msgIDs = append(msgIDs, p.messageID)
	}
	slices.Sort(msgIDs)
	msgIDs = slices.Compact(msgIDs)
	for _, m := range msgIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_removed (list_id, message_id, removed_at, removed_by, reason) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (list_id, message_id) DO NOTHING`, r.ListID, m, s.unix(), r.By, r.Reason); err != nil {
			return nil, fmt.Errorf("store: archive tombstone: %w", err)
		}
	}
	// And one a content: the same bytes under another Message-ID (a post
	// that came without one, exported and imported again) stay out too
	// (0037), and so do they after a round trip through other tools
	// (RoundTripHash: other line ends, a mail reader's Status field,
	// ">From " quoting).
	slices.Sort(hashes)
	for _, h := range slices.Compact(hashes) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO archive_removed_hashes (list_id, hash) VALUES (?, ?) ON CONFLICT (list_id, hash) DO NOTHING`, r.ListID, h); err != nil {
			return nil, fmt.Errorf("store: archive tombstone: %w", err)
		}
	}
	// In the bytes' order: on PostgreSQL each removePost locks its
	// bytes' row, and two removals on two lists that share two posts'
	// bytes (a post and its round trip) lock them in one order, never
	// each waiting for the other.
	slices.SortStableFunc(posts, func(a, b removedPost) int { return strings.Compare(a.hash, b.hash) })
	threads := map[string]bool{}
	removed := make([]int64, 0, len(posts))
	for _, p := range posts {
		if err := s.removePost(ctx, tx, p); err != nil {
			return nil, err
		}
		threads[p.threadID] = true
		removed = append(removed, p.id)
	}
	// Their days' packs hold them still: packed again without them, a
	// day once (packs.go).
	if err := s.repackDaysOf(ctx, tx, removed); err != nil {
		return nil, err
	}
	for t := range threads {
		if err := s.recountThread(ctx, tx, r.ListID, t); err != nil {
			return nil, err
		}
	}
	if len(posts) > 0 {
		ids := make([]int64, len(posts))
		for i, p := range posts {
			ids[i] = p.id
		}
		// Every node's indexer takes them out: their rows are under no
		// list now (IndexChange.Gone). Last, as it holds the index clock
		// to the commit (indexlog.go).
		if err := s.logIndexWhere(ctx, tx, false, `id IN (`+s.jsonIDs()+`)`, idsJSON(ids)); err != nil {
			return nil, fmt.Errorf("store: archive remove: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: archive remove: %w", err)
	}
	if len(posts) == 0 {
		return nil, nil
	}
	return msgIDs, nil
}

// removePost moves one post out of its list (the negated list id), blanks
// what it said of itself, and drops what is kept beside it; its bytes and
// header block go unless another post holds the same bytes.
func (s *archiveTable) removePost(ctx context.Context, tx *txn, p removedPost) error {
	stmts := []struct {
		q    string
		args []any
	}{
		{`UPDATE archive SET list_id = -list_id, from_addr = '', from_name = '', subject = '', norm_subject = '', orig_date = '', attachments = '', parent_id = '' WHERE id = ?`, []any{p.id}},
		{`DELETE FROM archive_refs WHERE archive_id = ?`, []any{p.id}},
		{`DELETE FROM archive_links WHERE archive_id = ?`, []any{p.id}},
		{`DELETE FROM imap_sizes WHERE archive_id = ?`, []any{p.id}},
		{`DELETE FROM post_features WHERE archive_id = ?`, []any{p.id}},
		// Its thread's entry of the answers library, which may quote it
		// (the list id is negated by now).
		{`DELETE FROM answers WHERE thread_id = ? AND list_id = (SELECT -list_id FROM archive WHERE id = ?)`, []any{p.threadID, p.id}},
		// And what the last judgement of the thread read (0040): the
		// next reads less of it, and must be written.
		{`DELETE FROM answers_judged WHERE thread_id = ? AND list_id = (SELECT -list_id FROM archive WHERE id = ?)`, []any{p.threadID, p.id}},
		{`DELETE FROM imap_flags WHERE archive_id = ?`, []any{p.id}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("store: archive remove %s: %w", p.messageID, err)
		}
	}
	if s.pg {
		// The bytes' row locked before anyone else's use of them is
		// looked for: a post archived with the same bytes on another
		// list at this moment locks it too (archiveSQL's blob insert),
		// so the look below sees that post once it is committed, or
		// that post's insert waits and writes the bytes again after
		// this delete. (SQLite's writers take turns.)
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM archive_blobs WHERE hash = ? FOR UPDATE`, p.hash); err != nil {
			return fmt.Errorf("store: archive remove %s: %w", p.messageID, err)
		}
	}
	var other int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM archive WHERE hash = ? AND list_id > 0 LIMIT 1`, p.hash).Scan(&other)
	if !errors.Is(err, sql.ErrNoRows) {
		// Another list (or copy) still shows these bytes, or an error.
		if err != nil {
			return fmt.Errorf("store: archive remove %s: %w", p.messageID, err)
		}
		return nil
	}
	for _, q := range []string{`DELETE FROM archive_blobs WHERE hash = ?`, `DELETE FROM imap_headers WHERE hash = ?`} {
		if _, err := tx.ExecContext(ctx, q, p.hash); err != nil {
			return fmt.Errorf("store: archive remove %s: %w", p.messageID, err)
		}
	}
	return nil
}

// recountThread counts a thread's summary again from its posts after a
// removal: gone when none is left, else a new root when the root went.
func (s *archiveTable) recountThread(ctx context.Context, tx *txn, listID int64, thread string) error {
	var n int
	var first, last int64
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(date), 0), COALESCE(MAX(date), 0) FROM archive WHERE list_id = ? AND thread_id = ?`,
		listID, thread).Scan(&n, &first, &last); err != nil {
		return fmt.Errorf("store: thread summary: %w", err)
	}
	var err error
	if n == 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM archive_threads WHERE list_id = ? AND thread_id = ?`, listID, thread)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE archive_threads SET posts = ?, first_date = ?, last_date = ?,
			(root_id, subject) = (SELECT id, subject FROM archive WHERE list_id = ? AND thread_id = ? ORDER BY date, id LIMIT 1)
			WHERE list_id = ? AND thread_id = ?`, n, first, last, listID, thread, listID, thread)
	}
	if err != nil {
		return fmt.Errorf("store: thread summary: %w", err)
	}
	return nil
}
