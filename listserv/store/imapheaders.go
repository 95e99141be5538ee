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
// post's, migration 0013 cut the older ones') of the given blobs (by
// hash); a blob whose header was not kept is absent.
func (s *imapTable) IMAPHeaders(ctx context.Context, hashes []string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(hashes))
	if len(hashes) == 0 {
		return out, nil
	}
	list, err := json.Marshal(hashes)
	if err != nil {
		return nil, fmt.Errorf("store: imap headers: %w", err)
	}
	rows, err := s.query(ctx, `SELECT hash, head FROM imap_headers WHERE hash IN (`+s.jsonTexts()+`)`, string(list))
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
