package store

import (
	"context"
	"testing"
	"time"
)

// TestArchiveAfterFailedPrepare: the archive's statements are prepared on
// the first post; when that fails (the database restarting then, a
// context cut short), the failure is not kept: the next post prepares
// them again and is archived. A node that kept the error archived
// nothing more until it was restarted (a CI run under load restarted
// PostgreSQL just as the first post came).
func TestArchiveAfterFailedPrepare(t *testing.T) { backends(t, testArchiveAfterFailedPrepare) }

func testArchiveAfterFailedPrepare(t *testing.T, newStore opener) {
	s, l := newThreadStore(t, newStore)
	cut, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.archiveStatements(cut); err == nil {
		t.Fatal("preparing with a cancelled context succeeded")
	}
	p, raw := tpost{id: "first@x"}.archived(l.ID, time.Date(2021, 3, 1, 12, 0, 0, 0, time.UTC))
	if made, err := s.ArchivePut(context.Background(), p, raw); err != nil || !made {
		t.Fatalf("ArchivePut after a failed prepare = %v, %v; want archived", made, err)
	}
}
