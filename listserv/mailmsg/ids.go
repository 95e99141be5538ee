package mailmsg

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// The Message-IDs Praxis makes up for a post that came without a usable
// one. Each names the post by the start of its bytes' SHA-256: the same
// bytes get the same id (a replay after a crash, the same file imported
// twice), and an export that carries the id can be told from a post's
// own field by the bytes after it (archive.Unexported).

// SpoolID is the id of a post accepted from spool row n:
// praxis.N.HEX@host, HEX the first 8 bytes of the hash.
func SpoolID(n int64, raw []byte, host string) string {
	sum := sha256.Sum256(raw)
	return "praxis." + strconv.FormatInt(n, 10) + "." + hex.EncodeToString(sum[:8]) + "@" + host
}

// ContentID is the id an import gives a post: praxis-archive.HEX@domain,
// HEX the first 12 bytes of the hash.
func ContentID(raw []byte, domain string) string {
	sum := sha256.Sum256(raw)
	return "praxis-archive." + hex.EncodeToString(sum[:12]) + "@" + domain
}

// Writable tells whether s can be written in a header field as it is
// (a Message-ID between its brackets, a URL, an address): no control
// bytes, spaces, line ends or angle brackets. Bytes from 0x80 up are
// UTF-8, which RFC 6532 §3.2 allows in message ids.
func Writable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}
