package listserv

import (
	"context"
	"errors"
	"fmt"
	"praxis/listserv/store"
	"strings"
	"testing"
	"time"
)

// The robot's changes to a roster are in the audit log as the owners'
// are: a member who joins by mail, a moderator's decision on a request
// (from the web here), a one-click unsubscription; a request decided
// twice, or named on another list, is not found, and a verb that does not
// fit the request is refused.
func TestRosterChangesAreLogged(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	open := mustList(t, svc, "open@example.org", PostMembers)
	open.SubscribePolicy = SubscribeOpen
	mod := Actor{Who: "mod@example.net", Via: ViaWeb}
	if err := svc.SetList(ctx, mod, open); err != nil {
		t.Fatal(err)
	}
	mustList(t, svc, "mod@example.org", PostMembers)
	modList, err := svc.List(ctx, "mod@example.org")
	if err != nil {
		t.Fatal(err)
	}
	modList.SubscribePolicy = SubscribeModerate
	if err := svc.SetList(ctx, mod, modList); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddMemberBy(ctx, mod, "mod@example.org", &Member{Address: "mod@example.net", Role: RoleModerator}); err != nil {
		t.Fatal(err)
	}

	if out, err := svc.Subscriptions().Subscribe(ctx, open, "ann@example.net", "Ann"); err != nil || !out.Done {
		t.Fatalf("subscribing to an open list: %+v %v", out, err)
	}
	for _, who := range []string{"bob@example.net", "eve@example.net"} {
		if out, err := svc.Subscriptions().Subscribe(ctx, modList, who, ""); err != nil || !out.Done {
			t.Fatalf("asking to join a moderated list: %+v %v", out, err)
		}
	}
	_, reqs, err := svc.Subscriptions().Requests(ctx, "mod@example.org")
	if err != nil || len(reqs) != 2 {
		t.Fatalf("requests: %+v %v", reqs, err)
	}
	if _, err := svc.Subscriptions().DecideRequest(ctx, "mod@example.org", reqs[0].ID, mod, "cancel", ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("cancelling a request for a moderator: %v, want ErrInvalid", err)
	}
	if _, err := svc.Subscriptions().DecideRequest(ctx, "open@example.org", reqs[0].ID, mod, "approve", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("deciding another list's request: %v, want ErrNotFound", err)
	}
	if out, err := svc.Subscriptions().DecideRequest(ctx, "mod@example.org", reqs[0].ID, mod, "approve", ""); err != nil || !out.Done {
		t.Fatalf("approving: %+v %v", out, err)
	}
	if _, err := svc.Subscriptions().DecideRequest(ctx, "mod@example.org", reqs[0].ID, mod, "approve", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("approving twice: %v, want ErrNotFound", err)
	}
	if _, err := svc.Subscriptions().DecideRequest(ctx, "mod@example.org", reqs[1].ID, mod, "reject", "not now"); err != nil {
		t.Fatalf("rejecting: %v", err)
	}
	if _, _, err := svc.Member(ctx, "mod@example.org", "bob@example.net"); err != nil {
		t.Errorf("bob was approved but is no member: %v", err)
	}
	if _, _, err := svc.Member(ctx, "mod@example.org", "eve@example.net"); !errors.Is(err, ErrNotFound) {
		t.Errorf("eve was rejected but: %v", err)
	}
	tok := svc.OneClick().UnsubscribeToken("open@example.org", "ann@example.net")
	if _, gone, err := svc.OneClick().UnsubscribeByToken(ctx, "open@example.org", tok); err != nil || gone {
		t.Fatalf("one-click: %v %v", gone, err)
	}

	type entry struct{ who, via, action, target string }
	for list, want := range map[string][]entry{
		"open@example.org": {
			{"ann@example.net", ViaMail, "member rm", "ann@example.net"},
			{"ann@example.net", ViaMail, "member add", "ann@example.net"},
			{"mod@example.net", ViaWeb, "list set", ""},
		},
		"mod@example.org": {
			{"mod@example.net", ViaWeb, "subscription reject", "eve@example.net"},
			{"mod@example.net", ViaWeb, "member add", "bob@example.net"},
			{"mod@example.net", ViaWeb, "member add", "mod@example.net"},
			{"mod@example.net", ViaWeb, "list set", ""},
		},
	} {
		_, log, err := svc.AuditLog(ctx, list, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != len(want) {
			t.Errorf("%s: %d entries, want %d: %+v", list, len(log), len(want), log)
			continue
		}
		for i, w := range want {
			if e := log[i]; e.Actor != w.who || e.Via != w.via || e.Action != w.action || e.Target != w.target {
				t.Errorf("%s entry %d: %+v, want %+v", list, i, e, w)
			}
		}
	}
}

// TestMemberSettingsLogged: a member's listing and suggestions, changed by
// an owner (praxis member set --listing/--suggestions), are in the log.
func TestMemberSettingsLogged(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	mustList(t, svc, "cop@example.org", PostMembers)
	owner := Actor{Who: "owner@example.net", Via: ViaCLI}
	if err := svc.AddMemberBy(ctx, owner, "cop@example.org", &Member{Address: "ann@example.net"}); err != nil {
		t.Fatal(err)
	}
	_, m, err := svc.Member(ctx, "cop@example.org", "ann@example.net")
	if err != nil {
		t.Fatal(err)
	}
	m.Listed, m.SuggestionsOff = !m.Listed, !m.SuggestionsOff
	if err := svc.SetMember(ctx, owner, m); err != nil {
		t.Fatal(err)
	}
	_, log, err := svc.AuditLog(ctx, "cop@example.org", 0, 0)
	if err != nil || len(log) == 0 || log[0].Action != "member set" || !strings.Contains(log[0].Detail, "listing") || !strings.Contains(log[0].Detail, "suggestions") {
		t.Errorf("the log after changing listing and suggestions: %+v (%v)", log, err)
	}
}

// TestDecideRequestBeyondAPage: a request is decided by its id, however
// many wait before it (the moderators' page lists store.MaxPendingListed).
func TestDecideRequestBeyondAPage(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	l := mustList(t, svc, "cop@example.org", PostMembers)
	now := time.Now()
	var last *store.Pending
	for i := range store.MaxPendingListed + 1 {
		last = &store.Pending{ListID: l.ID, Kind: store.PendingApproval, Address: fmt.Sprintf("p%03d@example.net", i), Token: fmt.Sprintf("t%d", i), CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := svc.Store().AddPending(ctx, last); err != nil {
			t.Fatal(err)
		}
	}
	mod := Actor{Who: "mod@example.net", Via: ViaWeb}
	if out, err := svc.Subscriptions().DecideRequest(ctx, "cop@example.org", last.ID, mod, "discard", ""); err != nil || !out.Done {
		t.Errorf("deciding request %d of %d: %+v %v", store.MaxPendingListed+1, store.MaxPendingListed+1, out, err)
	}
}
