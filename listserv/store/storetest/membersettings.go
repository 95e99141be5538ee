package storetest

import (
	"context"
	"testing"

	"praxis/listserv/store"
)

// memberOwnSettings: listing and suggestions, a member's own choices, start
// at their defaults (not listed, suggestions on) whichever way the member
// was added, and keep what UpdateMember writes, one without the other.
func memberOwnSettings(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "cop@example.org")
	must(t, s.AddMember(ctx, &store.Member{ListID: l.ID, Address: "ann@example.net", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled}))
	must(t, s.AddMembers(ctx, []*store.Member{{ListID: l.ID, Address: "bob@example.net", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled},
		{ListID: l.ID, Address: "cy@example.net", Role: store.RoleMember, Delivery: store.DeliverEach, Status: store.StatusEnabled, Listed: true, SuggestionsOff: true}}))
	// Added with their choices made, members keep them.
	if cy, err := s.Member(ctx, l.ID, "cy@example.net"); err != nil || !cy.Listed || !cy.SuggestionsOff {
		t.Errorf("cy added listed with suggestions off: %+v %v", cy, err)
	}
	for _, addr := range []string{"ann@example.net", "bob@example.net"} {
		m, err := s.Member(ctx, l.ID, addr)
		must(t, err)
		if m.Listed || m.SuggestionsOff {
			t.Errorf("%s new: listed %v, suggestions off %v; want neither", addr, m.Listed, m.SuggestionsOff)
		}
	}
	ann, err := s.Member(ctx, l.ID, "ann@example.net")
	must(t, err)
	ann.Listed = true
	must(t, s.UpdateMember(ctx, ann))
	bob, err := s.Member(ctx, l.ID, "bob@example.net")
	must(t, err)
	bob.SuggestionsOff = true
	must(t, s.UpdateMember(ctx, bob))

	ms, err := s.Members(ctx, l.ID)
	must(t, err)
	got := map[string][2]bool{}
	for _, m := range ms {
		got[m.Address] = [2]bool{m.Listed, m.SuggestionsOff}
	}
	want := map[string][2]bool{"ann@example.net": {true, false}, "bob@example.net": {false, true}, "cy@example.net": {true, true}}
	for addr, w := range want {
		if got[addr] != w {
			t.Errorf("%s: listed, suggestions off = %v, want %v", addr, got[addr], w)
		}
	}
	mine, err := s.Memberships(ctx, "ANN@example.net")
	must(t, err)
	if m := mine[l.ID]; m == nil || !m.Listed {
		t.Errorf("Memberships of ann: %+v, want listed", m)
	}
}
