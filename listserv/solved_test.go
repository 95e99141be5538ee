package listserv

import (
	"context"
	"testing"

	"praxis/listserv/inbound"
	"praxis/listserv/store"
)

// TestSolvedByMail: a moderator's `solved`, mailed to -request in reply
// to a post of a thread, puts the thread in the answers library with that
// post as its answer, kept with who did it; a member's `solved` changes
// nothing.
func TestSolvedByMail(t *testing.T) {
	svc := newTestService(t)
	svc.setDMARC(fakeDMARC{})
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "Makers CoP"}
	must(t, svc.CreateList(ctx, l))
	must(t, svc.AddMember(ctx, l.Address, &Member{Address: "alice@example.net", Name: "Alice"}))
	must(t, svc.AddMember(ctx, l.Address, &Member{Address: "mod@example.org", Role: RoleModerator}))
	for _, raw := range []string{
		"Message-ID: <q@x>\r\nFrom: Alice <alice@example.net>\r\nSubject: Which oil for the mill?\r\nDate: Mon, 02 Mar 2026 08:00:00 +0000\r\n\r\nWhich oil should I use for the mill's gearbox?\r\n",
		"Message-ID: <a@x>\r\nIn-Reply-To: <q@x>\r\nReferences: <q@x>\r\nFrom: Bob <bob@example.net>\r\nSubject: Re: Which oil for the mill?\r\nDate: Mon, 02 Mar 2026 09:00:00 +0000\r\n\r\nAny ISO 68 gear oil will do.\r\n",
	} {
		must(t, svc.Archiver().Archive(ctx, l, []byte(raw), ""))
	}
	library := func() []*store.Answer {
		t.Helper()
		as, err := svc.store.Answers(ctx, l.ID, store.AnswerQuery{Limit: 10})
		must(t, err)
		return as
	}
	if len(library()) != 0 {
		t.Fatal("the unconfirmed question is in the library already")
	}
	solved := func(from, id string) {
		t.Helper()
		receive(t, svc, "cop-request@example.org", from, "From: "+from+"\r\nTo: cop-request@example.org\r\nSubject: Re: Which oil for the mill?\r\n"+
			"In-Reply-To: <a@x>\r\nReferences: <q@x> <a@x>\r\nDate: Mon, 02 Mar 2026 09:55:00 +0000\r\nMessage-ID: <"+id+">\r\n\r\nsolved\r\n\r\n> Any ISO 68 gear oil will do.\r\n")
	}
	solved("alice@example.net", "cmd1@example.net")
	if len(library()) != 0 {
		t.Error("a member's solved changed the library")
	}
	solved("mod@example.org", "cmd2@example.org")
	res := string(latestTo(t, svc, "mod@example.org").Raw)
	if len(library()) != 0 {
		t.Fatal("an unproven solved changed the library before its confirmation")
	}
	// Without a DKIM signature that proves it, the moderator confirms by
	// replying to the confirmation request.
	ps, err := svc.store.PendingFor(ctx, l.ID, store.PendingCommand, "mod@example.org")
	must(t, err)
	if len(ps) != 1 || ps[0].Data != "solved <a@x>" {
		t.Fatalf("pending: %+v\nresults:\n%s", ps, res)
	}
	receive(t, svc, inbound.ConfirmAddress(l.Address, ps[0].Token), "mod@example.org", "From: mod@example.org\r\nTo: "+inbound.ConfirmAddress(l.Address, ps[0].Token)+
		"\r\nSubject: Re: Confirm your command\r\nMessage-ID: <cmd3@example.org>\r\n\r\nYes.\r\n")
	res = string(latestTo(t, svc, "mod@example.org").Raw)
	as := library()
	if len(as) != 1 || as[0].ThreadID != "q@x" || as[0].AnswerID != "a@x" || as[0].AnswerBy != "Bob" {
		t.Fatalf("the library after the moderator's solved: %+v\nresults:\n%s", as, res)
	}
	edits, err := svc.store.AnswerEdits(ctx, l.ID, "q@x")
	must(t, err)
	if len(edits) != 1 || edits[0].Actor != "mail (mod@example.org)" || edits[0].Action != store.EditPick {
		t.Errorf("kept: %+v", edits)
	}
}
