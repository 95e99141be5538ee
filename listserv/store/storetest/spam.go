package storetest

import (
	"context"
	"reflect"
	"testing"

	"praxis/listserv/store"
)

// listSpamSettings: a new list holds what the spam checks flag, refuses
// blocklisted senders and SPF failures, at the filter's own threshold;
// its owner's settings are read back as written, from CreateList and
// UpdateList, fractional score and all.
func listSpamSettings(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "spam@example.org")
	got, err := s.ListByID(ctx, l.ID)
	must(t, err)
	if got.SpamAction != store.SpamHold || got.SpamScore != 0 || got.BlocklistAction != store.SpamReject || got.SPFFailAction != store.SpamReject {
		t.Errorf("a new list's spam settings: %q at %v, blocklist %q, SPF fail %q", got.SpamAction, got.SpamScore, got.BlocklistAction, got.SPFFailAction)
	}
	got.SpamAction, got.SpamScore, got.BlocklistAction, got.SPFFailAction = store.SpamDiscard, 7.25, store.SpamHold, store.SpamAccept
	must(t, s.UpdateList(ctx, got))
	again, err := s.ListByAddress(ctx, l.Address)
	must(t, err)
	if again.SpamAction != store.SpamDiscard || again.SpamScore != 7.25 || again.BlocklistAction != store.SpamHold || again.SPFFailAction != store.SpamAccept {
		t.Errorf("after UpdateList: %q at %v, blocklist %q, SPF fail %q", again.SpamAction, again.SpamScore, again.BlocklistAction, again.SPFFailAction)
	}
	made := &store.List{Address: "spam2@example.org", Name: "CoP", SpamAction: store.SpamReject, SpamScore: 12.5}
	must(t, s.CreateList(ctx, made))
	if back, err := s.ListByID(ctx, made.ID); err != nil || back.SpamAction != store.SpamReject || back.SpamScore != 12.5 || back.BlocklistAction != store.SpamReject {
		t.Errorf("created with spam settings: %+v, %v", back, err)
	}
}

// spamFindingsKept: what the spam checks found before the 250 is spooled
// with the post and read back whole, by the message and by the held
// queue's listing; a post they did not look at reads as none.
func spamFindingsKept(t *testing.T, s store.Backend) {
	ctx := context.Background()
	l := newList(t, s, "found@example.org")
	found := &store.Spam{SPF: "fail", SPFDomain: "example.net", Listed: []string{"bl.example (127.0.0.2)"},
		Filter: "spamd", Scored: true, Score: 1003.5, Required: 5, Over: true, Rules: []string{"GTUBE", "MISSING_DATE"}}
	flagged := &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "eve@example.net", Rcpt: l.Address,
		Raw: []byte("Subject: x\r\n\r\nbuy\r\n"), State: store.StateHeld, Spam: found}
	plain := &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "ann@example.net", Rcpt: l.Address,
		Raw: []byte("Subject: y\r\n\r\nhello\r\n"), State: store.StateHeld}
	must(t, s.Spool(ctx, flagged, plain))
	m, err := s.Message(ctx, flagged.ID)
	must(t, err)
	if !reflect.DeepEqual(m.Spam, found) {
		t.Errorf("the findings read back: %+v, want %+v", m.Spam, found)
	}
	if m, err := s.Message(ctx, plain.ID); err != nil || m.Spam != nil {
		t.Errorf("a post no check looked at: %+v, %v; want none", m.Spam, err)
	}
	held, err := s.ListMessages(ctx, l.ID, store.StateHeld)
	must(t, err)
	if len(held) != 2 || !reflect.DeepEqual(held[0].Spam, found) || held[1].Spam != nil {
		t.Errorf("the held listing: %d posts, findings %+v and %+v", len(held), held[0].Spam, held[len(held)-1].Spam)
	}
}
