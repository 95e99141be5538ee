package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

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

// pendingOfList: a list's requests of the kinds asked for, unexpired,
// oldest first; another list's and expired ones are not among them.
func pendingOfList(t *testing.T, s store.Backend) {
	ctx := context.Background()
	cop := newList(t, s, "cop@example.org")
	other := newList(t, s, "other@example.org")
	now := time.Now()
	for i, p := range []*store.Pending{
		{ListID: cop.ID, Kind: store.PendingApproval, Address: "a@example.net"},
		{ListID: cop.ID, Kind: store.PendingInvite, Address: "b@example.net"},
		{ListID: cop.ID, Kind: store.PendingHeld, Address: "c@example.net", Data: "7"},
		{ListID: other.ID, Kind: store.PendingApproval, Address: "d@example.net"},
		{ListID: cop.ID, Kind: store.PendingApproval, Address: "e@example.net", ExpiresAt: now.Add(-time.Hour)},
	} {
		p.Token = fmt.Sprintf("tok%d", i)
		p.CreatedAt = now
		if p.ExpiresAt.IsZero() {
			p.ExpiresAt = now.Add(time.Hour)
		}
		must(t, s.AddPending(ctx, p))
	}
	got, err := s.PendingOfList(ctx, cop.ID, store.PendingApproval, store.PendingInvite)
	must(t, err)
	if len(got) != 2 || got[0].Address != "a@example.net" || got[1].Address != "b@example.net" {
		t.Errorf("cop's approvals and invitations: %+v", got)
	}
	if none, err := s.PendingOfList(ctx, cop.ID); err != nil || len(none) != 0 {
		t.Errorf("no kinds: %+v %v", none, err)
	}
	// One by its id: the list's own, unexpired.
	if p, err := s.ListPending(ctx, cop.ID, got[1].ID); err != nil || p.Address != "b@example.net" {
		t.Errorf("ListPending of cop's invitation: %+v %v", p, err)
	}
	all, err := s.PendingOfList(ctx, other.ID, store.PendingApproval)
	must(t, err)
	if _, err := s.ListPending(ctx, cop.ID, all[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ListPending of another list's request: %v, want ErrNotFound", err)
	}
}
