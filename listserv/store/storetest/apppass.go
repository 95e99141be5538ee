package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"praxis/listserv/store"
)

// appPasswords: a member's app password hashes are kept per list, found
// across lists by address (whatever its case), newest first and bounded;
// revoking removes only that list's and counts them; a non-member gets
// none; removing the member or the list takes theirs away, and a member
// who joins again does not get the old ones back.
func appPasswords(t *testing.T, s store.Backend) {
	ctx := context.Background()
	cop := newList(t, s, "cop@example.org")
	makers := newList(t, s, "makers@example.org")
	other := newList(t, s, "other@example.org")
	join := func(l *store.List, addr string) {
		t.Helper()
		must(t, s.AddMember(ctx, &store.Member{ListID: l.ID, Address: addr, Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}))
	}
	join(cop, "Ann@Example.net")
	join(makers, "ann@example.net")
	join(other, "ann@example.net")
	join(cop, "bob@example.net")

	hashes := func(addr string) []string {
		t.Helper()
		hs, err := s.AppPasswordHashes(ctx, addr)
		must(t, err)
		return hs
	}
	if got := hashes("ann@example.net"); len(got) != 0 {
		t.Errorf("hashes before any password: %q", got)
	}
	must(t, s.AddAppPassword(ctx, cop.ID, "ann@example.net", "h1"))
	must(t, s.AddAppPassword(ctx, makers.ID, "ANN@example.net", "h2"))
	must(t, s.AddAppPassword(ctx, cop.ID, "Ann@Example.net", "h3"))
	must(t, s.AddAppPassword(ctx, cop.ID, "bob@example.net", "b1"))
	if err := s.AddAppPassword(ctx, cop.ID, "carol@example.net", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a password for a non-member: %v, want ErrNotFound", err)
	}
	if got := hashes("carol@example.net"); len(got) != 0 {
		t.Errorf("a non-member has hashes %q", got)
	}
	if got, want := hashes("ann@EXAMPLE.net"), []string{"h3", "h2", "h1"}; !slices.Equal(got, want) {
		t.Errorf("ann's hashes = %q, want %q (every list's, newest first)", got, want)
	}
	if got := hashes("bob@example.net"); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("bob's hashes = %q", got)
	}

	// Revoking is per list and counts what it removed.
	n, err := s.RevokeAppPasswords(ctx, cop.ID, "ann@example.NET")
	must(t, err)
	if n != 2 {
		t.Errorf("revoked %d of ann's passwords on cop, want 2", n)
	}
	if got := hashes("ann@example.net"); !slices.Equal(got, []string{"h2"}) {
		t.Errorf("after revoking cop's: %q, want makers' only", got)
	}
	if n, err := s.RevokeAppPasswords(ctx, cop.ID, "ann@example.net"); err != nil || n != 0 {
		t.Errorf("revoking again: %d, %v; want 0", n, err)
	}
	if got := hashes("bob@example.net"); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("revoking ann's touched bob's: %q", got)
	}

	// A removed member's passwords go, and do not return when they join
	// again.
	must(t, s.AddAppPassword(ctx, cop.ID, "bob@example.net", "b2"))
	must(t, s.RemoveMember(ctx, cop.ID, "Bob@example.net"))
	if got := hashes("bob@example.net"); len(got) != 0 {
		t.Errorf("a removed member's hashes: %q", got)
	}
	join(cop, "bob@example.net")
	if got := hashes("bob@example.net"); len(got) != 0 {
		t.Errorf("a member who joined again has the old hashes: %q", got)
	}
	if n, err := s.RevokeAppPasswords(ctx, cop.ID, "bob@example.net"); err != nil || n != 0 {
		t.Errorf("revoking after removal: %d, %v; want 0 rows left", n, err)
	}

	// A deleted list's passwords go with it (a list made again under the
	// address is a new list).
	must(t, s.DeleteList(ctx, makers.Address))
	if got := hashes("ann@example.net"); len(got) != 0 {
		t.Errorf("after the list's deletion: %q", got)
	}
	again := newList(t, s, "makers@example.org")
	join(again, "ann@example.net")
	if got := hashes("ann@example.net"); len(got) != 0 {
		t.Errorf("a list made again has the old list's hashes: %q", got)
	}
	if n, err := s.RevokeAppPasswords(ctx, makers.ID, "ann@example.net"); err != nil || n != 0 {
		t.Errorf("rows of the deleted list left: %d, %v", n, err)
	}

	// However many there are, a login looks at the newest few.
	var want []string
	for i := 0; i < store.AppPasswordsTried+5; i++ {
		h := fmt.Sprintf("o%02d", i)
		must(t, s.AddAppPassword(ctx, other.ID, "ann@example.net", h))
		want = append([]string{h}, want...)
	}
	if got := hashes("ann@example.net"); !slices.Equal(got, want[:store.AppPasswordsTried]) {
		t.Errorf("with %d passwords: %q, want the newest %d", len(want), got, store.AppPasswordsTried)
	}
}
