package apppass

import (
	"context"
	"fmt"
	"testing"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// TestLoginLimitSharedAcrossNodes: two nodes' authenticators counting in
// one PostgreSQL database (CountIn) share one quota: failures of an
// address, and of an IP, made half on each node lock it on both, where
// each node's memory would have seen half. Right passwords cost nothing.
func TestLoginLimitSharedAcrossNodes(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	st := twoMembers(t)
	var nodes [2]*Authenticator
	for i := range nodes {
		db, err := store.Open(ctx, "", store.Options{DB: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		nodes[i], _ = newAuth(t, st)
		nodes[i].CountIn(db)
	}
	// Right passwords, many, from one IP: none is kept as a failure.
	for i := 0; i < 3*maxIPFailures; i++ {
		if err := nodes[i%2].Login(ctx, ipN(1), "bob@example.net", bobPass); err != nil {
			t.Fatalf("login %d with the right password: %v", i, err)
		}
	}
	for i := 0; i < maxAddrFailures; i++ {
		wantFailed(t, nodes[i%2].Login(ctx, ipN(100+i), "ann@example.net", bobPass), "a wrong password")
	}
	for i, a := range nodes {
		wantFailed(t, a.Login(ctx, ipN(200), "ann@example.net", annPass), fmt.Sprintf("node %d: the right password of an address locked by failures on both", i))
	}
	// One IP guessing at made-up addresses, on both nodes.
	for i := 0; i < maxIPFailures; i++ {
		wantFailed(t, nodes[i%2].Login(ctx, ipN(2), fmt.Sprintf("guess%d@example.net", i), "wrong"), "a made-up address")
	}
	for i, a := range nodes {
		wantFailed(t, a.Login(ctx, ipN(2), "bob@example.net", bobPass), fmt.Sprintf("node %d: a right password from an IP locked by failures on both", i))
	}
	if err := nodes[0].Login(ctx, ipN(3), "bob@example.net", bobPass); err != nil {
		t.Errorf("another IP: %v", err)
	}
}
