package storetest

import (
	"context"
	"testing"

	"praxis/listserv/store"
)

// auditLog: each list's log is its own, newest first, paged by id, with
// every field as written and the store's time; it goes with its list.
func auditLog(t *testing.T, s store.Backend) {
	ctx := context.Background()
	cop := newList(t, s, "cop@example.org")
	makers := newList(t, s, "makers@example.org")
	for i, e := range []*store.AuditEntry{
		{ListID: cop.ID, Actor: "ann@example.net", Via: store.AuditWeb, Action: "list set", Detail: `post: "members" → "moderated"`},
		{ListID: makers.ID, Actor: "command line (root)", Via: store.AuditCLI, Action: "member add", Target: "bob@example.net"},
		{ListID: cop.ID, Actor: "bob@example.net", Via: store.AuditMail, Action: "member rm", Target: "bob@example.net", Detail: "left"},
		{ListID: cop.ID, Actor: "ann@example.net", Via: store.AuditWeb, Action: "ban add", Target: `^.*@spam\.example$`},
	} {
		must(t, s.AddAudit(ctx, e))
		if e.ID == 0 || e.At.IsZero() {
			t.Fatalf("entry %d: AddAudit set no ID or time: %+v", i, e)
		}
	}
	got, err := s.AuditLog(ctx, cop.ID, 0, 10)
	must(t, err)
	if len(got) != 3 {
		t.Fatalf("cop's log has %d entries, want 3: %+v", len(got), got)
	}
	if got[0].Action != "ban add" || got[0].Target != `^.*@spam\.example$` || got[1].Via != store.AuditMail || got[1].Detail != "left" ||
		got[2].Actor != "ann@example.net" || got[2].Detail != `post: "members" → "moderated"` || got[2].ListID != cop.ID {
		t.Errorf("cop's log, newest first: %+v %+v %+v", got[0], got[1], got[2])
	}
	// Paging: the ones older than the first page's last.
	page, err := s.AuditLog(ctx, cop.ID, 0, 2)
	must(t, err)
	rest, err := s.AuditLog(ctx, cop.ID, page[len(page)-1].ID, 2)
	must(t, err)
	if len(page) != 2 || len(rest) != 1 || rest[0].ID != got[2].ID {
		t.Errorf("pages of 2: %d then %d entries", len(page), len(rest))
	}
	if other, err := s.AuditLog(ctx, makers.ID, 0, 0); err != nil || len(other) != 1 || other[0].Target != "bob@example.net" {
		t.Errorf("makers' log: %+v %v", other, err)
	}
	must(t, s.DeleteList(ctx, cop.Address))
	if gone, err := s.AuditLog(ctx, cop.ID, 0, 0); err != nil || len(gone) != 0 {
		t.Errorf("a removed list's log: %d entries, %v", len(gone), err)
	}
}
