package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store/pgtest"
)

// TestPostgresRemovalBesideArchiving: two nodes on one PostgreSQL
// database. Node 1 removes a post from list A while node 2 archives the
// same bytes to list B (a legitimate post of its own) and, under another
// Message-ID, to list A (an export imported again). List B's post keeps
// its bytes, and list A keeps none of them, whichever commits first.
// Before the removal and the archive locked the bytes' row, B's post
// lost its bytes in 60 of 150 rounds; before a removal took the list's
// other posts with the same bytes, A's import outlived it in 91.
func TestPostgresRemovalBesideArchiving(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	var nodes [2]*Store
	for i := range nodes {
		s, err := Open(ctx, "", Options{DB: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		nodes[i] = s
	}
	a := newThreadList(t, nodes[0], "a@example.org")
	b := newThreadList(t, nodes[0], "b@example.org")
	post := func(l *List, id string) *ArchivedPost {
		return &ArchivedPost{ListID: l.ID, MessageID: id, Subject: "Router login", NormSubject: "router login",
			FromAddr: "bob@example.com", Date: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	}
	live := func(l *List, hash string) int {
		var n int
		if err := nodes[0].db.QueryRowContext(ctx, `SELECT COUNT(*) FROM archive WHERE list_id = ? AND hash = ?`, l.ID, hash).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const rounds = 150
	lost, back := 0, 0
	for i := range rounds {
		raw := []byte(fmt.Sprintf("From: x@example.com\r\nSubject: r%d\r\n\r\npassword %d\r\n", i, i))
		sum := sha256.Sum256(raw)
		hash := hex.EncodeToString(sum[:])
		first := fmt.Sprintf("praxis.%d.aa@mail.example.org", i)
		if _, err := nodes[0].ArchivePut(ctx, post(a, first), raw); err != nil {
			t.Fatal(err)
		}
		imported := "praxis-archive." + hash[:24] + "@example.org"
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := nodes[0].ArchiveRemove(ctx, Removal{ListID: a.ID, MessageID: first, By: "t"}); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := nodes[1].ArchivePut(ctx, post(b, imported), raw); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if _, err := nodes[1].ArchivePut(ctx, post(a, imported), raw); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		if live(b, hash) == 1 {
			if _, err := nodes[0].ArchiveRaw(ctx, hash); err != nil {
				lost++
			}
		} else {
			t.Errorf("round %d: list B's post is not archived", i)
		}
		if live(a, hash) > 0 {
			back++
		}
	}
	if lost > 0 || back > 0 {
		t.Errorf("%d rounds: list B's post lost its bytes %d times; list A kept the removed bytes %d times", rounds, lost, back)
	}
}
