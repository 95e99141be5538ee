package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"praxis/listserv/store/pgtest"
)

// TestPostgresSpoolCommitsSynchronously: on PostgreSQL the spool commits
// with synchronous_commit on even where the database's default is off,
// so a post has reached the disk before its 250; the other pool follows
// the default.
func TestPostgresSpoolCommitsSynchronously(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	admin, err := sql.Open("pgx", url)
	must(t, err)
	defer admin.Close()
	var name string
	must(t, admin.QueryRowContext(ctx, `SELECT current_database()`).Scan(&name))
	_, err = admin.ExecContext(ctx, `ALTER DATABASE `+name+` SET synchronous_commit = off`)
	must(t, err)

	s, err := Open(ctx, "", Options{DB: url})
	must(t, err)
	defer s.Close()
	var spool, other string
	must(t, s.spool.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&spool))
	must(t, s.db.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&other))
	if spool != "on" || other != "off" {
		t.Errorf("synchronous_commit: spool %s, other writes %s; want on and off (the database's default)", spool, other)
	}
}

// TestPostgresIngestBatchesTakeKeysInOrder: two nodes' spool batches that
// hold the same ingest keys in opposite orders both commit (one spools
// each key, the other answers ErrDuplicate for it), rather than waiting
// for each other in a cycle until PostgreSQL ends one batch, and with it
// every post that batch held.
func TestPostgresIngestBatchesTakeKeysInOrder(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	l := NewList("cop@example.org", "CoP")
	must(t, nodes[0].CreateList(ctx, l))
	const keys = 20
	batch := func(uids []uint32) []spoolReq {
		var out []spoolReq
		for _, u := range uids {
			m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@example.net", Rcpt: l.Address, Raw: []byte("Subject: x\r\n\r\nx\r\n")}
			out = append(out, spoolReq{msgs: []*Message{m}, ingest: &IngestKey{Source: "imap://box@mail.example.net/INBOX", UIDValidity: 1, UID: u}})
		}
		return out
	}
	var up, down []uint32
	for u := range uint32(keys) {
		up, down = append(up, u+1), append(down, keys-u)
	}
	batches := [2][]spoolReq{batch(up), batch(down)}
	var errs [2][]error
	var errBatch [2]error
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i], errBatch[i] = nodes[i].spoolBatch(batches[i])
		}()
	}
	wg.Wait()
	for i, err := range errBatch {
		if err != nil {
			t.Fatalf("node %d's batch failed: %v", i, err)
		}
	}
	spooled := map[uint32]int{}
	for i := range nodes {
		for j, err := range errs[i] {
			switch u := batches[i][j].ingest.UID; {
			case err == nil:
				spooled[u]++
			case !errors.Is(err, ErrDuplicate):
				t.Errorf("node %d, uid %d: %v", i, u, err)
			}
		}
	}
	for u := range uint32(keys) {
		if spooled[u+1] != 1 {
			t.Errorf("uid %d spooled %d times, want once", u+1, spooled[u+1])
		}
	}
}

// TestPostgresArchiveOneBlobTwoLists: two nodes archiving the same posts
// to two lists at once, in opposite orders, both succeed: the blobs they
// share (one row per content) are written in hash order, so neither waits
// for the other in a cycle, which PostgreSQL would end by failing one.
func TestPostgresArchiveOneBlobTwoLists(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	var lists [2]*List
	for i, s := range nodes {
		lists[i] = NewList(fmt.Sprintf("list%d@example.org", i), "x")
		must(t, s.CreateList(ctx, lists[i]))
	}
	const n = 20
	var errs [2]error
	var wg sync.WaitGroup
	for i := range nodes {
		var posts []*ArchivedPost
		var raws [][]byte
		for j := range n {
			k := j
			if i == 1 {
				k = n - 1 - j
			}
			posts = append(posts, &ArchivedPost{ListID: lists[i].ID, MessageID: fmt.Sprintf("m%d@x", k), Date: time.Unix(int64(k), 0)})
			raws = append(raws, []byte(fmt.Sprintf("Message-ID: <m%d@x>\r\n\r\npost %d\r\n", k, k)))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = nodes[i].ArchivePutMany(ctx, posts, raws)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
		if got, err := nodes[0].ArchivePostCount(ctx, lists[i].ID); got != n || err != nil {
			t.Errorf("list %d has %d posts (%v), want %d", i, got, err, n)
		}
	}
}

// TestPostgresLeaveDuringFanout: a member removed on one node while
// another queues a post's copies for the list gets no copy queued, as
// on SQLite, where one of the two comes wholly first.
func TestPostgresLeaveDuringFanout(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	l := NewList("cop@example.org", "CoP")
	must(t, nodes[0].CreateList(ctx, l))
	for i := range 200 {
		addr := fmt.Sprintf("m%d@example.net", i)
		must(t, nodes[0].AddMember(ctx, &Member{ListID: l.ID, Address: addr, Role: "member", Delivery: "each"}))
		m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@example.net", Rcpt: l.Address, Raw: []byte("x")}
		must(t, nodes[0].Spool(ctx, m))
		errs := fanoutBeside(nodes, l, m, func() error { return nodes[1].RemoveMember(ctx, l.ID, addr) })
		must(t, errors.Join(errs[:]...))
		var n int
		must(t, nodes[0].db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE rcpt = ? AND state = 'queued'`, addr).Scan(&n))
		if n != 0 {
			t.Fatalf("round %d: %s left, and %d copies are queued for them", i, addr, n)
		}
	}
}

// TestPostgresListRemovedDuringFanout: a list removed on one node while
// another queues a post's copies leaves no copy queued, and neither
// waits for the other in a cycle.
func TestPostgresListRemovedDuringFanout(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	for i := range 100 {
		l := NewList(fmt.Sprintf("cop%d@example.org", i), "CoP")
		must(t, nodes[0].CreateList(ctx, l))
		must(t, nodes[0].AddMember(ctx, &Member{ListID: l.ID, Address: "m@example.net", Role: "member", Delivery: "each"}))
		m := &Message{ListID: l.ID, ListAddress: l.Address, Kind: KindPost, MailFrom: "a@example.net", Rcpt: l.Address, Raw: []byte("x")}
		must(t, nodes[0].Spool(ctx, m))
		errs := fanoutBeside(nodes, l, m, func() error { return nodes[1].DeleteList(ctx, l.Address) })
		if errs[0] != nil && !errors.Is(errs[0], ErrState) {
			t.Fatalf("round %d: fan-out: %v", i, errs[0])
		}
		must(t, errs[1])
		var n int
		must(t, nodes[0].db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE list_id = ? AND state = 'queued'`, l.ID).Scan(&n))
		if n != 0 {
			t.Fatalf("round %d: the list is gone, and %d copies are queued", i, n)
		}
	}
}

// twoNodes opens two stores on one fresh PostgreSQL database, as two
// serve nodes would; they are closed when the test ends.
func twoNodes(t *testing.T) [2]*Store {
	t.Helper()
	url := pgtest.URL(t)
	var nodes [2]*Store
	for i := range nodes {
		s, err := Open(context.Background(), "", Options{DB: url})
		must(t, err)
		t.Cleanup(func() { s.Close() })
		nodes[i] = s
	}
	return nodes
}

// fanoutBeside queues m's copies for l on the first node while other
// runs on the second, at the same moment; it returns both errors.
func fanoutBeside(nodes [2]*Store, l *List, m *Message, other func() error) (errs [2]error) {
	var wg sync.WaitGroup
	wg.Go(func() {
		_, errs[0] = nodes[0].TransitionFanout(context.Background(), m.ID, StateReceived, StateAccepted, "", "", nil, &Fanout{ListID: l.ID, Delivery: "each", Status: "enabled"})
	})
	wg.Go(func() { errs[1] = other() })
	wg.Wait()
	return errs
}
