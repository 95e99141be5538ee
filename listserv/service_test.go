package listserv

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"praxis/listserv/store"
	"praxis/templates"
)

func newTestService(t testing.TB) *Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := New(ctx, st, Config{BaseURL: "https://lists.example.org", Hostname: "lists.example.org"}, templates.MustParse(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func mustList(t *testing.T, svc *Service, addr, post string) *List {
	t.Helper()
	l := &List{Address: addr, Name: "Test list", SubscribePolicy: SubscribeConfirm, PostPolicy: post, ArchivePolicy: ArchivePublic, Prefix: "[t] "}
	if err := svc.CreateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l
}

func TestCheckChain(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	for _, p := range []string{PostMembers, PostOpen, PostModerated, PostAnnounce} {
		mustList(t, svc, p+"@example.org", p)
		for _, m := range []*Member{
			{Address: "alice@example.net"},
			{Address: "owen@example.net", Role: RoleOwner},
			{Address: "dora@example.net", Delivery: DeliverDigest},
		} {
			mm := *m
			if err := svc.AddMember(ctx, p+"@example.org", &mm); err != nil {
				t.Fatal(err)
			}
		}
	}
	post := func(from, extra string) []byte {
		return []byte("From: " + from + "\r\nTo: x@example.org\r\nSubject: hello\r\nMessage-ID: <m1@example.net>\r\n" + extra + "\r\nbody\r\n")
	}
	tests := []struct {
		name, list, mailFrom string
		raw                  []byte
		state, reason        string
	}{
		{"member posts", "members", "alice@example.net", post("Alice <alice@example.net>", ""), store.StateAccepted, ""},
		{"member, other case", "members", "x@y.org", post("ALICE@example.net", ""), store.StateAccepted, ""},
		{"non-member held", "members", "eve@example.com", post("eve@example.com", ""), store.StateHeld, "non-member"},
		{"open list", "open", "eve@example.com", post("eve@example.com", ""), store.StateAccepted, ""},
		{"moderated holds members", "moderated", "alice@example.net", post("alice@example.net", ""), store.StateHeld, "moderated"},
		{"announce: owner", "announce", "owen@example.net", post("owen@example.net", ""), store.StateAccepted, ""},
		{"announce: member held", "announce", "alice@example.net", post("alice@example.net", ""), store.StateHeld, "announce"},
		{"loop by List-Id", "open", "alice@example.net", post("alice@example.net", "List-Id: Test <open.example.org>\r\n"), store.StateDropped, "loop"},
		{"loop by X-Loop", "open", "alice@example.net", post("alice@example.net", "X-Loop: open@example.org\r\n"), store.StateDropped, "loop"},
		{"other list's List-Id passes", "open", "alice@example.net", post("alice@example.net", "List-Id: <other.example.com>\r\n"), store.StateAccepted, ""},
		{"null sender", "open", "", post("MAILER-DAEMON@example.net", ""), store.StateDropped, "bounce"},
		{"auto-submitted", "open", "alice@example.net", post("alice@example.net", "Auto-Submitted: auto-replied\r\n"), store.StateDropped, "auto-reply"},
		{"auto-submitted no", "open", "alice@example.net", post("alice@example.net", "Auto-Submitted: no\r\n"), store.StateAccepted, ""},
		{"vacation", "open", "alice@example.net", post("alice@example.net", "X-Autoreply: yes\r\n"), store.StateDropped, "auto-reply"},
		{"DSN", "open", "alice@example.net", post("alice@example.net", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n"), store.StateDropped, "bounce"},
		{"garbage header, member envelope", "members", "alice@example.net", []byte("this is not a header\r\n\r\nbody"), store.StateAccepted, ""},
		{"garbage header, stranger", "members", "eve@example.com", []byte("\x00\x01\x02"), store.StateHeld, "non-member eve@example.com"},
		{"no From, member Sender", "members", "list-bounces@elsewhere.org", []byte("Sender: alice@example.net\r\nSubject: x\r\n\r\nbody\r\n"), store.StateAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := svc.Inbound().Resolve(ctx, tt.list+"@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if err := svc.Inbound().Receive(ctx, Envelope{MailFrom: tt.mailFrom}, []Route{r}, tt.raw); err != nil {
				t.Fatal(err)
			}
			if err := svc.ProcessReceived(ctx); err != nil {
				t.Fatal(err)
			}
			l, err := svc.List(ctx, tt.list+"@example.org")
			must(t, err)
			var got *store.Message
			for _, st := range []string{store.StateAccepted, store.StateHeld, store.StateDropped} {
				ms, err := svc.store.ListMessages(ctx, l.ID, st)
				must(t, err)
				for _, m := range ms {
					if m.Kind == store.KindPost && (got == nil || m.ID > got.ID) {
						got = m
					}
				}
			}
			if got == nil || got.State != tt.state || !strings.Contains(got.Reason, tt.reason) {
				t.Fatalf("got %+v, want state %s reason ~%q", got, tt.state, tt.reason)
			}
			if got.State == store.StateAccepted {
				counts, err := svc.store.DeliveryCounts(ctx, got.ID)
				must(t, err)
				// alice and owen get each post; dora takes digests.
				if counts["queued"] != 2 {
					t.Errorf("queued copies = %v, want 2", counts)
				}
			}
		})
	}
}

func TestModerationQueue(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	mustList(t, svc, "cop@example.org", PostMembers)
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "alice@example.net"}))
	r, err := svc.Inbound().Resolve(ctx, "cop@example.org")
	must(t, err)
	for i := 0; i < 3; i++ {
		raw := []byte("From: eve@example.com\r\nSubject: buy now\r\n\r\nbody\r\n")
		if err := svc.Inbound().Receive(ctx, Envelope{MailFrom: "eve@example.com"}, []Route{r}, raw); err != nil {
			t.Fatal(err)
		}
	}
	must(t, svc.ProcessReceived(ctx))
	_, held, err := svc.Moderation().Held(ctx, "cop@example.org")
	if err != nil || len(held) != 3 {
		t.Fatalf("held = %d, %v; want 3", len(held), err)
	}
	if err := svc.Moderation().Approve(ctx, "cop@example.org", held[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Moderation().Approve(ctx, "cop@example.org", held[0].ID); !errors.Is(err, ErrInvalid) {
		t.Errorf("second approve: %v, want ErrInvalid", err)
	}
	if err := svc.Moderation().Reject(ctx, "cop@example.org", held[1].ID, "off topic"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Moderation().Discard(ctx, "cop@example.org", held[2].ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.Moderation().Approve(ctx, "cop@example.org", 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("approve unknown: %v", err)
	}
	counts, err := svc.store.DeliveryCounts(ctx, held[0].ID)
	must(t, err)
	if counts["queued"] != 1 {
		t.Errorf("approved post copies: %v", counts)
	}
	// The rejection notice is queued to the author, raw.
	due, err := svc.store.DueDeliveries(ctx, 0, 100)
	must(t, err)
	var notice bool
	for _, d := range due {
		if d.Rcpt == "eve@example.com" && d.Mode == store.ModeRaw {
			m, err := svc.store.Message(ctx, d.MessageID)
			must(t, err)
			notice = strings.Contains(string(m.Raw), "off topic") && strings.Contains(string(m.Raw), "Auto-Submitted: auto-replied")
		}
	}
	if !notice {
		t.Error("no rejection notice with the reason queued for the author")
	}
}

func TestUnsubscribeToken(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	mustList(t, svc, "cop@example.org", PostMembers)
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "Alice@example.net"}))
	tok := svc.OneClick().UnsubscribeToken("cop@example.org", "Alice@example.net")
	if _, err := svc.OneClick().CheckUnsubscribeToken("cop@example.org", tok+"x"); err == nil {
		t.Error("tampered token accepted")
	}
	if _, err := svc.OneClick().CheckUnsubscribeToken("other@example.org", tok); err == nil {
		t.Error("token accepted for another list")
	}
	forged := svc.OneClick().UnsubscribeToken("cop@example.org", "bob@example.net")
	enc, mac, _ := strings.Cut(forged, ".")
	_ = enc
	if _, err := svc.OneClick().CheckUnsubscribeToken("cop@example.org", strings.Split(tok, ".")[0]+"."+mac); err == nil {
		t.Error("MAC of one member accepted for another")
	}
	addr, gone, err := svc.OneClick().UnsubscribeByToken(ctx, "cop@example.org", tok)
	if err != nil || gone || addr != "Alice@example.net" {
		t.Fatalf("unsubscribe: %q %v %v", addr, gone, err)
	}
	if _, gone, _ := svc.OneClick().UnsubscribeByToken(ctx, "cop@example.org", tok); !gone {
		t.Error("second click should report gone")
	}
	if !strings.HasPrefix(svc.OneClick().UnsubscribeURL("cop@example.org", "a@b.org"), "https://lists.example.org/l/cop@example.org/unsubscribe/") {
		t.Errorf("URL = %s", svc.OneClick().UnsubscribeURL("cop@example.org", "a@b.org"))
	}
}

func TestAdminErrors(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	mustList(t, svc, "cop@example.org", PostMembers)
	if err := svc.CreateList(ctx, &List{Address: "COP@example.org", Name: "again", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate list: %v", err)
	}
	if err := svc.AddMember(ctx, "nolist@example.org", &Member{Address: "a@example.net"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown list: %v", err)
	}
	if err := svc.AddMember(ctx, "cop@example.org", &Member{Address: "not an address"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad address: %v", err)
	}
	must(t, svc.AddMember(ctx, "cop@example.org", &Member{Address: "a@example.net"}))
	if err := svc.AddMember(ctx, "cop@example.org", &Member{Address: "A@EXAMPLE.net"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate member: %v", err)
	}
	if err := svc.RemoveMember(ctx, "cop@example.org", "z@example.net"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove non-member: %v", err)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	mustList(t, svc, "cop@example.org", PostMembers)
	tests := []struct {
		rcpt string
		err  error
	}{
		{"cop@example.org", nil},
		{"cop-request@EXAMPLE.org", nil},
		{"cop-bounces+a=b.net@example.org", nil},
		{"nobody@example.org", ErrNoSuchAddress},
		{"cop+x@example.org", ErrNoSuchAddress},
		{"cop@example.com", ErrRelayDenied},
		{"victim@gmail.com", ErrRelayDenied},
	}
	for _, tt := range tests {
		_, err := svc.Inbound().Resolve(ctx, tt.rcpt)
		if !errors.Is(err, tt.err) && !(err == nil && tt.err == nil) {
			t.Errorf("Resolve(%q) = %v, want %v", tt.rcpt, err, tt.err)
		}
	}
}

// A removed list's held mail never reaches a list created after it.
func TestRemovedListKeepsItsMail(t *testing.T) {
	ctx := context.Background()
	svc := newTestService(t)
	mustList(t, svc, "tmp@example.org", PostMembers)
	r, err := svc.Inbound().Resolve(ctx, "tmp@example.org")
	must(t, err)
	if err := svc.Inbound().Receive(ctx, Envelope{MailFrom: "eve@example.com"}, []Route{r}, []byte("From: eve@example.com\r\nSubject: secret of tmp\r\n\r\nx\r\n")); err != nil {
		t.Fatal(err)
	}
	must(t, svc.ProcessReceived(ctx))
	if err := svc.DeleteList(ctx, "tmp@example.org"); err != nil {
		t.Fatal(err)
	}
	mustList(t, svc, "other@example.org", PostMembers)
	_, held, err := svc.Moderation().Held(ctx, "other@example.org")
	if err != nil || len(held) != 0 {
		t.Fatalf("the new list holds %d posts of the removed one (%v)", len(held), err)
	}
	// The mail is still kept, dropped with the reason.
	ids, err := svc.store.MessageIDsInState(ctx, store.StateDropped, 0, 10)
	must(t, err)
	if len(ids) != 1 {
		t.Fatalf("dropped = %d, want the removed list's post kept", len(ids))
	}
	m, err := svc.store.Message(ctx, ids[0])
	must(t, err)
	if m.Reason != "list removed" {
		t.Errorf("reason %q", m.Reason)
	}
}

func TestCopyListArchivePolicy(t *testing.T) {
	svc := newTestService(t)
	l := mustList(t, svc, "cop@example.org", PostMembers)
	rl := svc.Copies().CopyList(l)
	if rl.ArchiveURL == "" || rl.PermalinkBase != "https://lists.example.org/m/" {
		t.Errorf("public list: %+v", rl)
	}
	l.ArchivePolicy = ArchiveNone
	rl = svc.Copies().CopyList(l)
	if rl.ArchiveURL != "" || rl.PermalinkBase != "" || strings.Contains(rl.Footer, "Archive") {
		t.Errorf("a list without archive links to one: %+v", rl)
	}
}

func TestVERPCarriesAMAC(t *testing.T) {
	svc := newTestService(t)
	v := svc.VERP("cop@example.org", "Bob.Smith@Mail.Example.net")
	if !strings.HasPrefix(v, "cop-bounces+Bob.Smith=Mail.Example.net=") || !strings.HasSuffix(v, "@example.org") {
		t.Fatalf("VERP = %q", v)
	}
	// It routes back to the list as a bounce, and the MAC checks out even
	// after an MTA lower-cased the address.
	r, ok := ParseRoute(v)
	if !ok || r.Kind != "bounce" || r.List != "cop@example.org" {
		t.Fatalf("VERP does not route back: %+v %v", r, ok)
	}
	rcpt, ok := svc.verp.Recipient(r.List, r.Extra)
	if !ok || !strings.EqualFold(rcpt, "Bob.Smith@Mail.Example.net") {
		t.Errorf("verpRecipient = %q, %v", rcpt, ok)
	}
	// A forged one, naming another member, fails.
	forged := strings.Replace(r.Extra, "bob.smith", "alice", 1)
	if _, ok := svc.verp.Recipient(r.List, forged); ok {
		t.Error("a forged VERP address was accepted")
	}
	if _, ok := svc.verp.Recipient(r.List, "alice=example.net"); ok {
		t.Error("a VERP address without MAC was accepted")
	}
}

// must stops the test at a setup step that failed: a step whose error is
// dropped leaves the test checking whatever an empty store answers.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Digests and summaries are made from the archive: a list that keeps none
// refuses them, rather than send its readers nothing.
func TestNoDigestsWithoutArchive(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if err := s.CreateList(ctx, &List{Address: "quiet@example.org", Name: "Quiet", ArchivePolicy: ArchiveNone}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{DeliverDigest, DeliverSummary} {
		if err := s.AddMember(ctx, "quiet@example.org", &Member{Address: "r@example.com", Delivery: d}); !errors.Is(err, ErrInvalid) {
			t.Errorf("--delivery %s on a list without archive: %v", d, err)
		}
	}
	if err := s.AddMember(ctx, "quiet@example.org", &Member{Address: "r@example.com"}); err != nil {
		t.Fatal(err)
	}
	_, m, err := s.Member(ctx, "quiet@example.org", "r@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m.Delivery = DeliverSummary
	if err := s.UpdateMember(ctx, m); !errors.Is(err, ErrInvalid) {
		t.Errorf("switching to summaries: %v", err)
	}
}
