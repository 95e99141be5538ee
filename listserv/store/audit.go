package store

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one change to a list's settings, roster or bans, as the
// audit log keeps it (migration 0024).
type AuditEntry struct {
	ID     int64
	ListID int64
	At     time.Time
	Actor  string // who: a member's address, or "command line (USER)"
	Via    string // how: AuditWeb, AuditCLI or AuditMail
	Action string // what kind of change: "list set", "member add", …
	Target string // whom or what it was about: an address, a ban's pattern
	Detail string // what changed
}

// Actor is who changes a list, as its audit log names them: Who is a
// member's address (the web, mail) or "command line (USER)"; Via is
// AuditWeb, AuditCLI or AuditMail.
type Actor struct {
	Who, Via string
}

// The ways a change reaches a list: the web pages, the command line, and
// the mail robot (its commands, and the confirmations it asks for, by
// reply or by link).
const (
	AuditWeb  = "web"
	AuditCLI  = "cli"
	AuditMail = "mail"
)

// MaxAuditPage bounds how many entries one read of the audit log returns.
const MaxAuditPage = 500

// AddAudit appends e to its list's log, stamped with the store's clock,
// and sets its ID and time.
func (s *auditTable) AddAudit(ctx context.Context, e *AuditEntry) error {
	now := s.unix()
	err := s.db.QueryRowContext(ctx, `INSERT INTO audit_log (list_id, at, actor, via, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.ListID, now, e.Actor, e.Via, e.Action, e.Target, e.Detail).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("store: audit %s on list %d: %w", e.Action, e.ListID, err)
	}
	e.At = time.Unix(now, 0).UTC()
	return nil
}

// AuditLog returns a list's log, newest first: up to limit entries (at
// most MaxAuditPage) older than the entry before, or from the newest when
// before is 0. IDs, not times, order it: entries of one second keep the
// order they were written in.
func (s *auditTable) AuditLog(ctx context.Context, listID, before int64, limit int) ([]*AuditEntry, error) {
	if limit <= 0 || limit > MaxAuditPage {
		limit = MaxAuditPage
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, list_id, at, actor, via, action, target, detail FROM audit_log
		WHERE list_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, listID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	defer rows.Close()
	var out []*AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.ListID, &at, &e.Actor, &e.Via, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: audit log: %w", err)
		}
		e.At = time.Unix(at, 0).UTC()
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit log: %w", err)
	}
	return out, nil
}
