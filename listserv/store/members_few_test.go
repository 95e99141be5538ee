package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestMembersByRoleAndDelivery: a list's moderators and its digest readers
// come back ordered by address (byte order, on both engines, as they are
// ordered in Go), without the members of other roles, deliveries,
// statuses or lists.
func TestMembersByRoleAndDelivery(t *testing.T) {
	backends(t, func(t *testing.T, newStore opener) {
		ctx := context.Background()
		s := newStore(t)
		l, other := &List{Address: "cop@example.org", Name: "CoP"}, &List{Address: "other@example.org", Name: "Other"}
		must(t, s.CreateList(ctx, l))
		must(t, s.CreateList(ctx, other))
		var ms []*Member
		for i := range 300 {
			ms = append(ms, &Member{ListID: l.ID, Address: fmt.Sprintf("m%03d@example.net", i), Role: RoleMember, Delivery: DeliverEach, Status: StatusEnabled})
		}
		for _, m := range []*Member{
			{ListID: l.ID, Address: "Zed@example.net", Role: RoleModerator, Delivery: DeliverDigest, Status: StatusEnabled},
			{ListID: l.ID, Address: "a.b@example.net", Role: RoleModerator, Delivery: DeliverEach, Status: StatusEnabled},
			{ListID: l.ID, Address: "ab@example.net", Role: RoleOwner, Delivery: DeliverDigest, Status: StatusEnabled},
			{ListID: l.ID, Address: "Bea@example.net", Role: RoleMember, Delivery: DeliverDigest, Status: StatusEnabled},
			{ListID: l.ID, Address: "gone@example.net", Role: RoleMember, Delivery: DeliverDigest, Status: StatusDisabledBounce},
			{ListID: other.ID, Address: "elsewhere@example.net", Role: RoleModerator, Delivery: DeliverDigest, Status: StatusEnabled},
		} {
			ms = append(ms, m)
		}
		must(t, s.AddMembers(ctx, ms))
		addrs := func(ms []*Member) string {
			var out []string
			for _, m := range ms {
				out = append(out, m.Address)
			}
			return strings.Join(out, " ")
		}
		mods, err := s.MembersWithRole(ctx, l.ID, RoleModerator)
		must(t, err)
		if got, want := addrs(mods), "a.b@example.net Zed@example.net"; got != want {
			t.Errorf("moderators: %s, want %s", got, want)
		}
		readers, err := s.MembersWithDelivery(ctx, l.ID, DeliverDigest)
		must(t, err)
		if got, want := addrs(readers), "ab@example.net Bea@example.net Zed@example.net"; got != want {
			t.Errorf("digest readers: %s, want %s", got, want)
		}
		all, err := s.Members(ctx, l.ID)
		must(t, err)
		if len(all) != 305 {
			t.Errorf("%d members, want 305", len(all))
		}
	})
}

// TestMembersByRoleUseTheirIndex: on SQLite, a list's moderators and
// digest readers are found by the indexes on role and delivery, not by a
// walk of the whole roster in address order (which SQLite chose to spare
// itself a sort while the statement asked for one). PostgreSQL's planner
// chooses by its statistics, so only SQLite's plan is checked.
func TestMembersByRoleUseTheirIndex(t *testing.T) {
	s := open(t, t.TempDir())
	for _, tc := range []struct{ where, index string }{
		{`list_id = ? AND role = ?`, "members_role"},
		{`list_id = ? AND delivery = ? AND status = ?`, "members_delivery"},
	} {
		args := []any{int64(1), "x", "y"}[:strings.Count(tc.where, "?")]
		rows, err := s.DB().Query(`EXPLAIN QUERY PLAN `+membersQuery(true, tc.where), args...)
		must(t, err)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			must(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "INDEX "+tc.index+" ") {
			t.Errorf("%s: plan %q, want the index %s", tc.where, p, tc.index)
		}
	}
}
