package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praxis/listserv/mailmsg"
)

// TestSizesMigration: posts archived before ArchivePut kept their
// RFC822.SIZE (no imap_sizes row) get it from migration 0012, counted in
// SQL exactly as mailmsg.CRLFSize counts it, whatever bytes they hold; a
// row counted before is left as it is.
func TestSizesMigration(t *testing.T) { backends(t, testSizesMigration) }

func testSizesMigration(t *testing.T, newStore opener) {
	ctx := context.Background()
	s := newStore(t)
	l := NewList("sizes@example.org", "Sizes")
	must(t, s.CreateList(ctx, l))
	raws := [][]byte{
		[]byte("Subject: lf\n\nbody\n"),
		[]byte("Subject: crlf\r\n\r\nbody\r\n"),
		[]byte("\nSubject: lf first\r\n\nmixed\r\r\n\n\r"),
		[]byte("Subject: nul\n\na\x00b\nc\x00\r\n"),
		[]byte("Subject: not utf-8 \xff\xfe\n\n\xc3\n\x80\r\n\xe9t\xe9\n"),
		[]byte("Subject: lone cr\r\rx\r"),
		[]byte("Subject: none"),
	}
	posts := make([]*ArchivedPost, len(raws))
	for i := range raws {
		posts[i] = &ArchivedPost{ListID: l.ID, MessageID: fmt.Sprintf("m%d@x", i), Date: time.Unix(int64(i), 0)}
	}
	_, err := s.ArchivePutMany(ctx, posts, raws)
	must(t, err)
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	// As before 0012: no rows but one, which FETCH counted (a wrong
	// number here, to see that it is left alone).
	_, err = s.db.ExecContext(ctx, `DELETE FROM imap_sizes WHERE archive_id != ?`, ids[0])
	must(t, err)
	_, err = s.db.ExecContext(ctx, `UPDATE imap_sizes SET size = 7 WHERE archive_id = ?`, ids[0])
	must(t, err)
	_, err = s.db.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 12`)
	must(t, err)
	must(t, s.Close())

	s = newStore(t)
	got, err := s.IMAPPosts(ctx, l.ID, ids)
	must(t, err)
	if len(got) != len(raws) {
		t.Fatalf("IMAPPosts gave %d posts, want %d", len(got), len(raws))
	}
	for i, p := range got {
		want := int64(mailmsg.CRLFSize(raws[i]))
		if i == 0 {
			want = 7
		}
		if p.Size != want {
			t.Errorf("post %d (%q): size %d, want %d", i, raws[i], p.Size, want)
		}
	}
}
