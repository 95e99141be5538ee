package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// IMAPHeaders returns the kept header blocks of the given blobs (by hash);
// blobs whose header was never kept are absent.
func (s *imapTable) IMAPHeaders(ctx context.Context, hashes []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(hashes))
	if len(hashes) == 0 {
		return out, nil
	}
	list, err := json.Marshal(hashes)
	if err != nil {
		return nil, fmt.Errorf("store: imap headers: %w", err)
	}
	rows, err := s.query(ctx, `SELECT hash, head FROM imap_headers WHERE hash IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, fmt.Errorf("store: imap headers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hash string
		var head []byte
		if err := rows.Scan(&hash, &head); err != nil {
			return nil, fmt.Errorf("store: imap headers: %w", err)
		}
		out[hash] = head
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: imap headers: %w", err)
	}
	return out, nil
}

// IMAPSetHeaders keeps header blocks (by blob hash), as the IMAP view cut
// them from the stored bytes; a blob's header never changes, so one kept
// already stays.
func (s *imapTable) IMAPSetHeaders(ctx context.Context, heads map[string][]byte) error {
	if len(heads) == 0 {
		return nil
	}
	tx, release, err := s.begin(ctx, s.db)
	if err != nil {
		return fmt.Errorf("store: imap headers: %w", err)
	}
	defer release()
	for hash, head := range heads {
		if _, err := tx.ExecContext(ctx, `INSERT INTO imap_headers (hash, head) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`, hash, head); err != nil {
			return fmt.Errorf("store: imap headers: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: imap headers: %w", err)
	}
	return nil
}
