package listserv

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"praxis/listserv/relay"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/listserv/dmarc"
	"praxis/listserv/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// normalize hides what changes from run to run: tokens, message ids,
// MIME boundaries, dates.
func normalize(raw []byte) string {
	s := string(raw)
	for _, r := range []struct{ re, with string }{
		{`boundary=[0-9a-zA-Z]+`, "boundary=BOUNDARY"},
		{`--[0-9a-f]{50,}`, "--BOUNDARY"},
		{`[0-9a-f]{40}`, "TOKEN"},
		{`praxis\.\d+\.[0-9a-f]+@`, "MSGID@"},
		{`(?m)^Date: .*$`, "Date: DATE"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	norm := normalize(got)
	if *update {
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		if err := os.WriteFile(path, []byte(norm), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./listserv -update)", err)
	}
	if norm != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, norm, want)
	}
}

// countMessages counts the messages of a kind ("" any) to rcpt ("" any).
func countMessages(t *testing.T, svc *Service, kind, rcpt string) int {
	t.Helper()
	n, err := svc.store.CountMessages(context.Background(), kind, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lastPost returns the state and reason of the newest post.
func lastPost(t *testing.T, svc *Service) (state, reason string) {
	t.Helper()
	m, err := svc.store.LatestMessage(context.Background(), store.KindPost, "")
	if err != nil {
		t.Fatal(err)
	}
	return m.State, m.Reason
}

// lastNotice returns the newest mail Praxis composed.
func lastNotice(t *testing.T, svc *Service) *store.Message {
	t.Helper()
	m, err := svc.store.LatestMessage(context.Background(), store.KindNotice, "")
	if err != nil {
		t.Fatalf("no notice: %v", err)
	}
	return m
}

func receive(t *testing.T, svc *Service, rcpt, from, raw string) {
	t.Helper()
	ctx := context.Background()
	r, err := svc.Inbound().Resolve(ctx, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Inbound().Receive(ctx, Envelope{MailFrom: from}, []Route{r}, []byte(raw)); err != nil {
		t.Fatal(err)
	}
	if err := svc.ProcessReceived(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenNotices(t *testing.T) {
	svc := newTestService(t)
	svc.cfg.Now = func() time.Time { return time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC) }
	svc.setDMARC(fakeDMARC{})
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "Makers CoP", Description: "People who make things.", Prefix: "[cop] "}
	if err := svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	must(t, svc.AddMember(ctx, l.Address, &Member{Address: "alice@example.net", Name: "Alice"}))
	must(t, svc.AddMember(ctx, l.Address, &Member{Address: "mod@example.org", Role: RoleModerator}))

	receive(t, svc, "cop-request@example.org", "alice@example.net",
		"From: Alice <alice@example.net>\r\nTo: cop-request@example.org\r\nSubject: help\r\nDate: Mon, 02 Mar 2026 09:55:00 +0000\r\nMessage-ID: <cmd1@example.net>\r\n\r\n"+
			"set delivery digest\r\nset expertise antennas, SDR\r\nset listing on\r\nset suggestions off\r\nset listing maybe\r\nwho\r\nfrobnicate\r\nend\r\nsubscribe\r\n")
	checkGolden(t, "results.golden", lastNotice(t, svc).Raw)
	if _, alice, err := svc.Member(ctx, l.Address, "alice@example.net"); err != nil || !alice.Listed || !alice.SuggestionsOff {
		t.Errorf("after set listing on and set suggestions off: %+v %v", alice, err)
	}

	receive(t, svc, "cop-join@example.org", "newbie@example.com",
		"From: New Person <newbie@example.com>\r\nTo: cop-join@example.org\r\nSubject: join\r\nMessage-ID: <join1@example.com>\r\n\r\n")
	checkGolden(t, "confirm_subscribe.golden", lastNotice(t, svc).Raw)

	receive(t, svc, "cop@example.org", "eve@example.com",
		"From: Eve <eve@example.com>\r\nTo: cop@example.org\r\nSubject: Cheap antennas\r\nMessage-ID: <spam1@example.com>\r\n\r\nBuy now.\r\n")
	checkGolden(t, "held_notice.golden", latestTo(t, svc, "mod@example.org").Raw)
	// The non-member is told once that the post waits.
	checkGolden(t, "held_waiting.golden", latestTo(t, svc, "eve@example.com").Raw)
}

func latestTo(t *testing.T, svc *Service, rcpt string) *store.Message {
	t.Helper()
	m, err := svc.store.LatestMessage(context.Background(), store.KindNotice, rcpt)
	if err != nil {
		t.Fatalf("no notice to %s: %v", rcpt, err)
	}
	return m
}

func TestCommandMailIgnoredWhenAutomatic(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	for _, extra := range []string{"Precedence: bulk\r\n", "Precedence: list\r\n", "Auto-Submitted: auto-replied\r\n"} {
		receive(t, svc, "cop-request@example.org", "robot@example.net", "From: robot@example.net\r\n"+extra+"Subject: help\r\n\r\nhelp\r\n")
	}
	// The three were received: what they did not get is a reply.
	if n := countMessages(t, svc, store.KindRequest, ""); n != 3 {
		t.Fatalf("%d command mails kept, want 3", n)
	}
	if n := countMessages(t, svc, store.KindNotice, ""); n != 0 {
		t.Errorf("%d replies to automatic mail", n)
	}
}

func TestAutoReplyAndConfirmationLimits(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	for i := 0; i < MaxAutoRepliesPerDay+5; i++ {
		receive(t, svc, "cop-request@example.org", "chatty@example.net", "From: chatty@example.net\r\nSubject: help\r\n\r\nhelp\r\n")
	}
	if n := countMessages(t, svc, store.KindNotice, "chatty@example.net"); n != MaxAutoRepliesPerDay {
		t.Errorf("%d replies in a day, want %d", n, MaxAutoRepliesPerDay)
	}
	// Forged subscribe requests for a victim: a few confirmations, then none.
	l, err := svc.List(ctx, "cop@example.org")
	must(t, err)
	for i := 0; i < 10; i++ {
		if _, err := svc.Subscriptions().Subscribe(ctx, l, "victim@example.com", ""); err != nil {
			t.Fatal(err)
		}
		// Let the pending request go, as if it had expired, so each try
		// would send anew.
		ps, err := svc.store.PendingFor(ctx, l.ID, store.PendingSubscribe, "victim@example.com")
		must(t, err)
		for _, p := range ps {
			if _, err := svc.store.TakePending(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := countMessages(t, svc, store.KindNotice, "victim@example.com"); n != MaxConfirmationsPerDay {
		t.Errorf("%d confirmation requests to one address in a day, want %d", n, MaxConfirmationsPerDay)
	}
}

func TestRuleChain(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	l := &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostMembers, MaxRecipients: 3, RequireExplicitDestination: true, MaxMessageKB: 2, NonmemberAction: ActionHold}
	if err := svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	must(t, svc.AddMember(ctx, l.Address, &Member{Address: "alice@example.net"}))
	must(t, svc.AddMember(ctx, l.Address, &Member{Address: "mallory@example.net", Moderated: true}))
	must(t, svc.Subscriptions().AddBan(ctx, l.Address, "spammer@example.com"))
	must(t, svc.Subscriptions().AddBan(ctx, l.Address, `^.*@bad\.example$`))
	msg := func(from, to, subject, body string) string {
		return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n"
	}
	tests := []struct {
		name, from, raw, state, reason string
	}{
		{"member", "alice@example.net", msg("alice@example.net", "cop@example.org", "hi", "x"), store.StateAccepted, ""},
		{"banned exact", "spammer@example.com", msg("Spammer@Example.com", "cop@example.org", "hi", "x"), store.StateDiscarded, "banned"},
		{"banned regex", "x@bad.example", msg("x@bad.example", "cop@example.org", "hi", "x"), store.StateDiscarded, "banned"},
		{"moderated member", "mallory@example.net", msg("mallory@example.net", "cop@example.org", "hi", "x"), store.StateHeld, "moderated"},
		{"implicit destination", "alice@example.net", msg("alice@example.net", "other@example.com", "hi", "x"), store.StateHeld, "implicit destination"},
		{"too many recipients", "alice@example.net", msg("alice@example.net", "cop@example.org, a@x.org, b@x.org", "hi", "x"), store.StateHeld, "too many recipients"},
		{"too big", "alice@example.net", msg("alice@example.net", "cop@example.org", "hi", strings.Repeat("x", 3000)), store.StateHeld, "larger than"},
		{"administrivia", "alice@example.net", msg("alice@example.net", "cop@example.org", "unsubscribe", ""), store.StateHeld, "command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			receive(t, svc, "cop@example.org", tt.from, tt.raw)
			state, reason := lastPost(t, svc)
			if state != tt.state || !strings.Contains(reason, tt.reason) {
				t.Errorf("got %s (%s), want %s (~%s)", state, reason, tt.state, tt.reason)
			}
		})
	}
	// Non-member actions.
	for _, action := range []struct{ action, state string }{{ActionReject, store.StateRejected}, {ActionDiscard, store.StateDiscarded}, {ActionAccept, store.StateAccepted}} {
		l.NonmemberAction = action.action
		must(t, svc.UpdateList(ctx, l))
		receive(t, svc, "cop@example.org", "stranger@example.com", msg("stranger@example.com", "cop@example.org", "hello", "x"))
		if state, _ := lastPost(t, svc); state != action.state {
			t.Errorf("non-member action %s: post %s", action.action, state)
		}
	}
	// Emergency holds even members.
	l.Emergency = true
	must(t, svc.UpdateList(ctx, l))
	receive(t, svc, "cop@example.org", "alice@example.net", msg("alice@example.net", "cop@example.org", "hi", "x"))
	if state, _ := lastPost(t, svc); state != store.StateHeld {
		t.Errorf("emergency: %s", state)
	}
}

func TestHeldPostExpires(t *testing.T) {
	svc := newTestService(t)
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	svc.cfg.Now = func() time.Time { return now }
	svc.store.SetClock(func() time.Time { return now })
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP", HoldDays: 3}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "mod@example.org", Role: RoleModerator}))
	receive(t, svc, "cop@example.org", "eve@example.com", "From: eve@example.com\r\nTo: cop@example.org\r\nSubject: waiting\r\n\r\nx\r\n")
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, held, err := svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 1 {
		t.Fatalf("held = %d before expiry (%v)", len(held), err)
	}
	now = now.Add(3*24*time.Hour + time.Minute)
	if err := svc.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, held, err := svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 0 {
		t.Fatalf("held = %d after expiry (%v)", len(held), err)
	}
	n := lastNotice(t, svc)
	if n.Rcpt != "eve@example.com" || !strings.Contains(string(n.Raw), "expired without being sent") {
		t.Errorf("expiry notice to %s:\n%s", n.Rcpt, n.Raw)
	}
}

func TestAbuseReportUnsubscribes(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "grumpy@example.net"}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "owner@example.org", Role: RoleOwner}))
	verp := svc.VERP("cop@example.org", "grumpy@example.net")
	arf := "From: fbl@isp.example\r\nTo: " + verp + "\r\nSubject: FW: abuse report\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n" +
		"--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: isp/1.0\r\nVersion: 1\r\nOriginal-Rcpt-To: grumpy@example.net\r\n\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: someone@example.com\r\nTo: cop@example.org\r\nSubject: a post\r\n\r\n--b--\r\n"
	receive(t, svc, verp, "fbl@isp.example", arf)
	if _, _, err := svc.Member(ctx, "cop@example.org", "grumpy@example.net"); err == nil {
		t.Fatal("the complainer is still a member")
	}
	if n := lastNotice(t, svc); n.Rcpt != "owner@example.org" || !strings.Contains(string(n.Raw), "spam") {
		t.Errorf("owners not told: %s", n.Raw)
	}
}

func TestReplyToBounceAddressIsNotABounce(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "alice@example.net"}))
	verp := svc.VERP("cop@example.org", "alice@example.net")
	receive(t, svc, verp, "alice@example.net", "From: alice@example.net\r\nTo: "+verp+"\r\nSubject: Re: hello\r\n\r\nThanks!\r\n")
	_, m, err := svc.Member(ctx, "cop@example.org", "alice@example.net")
	must(t, err)
	if m.BounceScore != 0 {
		t.Errorf("a reply scored %v", m.BounceScore)
	}
	// The same from the null sender, unreadable as it is, counts.
	receive(t, svc, verp, "", "From: MAILER-DAEMON@example.net\r\nTo: "+verp+"\r\nSubject: ???\r\n\r\n???\r\n")
	_, m, err = svc.Member(ctx, "cop@example.org", "alice@example.net")
	must(t, err)
	if m.BounceScore != 1 {
		t.Errorf("an unreadable bounce scored %v, want 1", m.BounceScore)
	}
}

func TestForgedSenderCannotChangeSettings(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "alice@strict.example"}))
	svc.setDMARC(fakeDMARC{})
	// From a strict domain, and from one without DMARC (gmail-like p=none
	// or nothing): neither proves the sender, neither may change settings.
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "bob@lax.example"}))
	receive(t, svc, "cop-request@example.org", "forger@evil.example", "From: alice@strict.example\r\nSubject: set delivery nomail\r\n\r\n")
	receive(t, svc, "cop-request@example.org", "forger@evil.example", "From: bob@lax.example\r\nSubject: set delivery nomail\r\n\r\n")
	if _, bob, err := svc.Member(ctx, "cop@example.org", "bob@lax.example"); err != nil {
		t.Fatal(err)
	} else if bob.Delivery != DeliverEach {
		t.Errorf("a forged command from a domain without DMARC changed delivery to %s", bob.Delivery)
	}
	_, m, err := svc.Member(ctx, "cop@example.org", "alice@strict.example")
	must(t, err)
	if m.Delivery != DeliverEach {
		t.Errorf("a forged command changed delivery to %s", m.Delivery)
	}
	if n := lastNotice(t, svc); !strings.Contains(string(n.Raw), "DKIM signature") {
		t.Errorf("the results mail does not say why:\n%s", n.Raw)
	}
}

// fakeDMARC: strict.example publishes p=reject and nothing passes.
type fakeDMARC struct{}

func (fakeDMARC) Authenticate(ctx context.Context, raw []byte, domain string) (dmarc.Verdict, string) {
	switch domain {
	case "strict.example":
		return dmarc.Fail, "no aligned signature"
	case "example.net":
		return dmarc.Pass, "" // as if signed by its domain
	}
	return dmarc.None, ""
}

// Prove: example.net signs every field of its mail, once per message.
func (fakeDMARC) Prove(ctx context.Context, raw []byte, domain string) []dmarc.Proof {
	if domain != "example.net" {
		return nil
	}
	p := dmarc.Proof{Domain: domain, Covered: map[string]int{}, Key: fmt.Sprintf("%x", sha256.Sum256(raw))}
	for _, f := range dmarc.Fields(raw) {
		p.Covered[strings.ToLower(f.Name)]++
	}
	return []dmarc.Proof{p}
}

func (fakeDMARC) Lookup(ctx context.Context, domain string) (dmarc.Policy, error) {
	if domain == "strict.example" {
		return dmarc.Policy{Domain: domain, P: "reject", Found: true}, nil
	}
	return dmarc.Policy{}, nil
}

func TestConfirmationRepliesThatDoNotConfirm(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	l, err := svc.List(ctx, "cop@example.org")
	must(t, err)
	if _, err := svc.Subscriptions().Subscribe(ctx, l, "victim@example.com", ""); err != nil {
		t.Fatal(err)
	}
	ps, err := svc.store.PendingFor(ctx, l.ID, store.PendingSubscribe, "victim@example.com")
	must(t, err)
	if len(ps) != 1 {
		t.Fatal("no pending request")
	}
	confirm := ConfirmAddress(l.Address, ps[0].Token)
	for _, raw := range []string{
		"From: victim@example.com\r\nSubject: Automatic reply: Confirm\r\n\r\nI am away until Monday.\r\n",
		"From: victim@example.com\r\nX-Autoreply: yes\r\nSubject: Re: Confirm\r\n\r\nAway.\r\n",
		"From: victim@example.com\r\nSubject: Re: Confirm\r\n\r\nNo, I did not ask for this!\r\n\r\n> Someone asked\r\n",
		"From: victim@example.com\r\nSubject: Re: Confirm\r\n\r\nI didn't ask for this.\r\n",
	} {
		receive(t, svc, confirm, "victim@example.com", raw)
	}
	if _, _, err := svc.Member(ctx, "cop@example.org", "victim@example.com"); err == nil {
		t.Fatal("an auto-reply or a refusal subscribed the address")
	}
	// A plain reply confirms.
	receive(t, svc, confirm, "victim@example.com", "From: victim@example.com\r\nSubject: Re: Confirm\r\n\r\n> Someone asked\r\n")
	if _, _, err := svc.Member(ctx, "cop@example.org", "victim@example.com"); err != nil {
		t.Fatal("a plain reply did not confirm")
	}
}

func TestHostileMessageIDIsSetAside(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	receive(t, svc, "cop-request@example.org", "x@example.net", "From: x@example.net\r\nMessage-ID: <a\rb@x>\r\nSubject: help\r\n\r\nhelp\r\n")
	ids, err := svc.store.MessageIDsInState(ctx, store.StateReceived, 0, 10)
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("%d messages left to be retried forever", len(ids))
	}
}

func TestUnreadableFromStillRelayedUnderDMARC(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	l, err := svc.List(ctx, "cop@example.org")
	must(t, err)
	m := &store.Message{ID: 1, Raw: []byte("From: Smith, Bob <bob@strict.example>\r\nSubject: x\r\n\r\nbody\r\n"), Transform: relay.TransformMunge}
	out, err := svc.Copies().Relayable(ctx, l, m)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if !strings.Contains(s, "From: \"CoP\" <cop@example.org>") || !strings.Contains(s, "X-Original-From: Smith, Bob <bob@strict.example>") || !strings.HasSuffix(s, "\r\n\r\nbody\r\n") {
		t.Errorf("got:\n%s", s)
	}
}

func TestFeedbackLoopReportToTheBareBounceAddress(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	must(t, svc.CreateList(ctx, &List{Address: "cop@example.org", Name: "CoP"}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "grumpy@example.net"}))
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "bystander@example.net"}))
	verp := svc.VERP("cop@example.org", "grumpy@example.net")
	report := func(returnPath string) string {
		return "From: fbl@isp.example\r\nTo: cop-bounces@example.org\r\nSubject: complaint\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nAbuse report.\r\n" +
			"--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n\r\n" +
			"--b\r\nContent-Type: message/rfc822\r\n\r\nReturn-Path: <" + returnPath + ">\r\nFrom: someone@example.com\r\nSubject: a post\r\n\r\nbody\r\n--b--\r\n"
	}
	// A report quoting a copy whose Return-Path has a forged MAC does nothing.
	forged := strings.Replace(verp, "grumpy", "bystander", 1)
	receive(t, svc, "cop-bounces@example.org", "fbl@isp.example", report(forged))
	if _, _, err := svc.Member(ctx, "cop@example.org", "bystander@example.net"); err != nil {
		t.Fatal("a forged report removed a bystander")
	}
	receive(t, svc, "cop-bounces@example.org", "fbl@isp.example", report(verp))
	if _, _, err := svc.Member(ctx, "cop@example.org", "grumpy@example.net"); err == nil {
		t.Fatal("the complainer found through the quoted copy is still a member")
	}
}
