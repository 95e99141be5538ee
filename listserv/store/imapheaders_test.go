package store

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// TestHeadersMigration: posts archived before ArchivePut kept their
// header block (0011) get it from migration 0013, cut in SQL exactly as
// HeaderBlock cuts it, whatever bytes they hold.
func TestHeadersMigration(t *testing.T) { backends(t, testHeadersMigration) }

func testHeadersMigration(t *testing.T, newStore opener) {
	ctx := context.Background()
	s := newStore(t)
	l := NewList("heads@example.org", "Heads")
	must(t, s.CreateList(ctx, l))
	raws := [][]byte{
		[]byte("Subject: lf\n\nbody\n\nmore\n"),
		[]byte("Subject: crlf\r\nX: y\r\n\r\nbody\r\n"),
		[]byte("\nSubject: empty first line\n\nbody\n"),
		[]byte("\r\nSubject: empty first CRLF line\r\n\r\n"),
		[]byte("Subject: cr line first\n\r\nthen\n\nbody\n"),
		[]byte("Subject: lf lf first\n\nthen\n\r\nbody\n"),
		[]byte("Subject: nul \x00 in header\n\na\x00b\n"),
		[]byte("Subject: not utf-8 \xff\xfe\n\n\xc3\n"),
		[]byte("Subject: lone cr\r\rx\r"),
		[]byte("Subject: no body at all\n"),
		[]byte("Subject: none"),
		[]byte("X: a\r\n \r\nfolded-looking but a CR line\r\n\r\n"),
	}
	posts := make([]*ArchivedPost, len(raws))
	for i := range raws {
		posts[i] = &ArchivedPost{ListID: l.ID, MessageID: fmt.Sprintf("h%d@x", i), Date: time.Unix(int64(i), 0)}
	}
	_, err := s.ArchivePutMany(ctx, posts, raws)
	must(t, err)
	// As before 0011: no header kept, and 0013 not applied.
	_, err = s.db.ExecContext(ctx, `DELETE FROM imap_headers`)
	must(t, err)
	_, err = s.db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 13`)
	must(t, err)
	must(t, s.Close())

	s = newStore(t)
	hashes := make([]string, len(posts))
	for i, p := range posts {
		hashes[i] = p.Hash
	}
	heads, err := s.IMAPHeaders(ctx, hashes)
	must(t, err)
	for i, raw := range raws {
		got, ok := heads[posts[i].Hash]
		if want := HeaderBlock(raw); !ok || !bytes.Equal(got, want) {
			t.Errorf("post %d (%q): kept %q (%v), want %q", i, raw, got, ok, want)
		}
	}
}
