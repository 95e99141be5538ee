package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"praxis/listserv/store"
)

// addMembersInBulk: AddMembers takes more members than one of its
// statements carries, fills in their IDs, and fails whole, naming the
// address, when one is on its list already (in any case) or named twice.
func addMembersInBulk(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	other := newList(t, s, "other@example.org")
	const n = 1203 // more than two statements' worth
	ms := make([]*store.Member, n)
	for i := range ms {
		ms[i] = &store.Member{ListID: l.ID, Address: fmt.Sprintf("m%04d@example.net", i), Role: store.RoleMember, Delivery: store.DeliverEach}
	}
	// The same address on another list is another member.
	ms = append(ms, &store.Member{ListID: other.ID, Address: "m0000@example.net", Role: store.RoleMember, Delivery: store.DeliverEach})
	must(t, s.AddMembers(ctx, ms))
	ids := map[int64]bool{}
	for _, m := range ms {
		if m.ID == 0 || ids[m.ID] {
			t.Fatalf("%s: ID %d, want a new one", m.Address, m.ID)
		}
		ids[m.ID] = true
	}
	got, err := s.Members(ctx, l.ID)
	must(t, err)
	if len(got) != n || got[0].Status != store.StatusEnabled {
		t.Fatalf("%d members (the first %+v), want %d enabled", len(got), got[0], n)
	}

	for _, tc := range []struct {
		name  string
		batch []string
		want  string
	}{
		{"already a member", []string{"new1@example.net", "M0700@Example.NET", "new2@example.net"}, "M0700@Example.NET"},
		{"named twice", []string{"new1@example.net", "twice@example.net", "TWICE@example.net"}, "TWICE@example.net"},
	} {
		var batch []*store.Member
		for _, a := range tc.batch {
			batch = append(batch, &store.Member{ListID: l.ID, Address: a, Role: store.RoleMember, Delivery: store.DeliverEach})
		}
		err := s.AddMembers(ctx, batch)
		if !errors.Is(err, store.ErrDuplicate) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrDuplicate naming %s", tc.name, err, tc.want)
		}
		if _, err := s.Member(ctx, l.ID, "new1@example.net"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: the batch's first member was kept (%v): the batch must fail whole", tc.name, err)
		}
	}
}
