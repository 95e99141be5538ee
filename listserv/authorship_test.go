package listserv

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"praxis/listserv/inbound"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"praxis/listserv/dmarc"
	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
	"praxis/listserv/store"
)

// authorshipFixture is a list with a victim member, whose provider
// mail.test signs every user's mail with one key (as large providers do):
// the attacker, a user of the same provider, has mail signed by the same
// domain, so a signature aligned with the victim's domain proves nothing
// about which user wrote the words.
type authorshipFixture struct {
	svc  *Service
	l    *List
	key  ed25519.PrivateKey
	key2 ed25519.PrivateKey // the provider's second key, selector sel2
	now  time.Time
}

func newAuthorshipFixture(t *testing.T) *authorshipFixture {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub2, key2, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := dnstest.Start(t, dnstest.Zone{
		"sel._domainkey.mail.test":  {dnstest.TXT("v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub))},
		"sel2._domainkey.mail.test": {dnstest.TXT("v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub2))},
		"_dmarc.mail.test":          {dnstest.TXT("v=DMARC1; p=reject")},
	})
	svc := newTestService(t)
	svc.setDMARC(dmarc.NewChecker(dns.NewResolver(srv.Addr()), dmarc.Options{Timeout: 5 * time.Second}))
	now := time.Now().UTC().Truncate(time.Second)
	svc.cfg.Now = func() time.Time { return now }
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "CoP", PostPolicy: PostMembers, SubscribePolicy: SubscribeOpen, ArchivePolicy: ArchivePrivate}
	if err := svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddMember(ctx, l.Address, &Member{Address: "victim@mail.test", Name: "Victim"}); err != nil {
		t.Fatal(err)
	}
	return &authorshipFixture{svc: svc, l: l, key: key, key2: key2, now: now}
}

// signed signs msg as mail.test does, over the fields given.
func (f *authorshipFixture) signed(t *testing.T, msg string, fields ...string) string {
	t.Helper()
	if len(fields) == 0 {
		fields = []string{"From", "To", "Subject", "Date", "Message-ID"}
	}
	var b bytes.Buffer
	if err := dkim.Sign(&b, strings.NewReader(msg), &dkim.SignOptions{
		Domain: "mail.test", Selector: "sel", Signer: f.key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: fields,
	}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func (f *authorshipFixture) date(ago time.Duration) string {
	return f.now.Add(-ago).Format(time.RFC1123Z)
}

// spool puts raw in the spool for rcpt as if a path that keeps such mail
// had taken it, bypassing Receive's refusal, and runs the checks.
func (f *authorshipFixture) spool(t *testing.T, rcpt, raw string) {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Inbound().Resolve(ctx, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	sum := inbound.Summarize([]byte(raw))
	if err := f.svc.store.Spool(ctx, &store.Message{ListID: f.l.ID, ListAddress: f.l.Address, Kind: r.Kind, Extra: r.Extra,
		MailFrom: "attacker@mail.test", Rcpt: rcpt, Raw: []byte(raw), MessageID: sum.MessageID, FromAddr: sum.From, Subject: sum.Subject}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ProcessReceived(ctx); err != nil {
		t.Fatal(err)
	}
}

func (f *authorshipFixture) victim(t *testing.T) *Member {
	t.Helper()
	_, m, err := f.svc.Member(context.Background(), f.l.Address, "victim@mail.test")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// pendingCommands returns the command confirmations waiting for addr.
func (f *authorshipFixture) pendingCommands(t *testing.T, addr string) []*store.Pending {
	t.Helper()
	ps, err := f.svc.store.PendingFor(context.Background(), f.l.ID, store.PendingCommand, addr)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestTwoFromFieldsAreRefusedLive: mail signed for the attacker, with the
// victim's From added above its header, is refused on the way in, however
// the second From is written.
func TestTwoFromFieldsAreRefusedLive(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	own := f.signed(t, "From: Attacker <attacker@mail.test>\r\nTo: cop@example.org\r\nSubject: hello\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <a1@mail.test>\r\n\r\nhi\r\n")
	for name, raw := range map[string]string{
		"on top":             "From: Victim <victim@mail.test>\r\n" + own,
		"space before colon": "From : Victim <victim@mail.test>\r\n" + own,
		"lower case":         "from: victim@mail.test\r\n" + own,
		"unsigned both":      "From: victim@mail.test\r\nFrom: attacker@mail.test\r\nSubject: x\r\n\r\nx\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, err := f.svc.Inbound().Resolve(ctx, "cop@example.org")
			if err != nil {
				t.Fatal(err)
			}
			err = f.svc.Inbound().Receive(ctx, Envelope{MailFrom: "attacker@mail.test"}, []Route{r}, []byte(raw))
			if !errors.Is(err, ErrAmbiguousAuthor) {
				t.Fatalf("Receive = %v, want ErrAmbiguousAuthor", err)
			}
		})
	}
	// Only notices (the refusals) may have been stored: no post.
	if n := countMessages(t, f.svc, "", "") - countMessages(t, f.svc, store.KindNotice, ""); n != 0 {
		t.Errorf("%d messages spooled, want none", n)
	}
}

// TestTwoFromFieldsNeverAuthenticate: should such mail reach the checks
// anyway (spooled before the refusal existed, or by another path), the
// victim's name on top buys nothing: the post is a non-member's, and the
// commands and the join are not the victim's.
func TestTwoFromFieldsNeverAuthenticate(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	forge := func(to, subject, body string) string {
		return "From: Victim <victim@mail.test>\r\n" + f.signed(t, "From: Attacker <attacker@mail.test>\r\nTo: "+to+"\r\nSubject: "+subject+"\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <"+subject[:3]+"@mail.test>\r\n\r\n"+body)
	}
	f.spool(t, "cop@example.org", forge("cop@example.org", "private news", "Trust me.\r\n"))
	_, held, err := f.svc.Moderation().Held(ctx, f.l.Address)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || !strings.Contains(held[0].Reason, "non-member") {
		t.Fatalf("held %+v, want the post held as a non-member's", held)
	}
	t.Logf("held: %s", held[0].Reason)

	f.spool(t, "cop-request@example.org", forge("cop-request@example.org", "set delivery nomail", "set expertise forgery\r\n"))
	if v := f.victim(t); v.Delivery != DeliverEach || v.Expertise != "" {
		t.Errorf("the forged commands changed the victim: delivery %s, expertise %q", v.Delivery, v.Expertise)
	}

	f.spool(t, "cop-join@example.org", "From: Friend <friend@mail.test>\r\n"+f.signed(t, "From: Attacker <attacker@mail.test>\r\nTo: cop-join@example.org\r\nSubject: join\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <j1@mail.test>\r\n\r\n"))
	if _, _, err := f.svc.Member(ctx, f.l.Address, "friend@mail.test"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a forged join subscribed someone without confirmation: %v", err)
	}
}

// TestReplayedSignedMailCannotCommand: the victim's own signed post, taken
// from the archive's raw download with a command subject added on top,
// changes nothing; a confirmation request goes to the victim, whose reply
// (the round trip) is what carries a command out.
func TestReplayedSignedMailCannotCommand(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	post := f.signed(t, "From: Victim <victim@mail.test>\r\nTo: cop@example.org\r\nSubject: my antenna\r\nDate: "+f.date(time.Hour)+"\r\nMessage-ID: <p1@mail.test>\r\n\r\nIt works now.\r\n")
	f.spool(t, "cop-request@example.org", "Subject: set delivery nomail\r\n"+post)
	if v := f.victim(t); v.Delivery != DeliverEach {
		t.Fatalf("a replayed post with a subject on top set delivery %s", v.Delivery)
	}
	ps := f.pendingCommands(t, "victim@mail.test")
	if len(ps) != 1 || ps[0].Data != "set delivery nomail" {
		t.Fatalf("pending %+v, want one confirmation of the command", ps)
	}
	// The victim confirms (or, never having sent it, would not).
	out, err := f.svc.Subscriptions().Confirm(ctx, ps[0].Token, "victim@mail.test", "")
	if err != nil || !out.Done {
		t.Fatalf("Confirm = %+v, %v", out, err)
	}
	if v := f.victim(t); v.Delivery != DeliverNomail {
		t.Errorf("the confirmed command left delivery %s", v.Delivery)
	}
}

// TestSignedCommands: a fresh command signed over its words runs at once,
// and once only; stale, partly signed or re-sent mail asks to confirm.
func TestSignedCommands(t *testing.T) {
	cmd := func(f *authorshipFixture, subject, date, id string) string {
		return "From: Victim <victim@mail.test>\r\nTo: cop-request@example.org\r\nSubject: " + subject + "\r\nDate: " + date + "\r\nMessage-ID: <" + id + "@mail.test>\r\n\r\n"
	}
	t.Run("fresh and signed runs once", func(t *testing.T) {
		f := newAuthorshipFixture(t)
		raw := f.signed(t, cmd(f, "set delivery digest", f.date(time.Minute), "c1"))
		f.spool(t, "cop-request@example.org", raw)
		if v := f.victim(t); v.Delivery != DeliverDigest {
			t.Fatalf("a signed fresh command left delivery %s", v.Delivery)
		}
		if ps := f.pendingCommands(t, "victim@mail.test"); len(ps) != 0 {
			t.Errorf("a proven command asked for confirmation: %+v", ps)
		}
		// The member changes back; the same signed mail sent again (a
		// replay by anyone who kept a copy) does not change it a second time.
		v := f.victim(t)
		v.Delivery = DeliverEach
		if err := f.svc.store.UpdateMember(context.Background(), v); err != nil {
			t.Fatal(err)
		}
		f.spool(t, "cop-request@example.org", raw)
		if v := f.victim(t); v.Delivery != DeliverEach {
			t.Errorf("a replayed signed command set delivery %s", v.Delivery)
		}
		if ps := f.pendingCommands(t, "victim@mail.test"); len(ps) != 1 {
			t.Errorf("the replay asked for %d confirmations, want 1", len(ps))
		}
	})
	t.Run("signed as large providers sign", func(t *testing.T) {
		// Gmail leaves Content-Type out of h=, Outlook leaves To out:
		// either still proves a command to -request.
		for i, fields := range [][]string{
			{"To", "Subject", "Message-ID", "Date", "From", "MIME-Version"},
			{"From", "Date", "Subject", "Message-ID", "Content-Type", "MIME-Version"},
		} {
			f := newAuthorshipFixture(t)
			raw := f.signed(t, "From: Victim <victim@mail.test>\r\nTo: cop-request@example.org\r\nSubject: set delivery digest\r\nDate: "+f.date(time.Minute)+
				fmt.Sprintf("\r\nMessage-ID: <p%d@mail.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", i), fields...)
			f.spool(t, "cop-request@example.org", raw)
			if v := f.victim(t); v.Delivery != DeliverDigest {
				t.Errorf("signed over %v: delivery %s, want digest at once", fields, v.Delivery)
			}
		}
	})
	for _, tt := range []struct {
		name string
		raw  func(f *authorshipFixture) string
	}{
		{"stale date", func(f *authorshipFixture) string {
			return f.signed(t, cmd(f, "set delivery digest", f.date(30*time.Hour), "c2"))
		}},
		{"date far ahead", func(f *authorshipFixture) string {
			return f.signed(t, cmd(f, "set delivery digest", f.date(-5*time.Hour), "c3"))
		}},
		{"subject not signed", func(f *authorshipFixture) string {
			return f.signed(t, cmd(f, "set delivery digest", f.date(time.Minute), "c4"), "From", "To", "Date", "Message-ID")
		}},
		{"date not signed", func(f *authorshipFixture) string {
			return f.signed(t, cmd(f, "set delivery digest", f.date(time.Minute), "c5"), "From", "To", "Subject", "Message-ID")
		}},
		{"no date", func(f *authorshipFixture) string {
			return f.signed(t, "From: victim@mail.test\r\nTo: cop-request@example.org\r\nSubject: set delivery digest\r\n\r\n")
		}},
		{"a second content type added on top", func(f *authorshipFixture) string {
			// Signed as Gmail signs: Content-Type left out of h=.
			return "Content-Type: text/plain; charset=us-ascii\r\n" + f.signed(t, "From: Victim <victim@mail.test>\r\nTo: cop-request@example.org\r\nSubject: set delivery digest\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <c6@mail.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
		}},
		{"body tampered", func(f *authorshipFixture) string {
			return strings.Replace(f.signed(t, cmd(f, "hello", f.date(time.Minute), "c7")+"help\r\n"), "help\r\n", "set delivery digest\r\n", 1)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuthorshipFixture(t)
			f.spool(t, "cop-request@example.org", tt.raw(f))
			if v := f.victim(t); v.Delivery != DeliverEach {
				t.Errorf("delivery became %s without proof", v.Delivery)
			}
			if ps := f.pendingCommands(t, "victim@mail.test"); len(ps) != 1 {
				t.Errorf("%d confirmations asked, want 1", len(ps))
			}
		})
	}
}

func TestFieldsReadsAsAVerifierDoes(t *testing.T) {
	raw := []byte("From : a@x\r\nSubject: one\r\n two\r\nnot a field\r\nfrom: b@y\r\n\r\nFrom: c@z\r\n")
	fs := dmarc.Fields(raw)
	if n := dmarc.CountFields(fs, "From"); n != 2 {
		t.Errorf("%d From fields, want 2 (the body's does not count)", n)
	}
	if got := fs[1].Value(); got != "one two" {
		t.Errorf("folded Subject = %q", got)
	}
	// A header of a million folded lines is read in one pass.
	big := append([]byte("References: <a@b>\r\n"), bytes.Repeat([]byte(" <x@y>\r\n"), 1<<20)...)
	big = append(big, "From: z@z\r\n\r\n"...)
	if fs := dmarc.Fields(big); len(fs) != 2 || dmarc.CountFields(fs, "From") != 1 {
		t.Errorf("big header: %d fields", len(fs))
	}
}

// TestSubscribeNameCannotFakeLines: a name given in a web form or a From
// field with line breaks or terminal escapes is stored as one line of
// text, so it cannot fake rows in `member ls` or `who`.
func TestSubscribeNameCannotFakeLines(t *testing.T) {
	svc := newTestService(t)
	ctx := context.Background()
	l := &List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: SubscribeOpen}
	if err := svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	name := "Eve\r\n    alice@example.net (Alice) [owner]\x1b[2J" + strings.Repeat("x", 500)
	// The web form's path: a request, then the confirmation by the address.
	if out, err := svc.Subscriptions().RequestSubscription(ctx, l, "eve@example.net", name); err != nil || !out.Done {
		t.Fatalf("RequestSubscription = %+v, %v", out, err)
	}
	ps, err := svc.store.PendingFor(ctx, l.ID, store.PendingSubscribe, "eve@example.net")
	if err != nil || len(ps) != 1 {
		t.Fatalf("pending %v, %v", ps, err)
	}
	if out, err := svc.Subscriptions().Confirm(ctx, ps[0].Token, "", ""); err != nil || !out.Done {
		t.Fatalf("Confirm = %+v, %v", out, err)
	}
	_, m, err := svc.Member(ctx, l.Address, "eve@example.net")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Name, "\r\n\x1b") || len([]rune(m.Name)) > store.MaxNameRunes || !strings.HasPrefix(m.Name, "Eve alice@example.net") {
		t.Errorf("stored name %q", m.Name)
	}
	if err := ValidateMember(&Member{Address: "x@example.net", Name: "a\x1bb", Role: RoleMember, Delivery: DeliverEach, Status: StatusEnabled}); !errors.Is(err, ErrInvalid) {
		t.Errorf("ValidateMember let an escape through: %v", err)
	}
}

// live sends raw through Receive, the way SMTP and LMTP hand mail in, and
// runs the checks.
func (f *authorshipFixture) live(t *testing.T, rcpt, mailFrom, raw string) error {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Inbound().Resolve(ctx, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Inbound().Receive(ctx, Envelope{MailFrom: mailFrom}, []Route{r}, []byte(raw)); err != nil {
		return err
	}
	if err := f.svc.ProcessReceived(ctx); err != nil {
		t.Fatal(err)
	}
	return nil
}

// respell writes the k-th other spelling of a signature's b= value: the
// last base64 digit before "==" carries four bits a decoder ignores.
func respell(t *testing.T, raw string, k int) string {
	t.Helper()
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	m := regexp.MustCompile(`(?s)\bb=([A-Za-z0-9+/\s]+)==`).FindStringSubmatchIndex(raw)
	if m == nil {
		t.Fatal("no b= ending in ==")
	}
	last := strings.TrimRight(raw[m[2]:m[3]], " \t\r\n")
	pos := m[2] + len(last) - 1
	i := strings.IndexByte(digits, raw[pos])
	return raw[:pos] + string(digits[(i&^15)|(k&15)]) + raw[pos+1:]
}

// TestReplayRespelledSignature: the same signed command with its b= value
// spelt another way is the same signature, and a replay.
func TestReplayRespelledSignature(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	raw := f.signed(t, "From: Victim <victim@mail.test>\r\nTo: cop-request@example.org\r\nSubject: set delivery digest\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <r1@mail.test>\r\n\r\n")
	if err := f.live(t, "cop-request@example.org", "victim@mail.test", raw); err != nil {
		t.Fatal(err)
	}
	if v := f.victim(t); v.Delivery != DeliverDigest {
		t.Fatalf("the genuine command left delivery %s", v.Delivery)
	}
	ran := 0
	for k := 0; k < 16; k++ {
		v := f.victim(t)
		v.Delivery = DeliverEach // the member changes back
		if err := f.svc.store.UpdateMember(ctx, v); err != nil {
			t.Fatal(err)
		}
		again := respell(t, raw, k)
		if again == raw {
			continue
		}
		if err := f.live(t, "cop-request@example.org", "attacker@mail.test", again); err != nil {
			t.Fatal(err)
		}
		if f.victim(t).Delivery == DeliverDigest {
			ran++
		}
	}
	if ran > 0 {
		t.Errorf("%d replays with b= spelt otherwise ran the command again", ran)
	}
}

// TestSignedPostDoesNotJoinAnotherList: the victim's fresh signed post,
// taken from an archive and sent to another open list's -join address,
// does not subscribe the victim: the signed To does not name that address.
func TestSignedPostDoesNotJoinAnotherList(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	other := &List{Address: "other@example.org", Name: "Other", PostPolicy: PostMembers, SubscribePolicy: SubscribeOpen, ArchivePolicy: ArchivePublic}
	if err := f.svc.CreateList(ctx, other); err != nil {
		t.Fatal(err)
	}
	post := f.signed(t, "From: Victim <victim@mail.test>\r\nTo: cop@example.org\r\nSubject: my antenna\r\nDate: "+f.date(time.Hour)+"\r\nMessage-ID: <p1@mail.test>\r\n\r\nIt works now.\r\n")
	if err := f.live(t, "other-join@example.org", "attacker@mail.test", post); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Member(ctx, other.Address, "victim@mail.test"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a signed post sent on to other-join@ subscribed its author without confirmation (%v)", err)
	}
	// The victim's own signed join, addressed to it, still joins at once.
	join := f.signed(t, "From: Victim <victim@mail.test>\r\nTo: other-join@example.org\r\nSubject: join\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <j2@mail.test>\r\n\r\n")
	if err := f.live(t, "other-join@example.org", "victim@mail.test", join); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Member(ctx, other.Address, "victim@mail.test"); err != nil {
		t.Errorf("the victim's own signed join did not join: %v", err)
	}
}

// TestHeaderBreakHidesNoAuthor: a line that a MIME reader stops at and a
// DKIM verifier reads past, put above a mail the attacker's provider signed,
// must not make the post the member victim's, whether the victim is then
// named by Sender or by the envelope.
func TestHeaderBreakHidesNoAuthor(t *testing.T) {
	for name, top := range map[string]string{
		"sender and a bad line":   "Sender: Victim <victim@mail.test>\r\nnot a field\r\n",
		"sender and a CR line":    "Sender: Victim <victim@mail.test>\r\n\r\r\n",
		"envelope and a bad line": "not a field\r\n",
		"a From after a bad line": "X-A: 1\r\nnot a field\r\nFrom: Victim <victim@mail.test>\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			f := newAuthorshipFixture(t)
			ctx := context.Background()
			own := f.signed(t, "From: Attacker <attacker@mail.test>\r\nTo: cop@example.org\r\nSubject: private news\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <hb1@mail.test>\r\n\r\nTrust me.\r\n")
			if err := f.live(t, "cop@example.org", "victim@mail.test", top+own); err != nil {
				return // refused at the door: nothing relayed
			}
			accepted, err := f.svc.store.ListMessages(ctx, f.l.ID, store.StateAccepted)
			if err != nil {
				t.Fatal(err)
			}
			// A notice to a held post's author is the list's mail too.
			accepted = posts(accepted)
			if len(accepted) != 0 {
				t.Errorf("the attacker's post was relayed as %q's", accepted[0].FromAddr)
			}
		})
	}
}

// TestForgedCommandsSpareSubscriptionConfirmations: unsigned commands in a
// member's name ask that member to confirm, but cannot use up the
// confirmations of the member's own subscriptions that day.
func TestForgedCommandsSpareSubscriptionConfirmations(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	conf := &List{Address: "conf@example.org", Name: "Conf", PostPolicy: PostMembers, SubscribePolicy: SubscribeConfirm, ArchivePolicy: ArchivePublic}
	if err := f.svc.CreateList(ctx, conf); err != nil {
		t.Fatal(err)
	}
	for i, c := range []string{"set delivery digest", "set delivery nomail", "set delivery summary", "who", "set expertise x"} {
		raw := fmt.Sprintf("From: victim@mail.test\r\nTo: cop-request@example.org\r\nSubject: %s\r\nMessage-ID: <q%d@evil.test>\r\n\r\n", c, i)
		if err := f.live(t, "cop-request@example.org", "attacker@evil.test", raw); err != nil {
			t.Fatal(err)
		}
	}
	if ps := f.pendingCommands(t, "victim@mail.test"); len(ps) != MaxConfirmationsPerDay {
		t.Errorf("%d command confirmations sent, want the day's %d", len(ps), MaxConfirmationsPerDay)
	}
	out, err := f.svc.Subscriptions().RequestSubscription(ctx, conf, "victim@mail.test", "Victim")
	if err != nil {
		t.Fatal(err)
	}
	if !out.Done {
		t.Errorf("the victim's own subscription was refused after forged commands: %s", out.Message)
	}
}

// TestNullmailerBlankLineIsNoSecondFrom: a header ended by CR CR LF (as
// nullmailer writes it) is read by a DKIM verifier as going on into the
// body, where a quoted "From:" is no second author: the mail is taken,
// with the From of its header.
func TestNullmailerBlankLineIsNoSecondFrom(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	raw := "From: Victim <victim@mail.test>\r\nTo: cop@example.org\r\nSubject: re: antennas\r\nMessage-ID: <n1@mail.test>\r\r\n" +
		"Yes.\r\n-----Original Message-----\r\nFrom: Bob <bob@example.com>\r\nSubject: antennas\r\n"
	if err := f.live(t, "cop@example.org", "victim@mail.test", raw); err != nil {
		t.Fatalf("refused: %v", err)
	}
	ms, err := f.svc.store.ListMessages(ctx, f.l.ID, store.StateHeld)
	if err != nil {
		t.Fatal(err)
	}
	accepted, err := f.svc.store.ListMessages(ctx, f.l.ID, store.StateAccepted)
	must(t, err)
	accepted = posts(accepted)
	for _, m := range append(ms, accepted...) {
		if m.FromAddr != "victim@mail.test" {
			t.Errorf("author %q, want the header's", m.FromAddr)
		}
	}
	if len(ms)+len(accepted) != 1 {
		t.Errorf("%d held and %d accepted, want the one post kept", len(ms), len(accepted))
	}
}

// TestReplayOfTwiceSignedMail: a mail signed twice by its provider (two
// keys, as during a key rollover or with RSA beside Ed25519) is one proof:
// sent again, its second signature is no fresh one.
func TestReplayOfTwiceSignedMail(t *testing.T) {
	f := newAuthorshipFixture(t)
	ctx := context.Background()
	once := f.signed(t, "From: Victim <victim@mail.test>\r\nTo: cop-request@example.org\r\nSubject: set delivery digest\r\nDate: "+f.date(time.Minute)+"\r\nMessage-ID: <two@mail.test>\r\n\r\n")
	var b bytes.Buffer
	if err := dkim.Sign(&b, strings.NewReader(once), &dkim.SignOptions{
		Domain: "mail.test", Selector: "sel2", Signer: f.key2,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID"},
	}); err != nil {
		t.Fatal(err)
	}
	twice := b.String()
	f.spool(t, "cop-request@example.org", twice)
	if v := f.victim(t); v.Delivery != DeliverDigest {
		t.Fatalf("the genuine twice-signed command left delivery %s", v.Delivery)
	}
	v := f.victim(t)
	v.Delivery = DeliverEach
	if err := f.svc.store.UpdateMember(ctx, v); err != nil {
		t.Fatal(err)
	}
	f.spool(t, "cop-request@example.org", twice)
	if v := f.victim(t); v.Delivery != DeliverEach {
		t.Errorf("a replay of a twice-signed command ran it again")
	}
}

// posts keeps the posts of ms, leaving out the list's notices.
func posts(ms []*store.Message) []*store.Message {
	var out []*store.Message
	for _, m := range ms {
		if m.Kind == store.KindPost {
			out = append(out, m)
		}
	}
	return out
}
