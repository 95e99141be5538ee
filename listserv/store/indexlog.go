package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The index log (migration 0017) is the order in which the full-text
// index follows the archive. Each node keeps its own index and, in it,
// the last IndexPos it applied; it reads on from there (IndexChanges).
//
// Positions come from the counter row index_clock, which a writing
// transaction updates at its end, just before the log's insert, and so
// holds locked until it commits: the next writer gets the next position only after that
// commit, so positions are taken in commit order on both engines, and a
// reader that sees a position has seen every one below it. A PostgreSQL
// sequence would not do: its values are handed out at nextval, and 11
// can commit before 10, which a reader in between would skip forever.
// Recording pg_current_xact_id() and reading below the snapshot's xmin
// would avoid the lock, but its positions belong to the server, not to
// the data: a database restored from a dump onto another server (or
// copied by `praxis migrate`) would carry positions its new server has
// not reached yet, and a node would wait on them, or pass new posts by.
// The lock is short (the log's insert and the commit), and the wake-up
// NOTIFY of these same transactions makes PostgreSQL order their commits
// anyway.

// IndexPos is a place in the index log: everything up to and including
// it. The zero IndexPos is before every entry.
type IndexPos struct {
	Pos       int64
	ArchiveID int64
}

// Less tells whether p comes before q.
func (p IndexPos) Less(q IndexPos) bool {
	return p.Pos < q.Pos || p.Pos == q.Pos && p.ArchiveID < q.ArchiveID
}

// IndexChange is an entry of the index log with its post as it is now:
// the index puts the post in, or takes it out when its list is gone.
type IndexChange struct {
	*ArchivedPost
	Pos IndexPos
	At  time.Time // when the change was made
	// List is the list's address; "" when the list was deleted or the
	// post removed (archiveremove.go), and the post leaves the index.
	List string
	// Raw is the post's first IndexRawMax bytes; nil when it leaves.
	Raw []byte
	// Reindex is set when `praxis reindex` wrote the entry (Reindex).
	Reindex bool
}

// Gone tells whether the post leaves the index, with its list or alone.
func (c *IndexChange) Gone() bool { return c.List == "" }

// IndexRawMax bounds the bytes of each post IndexChanges returns: the
// index takes only the first part of a body's text (archive.Text), so a
// batch of 25 MB posts must not be read whole into memory at once.
const IndexRawMax = 2 << 20

// IndexChanges returns up to limit entries of the index log after pos, in
// the log's order.
func (s *archiveTable) IndexChanges(ctx context.Context, after IndexPos, limit int) ([]IndexChange, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.pos, g.at, g.reindex, `+prefixCols("a.", archiveCols)+`, COALESCE(l.address, ''),
		CASE WHEN l.id IS NULL THEN NULL ELSE (SELECT substr(b.raw, 1, ?) FROM archive_blobs b WHERE b.hash = a.hash) END
		FROM index_log g JOIN archive a ON a.id = g.archive_id LEFT JOIN lists l ON l.id = a.list_id
		WHERE (g.pos, g.archive_id) > (?, ?) ORDER BY g.pos, g.archive_id LIMIT ?`, IndexRawMax, after.Pos, after.ArchiveID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: index log: %w", err)
	}
	defer rows.Close()
	var out []IndexChange
	for rows.Next() {
		var p ArchivedPost
		var c IndexChange
		var date, at, reindex int64
		var att string
		if err := rows.Scan(&c.Pos.Pos, &at, &reindex, &p.ID, &p.ListID, &p.MessageID, &p.Hash, &date, &p.OrigDate, &p.FromAddr, &p.FromName, &p.Subject, &p.NormSubject, &p.Size, &att, &p.ThreadID, &p.ParentID, &c.List, &c.Raw); err != nil {
			return nil, fmt.Errorf("store: index log: %w", err)
		}
		p.Date, c.At, c.Reindex = time.Unix(date, 0).UTC(), time.Unix(at, 0).UTC(), reindex != 0
		if att != "" {
			p.Attachments = strings.Split(att, "\n")
		}
		c.Pos.ArchiveID = p.ID
		c.ArchivedPost = &p
		out = append(out, c)
	}
	return out, rows.Err()
}

// IndexLogID names this database's index log (migration 0017): an index
// records it with its position, which means nothing in another log.
func (s *archiveTable) IndexLogID(ctx context.Context) (string, error) {
	var id string
	if err := s.db.QueryRowContext(ctx, `SELECT log_id FROM index_clock`).Scan(&id); err != nil {
		return "", fmt.Errorf("store: index log id: %w", err)
	}
	return id, nil
}

// IndexBacklog counts the entries of the index log after pos and tells
// when the oldest of them was made (zero when none).
func (s *archiveTable) IndexBacklog(ctx context.Context, after IndexPos) (n int64, oldest time.Time, err error) {
	var at int64
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(at), 0) FROM index_log WHERE (pos, archive_id) > (?, ?)`,
		after.Pos, after.ArchiveID).Scan(&n, &at)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: index backlog: %w", err)
	}
	if n > 0 {
		oldest = time.Unix(at, 0).UTC()
	}
	return n, oldest, nil
}

// Reindex puts a list's posts (every list's with listID 0) in the index
// log again, so every node's index writes them anew.
func (s *archiveTable) Reindex(ctx context.Context, listID int64) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	defer release()
	// Only posts of lists that exist: a deleted list's stay out.
	where, args := `list_id IN (SELECT id FROM lists)`, []any{}
	if listID != 0 {
		where, args = where+` AND list_id = ?`, []any{listID}
	}
	if err := s.logIndexWhere(ctx, tx, true, where, args...); err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: reindex: %w", err)
	}
	return nil
}

// PutLinks records links, those the indexer found in the text of posts,
// in place of whatever was recorded for those posts before (the rules
// that find links change; a post indexed again keeps only what they find
// now). Every node's indexer finds the same ones: the rows are removed
// and written in key order, so that two nodes writing the same ones at
// once never wait for each other in a cycle.
func (s *archiveTable) PutLinks(ctx context.Context, posts []int64, links []Link) error {
	if len(posts) == 0 && len(links) == 0 {
		return nil
	}
	posts = slices.Sorted(slices.Values(posts))
	posts = slices.Compact(posts)
	links = slices.Clone(links)
	slices.SortFunc(links, func(a, b Link) int {
		return cmp.Or(cmp.Compare(a.ArchiveID, b.ArchiveID), cmp.Compare(a.URL, b.URL))
	})
	links = slices.CompactFunc(links, func(a, b Link) bool { return a.ArchiveID == b.ArchiveID && a.URL == b.URL })
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: links: %w", err)
	}
	defer release()
	for len(posts) > 0 {
		n := min(len(posts), 500)
		args := make([]any, n)
		for i, id := range posts[:n] {
			args[i] = id
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM archive_links WHERE archive_id IN (?`+strings.Repeat(", ?", n-1)+`)`, args...); err != nil {
			return fmt.Errorf("store: links: %w", err)
		}
		posts = posts[n:]
	}
	if err := s.putLinks(ctx, tx, links); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: links: %w", err)
	}
	return nil
}

// indexChannel is the PostgreSQL channel the writers of the index log
// notify at their commit.
const indexChannel = "praxis_index_log"

// indexClockSQL takes the next position of the index log. On PostgreSQL
// the same statement notifies the nodes that listen (ListenIndexLog):
// the notification is delivered at the commit, with the position.
func (d *dialect) indexClockSQL() string {
	return d.pick(`UPDATE index_clock SET pos = pos + 1 RETURNING pos`,
		`UPDATE index_clock SET pos = pos + 1 FROM (SELECT pg_notify('`+indexChannel+`', '')) wake RETURNING pos`)
}

// logIndexIDs writes the posts ids to the index log, at the next
// position, as the last writes of the archive's transaction (st is bound
// to it).
func (s *core) logIndexIDs(ctx context.Context, st *archiveStmts, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	list, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("store: index log: %w", err)
	}
	var pos int64
	if err := st.clock.QueryRowContext(ctx).Scan(&pos); err != nil {
		return fmt.Errorf("store: index clock: %w", err)
	}
	if _, err := st.log.ExecContext(ctx, pos, s.unix(), string(list)); err != nil {
		return fmt.Errorf("store: index log: %w", err)
	}
	return nil
}

// logIndexWhere writes the archived posts that match where to the index
// log, at the next position: last in tx, which holds the clock to its
// commit.
func (s *core) logIndexWhere(ctx context.Context, tx *txn, reindex bool, where string, args ...any) error {
	var pos int64
	if err := tx.QueryRowContext(ctx, s.indexClockSQL()).Scan(&pos); err != nil {
		return fmt.Errorf("index clock: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO index_log (pos, archive_id, at, reindex) SELECT ?, id, ?, ? FROM archive WHERE `+where,
		append([]any{pos, s.unix(), b2i(reindex)}, args...)...); err != nil {
		return fmt.Errorf("index log: %w", err)
	}
	return nil
}

// ListenIndexLog calls wake whenever another node (or process) writes to
// the index log, until ctx ends. On PostgreSQL it listens on a connection
// of its own, made again with a growing pause when it drops, and calls
// wake after each (re)connection for what it may have missed. On SQLite
// it returns at once: the nodes there are one process, which wakes its
// indexer itself (archive.Archiver.OnArchived), and its indexer's tick
// finds what other processes wrote.
func (s *archiveTable) ListenIndexLog(ctx context.Context, log *slog.Logger, wake func()) error {
	if !s.pg {
		return nil
	}
	const first = 100 * time.Millisecond
	pause := first
	for ctx.Err() == nil {
		listening := false
		err := s.listen(ctx, func() { listening = true; wake() })
		if ctx.Err() != nil {
			break
		}
		if listening {
			// It was up: a drop after hours is not a server that stays
			// away.
			pause = first
		}
		log.Warn("listening for index changes", "err", err, "retry_in", pause)
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		pause = min(2*pause, 10*time.Second)
	}
	return nil
}

// listen is one connection of ListenIndexLog: it returns when the
// connection fails or ctx ends.
func (s *archiveTable) listen(ctx context.Context, wake func()) error {
	cfg, err := pgx.ParseConfig(s.url)
	if err != nil {
		return fmt.Errorf("store: listen: not a PostgreSQL URL this store can use")
	}
	cfg.ConnectTimeout = 10 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: listen: connect to %s: %w", redactDB(s.url), err)
	}
	defer func() {
		closing, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn.Close(closing)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+indexChannel); err != nil {
		return fmt.Errorf("store: listen: %w", err)
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("store: listen: %w", err)
		}
		wake()
	}
}

// RenameIndexLog names a PostgreSQL database's index log anew. Run on a
// database restored by pg_restore before any node starts on it (README,
// Backups), it makes every node's index, which followed the log of the
// database as it went on after the dump, be rebuilt from it as it is:
// read on from its old position, an index would skip the changes the
// restored database gives out at those positions again.
const RenameIndexLog = `UPDATE index_clock SET log_id = md5(random()::text || clock_timestamp()::text)`
