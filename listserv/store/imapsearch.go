package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// IMAPFilter is the part of an IMAP SEARCH the database answers by
// itself: archive ids, dates, sizes and LIKE patterns on the decoded
// subject and author columns. Every field narrows (they are ANDed); the
// zero value keeps every post of the list. The IMAP view verifies what a
// column cannot decide (a field's whole decoded text) on the posts the
// filter leaves.
type IMAPFilter struct {
	// MinID and MaxID bound the archive ids (both included); 0 is open.
	MinID, MaxID int64
	// In restricts the ids to these (at most IMAPSearchChunk of them);
	// nil leaves them free.
	In []int64
	// Since and Before bound the archive date in Unix seconds: date >=
	// Since, date < Before; 0 is open.
	Since, Before int64
	// Larger and Smaller bound the size with CRLF line ends
	// (RFC822.SIZE, kept in imap_sizes when the post was archived) as
	// IMAP's LARGER and SMALLER do: size > Larger, size < Smaller; 0 is
	// open.
	Larger, Smaller int64
	// Subject holds LIKE patterns (escape \) the subject column must each
	// match, ASCII case-insensitively as SQLite's LIKE does.
	Subject []string
	// Author holds LIKE patterns each of which the author's name or
	// address column must match.
	Author []string
	// SubjectHas and AuthorHas hold strings the subject column, or the
	// author's name or address column, must each contain, ASCII letters
	// compared case-insensitively (as LIKE does, and cheaper than LIKE's
	// pattern walk): instr over lower(), whose folding is ASCII's.
	SubjectHas, AuthorHas []string
	// HeadLike holds LIKE patterns for the first HeadBytes bytes of the
	// stored message. A post passes a pattern when that start matches it,
	// or when it cannot be judged by bytes: it holds a NUL (where LIKE's
	// text ends), an encoded word ("=?", whose decoded text the bytes do
	// not show), or no blank line (its header goes on past HeadBytes).
	// What passes is a superset the caller verifies.
	HeadLike  []string
	HeadBytes int
}

// IMAPSearchChunk bounds the ids one IMAPFilter.In or IMAPHeads call
// takes: SQLite binds at most 32,766 parameters, and a statement of a
// few hundred stays cheap to prepare.
const IMAPSearchChunk = 500

// IMAPHead is the start of one stored post: its header when the header
// fits in the bytes asked for.
type IMAPHead struct {
	ID    int64
	Bytes []byte
	// Whole is true when Bytes is the whole stored message. (A kept
	// header block ends with the empty line, so a post that has a body
	// is never Whole: its header is complete.)
	Whole bool
}

// IMAPSearch is what the IMAP view's SEARCH, SORT and THREAD read: ids
// through a filter, in pages; the start of posts' bytes; their
// references; and the n-th post of a list, for sequence numbers.
type IMAPSearch interface {
	IMAPSearchIDs(ctx context.Context, listID int64, f *IMAPFilter, after int64, limit int) ([]int64, error)
	IMAPHeads(ctx context.Context, ids []int64, max int) ([]IMAPHead, error)
	IMAPRefs(ctx context.Context, ids []int64) (map[int64][]string, error)
	IMAPMaxID(ctx context.Context, listID int64) (int64, error)
}

var _ IMAPSearch = imapSearchTable{}

// likeEscape is the escape character of IMAPFilter's patterns.
const likeEscape = `\`

// IMAPSearchIDs returns up to limit ids of the list's posts that pass f,
// greater than after, ascending: a caller pages through a list of any
// size with the last id it got.
func (s imapSearchTable) IMAPSearchIDs(ctx context.Context, listID int64, f *IMAPFilter, after int64, limit int) ([]int64, error) {
	if f == nil {
		f = &IMAPFilter{}
	}
	if len(f.In) > IMAPSearchChunk {
		return nil, fmt.Errorf("store: imap search: %d ids, at most %d: %w", len(f.In), IMAPSearchChunk, ErrInvalid)
	}
	var b strings.Builder
	args := []any{listID, after}
	b.WriteString(`SELECT id FROM archive WHERE list_id = ? AND id > ?`)
	if len(f.HeadLike) > 0 && f.HeadBytes <= 0 {
		return nil, fmt.Errorf("store: imap search: HeadLike without HeadBytes: %w", ErrInvalid)
	}
	cond := func(sqlText string, a ...any) {
		b.WriteString(" AND ")
		b.WriteString(sqlText)
		args = append(args, a...)
	}
	if f.MinID > 0 {
		cond(`id >= ?`, f.MinID)
	}
	if f.MaxID > 0 {
		cond(`id <= ?`, f.MaxID)
	}
	if f.In != nil {
		if len(f.In) == 0 {
			return nil, nil
		}
		ph := strings.Repeat(", ?", len(f.In)-1)
		in := make([]any, len(f.In))
		for i, id := range f.In {
			in[i] = id
		}
		cond(`id IN (?`+ph+`)`, in...)
	}
	if f.Since != 0 {
		cond(`date >= ?`, f.Since)
	}
	if f.Before != 0 {
		cond(`date < ?`, f.Before)
	}
	if f.Larger > 0 {
		cond(`(SELECT z.size FROM imap_sizes z WHERE z.archive_id = archive.id) > ?`, f.Larger)
	}
	if f.Smaller > 0 {
		cond(`(SELECT z.size FROM imap_sizes z WHERE z.archive_id = archive.id) < ?`, f.Smaller)
	}
	for _, p := range f.Subject {
		cond(`subject `+s.like()+` ? ESCAPE '`+likeEscape+`'`, p)
	}
	for _, h := range f.SubjectHas {
		cond(s.instr(`lower(subject)`, `?`)+` > 0`, asciiLower(h))
	}
	for _, h := range f.AuthorHas {
		cond(`(`+s.instr(`lower(from_name)`, `?`)+` > 0 OR `+s.instr(`lower(from_addr)`, `?`)+` > 0)`, asciiLower(h), asciiLower(h))
	}
	for _, p := range f.Author {
		cond(`(from_name `+s.like()+` ? ESCAPE '`+likeEscape+`' OR from_addr `+s.like()+` ? ESCAPE '`+likeEscape+`')`, p, p)
	}
	for _, p := range f.HeadLike {
		// Read for the rows every other condition kept, as SQLite
		// evaluates this last: the post's kept header block
		// (imap_headers) when there is one, else the blob (COALESCE
		// reads b.raw only then). The header block is the blob's start,
		// so the test is the same, less the body's false positives.
		n := f.HeadBytes
		if s.pg {
			// PostgreSQL compares bytes with bytea's LIKE, which knows no
			// case: both sides with ASCII letters lowered (encode's escape
			// form is ASCII, so lower() touches nothing else). Its _ is a
			// byte where SQLite's is a character: as %, it keeps every
			// post SQLite's would (a superset is what HeadLike promises).
			cond(`EXISTS (SELECT 1 FROM archive_blobs b LEFT JOIN imap_headers h ON h.hash = b.hash WHERE b.hash = archive.hash AND (
			decode(lower(encode(substr(COALESCE(h.head, b.raw), 1, ?), 'escape')), 'escape') LIKE ?
			OR position('\x00'::bytea IN substr(COALESCE(h.head, b.raw), 1, ?)) > 0
			OR position('\x3d3f'::bytea IN substr(COALESCE(h.head, b.raw), 1, ?)) > 0
			OR (position('\x0a0a'::bytea IN substr(COALESCE(h.head, b.raw), 1, ?)) = 0 AND position('\x0a0d0a'::bytea IN substr(COALESCE(h.head, b.raw), 1, ?)) = 0)))`,
				n, []byte(bytesLike(asciiLower(p))), n, n, n, n)
			continue
		}
		cond(`EXISTS (SELECT 1 FROM archive_blobs b LEFT JOIN imap_headers h ON h.hash = b.hash WHERE b.hash = archive.hash AND (
			CAST(substr(COALESCE(h.head, b.raw), 1, ?) AS TEXT) LIKE ? ESCAPE '`+likeEscape+`'
			OR instr(substr(COALESCE(h.head, b.raw), 1, ?), X'00') > 0
			OR instr(substr(COALESCE(h.head, b.raw), 1, ?), X'3D3F') > 0
			OR (instr(substr(COALESCE(h.head, b.raw), 1, ?), X'0A0A') = 0 AND instr(substr(COALESCE(h.head, b.raw), 1, ?), X'0A0D0A') = 0)))`, n, p, n, n, n, n)
	}
	b.WriteString(` ORDER BY id LIMIT ?`)
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: imap search: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: imap search: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap search: %w", err)
	}
	return out, nil
}

// IMAPHeads returns the start of each post (in the order of ids; unknown
// ids are skipped), at most max bytes: its header block as kept in
// imap_headers when there is one, else its first max bytes; enough to
// read the header of nearly every post without reading its body.
func (s imapSearchTable) IMAPHeads(ctx context.Context, ids []int64, max int) ([]IMAPHead, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > IMAPSearchChunk {
		return nil, fmt.Errorf("store: imap heads: %d ids, at most %d: %w", len(ids), IMAPSearchChunk, ErrInvalid)
	}
	args := []any{max, max}
	for _, id := range ids {
		args = append(args, id)
	}
	// The kept header block (imap_headers) when there is one: the post's
	// bytes are then not read at all (COALESCE stops at the first
	// value, and length() of a blob reads no content).
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, COALESCE(substr(h.head, 1, ?), substr(b.raw, 1, ?)), length(b.raw)
		FROM archive a JOIN archive_blobs b ON b.hash = a.hash LEFT JOIN imap_headers h ON h.hash = a.hash
		WHERE a.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: imap heads: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]IMAPHead, len(ids))
	for rows.Next() {
		var h IMAPHead
		var n int
		if err := rows.Scan(&h.ID, &h.Bytes, &n); err != nil {
			return nil, fmt.Errorf("store: imap heads: %w", err)
		}
		h.Whole = len(h.Bytes) >= n
		byID[h.ID] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap heads: %w", err)
	}
	out := make([]IMAPHead, 0, len(byID))
	for _, id := range ids {
		if h, ok := byID[id]; ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// IMAPRefs returns the references each post was threaded by, the closest
// parent first (the order ArchivePut stored them in).
func (s imapSearchTable) IMAPRefs(ctx context.Context, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	for start := 0; start < len(ids); start += IMAPSearchChunk {
		chunk := ids[start:min(len(ids), start+IMAPSearchChunk)]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT archive_id, ref FROM archive_refs WHERE archive_id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY archive_id, rowid`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: imap refs: %w", err)
		}
		for rows.Next() {
			var id int64
			var ref string
			if err := rows.Scan(&id, &ref); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: imap refs: %w", err)
			}
			out[id] = append(out[id], ref)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: imap refs: %w", err)
		}
	}
	return out, nil
}

// IMAPMaxID returns the highest id of the list's posts, 0 for an empty
// list.
func (s imapSearchTable) IMAPMaxID(ctx context.Context, listID int64) (int64, error) {
	var id sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM archive WHERE list_id = ?`, listID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: last post: %w", err)
	}
	return id.Int64, nil
}

// bytesLike is a LIKE pattern (escape \) with each unescaped _ made %.
func bytesLike(p string) string {
	b := []byte(p)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '_':
			b[i] = '%'
		}
	}
	return string(b)
}
