package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// IngestKey names one message of an IMAP ingest source for good: RFC 3501
// §2.3.1.1 promises that a (UIDVALIDITY, UID) pair of a mailbox never
// names another message.
type IngestKey struct {
	// Source is the mailbox's URL without its password.
	Source      string
	UIDValidity uint32
	UID         uint32
}

// IngestSource is where an ingest source's passes got to.
type IngestSource struct {
	Source      string
	ListAddress string
	UIDValidity uint32
	// StartUID: messages below it are taken only when not \Seen (the
	// first contact, a UIDVALIDITY change); from it on, all are.
	StartUID uint32
	// LastUID is the highest UID whose fate is recorded with no gap
	// below it in the pass that reached it.
	LastUID   uint32
	LastError string
	UpdatedAt time.Time
}

// Ingested states.
const (
	ingestPosted  = "posted"
	ingestRefused = "refused"
)

// SpoolIngest is Spool for a message taken from an IMAP mailbox: key is
// recorded in the same transaction as msgs, so that a crash leaves both or
// neither. If key is already recorded nothing is spooled and the error is
// ErrDuplicate.
func (s *ingestTable) SpoolIngest(ctx context.Context, key IngestKey, msgs ...*Message) error {
	k := key
	return s.enqueueSpool(ctx, spoolReq{ctx: ctx, msgs: msgs, ingest: &k, err: make(chan error, 1)})
}

// RefuseIngest records that a message was refused (too big, unreadable)
// with the reason, so that it is not fetched again. A key already
// recorded keeps its first fate (ErrDuplicate).
func (s *ingestTable) RefuseIngest(ctx context.Context, key IngestKey, reason string) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: refuse ingest: %w", err)
	}
	defer release()
	taken, err := s.ingestTaken(ctx, tx, &key)
	if err != nil {
		return err
	}
	if taken {
		return fmt.Errorf("store: %s uid %d: %w", key.Source, key.UID, ErrDuplicate)
	}
	if err := recordIngest(ctx, tx, &key, 0, ingestRefused, reason, s.unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// lockIngestKeys takes the locks of the batch's ingest keys (ingestTaken)
// up front, in key order: two nodes' batches that share keys then never
// wait for each other in a cycle, which PostgreSQL would end by failing
// one batch and every post in it. ingestTaken takes each again, which
// holds already. Nothing on SQLite (see lockKey).
func (s *core) lockIngestKeys(ctx context.Context, tx *txn, batch []spoolReq) error {
	if !s.pg {
		return nil
	}
	var keys []*IngestKey
	for _, r := range batch {
		if r.ingest != nil {
			keys = append(keys, r.ingest)
		}
	}
	slices.SortFunc(keys, func(a, b *IngestKey) int {
		return cmp.Or(strings.Compare(a.Source, b.Source), cmp.Compare(a.UID, b.UID))
	})
	for _, k := range keys {
		if err := s.lockKey(ctx, tx, "imap_ingested "+k.Source, int64(k.UID)); err != nil {
			return fmt.Errorf("store: ingest key: %w", err)
		}
	}
	return nil
}

func (s *core) ingestTaken(ctx context.Context, tx *txn, k *IngestKey) (bool, error) {
	// The key is looked at and then recorded: nodes taking one message
	// at once take turns, so the second finds the first's record rather
	// than failing its whole batch on the primary key (PostgreSQL; on
	// SQLite the transaction holds the write lock already). In practice
	// one node holds a mailbox at a time; this is what makes it safe when
	// two do.
	if err := s.lockKey(ctx, tx, "imap_ingested "+k.Source, int64(k.UID)); err != nil {
		return false, fmt.Errorf("store: ingest key: %w", err)
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM imap_ingested WHERE source = ? AND uidvalidity = ? AND uid = ?`, k.Source, k.UIDValidity, k.UID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: ingest key: %w", err)
	}
	return n > 0, nil
}

func recordIngest(ctx context.Context, tx *txn, k *IngestKey, spoolID int64, state, reason string, now int64) error {
	// A refused message has nothing to act on: it stays in the mailbox
	// as it is, for a person to look at.
	acted := 0
	if state == ingestRefused {
		acted = 1
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO imap_ingested (source, uidvalidity, uid, spool_id, state, reason, acted, taken_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		k.Source, k.UIDValidity, k.UID, nullID(spoolID), state, reason, acted, now)
	if err != nil {
		return fmt.Errorf("store: record ingest %s uid %d: %w", k.Source, k.UID, err)
	}
	return nil
}

// uidSpan returns the smallest and largest of uids (not empty) and the
// set of them: the rows of a batch are read by range, then kept by set.
func uidSpan(uids []uint32) (lo, hi uint32, set map[uint32]bool) {
	lo, hi = uids[0], uids[0]
	set = make(map[uint32]bool, len(uids))
	for _, u := range uids {
		lo, hi = min(lo, u), max(hi, u)
		set[u] = true
	}
	return lo, hi, set
}

// IngestedUIDs returns which of uids are recorded for the source and
// UIDVALIDITY (posted or refused).
func (s *ingestTable) IngestedUIDs(ctx context.Context, source string, uidValidity uint32, uids []uint32) (map[uint32]bool, error) {
	out := make(map[uint32]bool)
	if len(uids) == 0 {
		return out, nil
	}
	lo, hi, want := uidSpan(uids)
	rows, err := s.db.QueryContext(ctx, `SELECT uid FROM imap_ingested WHERE source = ? AND uidvalidity = ? AND uid BETWEEN ? AND ?`, source, uidValidity, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("store: ingested uids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("store: ingested uids: %w", err)
		}
		if want[u] {
			out[u] = true
		}
	}
	return out, rows.Err()
}

// IngestUnacted returns up to limit UIDs posted from the source whose
// after-action has not yet succeeded, lowest first.
func (s *ingestTable) IngestUnacted(ctx context.Context, source string, uidValidity uint32, limit int) ([]uint32, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT uid FROM imap_ingested WHERE source = ? AND uidvalidity = ? AND acted = 0 ORDER BY uid LIMIT ?`, source, uidValidity, limit)
	if err != nil {
		return nil, fmt.Errorf("store: ingest unacted: %w", err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, fmt.Errorf("store: ingest unacted: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// MarkIngestActed records that the after-action succeeded for uids.
func (s *ingestTable) MarkIngestActed(ctx context.Context, source string, uidValidity uint32, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: ingest acted: %w", err)
	}
	defer release()
	// Prepared once for the batch (up to 500 UIDs), inside the writers' lock.
	stmt, err := tx.PrepareContext(ctx, `UPDATE imap_ingested SET acted = 1 WHERE source = ? AND uidvalidity = ? AND uid = ?`)
	if err != nil {
		return fmt.Errorf("store: ingest acted: %w", err)
	}
	defer stmt.Close()
	for _, u := range uids {
		if _, err := stmt.ExecContext(ctx, source, uidValidity, u); err != nil {
			return fmt.Errorf("store: ingest acted: %w", err)
		}
	}
	return tx.Commit()
}

// Ingested tells a recorded message's fate: its state ("posted",
// "refused"), reason and spool ID; ErrNotFound when not recorded.
func (s *ingestTable) Ingested(ctx context.Context, key IngestKey) (state, reason string, spoolID int64, err error) {
	var id sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT state, reason, spool_id FROM imap_ingested WHERE source = ? AND uidvalidity = ? AND uid = ?`, key.Source, key.UIDValidity, key.UID).Scan(&state, &reason, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", 0, fmt.Errorf("ingested %s uid %d: %w", key.Source, key.UID, ErrNotFound)
	}
	if err != nil {
		return "", "", 0, fmt.Errorf("store: ingested: %w", err)
	}
	return state, reason, id.Int64, nil
}

const ingestSourceCols = `source, list_address, uidvalidity, start_uid, last_uid, last_error, updated_at`

func scanIngestSource(row interface{ Scan(...any) error }) (*IngestSource, error) {
	var src IngestSource
	var updated int64
	if err := row.Scan(&src.Source, &src.ListAddress, &src.UIDValidity, &src.StartUID, &src.LastUID, &src.LastError, &updated); err != nil {
		return nil, err
	}
	src.UpdatedAt = time.Unix(updated, 0).UTC()
	return &src, nil
}

// IngestSource returns a source's row; ErrNotFound before its first pass.
func (s *ingestTable) IngestSource(ctx context.Context, source string) (*IngestSource, error) {
	src, err := scanIngestSource(s.db.QueryRowContext(ctx, `SELECT `+ingestSourceCols+` FROM imap_ingest_sources WHERE source = ?`, source))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("ingest source %s: %w", source, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: ingest source: %w", err)
	}
	return src, nil
}

// IngestSources returns the sources that feed a list, by source.
func (s *ingestTable) IngestSources(ctx context.Context, listAddress string) ([]*IngestSource, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+ingestSourceCols+` FROM imap_ingest_sources WHERE list_address = ? ORDER BY source`, listAddress)
	if err != nil {
		return nil, fmt.Errorf("store: ingest sources: %w", err)
	}
	defer rows.Close()
	var out []*IngestSource
	for rows.Next() {
		src, err := scanIngestSource(rows)
		if err != nil {
			return nil, fmt.Errorf("store: ingest sources: %w", err)
		}
		out = append(out, src)
	}
	return out, rows.Err()
}

// PutIngestSource writes where a source's pass got to (its UIDVALIDITY,
// StartUID, LastUID) and clears its last error.
func (s *ingestTable) PutIngestSource(ctx context.Context, src *IngestSource) error {
	_, err := s.exec(ctx, `INSERT INTO imap_ingest_sources (source, list_address, uidvalidity, start_uid, last_uid, last_error, updated_at) VALUES (?, ?, ?, ?, ?, '', ?)
		ON CONFLICT (source) DO UPDATE SET list_address = excluded.list_address, uidvalidity = excluded.uidvalidity, start_uid = excluded.start_uid,
		last_uid = excluded.last_uid, last_error = '', updated_at = excluded.updated_at`,
		src.Source, src.ListAddress, src.UIDValidity, src.StartUID, src.LastUID, s.unix())
	if err != nil {
		return fmt.Errorf("store: put ingest source: %w", err)
	}
	return nil
}

// SetIngestError keeps a source's last error ("" clears it) for `praxis
// list show`, leaving where it got to as it was.
func (s *ingestTable) SetIngestError(ctx context.Context, source, listAddress, msg string) error {
	_, err := s.exec(ctx, `INSERT INTO imap_ingest_sources (source, list_address, last_error, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET list_address = excluded.list_address, last_error = excluded.last_error, updated_at = excluded.updated_at`,
		source, listAddress, msg, s.unix())
	if err != nil {
		return fmt.Errorf("store: ingest error: %w", err)
	}
	return nil
}

// KeepIngestSources makes the sources' rows those of the sources a serve
// is configured with (source → list address): a row for each, so that
// `praxis list show` shows a source before its first pass, and none for
// a source no longer configured. The keys of the messages taken stay, so
// a source configured again takes nothing twice.
func (s *ingestTable) KeepIngestSources(ctx context.Context, configured map[string]string) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: keep ingest sources: %w", err)
	}
	defer release()
	rows, err := tx.QueryContext(ctx, `SELECT source FROM imap_ingest_sources`)
	if err != nil {
		return fmt.Errorf("store: keep ingest sources: %w", err)
	}
	var gone []string
	for rows.Next() {
		var src string
		if err := rows.Scan(&src); err != nil {
			rows.Close()
			return fmt.Errorf("store: keep ingest sources: %w", err)
		}
		if _, ok := configured[src]; !ok {
			gone = append(gone, src)
		}
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("store: keep ingest sources: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: keep ingest sources: %w", err)
	}
	for _, src := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM imap_ingest_sources WHERE source = ?`, src); err != nil {
			return fmt.Errorf("store: keep ingest sources: %w", err)
		}
	}
	now := s.unix()
	// In order: on PostgreSQL two nodes starting at once then wait for
	// each other's rows in one order, never in a cycle.
	for _, src := range slices.Sorted(maps.Keys(configured)) {
		_, err := tx.ExecContext(ctx, `INSERT INTO imap_ingest_sources (source, list_address, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET list_address = excluded.list_address`, src, configured[src], now)
		if err != nil {
			return fmt.Errorf("store: keep ingest sources: %w", err)
		}
	}
	return tx.Commit()
}

// AdoptIngestSource moves what is recorded under the source name from
// (the keys of the messages taken, where its passes got to) to the name
// to, so that a mailbox whose name changed (older Praxis named it with
// its scheme and port) takes nothing twice. A key recorded under both
// keeps to's; where to has its own row already, from's is dropped. A
// name with nothing recorded is a no-op, so every start may ask.
func (s *ingestTable) AdoptIngestSource(ctx context.Context, from, to string) error {
	if from == to {
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: adopt ingest source: %w", err)
	}
	defer release()
	steps := []struct {
		query string
		args  []any
	}{
		{`UPDATE imap_ingested SET source = ? WHERE source = ? AND NOT EXISTS (SELECT 1 FROM imap_ingested b
			WHERE b.source = ? AND b.uidvalidity = imap_ingested.uidvalidity AND b.uid = imap_ingested.uid)`, []any{to, from, to}},
		{`DELETE FROM imap_ingested WHERE source = ?`, []any{from}},
		{`UPDATE imap_ingest_sources SET source = ? WHERE source = ? AND NOT EXISTS (SELECT 1 FROM imap_ingest_sources b WHERE b.source = ?)`, []any{to, from, to}},
		{`DELETE FROM imap_ingest_sources WHERE source = ?`, []any{from}},
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.query, st.args...); err != nil {
			return fmt.Errorf("store: adopt ingest source %s: %w", from, err)
		}
	}
	return tx.Commit()
}

// IngestCopy is where a COPY of posted messages into the after=move
// folder began: the folder's UIDVALIDITY and UIDNEXT just before it. A
// copy that COPY made has a UID from UIDNext on (RFC 3501 §2.3.1.1).
type IngestCopy struct {
	UIDValidity uint32
	UIDNext     uint32
}

// MarkIngestCopying records, before the COPY is sent, that uids are being
// copied to the folder as to says.
func (s *ingestTable) MarkIngestCopying(ctx context.Context, source string, uidValidity uint32, uids []uint32, to IngestCopy) error {
	if len(uids) == 0 {
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: ingest copying: %w", err)
	}
	defer release()
	stmt, err := tx.PrepareContext(ctx, `UPDATE imap_ingested SET copy_uidvalidity = ?, copy_uidnext = ? WHERE source = ? AND uidvalidity = ? AND uid = ?`)
	if err != nil {
		return fmt.Errorf("store: ingest copying: %w", err)
	}
	defer stmt.Close()
	for _, u := range uids {
		if _, err := stmt.ExecContext(ctx, to.UIDValidity, to.UIDNext, source, uidValidity, u); err != nil {
			return fmt.Errorf("store: ingest copying: %w", err)
		}
	}
	return tx.Commit()
}

// IngestCopying returns, for those of uids whose COPY began (a copy may be
// in the folder already), where it began.
func (s *ingestTable) IngestCopying(ctx context.Context, source string, uidValidity uint32, uids []uint32) (map[uint32]IngestCopy, error) {
	out := make(map[uint32]IngestCopy)
	if len(uids) == 0 {
		return out, nil
	}
	lo, hi, want := uidSpan(uids)
	rows, err := s.db.QueryContext(ctx, `SELECT uid, copy_uidvalidity, copy_uidnext FROM imap_ingested
		WHERE source = ? AND uidvalidity = ? AND uid BETWEEN ? AND ? AND copy_uidnext > 0`, source, uidValidity, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("store: ingest copying: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u uint32
		var c IngestCopy
		if err := rows.Scan(&u, &c.UIDValidity, &c.UIDNext); err != nil {
			return nil, fmt.Errorf("store: ingest copying: %w", err)
		}
		if want[u] {
			out[u] = c
		}
	}
	return out, rows.Err()
}
