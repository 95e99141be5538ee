package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"praxis/listserv/mailmsg"
)

// ArchivedPost is what the archive keeps about a post besides its bytes.
type ArchivedPost struct {
	ID          int64
	ListID      int64
	MessageID   string
	Hash        string
	Date        time.Time // for sorting: a wildly wrong Date is clamped
	OrigDate    string    // the Date field as written
	FromAddr    string
	FromName    string
	Subject     string
	NormSubject string // without prefixes and reply markers, lower case
	Size        int
	Attachments []string
	ThreadID    string
	ParentID    string // the Message-ID of the parent, which may be a ghost
	// Threading input, not stored as columns: the closest parent first,
	// the thread's root last; at most MaxRefs.
	Refs    []string
	IsReply bool // the subject says Re: (for the subject fallback)
	// Features, when set, are kept beside a new post (post_features,
	// 0029), in the transaction that stores it.
	Features *PostFeatures
	// tripHash is the hash of what a round trip through other tools
	// may leave of its bytes (RoundTripHash), set with Hash.
	tripHash string
}

// RoundTripHash is the hash of what an export and a re-import by other
// tools may leave of a post's bytes: CRLF read as LF, no line ends at
// the end (an mbox writer ends a post that had none with one), without
// the header fields mail readers add to the mbox they read (mutt's and
// Thunderbird's Status, X-Status, X-Keywords, X-UID, X-Mozilla-Status,
// Content-Length, Lines), and with a body line's ">From " quoting, of
// whatever depth, taken off (mboxo writers quote and never unquote,
// mboxrd ones quote one level deeper). A removed post's tombstone holds
// it beside the exact hash, so that its own export, read by mutt and
// written again, does not bring it back. Two posts that differ only so
// are one post (also two that came without a Message-ID and differ only
// in their own Status field: taken for one, as a mail reader's mark).
func RoundTripHash(raw []byte) string {
	h := sha256.New()
	b := bytes.TrimRight(raw, "\r\n")
	// Without a blank line after it, what looks like a header may be a
	// malformed post's text ("Lines: 3" of a body): nothing is left out
	// then.
	inHeader := len(HeaderBlock(b)) < len(b)
	dropping := false
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if inHeader {
			switch {
			case len(line) == 0:
				inHeader = false
			case line[0] == ' ' || line[0] == '\t':
				if dropping {
					continue // the dropped field's continuation
				}
			default:
				dropping = addedByReader(line)
				if dropping {
					continue
				}
			}
		} else if q := bytes.TrimLeft(line, ">"); len(q) < len(line) && bytes.HasPrefix(q, []byte("From ")) {
			line = q
		}
		h.Write(line)
		if len(b) > 0 {
			h.Write([]byte{'\n'})
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// readerFields are the header fields mail readers add to the mbox files
// they read, lower case.
var readerFields = [][]byte{[]byte("status"), []byte("x-status"), []byte("x-keywords"), []byte("x-uid"), []byte("x-mozilla-status"),
	[]byte("x-mozilla-status2"), []byte("x-mozilla-keys"), []byte("content-length"), []byte("lines")}

// addedByReader tells whether a header line starts a field of
// readerFields.
func addedByReader(line []byte) bool {
	name, _, ok := bytes.Cut(line, []byte{':'})
	if !ok {
		return false
	}
	name = bytes.TrimRight(name, " \t")
	for _, f := range readerFields {
		if bytes.EqualFold(name, f) {
			return true
		}
	}
	return false
}

// MaxRefs bounds the references a post is threaded by, and MaxRefLen the
// length of each. Threading needs the nearest ancestors and the root
// (JWZ threading keeps no more); a References field of a million ids
// otherwise costs queries and rows for each, inside the write
// transaction every other writer waits for.
const (
	MaxRefs   = 20
	MaxRefLen = 250
)

// boundRefs keeps at most MaxRefs references of ids no longer than
// MaxRefLen: the closest ones and the root (the last). archive.Read
// already gives no more; this holds for any other caller.
func boundRefs(refs []string) []string {
	var out []string
	for i, r := range refs {
		if len(r) > MaxRefLen {
			continue
		}
		if len(out) == MaxRefs-1 {
			// The root is the last one that fits.
			for _, root := range slices.Backward(refs[i:]) {
				if len(root) <= MaxRefLen {
					return append(out, root)
				}
			}
			return out
		}
		out = append(out, r)
	}
	return out
}

// SubjectWindow is how far back a reply without references looks for a
// thread with the same subject (groups.io uses 30 days).
const SubjectWindow = 30 * 24 * time.Hour

// ArchivePut stores a post in the archive of a list and threads it. The
// same bytes under the same Message-ID are stored once (created false);
// different bytes under a known Message-ID are kept apart. Threading, in
// one transaction:
//
//   - the thread of the closest referenced message that is archived;
//   - else the thread of messages that reference the same missing (ghost)
//     messages, or that reference this one (children that came first);
//   - else, for a Re: without references, the thread of the latest post
//     with the same subject within SubjectWindow;
//   - else a new thread named after the root the references give (the
//     first reference), or the post itself.
//
// Naming a new thread after its root keeps thread ids stable when posts
// arrive out of order; when a post joins threads that grew apart, they are
// merged under the one found first.
func (s *archiveTable) ArchivePut(ctx context.Context, p *ArchivedPost, raw []byte) (created bool, err error) {
	made, err := s.ArchivePutMany(ctx, []*ArchivedPost{p}, [][]byte{raw})
	if err != nil {
		return false, err
	}
	return made[0], nil
}

// ArchivePutMany stores posts as ArchivePut does, in one transaction: an
// import writes hundreds at a time, where a commit each would cost more
// than the rows. Each post is threaded against the ones before it in the
// batch too. made[i] tells whether posts[i] was new.
func (s *archiveTable) ArchivePutMany(ctx context.Context, posts []*ArchivedPost, raws [][]byte) (made []bool, err error) {
	if len(posts) != len(raws) {
		return nil, fmt.Errorf("store: archive: %d posts and %d messages", len(posts), len(raws))
	}
	crlf := hashPosts(posts, raws)
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("store: archive: %w", err)
	}
	defer release()
	if made, err = s.archiveIn(ctx, tx, posts, raws, crlf); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("store: archive: %w", err)
	}
	return made, nil
}

// hashPosts sets the posts' Hash, Size and bounded Refs and returns their
// sizes with CRLF line ends: what needs no database is done before the
// write transaction, which every other writer waits for; hashing a post
// of many megabytes there would make a 250 elsewhere wait for it.
func hashPosts(posts []*ArchivedPost, raws [][]byte) (crlf []int) {
	crlf = make([]int, len(posts))
	for i, p := range posts {
		sum := sha256.Sum256(raws[i])
		p.Hash, p.Size, p.tripHash = hex.EncodeToString(sum[:]), len(raws[i]), RoundTripHash(raws[i])
		p.Refs = boundRefs(p.Refs)
		crlf[i] = mailmsg.CRLFSize(raws[i])
	}
	return crlf
}

// archiveIn is ArchivePutMany's work inside its transaction tx, up to the
// commit; the posts are hashed (hashPosts).
func (s *core) archiveIn(ctx context.Context, tx *txn, posts []*ArchivedPost, raws [][]byte, crlf []int) (made []bool, err error) {
	// Threading reads the list's archive and then writes it: nodes
	// archiving to one list take turns (PostgreSQL; on SQLite the
	// transaction holds the write lock already), so a reply and its
	// parent archived at once on two nodes land in one thread, and one
	// post sent to both is stored once. Lists in ascending order, so two
	// batches never wait for each other.
	for _, id := range batchLists(posts) {
		if err := s.lockKey(ctx, tx, "archive", id); err != nil {
			return nil, fmt.Errorf("store: archive: %w", err)
		}
	}
	st, err := s.prepareArchive(ctx, tx)
	if err != nil {
		return nil, err
	}
	defer st.close()
	if err := s.putBlobsInOrder(ctx, st, posts, raws); err != nil {
		return nil, err
	}
	made = make([]bool, len(posts))
	var changed []int64
	for i, p := range posts {
		if made[i], err = s.archivePut(ctx, tx, st, p, raws[i], crlf[i], &changed); err != nil {
			return nil, err
		}
	}
	// The summaries' packs of the days (packs.go).
	if err := s.packNew(ctx, tx, posts, made, changed); err != nil {
		return nil, err
	}
	// Last, as it holds the index clock to the commit (indexlog.go).
	if err := s.logIndexIDs(ctx, st, changed); err != nil {
		return nil, err
	}
	return made, nil
}

// putBlobsInOrder writes the batch's blobs and header blocks first, in
// hash order (PostgreSQL): they are shared by content across lists, so
// two nodes archiving the same posts to two lists (each under its own
// list's lock) would otherwise wait for each other's rows in a cycle,
// which PostgreSQL ends by failing one. archivePut's own inserts then find
// them there. Nothing on SQLite, whose writers take turns.
func (s *core) putBlobsInOrder(ctx context.Context, st *archiveStmts, posts []*ArchivedPost, raws [][]byte) error {
	if !s.pg {
		return nil
	}
	order := make([]int, len(posts))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(posts[a].Hash, posts[b].Hash) })
	for _, i := range order {
		if _, err := st.blob.ExecContext(ctx, posts[i].Hash, raws[i], posts[i].ListID, posts[i].MessageID, posts[i].ListID, posts[i].Hash, posts[i].tripHash); err != nil {
			return fmt.Errorf("store: archive blob: %w", err)
		}
		if _, err := st.header.ExecContext(ctx, posts[i].Hash, HeaderBlock(raws[i]), posts[i].ListID, posts[i].MessageID, posts[i].ListID, posts[i].Hash, posts[i].tripHash); err != nil {
			return fmt.Errorf("store: archive header: %w", err)
		}
	}
	return nil
}

// batchLists returns the lists posts go to, ascending, each once.
func batchLists(posts []*ArchivedPost) []int64 {
	ids := make([]int64, 0, 1)
	for _, p := range posts {
		ids = append(ids, p.ListID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// archiveStmts are the statements archivePut runs per post, prepared
// once on the database and bound to each transaction: SQLite's parsing
// and planning otherwise costs more than the work.
type archiveStmts struct {
	existing, blob, byID, byRef, subject, insert, ref, thread, header, size, clock, log, feat *sql.Stmt
}

func (st *archiveStmts) all() []**sql.Stmt {
	return []**sql.Stmt{&st.existing, &st.blob, &st.byID, &st.byRef, &st.subject, &st.insert, &st.ref, &st.thread, &st.header, &st.size, &st.clock, &st.log, &st.feat}
}

// archiveSQL returns the statements of archiveStmts, in its order.
func (d *dialect) archiveSQL() []string {
	return []string{
		// The copy already archived, or else (id 0) the tombstone of a
		// removed post, by its Message-ID or by its bytes (0037): one
		// round trip for all.
		`SELECT id, thread_id FROM archive WHERE list_id = ? AND message_id = ? AND hash = ?
		UNION ALL SELECT 0, '' FROM archive_removed WHERE list_id = ? AND message_id = ?
		UNION ALL SELECT 0, '' FROM archive_removed_hashes WHERE list_id = ? AND hash IN (?, ?)
		ORDER BY 1 DESC LIMIT 1`,
		// Not for a removed post: its bytes went with it (a leaked
		// password). PostgreSQL writes a batch's blobs before it looks
		// at each post (putBlobsInOrder), so its statement looks for the
		// tombstone itself; on SQLite archivePut has looked already, in
		// the same transaction, and a single-row VALUES needs no
		// statement journal (INSERT … SELECT wrote one per post, to a
		// temporary file: 5% of an import's CPU).
		d.pick(`INSERT INTO archive_blobs (hash, raw) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`,
			// PostgreSQL: an update that changes nothing, so that the
			// row is locked when it is there: a removal on another list
			// (removePost) that locked it first is waited for, and its
			// delete then makes this an insert; one that comes after
			// waits for this commit and sees the new post. With DO
			// NOTHING, the removal deleted bytes the post committed
			// beside it went on to need.
			`INSERT INTO archive_blobs (hash, raw) SELECT ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM archive_removed WHERE list_id = ? AND message_id = ?)
		AND NOT EXISTS (SELECT 1 FROM archive_removed_hashes WHERE list_id = ? AND hash IN (?, ?)) ON CONFLICT (hash) DO UPDATE SET hash = EXCLUDED.hash`),
		`SELECT thread_id FROM archive WHERE list_id = ? AND message_id = ? LIMIT 1`,
		`SELECT a.thread_id FROM archive_refs r JOIN archive a ON a.id = r.archive_id WHERE r.list_id = ? AND r.ref = ? LIMIT 1`,
		`SELECT thread_id FROM archive WHERE list_id = ? AND norm_subject = ? AND date BETWEEN ? AND ? ORDER BY date DESC LIMIT 1`,
		`INSERT INTO archive (list_id, message_id, hash, date, orig_date, from_addr, from_name, subject, norm_subject, size, attachments, thread_id, parent_id, archived_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		`INSERT INTO archive_refs (archive_id, list_id, ref) VALUES (?, ?, ?)`,
		d.pick(`INSERT INTO archive_threads (list_id, thread_id, root_id, subject, posts, first_date, last_date) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)
		ON CONFLICT (list_id, thread_id) DO UPDATE SET posts = posts + 1,
			root_id = CASE WHEN excluded.first_date < first_date THEN excluded.root_id ELSE root_id END,
			subject = CASE WHEN excluded.first_date < first_date THEN excluded.subject ELSE subject END,
			first_date = MIN(first_date, excluded.first_date), last_date = MAX(last_date, excluded.last_date)`,
			// PostgreSQL: the existing row's columns named by the table,
			// LEAST and GREATEST for SQLite's scalar MIN and MAX.
			`INSERT INTO archive_threads AS t (list_id, thread_id, root_id, subject, posts, first_date, last_date) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)
		ON CONFLICT (list_id, thread_id) DO UPDATE SET posts = t.posts + 1,
			root_id = CASE WHEN excluded.first_date < t.first_date THEN excluded.root_id ELSE t.root_id END,
			subject = CASE WHEN excluded.first_date < t.first_date THEN excluded.subject ELSE t.subject END,
			first_date = LEAST(t.first_date, excluded.first_date), last_date = GREATEST(t.last_date, excluded.last_date)`),
		d.pick(`INSERT INTO imap_headers (hash, head) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`,
			`INSERT INTO imap_headers (hash, head) SELECT ?, ?
		WHERE NOT EXISTS (SELECT 1 FROM archive_removed WHERE list_id = ? AND message_id = ?)
		AND NOT EXISTS (SELECT 1 FROM archive_removed_hashes WHERE list_id = ? AND hash IN (?, ?)) ON CONFLICT (hash) DO NOTHING`),
		`INSERT INTO imap_sizes (archive_id, size) VALUES (?, ?)`,
		d.indexClockSQL(),
		`INSERT INTO index_log (pos, archive_id, at) SELECT ?, value, ? FROM (` + d.jsonIDs() + `) ids`,
		`INSERT INTO post_features (archive_id, version, own, terms, flags, links) VALUES (?, ?, ?, ?, ?, ?)`,
	}
}

// prepareArchive returns the archive's statements bound to tx.
func (s *core) prepareArchive(ctx context.Context, tx *txn) (*archiveStmts, error) {
	arch, err := s.archiveStatements(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: archive: %w", err)
	}
	bound := &archiveStmts{}
	dst, src := bound.all(), arch.all()
	for i := range dst {
		*dst[i] = tx.StmtContext(ctx, *src[i])
	}
	return bound, nil
}

// archiveStatements prepares the archive's statements on first need and
// keeps them. A failure is not kept: the database may have been
// restarting when the first post came (a node whose first archive met a
// PostgreSQL restart kept that error and archived nothing more until it
// was restarted itself); the next post prepares them again.
func (s *core) archiveStatements(ctx context.Context) (*archiveStmts, error) {
	s.archMu.Lock()
	defer s.archMu.Unlock()
	if s.arch != nil {
		return s.arch, nil
	}
	st := &archiveStmts{}
	qs := s.archiveSQL()
	for i, p := range st.all() {
		var err error
		if *p, err = s.db.PrepareContext(ctx, qs[i]); err != nil {
			st.close()
			return nil, err
		}
	}
	s.arch = st
	return st, nil
}

func (st *archiveStmts) close() {
	for _, s := range st.all() {
		if s := *s; s != nil {
			s.Close()
		}
	}
}

// archivePut stores and threads one post whose Hash, Size and bounded
// Refs are set; crlfSize is its size with CRLF line ends
// (mailmsg.CRLFSize). It adds to changed the posts the index must take
// in again: this one when new, and those a merge moved.
func (s *core) archivePut(ctx context.Context, tx *txn, st *archiveStmts, p *ArchivedPost, raw []byte, crlfSize int, changed *[]int64) (created bool, err error) {
	var id int64
	var thread string
	err = st.existing.QueryRowContext(ctx, p.ListID, p.MessageID, p.Hash, p.ListID, p.MessageID, p.ListID, p.Hash, p.tripHash).Scan(&id, &thread)
	if err == nil {
		// Archived already; or removed (archiveremove.go), and not
		// archived again by a re-import or a re-post: kept (p.ID stays
		// 0) as a copy is.
		if id != 0 {
			p.ID, p.ThreadID = id, thread
		}
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: archive: %w", err)
	}
	// PostgreSQL wrote the blob and header block of the batch first
	// (putBlobsInOrder).
	// On SQLite the statements take the hash and the bytes only: the
	// tombstone was looked for above.
	if !s.pg {
		if _, err := st.blob.ExecContext(ctx, p.Hash, raw); err != nil {
			return false, fmt.Errorf("store: archive blob: %w", err)
		}
		// The header block beside it (imap_headers, 0011), for IMAP
		// clients that list headers and for SEARCH's header criteria.
		if _, err := st.header.ExecContext(ctx, p.Hash, HeaderBlock(raw)); err != nil {
			return false, fmt.Errorf("store: archive header: %w", err)
		}
	}
	threads, err := candidateThreads(ctx, st, p)
	if err != nil {
		return false, err
	}
	switch {
	case len(threads) > 0:
		p.ThreadID = threads[0]
	case len(p.Refs) > 0:
		p.ThreadID = p.Refs[len(p.Refs)-1]
	default:
		p.ThreadID = p.MessageID
	}
	// Posts of a merged thread go back to the indexer, whose documents
	// carry the thread id.
	merged := false
	for _, other := range threads[min(1, len(threads)):] {
		if other != p.ThreadID {
			if err := mergeThread(ctx, tx, p.ListID, other, p.ThreadID, changed); err != nil {
				return false, err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM archive_threads WHERE list_id = ? AND thread_id = ?`, p.ListID, other); err != nil {
				return false, fmt.Errorf("store: merge threads: %w", err)
			}
			merged = true
		}
	}
	if len(p.Refs) > 0 {
		p.ParentID = p.Refs[0]
	}
	err = st.insert.QueryRowContext(ctx,
		p.ListID, p.MessageID, p.Hash, p.Date.Unix(), p.OrigDate, p.FromAddr, p.FromName, p.Subject, p.NormSubject, p.Size,
		strings.Join(p.Attachments, "\n"), p.ThreadID, p.ParentID, s.unix()).Scan(&p.ID)
	if err != nil {
		return false, fmt.Errorf("store: archive %s: %w", p.MessageID, err)
	}
	*changed = append(*changed, p.ID)
	// RFC822.SIZE beside it (imap_sizes, 0009, 0012), so that no IMAP
	// read ever counts it, or writes.
	if _, err := st.size.ExecContext(ctx, p.ID, crlfSize); err != nil {
		return false, fmt.Errorf("store: archive size: %w", err)
	}
	if f := p.Features; f != nil {
		if _, err := st.feat.ExecContext(ctx, p.ID, f.Version, pgText(f.Own), joinList(f.Terms), f.Flags, joinList(f.Links)); err != nil {
			return false, fmt.Errorf("store: archive features: %w", err)
		}
	}
	for _, ref := range p.Refs {
		if _, err := st.ref.ExecContext(ctx, p.ID, p.ListID, ref); err != nil {
			return false, fmt.Errorf("store: archive refs: %w", err)
		}
	}
	if merged {
		// Counted again from the posts: the merged threads' rows are gone.
		_, err = tx.ExecContext(ctx, `INSERT INTO archive_threads (list_id, thread_id, root_id, subject, posts, first_date, last_date)
			SELECT list_id, thread_id, 0, '', COUNT(*), MIN(date), MAX(date) FROM archive WHERE list_id = ? AND thread_id = ? GROUP BY list_id, thread_id
			ON CONFLICT (list_id, thread_id) DO UPDATE SET posts = excluded.posts, first_date = excluded.first_date, last_date = excluded.last_date`, p.ListID, p.ThreadID)
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE archive_threads SET (root_id, subject) = (SELECT id, subject FROM archive WHERE list_id = ? AND thread_id = ? ORDER BY date, id LIMIT 1)
				WHERE list_id = ? AND thread_id = ?`, p.ListID, p.ThreadID, p.ListID, p.ThreadID)
		}
	} else {
		// One more post: the first post (root) changes only when this one
		// is older, as an import out of order can make it.
		_, err = st.thread.ExecContext(ctx, p.ListID, p.ThreadID, p.ID, p.Subject, p.Date.Unix())
	}
	if err != nil {
		return false, fmt.Errorf("store: thread summary: %w", err)
	}
	return true, nil
}

// candidateThreads lists the threads a post belongs to, the best first.
func candidateThreads(ctx context.Context, st *archiveStmts, p *ArchivedPost) ([]string, error) {
	var out []string
	add := func(q *sql.Stmt, args ...any) error {
		rows, err := q.QueryContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("store: threading: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			seen := false
			for _, o := range out {
				seen = seen || o == t
			}
			if !seen {
				out = append(out, t)
			}
		}
		return rows.Err()
	}
	// The archived messages it references, the closest parent first.
	for _, ref := range p.Refs {
		if err := add(st.byID, p.ListID, ref); err != nil {
			return nil, err
		}
	}
	// Copies of this message with other bytes: one Message-ID, one thread.
	if err := add(st.byID, p.ListID, p.MessageID); err != nil {
		return nil, err
	}
	// Messages that name the same ghosts, or name this one.
	for _, ref := range append(append([]string(nil), p.Refs...), p.MessageID) {
		if err := add(st.byRef, p.ListID, ref); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 && len(p.Refs) == 0 && p.IsReply && p.NormSubject != "" {
		if err := add(st.subject,
			p.ListID, p.NormSubject, p.Date.Add(-SubjectWindow).Unix(), p.Date.Unix()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

const archiveCols = `id, list_id, message_id, hash, date, orig_date, from_addr, from_name, subject, norm_subject, size, attachments, thread_id, parent_id`

func scanArchived(row interface{ Scan(...any) error }) (*ArchivedPost, error) {
	var p ArchivedPost
	var date int64
	var att string
	if err := row.Scan(&p.ID, &p.ListID, &p.MessageID, &p.Hash, &date, &p.OrigDate, &p.FromAddr, &p.FromName, &p.Subject, &p.NormSubject, &p.Size, &att, &p.ThreadID, &p.ParentID); err != nil {
		return nil, err
	}
	p.Date = time.Unix(date, 0).UTC()
	if att != "" {
		p.Attachments = strings.Split(att, "\n")
	}
	return &p, nil
}

// ArchiveThread returns the posts of a thread, oldest first.
func (s *archiveTable) ArchiveThread(ctx context.Context, listID int64, threadID string) ([]*ArchivedPost, error) {
	return s.posts(ctx, "thread", `SELECT `+archiveCols+` FROM archive WHERE list_id = ? AND thread_id = ? ORDER BY date, id`, listID, threadID)
}

// ArchiveByMessageID returns the archived posts with a Message-ID on a list
// (more than one when different contents share it).
func (s *archiveTable) ArchiveByMessageID(ctx context.Context, listID int64, messageID string) ([]*ArchivedPost, error) {
	return s.posts(ctx, "archived "+messageID, `SELECT `+archiveCols+` FROM archive WHERE list_id = ? AND message_id = ? ORDER BY id`, listID, messageID)
}

// ArchiveRaw returns the stored bytes of a post.
func (s *archiveTable) ArchiveRaw(ctx context.Context, hash string) ([]byte, error) {
	var raw []byte
	err := s.db.QueryRowContext(ctx, `SELECT raw FROM archive_blobs WHERE hash = ?`, hash).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("archived message %s: %w", hash, ErrNotFound)
	}
	return raw, err
}

// ArchiveEach calls f for every archived post of a list dated at or after
// since, oldest first, reading in pages so an archive of any size streams.
func (s *archiveTable) ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*ArchivedPost) error) error {
	return s.archiveWalk(ctx, listID, since.Unix(), math.MaxInt64, f)
}

// ArchiveBetween is ArchiveEach for the posts dated in [since, before):
// a walk that ends at a date reads no page past it (a summary that walks
// a day with no posts read the 500 posts after it, and dropped them).
func (s *archiveTable) ArchiveBetween(ctx context.Context, listID int64, since, before time.Time, f func(*ArchivedPost) error) error {
	// Dates are kept in whole seconds: a post of the second before
	// holds (12:00:00 is before 12:00:00.5), as ArchiveEach's walks
	// that stop at before take it.
	end := before.Unix()
	if before.Nanosecond() > 0 {
		end++
	}
	return s.archiveWalk(ctx, listID, since.Unix(), end, f)
}

// archiveWalk is ArchiveEach's and ArchiveBetween's walk of the posts
// dated in [since, before) (Unix seconds, as stored).
func (s *archiveTable) archiveWalk(ctx context.Context, listID, since, before int64, f func(*ArchivedPost) error) error {
	if before <= since {
		return nil
	}
	// Start just before since, so posts dated exactly since are included.
	lastDate, lastID := since-1, int64(1<<62)
	for {
		// The page starts at (lastDate, lastID). The date's bound stands
		// apart from the OR so that the database seeks to it in
		// archive_list_date: written as one OR, SQLite read the list's
		// index from its first post for every page, each page dearer than
		// the last (a whole walk of the 10x archive read 35,680 entries
		// 72 times over).
		rows, err := s.db.QueryContext(ctx, `SELECT `+archiveCols+` FROM archive WHERE list_id = ? AND date >= ? AND date < ? AND (date > ? OR id > ?) ORDER BY date, id LIMIT 500`,
			listID, lastDate, before, lastDate, lastID)
		if err != nil {
			return fmt.Errorf("store: archive listing: %w", err)
		}
		var page []*ArchivedPost
		for rows.Next() {
			p, err := scanArchived(rows)
			if err != nil {
				rows.Close()
				return err
			}
			page = append(page, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range page {
			if err := f(p); err != nil {
				return err
			}
			lastDate, lastID = p.Date.Unix(), p.ID
		}
		if len(page) < 500 {
			return nil
		}
	}
}

func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// mergeThread moves a list's posts of thread from into thread to, and
// adds them to changed.
func mergeThread(ctx context.Context, tx *txn, listID int64, from, to string, changed *[]int64) error {
	rows, err := tx.QueryContext(ctx, `UPDATE archive SET thread_id = ? WHERE list_id = ? AND thread_id = ? RETURNING id`, to, listID, from)
	if err != nil {
		return fmt.Errorf("store: merge threads: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("store: merge threads: %w", err)
		}
		*changed = append(*changed, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: merge threads: %w", err)
	}
	return nil
}
