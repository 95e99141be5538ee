package storetest

import (
	"context"
	"testing"

	"praxis/listserv/store"
)

// listRawAccess: a list lets anyone take its raw posts until its owner
// says members only, and the setting is read back as written.
func listRawAccess(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "raw@example.org")
	got, err := s.ListByID(ctx, l.ID)
	must(t, err)
	if got.RawAccess != store.RawAnyone {
		t.Errorf("a new list's raw access = %q, want %q", got.RawAccess, store.RawAnyone)
	}
	got.RawAccess = store.RawMembers
	must(t, s.UpdateList(ctx, got))
	if again, err := s.ListByAddress(ctx, l.Address); err != nil || again.RawAccess != store.RawMembers {
		t.Errorf("after UpdateList: raw access %q, %v; want %q", again.RawAccess, err, store.RawMembers)
	}
	made := &store.List{Address: "raw2@example.org", Name: "CoP", RawAccess: store.RawMembers}
	must(t, s.CreateList(ctx, made))
	if again, err := s.ListByID(ctx, made.ID); err != nil || again.RawAccess != store.RawMembers {
		t.Errorf("created members-only: raw access %q, %v", again.RawAccess, err)
	}
}
