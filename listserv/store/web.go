package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// CreateSession records a web session for addr until expires.
func (s *sessionTable) CreateSession(ctx context.Context, id, addr string, expires time.Time) error {
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	defer release()
	// Expired sessions and used sign-in links go as new ones come.
	now := s.unix()
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires < ?`, now); err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM web_signins_used WHERE expires < ?`, now); err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO web_sessions (id_hash, address, created, expires) VALUES (?, ?, ?, ?)`,
		hashID(id), addr, now, expires.Unix()); err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	return tx.Commit()
}

// SessionAddress returns the address a live session belongs to.
func (s *sessionTable) SessionAddress(ctx context.Context, id string) (string, error) {
	var addr string
	err := s.db.QueryRowContext(ctx, `SELECT address FROM web_sessions WHERE id_hash = ? AND expires >= ?`, hashID(id), s.unix()).Scan(&addr)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: session: %w", err)
	}
	return addr, nil
}

// DeleteSession ends a session (signing out).
func (s *sessionTable) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = ?`, hashID(id)); err != nil {
		return fmt.Errorf("store: session: %w", err)
	}
	return nil
}

// UseSignIn marks a sign-in link's nonce used and tells whether it was
// fresh: a link works once.
func (s *sessionTable) UseSignIn(ctx context.Context, nonce string, expires time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO web_signins_used (nonce, expires) VALUES (?, ?) ON CONFLICT DO NOTHING`, nonce, expires.Unix())
	if err != nil {
		return false, fmt.Errorf("store: sign-in: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Memberships returns every list membership of an address, by list id.
func (s *sessionTable) Memberships(ctx context.Context, addr string) (map[int64]*Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+memberCols+` FROM members WHERE address_key = ?`, AddressKey(addr))
	if err != nil {
		return nil, fmt.Errorf("store: memberships: %w", err)
	}
	defer rows.Close()
	out := map[int64]*Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: memberships: %w", err)
		}
		out[m.ListID] = m
	}
	return out, rows.Err()
}
