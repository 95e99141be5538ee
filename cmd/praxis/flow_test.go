package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-smtp"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/dkim"
	"praxis/listserv/dns/dnstest"
	"praxis/listserv/store"
)

// fakeClock is real time plus an offset the test moves forward by days.
type fakeClock struct{ offset atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// flow is a Praxis running in this process, with a fake clock, delivering
// to a recorder; the test talks to it over SMTP like any mail client.
type flow struct {
	t     *testing.T
	clock *fakeClock
	rec   *recorder
	smtp  string
	http  string
	data  string
	svc   *listserv.Service // a second handle on the data dir, for checks
}

func startFlow(t *testing.T) *flow {
	t.Helper()
	// A DNS server of our own with no records: no DMARC policies anywhere.
	return startFlowDNS(t, dnstest.Start(t, dnstest.Zone{}).Addr())
}

func startFlowDNS(t *testing.T, dnsAddr string) *flow {
	t.Helper()
	f := &flow{t: t, clock: &fakeClock{}, rec: newRecorder(t), data: t.TempDir()}
	cfg := config.Default()
	cfg.Data, cfg.SMTP, cfg.HTTP, cfg.IMAP, cfg.Hostname = f.data, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "lists.example.org"
	cfg.Delivery = "smtp://" + f.rec.sink.Addr() + "?tls=none"
	cfg.DNS = dnsAddr
	cfg.DB = os.Getenv("PRAXIS_DB") // TestPostgresEndToEnd
	cfg.Finish()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PRAXIS_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	svc, closeSvc, err := openService(ctx, &cfg, log, []clock{f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	addrs := make(chan string, 4)
	done := make(chan error, 1)
	go func() {
		done <- runServer(ctx, &cfg, log, func(name, addr string) {
			switch name {
			case "smtp":
				addrs <- addr
			case "http":
				f.http = addr
			}
		}, f.clock.now)
	}()
	select {
	case f.smtp = <-addrs:
	case err := <-done:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		closeSvc()
	})
	return f
}

func (f *flow) send(from, to, msg string) {
	f.t.Helper()
	cl, err := smtp.Dial(f.smtp)
	if err != nil {
		f.t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.SendMail(from, []string{to}, strings.NewReader(msg)); err != nil {
		f.t.Fatalf("sending to %s: %v", to, err)
	}
}

// mailTo waits for the n-th (1-based) message to rcpt whose text matches re.
func (f *flow) mailTo(rcpt, re string) delivered {
	f.t.Helper()
	pat := regexp.MustCompile(re)
	var got delivered
	f.rec.waitFor(f.t, "mail to "+rcpt+" matching "+re, func(cs []delivered) bool {
		for i := len(cs) - 1; i >= 0; i-- {
			if cs[i].to == rcpt && pat.Match(cs[i].data) {
				got = cs[i]
				return true
			}
		}
		return false
	})
	return got
}

func hdr(t *testing.T, data []byte, name string) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	return h.Get(name)
}

func (f *flow) member(addr string) *store.Member {
	_, m, err := f.svc.Member(context.Background(), "cop@example.org", addr)
	if err != nil {
		return nil
	}
	return m
}

func (f *flow) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func post(from, to, subject, body string) string {
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%d@example.net>\r\n\r\n%s\r\n", from, to, subject, time.Now().Format(time.RFC1123Z), time.Now().UnixNano(), body)
}

// TestJoinPostNomailLeave: join by mail, confirm by reply, receive a post,
// switch delivery off by command, leave by mail and reply.
func TestJoinPostNomailLeave(t *testing.T) {
	// Alice's mail service signs her mail, as most do: the robot needs that
	// proof before it changes her settings.
	pemKey, err := dkim.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	name, txt, _, err := dkim.TXTRecord("example.net", "mail", pemKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := dkim.NewSigner("example.net", "mail", pemKey)
	if err != nil {
		t.Fatal(err)
	}
	signed := func(msg string) string {
		sig, err := signer.Sign([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		return string(sig) + msg
	}
	f := startFlowWithZone(t, dnstest.Zone{name: {dnstest.TXT(txt)}})
	ctx := context.Background()
	if err := f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}); err != nil {
		t.Fatal(err)
	}
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))

	f.send("alice@example.net", "cop-join@example.org", post("Alice <alice@example.net>", "cop-join@example.org", "join", ""))
	req := f.mailTo("alice@example.net", "Confirm your subscription")
	confirm := hdr(t, req.data, "Reply-To")
	if !strings.HasPrefix(confirm, "cop-confirm+") {
		t.Fatalf("confirmation request's Reply-To = %q", confirm)
	}
	if f.member("alice@example.net") != nil {
		t.Fatal("subscribed before confirming")
	}
	// The reply, as a mail client writes it: quoted text and all.
	f.send("alice@example.net", confirm, post("alice@example.net", confirm, "Re: "+hdr(t, req.data, "Subject"), "> Someone, probably you, asked to subscribe"))
	f.mailTo("alice@example.net", "Welcome to the Makers mailing list")
	if m := f.member("alice@example.net"); m == nil || m.Delivery != "each" {
		t.Fatalf("alice after confirming: %+v", m)
	}

	f.send("bob@example.com", "cop@example.org", post("bob@example.com", "cop@example.org", "soldering tips", "Use flux."))
	f.mailTo("alice@example.net", `Subject: \[cop\] soldering tips`)

	f.send("alice@example.net", "cop-request@example.org", signed(post("alice@example.net", "cop-request@example.org", "set delivery nomail", "set expertise RF design, soldering\r\nend\r\n-- \r\nAlice")))
	res := f.mailTo("alice@example.net", "(?s)results of your email commands.*no mail for now")
	if !bytes.Contains(res.data, []byte("no mail for now")) || !bytes.Contains(res.data, []byte("RF design, soldering")) {
		t.Errorf("results mail:\n%s", res.data)
	}
	if m := f.member("alice@example.net"); m.Delivery != "nomail" || m.Expertise != "RF design, soldering" {
		t.Fatalf("alice after commands: %+v", m)
	}
	before := len(f.rec.snapshot())
	f.send("bob@example.com", "cop@example.org", post("bob@example.com", "cop@example.org", "second post", "x"))
	f.mailTo("bob@example.com", `Subject: \[cop\] second post`)
	for _, c := range f.rec.snapshot()[before:] {
		if c.to == "alice@example.net" {
			t.Error("alice got a post with delivery nomail")
		}
	}

	f.send("alice@example.net", "cop-leave@example.org", post("alice@example.net", "cop-leave@example.org", "leave", ""))
	req = f.mailTo("alice@example.net", "Confirm leaving")
	confirm = hdr(t, req.data, "Reply-To")
	f.send("alice@example.net", confirm, post("alice@example.net", confirm, "Re: confirm", "yes please"))
	f.mailTo("alice@example.net", "is no longer subscribed")
	if f.member("alice@example.net") != nil {
		t.Fatal("still a member after leaving")
	}
}

// TestHeldPostApprovedByReply: a non-member's post is held, the moderator
// replies "approve" to the notice, the post goes out.
func TestHeldPostApprovedByReply(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "mod@example.org", Role: "moderator", Delivery: "nomail"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))

	f.send("eve@example.net", "cop@example.org", post("Eve <eve@example.net>", "cop@example.org", "a question from outside", "Hello?"))
	notice := f.mailTo("mod@example.org", "needs approval")
	if !bytes.Contains(notice.data, []byte("message/rfc822")) || !bytes.Contains(notice.data, []byte("Hello?")) {
		t.Errorf("the notice does not carry the post:\n%s", notice.data)
	}
	confirm := hdr(t, notice.data, "Reply-To")
	f.send("mod@example.org", confirm, post("mod@example.org", confirm, "Re: held", "approve\r\n\r\n> A post to Makers waits"))
	f.mailTo("bob@example.com", `Subject: \[cop\] a question from outside`)
	if _, held, err := f.svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 0 {
		t.Errorf("%d posts still held after the approving reply (%v)", len(held), err)
	}
	// A second reply to the same notice finds nothing left to decide.
	before := len(f.rec.snapshot())
	f.send("mod@example.org", confirm, post("mod@example.org", confirm, "Re: held", "approve"))
	time.Sleep(500 * time.Millisecond)
	for _, c := range f.rec.snapshot()[before:] {
		if strings.Contains(string(c.data), "a question from outside") {
			t.Error("the post went out twice after two approving replies")
		}
	}
}

// TestBouncesDisableThenRemove: five days of bounces to a member's VERP
// address disable delivery; three weekly warnings later the member is
// removed, and the owner is told at each step.
func TestBouncesDisableThenRemove(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "owner@example.org", Role: "owner", Delivery: "nomail"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "carol@example.com"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))

	dsn := func(verp string) string {
		return "From: MAILER-DAEMON@mx.example.com\r\nTo: " + verp + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
			"Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be delivered.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n" +
			"Final-Recipient: rfc822; carol@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n" +
			"--b--\r\n"
	}
	for day := 1; day <= 5; day++ {
		f.send("bob@example.com", "cop@example.org", post("bob@example.com", "cop@example.org", fmt.Sprintf("day %d", day), "x"))
		cp := f.mailTo("carol@example.com", fmt.Sprintf(`Subject: \[cop\] day %d`, day))
		// The bounce comes back to the copy's envelope sender.
		f.send("", cp.from, dsn(cp.from))
		f.eventually(fmt.Sprintf("bounce of day %d scored", day), func() bool {
			m := f.member("carol@example.com")
			return m != nil && m.BounceScore >= float64(day)
		})
		// Forged bounces cost nothing: no MAC, or carol's MAC on bob's address.
		f.send("", "cop-bounces+bob=example.com@example.org", dsn("cop-bounces+bob=example.com@example.org"))
		mac := cp.from[strings.LastIndexByte(cp.from[:strings.IndexByte(cp.from, '@')], '=')+1 : strings.IndexByte(cp.from, '@')]
		forged := "cop-bounces+bob=example.com=" + mac + "@example.org"
		f.send("", forged, dsn(forged))
		f.clock.advance(24 * time.Hour)
	}
	f.eventually("delivery disabled", func() bool { return f.member("carol@example.com").Status == "disabled_bounce" })
	f.mailTo("owner@example.org", "delivery disabled")
	if m := f.member("bob@example.com"); m.BounceScore != 0 {
		t.Errorf("forged bounces scored against bob: %v", m.BounceScore)
	}
	for w := 1; w <= 3; w++ {
		f.eventually(fmt.Sprintf("warning %d", w), func() bool { return f.member("carol@example.com").WarningsSent == w })
		f.mailTo("carol@example.com", fmt.Sprintf("This is warning %d of 3", w))
		f.clock.advance(7*24*time.Hour + time.Hour)
	}
	f.eventually("carol removed", func() bool { return f.member("carol@example.com") == nil })
	f.mailTo("owner@example.org", "removed after bounces")
}
