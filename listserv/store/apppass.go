package store

import (
	"context"
	"fmt"
)

// AppPasswordsTried is how many of an address's app passwords a login
// looks at (the newest): a login's cost stays bounded however many lists
// and passwords an address has.
const AppPasswordsTried = 20

// AddAppPassword stores the hash of a new IMAP app password of addr on
// the list. The member check and the insert are one statement, so a
// member removed meanwhile gets no password; ErrNotFound when addr is not
// a member of the list.
func (s *appPassTable) AddAppPassword(ctx context.Context, listID int64, addr, hash string) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO app_passwords (list_id, address_key, hash, created_at)
		SELECT list_id, address_key, ?, ? FROM members WHERE list_id = ? AND address_key = ?`,
		hash, s.unix(), listID, AddressKey(addr))
	if err != nil {
		return fmt.Errorf("store: add app password of %s: %w", addr, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: add app password of %s: %w", addr, err)
	} else if n == 0 {
		return fmt.Errorf("member %s: %w", addr, ErrNotFound)
	}
	return nil
}

// AppPasswordHashes returns the hashes of addr's app passwords on every
// list addr is a member of, newest first, at most AppPasswordsTried. The
// join with members is a second guard beside RemoveMember's delete: a
// password of an address that is no longer a member never matches.
func (s *appPassTable) AppPasswordHashes(ctx context.Context, addr string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT a.hash FROM app_passwords a
		JOIN members m ON m.list_id = a.list_id AND m.address_key = a.address_key
		WHERE a.address_key = ? ORDER BY a.id DESC LIMIT ?`, AddressKey(addr), AppPasswordsTried)
	if err != nil {
		return nil, fmt.Errorf("store: app passwords of %s: %w", addr, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("store: app passwords of %s: %w", addr, err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: app passwords of %s: %w", addr, err)
	}
	return out, nil
}

// RevokeAppPasswords removes every app password of addr on the list and
// says how many there were.
func (s *appPassTable) RevokeAppPasswords(ctx context.Context, listID int64, addr string) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM app_passwords WHERE list_id = ? AND address_key = ?`, listID, AddressKey(addr))
	if err != nil {
		return 0, fmt.Errorf("store: revoke app passwords of %s: %w", addr, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: revoke app passwords of %s: %w", addr, err)
	}
	return int(n), nil
}
