package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// HeaderBlock returns the start of raw up to and with the first empty
// line (the header block, RFC 5322 §2.1), or all of raw if it has none:
// what imap_headers keeps of a post.
func HeaderBlock(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		if line := raw[i : i+j]; len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return raw[:i+j+1]
		}
		i += j + 1
	}
	return raw
}

// IMAPHeaders returns the kept header blocks (ArchivePut keeps each new
// post's; the IMAP view keeps those of posts archived before 0011 the
// first time it cuts them) of the given blobs (by hash);
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
