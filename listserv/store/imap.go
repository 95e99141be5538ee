package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The IMAP view of the archive (archive/imapview) numbers a list's posts
// by their archive id: the UID of a post is its id, its message sequence
// number its rank in the list by id. Every read here is a range of the
// (list_id, id) index or a batch of ids, so a list of any size is served
// in constant memory.

// IMAPPost is what a FETCH needs of a post besides its bytes.
type IMAPPost struct {
	ID     int64
	ListID int64
	Hash   string
	Date   time.Time
	// Size is the size with CRLF line endings (RFC822.SIZE), counted
	// when the post was archived (imap_sizes).
	Size int64
}

// FlagsOp is how IMAPStoreFlags changes a post's flags (RFC 3501 §6.4.6).
type FlagsOp int

const (
	FlagsSet    FlagsOp = iota // FLAGS: replace
	FlagsAdd                   // +FLAGS
	FlagsRemove                // -FLAGS
)

// IMAPSeenFlag is the flag IMAPSeenCount and IMAPFirstUnseen look for.
const IMAPSeenFlag = `\Seen`

// IMAPCount returns how many posts a list's archive holds.
func (s *imapTable) IMAPCount(ctx context.Context, listID int64) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ?`, listID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: imap count: %w", err)
	}
	return n, nil
}

// IMAPCountRange returns how many of a list's posts have after < id <= upTo:
// with after 0, the sequence number of the post upTo.
func (s *imapTable) IMAPCountRange(ctx context.Context, listID, after, upTo int64) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ? AND id > ? AND id <= ?`, listID, after, upTo).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: imap count: %w", err)
	}
	return n, nil
}

// IMAPRanks counts, in one statement, a list's posts between ascending
// ids: counts[i] is how many have ids[i-1] < id <= ids[i] (after in place
// of ids[-1]), so that summing them gives sequence numbers, and have[i]
// says whether ids[i] is a post of the list. The rows counted are those
// between after and the last id, as many as counting each gap apart
// would read; what is saved is a query a gap (an IMAP client fetching 50
// scattered UIDs asked 150 of them).
func (s *imapTable) IMAPRanks(ctx context.Context, listID, after int64, ids []int64) (counts []int, have []bool, err error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	gaps := make([][2]int64, len(ids))
	prev := after
	for i, id := range ids {
		if id < prev {
			return nil, nil, fmt.Errorf("store: imap ranks: ids not ascending (%d after %d)", id, prev)
		}
		gaps[i], prev = [2]int64{prev, id}, id
	}
	b, err := json.Marshal(gaps)
	if err != nil {
		return nil, nil, fmt.Errorf("store: imap ranks: %w", err)
	}
	rows, err := s.query(ctx, `WITH g(k, lo, hi) AS (`+s.pick(`SELECT key, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`,
		`SELECT k, (v->>0)::bigint, (v->>1)::bigint FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS e(v, k)`)+`)
		SELECT (SELECT COUNT(*) FROM archive WHERE list_id = ? AND id > g.lo AND id <= g.hi),
			EXISTS (SELECT 1 FROM archive WHERE list_id = ? AND id = g.hi)
		FROM g ORDER BY g.k`, string(b), listID, listID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: imap ranks: %w", err)
	}
	defer rows.Close()
	counts, have = make([]int, 0, len(ids)), make([]bool, 0, len(ids))
	for rows.Next() {
		var n int
		var ok bool
		if err := rows.Scan(&n, &ok); err != nil {
			return nil, nil, fmt.Errorf("store: imap ranks: %w", err)
		}
		counts, have = append(counts, n), append(have, ok)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: imap ranks: %w", err)
	}
	if len(counts) != len(ids) {
		return nil, nil, fmt.Errorf("store: imap ranks: %d rows for %d ids", len(counts), len(ids))
	}
	return counts, have, nil
}

// IMAPIDs returns the ids of a list's posts with after < id <= upTo,
// ascending, at most limit of them: a page of a UID range.
func (s *imapTable) IMAPIDs(ctx context.Context, listID, after, upTo int64, limit int) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM archive WHERE list_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?`, listID, after, upTo, limit)
	if err != nil {
		return nil, fmt.Errorf("store: imap ids: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: imap ids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap ids: %w", err)
	}
	return ids, nil
}

// IMAPIDAt returns the id of a list's n-th post (1-based, by id) after
// id after (0: the list's seq-th post); ErrNotFound past the last. The
// posts between are stepped over: a caller walking the list finds each
// post from the one before.
func (s *imapTable) IMAPIDAt(ctx context.Context, listID, after int64, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("sequence number %d: %w", n, ErrNotFound)
	}
	var id int64
	err := s.queryRow(ctx, `SELECT id FROM archive WHERE list_id = ? AND id > ? ORDER BY id LIMIT 1 OFFSET ?`, listID, after, n-1).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sequence number %d after %d: %w", n, after, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("store: imap sequence number: %w", err)
	}
	return id, nil
}

// IMAPMaxIDs returns the newest post's id of every list that has one, in
// one query whose cost grows with the number of lists, not of posts (the
// IDLE poller runs it several times a second).
func (s *imapTable) IMAPMaxIDs(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.query(ctx, `SELECT l.id, (SELECT MAX(a.id) FROM archive a WHERE a.list_id = l.id) FROM lists l`)
	if err != nil {
		return nil, fmt.Errorf("store: imap newest posts: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]int64)
	for rows.Next() {
		var list int64
		var max sql.NullInt64
		if err := rows.Scan(&list, &max); err != nil {
			return nil, fmt.Errorf("store: imap newest posts: %w", err)
		}
		if max.Valid {
			out[list] = max.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap newest posts: %w", err)
	}
	return out, nil
}

// idsJSON passes a batch of ids as one parameter (json_each), so that a
// batch of any length is one cached statement.
func idsJSON(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// IMAPPosts returns the posts of a list with the given ids, by id; ids
// that are not the list's are left out.
func (s *imapTable) IMAPPosts(ctx context.Context, listID int64, ids []int64) ([]IMAPPost, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// LEFT JOIN: a post without its size (which ArchivePut and 0012
	// leave none of) is an error, not a post left out.
	rows, err := s.query(ctx, `SELECT a.id, a.list_id, a.hash, a.date, z.size FROM archive a LEFT JOIN imap_sizes z ON z.archive_id = a.id
		WHERE a.list_id = ? AND a.id IN (`+s.jsonIDs()+`) ORDER BY a.id`, listID, idsJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("store: imap posts: %w", err)
	}
	defer rows.Close()
	out := make([]IMAPPost, 0, len(ids))
	for rows.Next() {
		var p IMAPPost
		var date int64
		var size sql.NullInt64
		if err := rows.Scan(&p.ID, &p.ListID, &p.Hash, &date, &size); err != nil {
			return nil, fmt.Errorf("store: imap posts: %w", err)
		}
		if !size.Valid {
			return nil, fmt.Errorf("store: imap posts: post %d has no size (imap_sizes)", p.ID)
		}
		p.Date, p.Size = time.Unix(date, 0).UTC(), size.Int64
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap posts: %w", err)
	}
	return out, nil
}

// IMAPFlags returns the flags a member keeps on the given posts of a list
// (posts without flags are absent).
func (s *imapTable) IMAPFlags(ctx context.Context, listID int64, addr string, ids []int64) (map[int64][]string, error) {
	out := make(map[int64][]string)
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, `SELECT archive_id, flags FROM imap_flags WHERE list_id = ? AND address_key = ? AND archive_id IN (`+s.jsonIDs()+`)`,
		listID, AddressKey(addr), idsJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("store: imap flags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var flags string
		if err := rows.Scan(&id, &flags); err != nil {
			return nil, fmt.Errorf("store: imap flags: %w", err)
		}
		out[id] = strings.Fields(flags)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap flags: %w", err)
	}
	return out, nil
}

// IMAPStoreFlags changes a member's flags on the given posts of a list in
// one transaction (two sessions of one member storing at once both take
// effect) and returns every given post's flags after the change. Flags
// are kept as given (the caller canonicalises them), once each, sorted.
func (s *imapTable) IMAPStoreFlags(ctx context.Context, listID int64, addr string, ids []int64, op FlagsOp, flags []string) (map[int64][]string, error) {
	out := make(map[int64][]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	key := AddressKey(addr)
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("store: imap store flags: %w", err)
	}
	defer release()
	// The flags are read, changed and written back: two sessions of one
	// member (on two nodes) take turns, so neither undoes the other's
	// change (PostgreSQL; SQLite's transaction holds the write lock).
	if err := s.lockKey(ctx, tx, "imap_flags "+key, listID); err != nil {
		return nil, fmt.Errorf("store: imap store flags: %w", err)
	}
	current := make(map[int64][]string, len(ids))
	rows, err := tx.QueryContext(ctx, `SELECT archive_id, flags FROM imap_flags WHERE list_id = ? AND address_key = ? AND archive_id IN (`+s.jsonIDs()+`)`,
		listID, key, idsJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("store: imap store flags: %w", err)
	}
	for rows.Next() {
		var id int64
		var f string
		if err := rows.Scan(&id, &f); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: imap store flags: %w", err)
		}
		current[id] = strings.Fields(f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap store flags: %w", err)
	}
	for _, id := range ids {
		next := ApplyFlags(current[id], op, flags)
		if len(next) > MaxFlags && len(next) > len(current[id]) {
			return nil, fmt.Errorf("store: imap store flags: post %d: %w", id, ErrTooManyFlags)
		}
		out[id] = next
		if slices.Equal(next, current[id]) {
			continue
		}
		if len(next) == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM imap_flags WHERE list_id = ? AND address_key = ? AND archive_id = ?`, listID, key, id)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO imap_flags (list_id, address_key, archive_id, flags) VALUES (?, ?, ?, ?)
				ON CONFLICT (list_id, address_key, archive_id) DO UPDATE SET flags = excluded.flags`, listID, key, id, strings.Join(next, " "))
		}
		if err != nil {
			return nil, fmt.Errorf("store: imap store flags: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: imap store flags: %w", err)
	}
	return out, nil
}

// MaxFlags bounds the flags one member keeps on one post: keywords are a
// client's own words, and one adding new ones command after command would
// grow the row, and every FETCH of it, without end.
const MaxFlags = 64

// ErrTooManyFlags is a change that would leave a post more than MaxFlags
// flags; nothing of it is stored.
var ErrTooManyFlags = errors.New("more than 64 flags on a post")

// ApplyFlags returns cur changed by op with flags: sorted, once each.
// IMAP compares flags case-insensitively (RFC 3501 §2.3.2), so a flag
// already there in another case is the same flag.
func ApplyFlags(cur []string, op FlagsOp, flags []string) []string {
	var out []string
	has := func(list []string, f string) bool {
		return slices.ContainsFunc(list, func(g string) bool { return strings.EqualFold(f, g) })
	}
	switch op {
	case FlagsSet:
		for _, f := range flags {
			if !has(out, f) {
				out = append(out, f)
			}
		}
	case FlagsAdd:
		out = append(out, cur...)
		for _, f := range flags {
			if !has(out, f) {
				out = append(out, f)
			}
		}
	case FlagsRemove:
		for _, f := range cur {
			if !has(flags, f) {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out
}

// IMAPSeenCount returns how many of a list's posts a member has marked
// \Seen.
func (s *imapTable) IMAPSeenCount(ctx context.Context, listID int64, addr string) (int, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM imap_flags f JOIN archive a ON a.id = f.archive_id AND a.list_id = f.list_id
		WHERE f.list_id = ? AND f.address_key = ? AND `+s.instr(`' ' || f.flags || ' '`, `' `+IMAPSeenFlag+` '`)+` > 0`, listID, AddressKey(addr)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: imap seen count: %w", err)
	}
	return n, nil
}

// IMAPFirstUnseen returns the id of a list's first post a member has not
// marked \Seen, or 0 when there is none.
func (s *imapTable) IMAPFirstUnseen(ctx context.Context, listID int64, addr string) (int64, error) {
	var id int64
	err := s.queryRow(ctx, `SELECT a.id FROM archive a WHERE a.list_id = ?1 AND NOT EXISTS (
			SELECT 1 FROM imap_flags f WHERE f.list_id = ?1 AND f.address_key = ?2 AND f.archive_id = a.id AND `+s.instr(`' ' || f.flags || ' '`, `' `+IMAPSeenFlag+` '`)+` > 0)
		ORDER BY a.id LIMIT 1`, listID, AddressKey(addr)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: imap first unseen: %w", err)
	}
	return id, nil
}
