package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kinds of pending requests.
const (
	PendingSubscribe   = "subscribe"   // the address must confirm it wants to join
	PendingUnsubscribe = "unsubscribe" // the address must confirm it wants to leave
	PendingInvite      = "invite"      // an owner invited the address; it must accept
	PendingApproval    = "approval"    // a moderator must approve the subscription
	PendingHeld        = "held"        // a moderator decides a held post by reply
	PendingReenable    = "reenable"    // a member disabled by bounces re-enables delivery
	PendingCommand     = "command"     // the address must confirm a mailed command (Data) its mail did not prove
)

// Pending is a request that waits for someone's reply.
type Pending struct {
	ID        int64
	Token     string
	ListID    int64
	Kind      string
	Address   string
	Name      string
	Data      string // kind-specific: a held post's message id, a delivery mode
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AddPending stores a request; its Token must be unique and unguessable.
func (s *requestTable) AddPending(ctx context.Context, p *Pending) error {
	return insertPending(ctx, s.db, p)
}

// insertPending stores p through q (the database or a transaction).
func insertPending(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, p *Pending) error {
	err := q.QueryRowContext(ctx, `INSERT INTO pending (token, list_id, kind, address, name, data, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Token, p.ListID, p.Kind, p.Address, p.Name, p.Data, zeroOrUnix(p.CreatedAt), zeroOrUnix(p.ExpiresAt)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("store: add pending %s for %s: %w", p.Kind, p.Address, err)
	}
	return nil
}

const pendingCols = `id, token, list_id, kind, address, name, data, created_at, expires_at`

func scanPending(row interface{ Scan(...any) error }) (*Pending, error) {
	var p Pending
	var created, expires int64
	if err := row.Scan(&p.ID, &p.Token, &p.ListID, &p.Kind, &p.Address, &p.Name, &p.Data, &created, &expires); err != nil {
		return nil, err
	}
	p.CreatedAt, p.ExpiresAt = unixOrZero(created), unixOrZero(expires)
	return &p, nil
}

// PendingByToken finds an unexpired request by its token.
func (s *requestTable) PendingByToken(ctx context.Context, token string) (*Pending, error) {
	p, err := scanPending(s.db.QueryRowContext(ctx, `SELECT `+pendingCols+` FROM pending WHERE token = ? AND expires_at > ?`, token, s.unix()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("request: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	return p, nil
}

// PendingFor finds unexpired requests of a kind for an address on a list.
func (s *requestTable) PendingFor(ctx context.Context, listID int64, kind, addr string) ([]*Pending, error) {
	return s.queryPending(ctx, `SELECT `+pendingCols+` FROM pending WHERE list_id = ? AND kind = ? AND address = ? AND expires_at > ? ORDER BY id`, listID, kind, addr, s.unix())
}

// MaxPendingListed bounds how many requests PendingOfList returns.
const MaxPendingListed = 500

// PendingOfList finds a list's unexpired requests of the kinds given,
// oldest first, at most MaxPendingListed.
func (s *requestTable) PendingOfList(ctx context.Context, listID int64, kinds ...string) ([]*Pending, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	q := `SELECT ` + pendingCols + ` FROM pending WHERE list_id = ? AND expires_at > ? AND kind IN (?` + strings.Repeat(", ?", len(kinds)-1) + `) ORDER BY id LIMIT ?`
	args := []any{listID, s.unix()}
	for _, k := range kinds {
		args = append(args, k)
	}
	return s.queryPending(ctx, q, append(args, MaxPendingListed)...)
}

// ListPending finds one of a list's unexpired requests by its id: one
// taken, expired or of another list is ErrNotFound.
func (s *requestTable) ListPending(ctx context.Context, listID, id int64) (*Pending, error) {
	ps, err := s.queryPending(ctx, `SELECT `+pendingCols+` FROM pending WHERE id = ? AND list_id = ? AND expires_at > ?`, id, listID, s.unix())
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	return ps[0], nil
}

func (s *core) queryPending(ctx context.Context, q string, args ...any) ([]*Pending, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pending: %w", err)
	}
	defer rows.Close()
	var out []*Pending
	for rows.Next() {
		p, err := scanPending(rows)
		if err != nil {
			return nil, fmt.Errorf("store: pending: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// TakePending deletes a request; it reports false when another reply took
// it first, so a request is acted on once.
func (s *requestTable) TakePending(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM pending WHERE id = ?`, id)
	if err != nil {
		return false, fmt.Errorf("store: take pending: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ExpiredPending returns requests whose time is up (for notices), oldest first.
func (s *requestTable) ExpiredPending(ctx context.Context, kind string, limit int) ([]*Pending, error) {
	return s.queryPending(ctx, `SELECT `+pendingCols+` FROM pending WHERE kind = ? AND expires_at <= ? ORDER BY id LIMIT ?`, kind, s.unix(), limit)
}

// DeleteExpiredPending removes expired requests of the kinds that need no
// notice.
func (s *requestTable) DeleteExpiredPending(ctx context.Context, kinds ...string) (int64, error) {
	var total int64
	for _, k := range kinds {
		res, err := s.db.ExecContext(ctx, `DELETE FROM pending WHERE kind = ? AND expires_at <= ?`, k, s.unix())
		if err != nil {
			return total, fmt.Errorf("store: expire pending: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// CountUp adds one to the counter of key for the current UTC day and
// returns the new count (rate limits on confirmations and replies).
func (s *requestTable) CountUp(ctx context.Context, key string) (int, error) {
	day := s.unix() / 86400
	var n int
	err := s.db.QueryRowContext(ctx, `INSERT INTO rate_counters (key, day, n) VALUES (?, ?, 1)
		ON CONFLICT (key, day) DO UPDATE SET n = rate_counters.n + 1 RETURNING n`, key, day).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count %s: %w", key, err)
	}
	// Yesterday's counters are of no use any more.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rate_counters WHERE day < ?`, day-1); err != nil {
		return n, fmt.Errorf("store: prune counters: %w", err)
	}
	return n, nil
}

// Bans returns a list's ban patterns.
func (s *requestTable) Bans(ctx context.Context, listID int64) ([]string, error) {
	rows, err := s.query(ctx, `SELECT pattern FROM bans WHERE list_id = ? ORDER BY id`, listID)
	if err != nil {
		return nil, fmt.Errorf("store: bans: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddBan adds a ban pattern; ErrDuplicate when present.
func (s *requestTable) AddBan(ctx context.Context, listID int64, pattern string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO bans (list_id, pattern, created_at) VALUES (?, ?, ?)`, listID, pattern, s.unix())
	if isUnique(err) {
		return fmt.Errorf("ban %s: %w", pattern, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("store: add ban: %w", err)
	}
	return nil
}

// RemoveBan removes a ban pattern; ErrNotFound when absent.
func (s *requestTable) RemoveBan(ctx context.Context, listID int64, pattern string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM bans WHERE list_id = ? AND pattern = ?`, listID, pattern)
	if err != nil {
		return fmt.Errorf("store: remove ban: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("ban %s: %w", pattern, ErrNotFound)
	}
	return nil
}

// DKIMKey is a domain's signing key.
type DKIMKey struct {
	Domain, Selector string
	PrivatePEM       []byte
	CreatedAt        time.Time
}

// PutDKIMKey stores (or replaces) a domain's key.
func (s *requestTable) PutDKIMKey(ctx context.Context, k *DKIMKey) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO dkim_keys (domain, selector, private_pem, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET selector = excluded.selector, private_pem = excluded.private_pem, created_at = excluded.created_at`,
		k.Domain, k.Selector, string(k.PrivatePEM), s.unix())
	if err != nil {
		return fmt.Errorf("store: dkim key %s: %w", k.Domain, err)
	}
	return nil
}

// DKIMKeyFor returns a domain's key, ErrNotFound when it has none.
func (s *requestTable) DKIMKeyFor(ctx context.Context, domain string) (*DKIMKey, error) {
	var k DKIMKey
	var pem string
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT domain, selector, private_pem, created_at FROM dkim_keys WHERE domain = ?`, domain).Scan(&k.Domain, &k.Selector, &pem, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("dkim key for %s: %w", domain, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: dkim key %s: %w", domain, err)
	}
	k.PrivatePEM, k.CreatedAt = []byte(pem), time.Unix(created, 0).UTC()
	return &k, nil
}

// ClaimSignature records that the spooled message spoolID is the one that
// used the DKIM signature key as proof, until expires. It reports whether
// the claim is this message's: false when another message claimed the same
// signature first (a replay). A message checked again after a crash finds
// its own claim.
func (s *requestTable) ClaimSignature(ctx context.Context, key string, spoolID int64, expires time.Time) (bool, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO signatures_seen (key, spool_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		key, spoolID, expires.Unix()); err != nil {
		return false, fmt.Errorf("store: claim signature: %w", err)
	}
	var owner int64
	if err := s.db.QueryRowContext(ctx, `SELECT spool_id FROM signatures_seen WHERE key = ?`, key).Scan(&owner); err != nil {
		return false, fmt.Errorf("store: claim signature: %w", err)
	}
	return owner == spoolID, nil
}

// ForgetSignatures removes the claims whose time is over: their mail is
// too old to be acted on anyway.
func (s *requestTable) ForgetSignatures(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM signatures_seen WHERE expires_at <= ?`, s.unix())
	if err != nil {
		return 0, fmt.Errorf("store: forget signatures: %w", err)
	}
	return res.RowsAffected()
}
