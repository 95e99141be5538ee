package spam_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"praxis/listserv"
	"praxis/listserv/dns"
	"praxis/listserv/dns/dnstest"
	"praxis/listserv/smtpin"
	"praxis/listserv/spam"
	"praxis/listserv/spam/spamtest"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/templates"
)

// One spamd and one rspamd for the whole test binary, stopped at its end.
func TestMain(m *testing.M) {
	code := m.Run()
	spamtest.Stop()
	os.Exit(code)
}

const list = "cop@example.org"

// rig is a list service with its SMTP receiver on loopback, the spam
// checks of cfg on a loopback DNS server, and one list with one member.
type rig struct {
	t    *testing.T
	svc  *listserv.Service
	st   *store.Store
	addr string
	dns  *dnstest.Server
}

// newRig starts the service on a SQLite store of its own, with the list
// made as change says.
func newRig(t *testing.T, cfg spam.Config, front bool, change func(l *store.List)) *rig {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := startRig(t, st, cfg, front)
	r.makeList(change)
	return r
}

// startRig starts a service on st. front makes loopback the front MTA
// (smtpin's default), whose address the checks do not ask about;
// otherwise the test's own loopback address is the client they judge.
func startRig(t *testing.T, st *store.Store, cfg spam.Config, front bool) *rig {
	t.Helper()
	ctx := context.Background()
	zone := dnstest.Zone{
		// SPF: example.net sends from 192.0.2.1 only; 127.0.0.1 fails.
		"example.net": {dnstest.TXT("v=spf1 ip4:192.0.2.1 -all")},
	}
	srv := dnstest.Start(t, zone)
	cfg.Resolver = dns.NewResolver(srv.Addr())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "https://lists.example.org", Hostname: "lists.example.org"}, templates.MustParse(), log)
	if err != nil {
		t.Fatal(err)
	}
	svc.Screen(spam.New(cfg))
	rc := smtpin.Config{Addr: "127.0.0.1:0", Hostname: "lists.example.org"}
	if !front {
		rc.RateExempt = []netip.Prefix{}
	}
	in := smtpin.New(rc, svc.Inbound(), log)
	if err := in.Listen(); err != nil {
		t.Fatal(err)
	}
	go in.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		in.Shutdown(ctx)
	})
	return &rig{t: t, svc: svc, st: st, addr: in.Addr().String(), dns: srv}
}

// makeList makes the list, with one member, ann@example.net.
func (r *rig) makeList(change func(l *store.List)) {
	r.t.Helper()
	ctx := context.Background()
	l := store.NewList(list, "CoP")
	l.RequireExplicitDestination = false
	if change != nil {
		change(l)
	}
	if err := r.svc.CreateList(ctx, l); err != nil {
		r.t.Fatal(err)
	}
	if err := r.svc.AddMember(ctx, list, &listserv.Member{Address: "ann@example.net", Role: store.RoleMember}); err != nil {
		r.t.Fatal(err)
	}
}

// post sends raw from mailFrom to the list over SMTP and returns the
// reply to DATA: 250 and "", or the refusal's code and text.
func (r *rig) post(mailFrom string, raw []byte) (int, string) {
	r.t.Helper()
	c, err := smtp.Dial(r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mail.example.net"); err != nil {
		r.t.Fatal(err)
	}
	if err := c.Mail(mailFrom); err != nil {
		r.t.Fatal(err)
	}
	if err := c.Rcpt(list); err != nil {
		r.t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		r.t.Fatal(err)
	}
	err = w.Close()
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, te.Msg
	}
	if err != nil {
		r.t.Fatal(err)
	}
	c.Quit()
	return 250, ""
}

// outcome checks the spooled posts and returns the newest one after its
// checks; nil when nothing was spooled.
func (r *rig) outcome() *store.Message {
	r.t.Helper()
	ctx := context.Background()
	if err := r.svc.ProcessReceived(ctx); err != nil {
		r.t.Fatal(err)
	}
	m, err := r.st.LatestMessage(ctx, store.KindPost, list)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

func message(from, subject, body string) []byte {
	return fmt.Appendf(nil, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Thu, 03 Dec 2026 10:00:00 +0000\r\nMessage-ID: <%d@example.net>\r\n\r\n%s\r\n",
		from, list, subject, time.Now().UnixNano(), body)
}

func gtube(from string) []byte {
	return message(from, "test", "This is the GTUBE, the\r\n"+spamtest.GTUBE+"\r\nGeneric Test for Unsolicited Bulk Email")
}

// TestContentFilters: a real spamd and a real rspamd score the GTUBE
// over their threshold; on a list that refuses spam a non-member's GTUBE
// gets 550 5.7.1 at DATA and nothing is kept, a member's is held with the
// filter's score; on a list that holds it, the non-member's waits with
// the score shown, and the sender is not told.
func TestContentFilters(t *testing.T) {
	filters := []struct {
		name string
		make func(t *testing.T) spam.Filter
	}{
		{"spamd", func(t *testing.T) spam.Filter { return spam.NewSpamd(spamtest.Spamd(t)) }},
		{"rspamd", func(t *testing.T) spam.Filter { return spam.NewRspamd(spamtest.Rspamd(t)) }},
	}
	for _, f := range filters {
		t.Run(f.name, func(t *testing.T) {
			filter := f.make(t)
			refusing := newRig(t, spam.Config{Filter: filter}, true, func(l *store.List) { l.SpamAction = store.SpamReject })
			code, msg := refusing.post("eve@spam.example", gtube("eve@spam.example"))
			if code != 550 || !strings.HasPrefix(msg, "5.7.1 ") {
				t.Errorf("a non-member's GTUBE: %d %q, want 550 5.7.1", code, msg)
			}
			if m := refusing.outcome(); m != nil {
				t.Errorf("a refused post was kept: %s %q", m.State, m.Reason)
			}
			// A member's post is never refused or discarded by a filter.
			if code, msg := refusing.post("ann@example.net", gtube("ann@example.net")); code != 250 {
				t.Fatalf("a member's GTUBE: %d %q, want 250", code, msg)
			}
			m := refusing.outcome()
			if m == nil || m.State != store.StateHeld || !strings.Contains(m.Reason, "spam: "+f.name+" scored") || !strings.Contains(m.Reason, "GTUBE") {
				t.Fatalf("a member's GTUBE: %+v, want held with the filter's reason", m)
			}
			if m.Spam == nil || !m.Spam.Scored || !m.Spam.Over || m.Spam.Filter != f.name {
				t.Errorf("a member's GTUBE: findings %+v", m.Spam)
			}
			// An ordinary post of a member's goes to the list, its score kept.
			if code, msg := refusing.post("ann@example.net", message("ann@example.net", "Antenna question", "Which cable do you use for the 2m band?")); code != 250 {
				t.Fatalf("a member's question: %d %q", code, msg)
			}
			if m := refusing.outcome(); m == nil || m.State != store.StateAccepted || m.Spam == nil || !m.Spam.Scored || m.Spam.Over {
				t.Errorf("a member's question: %+v, want accepted and scored under the threshold", m)
			}

			holding := newRig(t, spam.Config{Filter: filter}, true, nil)
			if code, msg := holding.post("eve@spam.example", gtube("eve@spam.example")); code != 250 {
				t.Fatalf("a non-member's GTUBE on a holding list: %d %q", code, msg)
			}
			m = holding.outcome()
			if m == nil || m.State != store.StateHeld || !strings.HasPrefix(m.Reason, "spam: ") {
				t.Fatalf("a non-member's GTUBE on a holding list: %+v, want held as spam", m)
			}
			// An ordinary non-member's post is held too, and its sender told.
			if code, msg := holding.post("bob@elsewhere.example", message("bob@elsewhere.example", "Antenna question", "Which cable do you use for the 2m band?")); code != 250 {
				t.Fatalf("a non-member's question: %d %q", code, msg)
			}
			if m := holding.outcome(); m == nil || m.State != store.StateHeld || strings.HasPrefix(m.Reason, "spam: ") {
				t.Errorf("a non-member's question: %+v, want held as a non-member's", m)
			}
			if n := holding.queuedTo("bob@elsewhere.example"); n != 1 {
				t.Errorf("the non-member was told %d times that the post waits, want once", n)
			}
			_, held, err := holding.svc.Moderation().Held(context.Background(), list)
			if err != nil || len(held) != 2 {
				t.Errorf("the held queue: %d posts (%v), want 2", len(held), err)
			}
			for _, h := range held {
				if h.FromAddr == "eve@spam.example" && spam.ScoreText(h.Spam) == "-" {
					t.Errorf("the spam's held entry shows no score: %+v", h.Spam)
				}
			}
			if n := holding.queuedTo("eve@spam.example"); n != 0 {
				t.Errorf("the spammer was told %d times that the post waits", n)
			}
		})
	}
}

// queuedTo counts the mail queued to addr.
func (r *rig) queuedTo(addr string) int {
	var n int
	if err := r.st.DB().QueryRow(`SELECT COUNT(*) FROM deliveries WHERE rcpt = ?`, addr).Scan(&n); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// TestFilterDown: a content filter that does not answer loses no mail: a
// non-member's post waits for a moderator with the reason, a member's
// goes to the list.
func TestFilterDown(t *testing.T) {
	// A loopback port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for _, filter := range []spam.Filter{spam.NewSpamd(closed), spam.NewRspamd("http://" + closed)} {
		t.Run(filter.Name(), func(t *testing.T) {
			r := newRig(t, spam.Config{Filter: filter}, true, func(l *store.List) { l.PostPolicy = store.PostOpen; l.SpamAction = store.SpamReject })
			if code, msg := r.post("bob@elsewhere.example", message("bob@elsewhere.example", "hello", "a question")); code != 250 {
				t.Fatalf("with the filter down: %d %q, want 250", code, msg)
			}
			if m := r.outcome(); m == nil || m.State != store.StateHeld || !strings.Contains(m.Reason, "not scored: "+filter.Name()+" did not answer") {
				t.Errorf("a non-member's post with the filter down: %+v", m)
			}
			if code, _ := r.post("ann@example.net", message("ann@example.net", "hello", "a member's question")); code != 250 {
				t.Fatalf("a member's post with the filter down: %d", code)
			}
			if m := r.outcome(); m == nil || m.State != store.StateAccepted {
				t.Errorf("a member's post with the filter down: %+v, want accepted", m)
			}
		})
	}
}

// TestBlocklistAndSPF: the connecting address on a blocklist, and an
// envelope sender whose SPF fails for it, are refused at DATA by default
// (550 5.7.1, 550 5.7.23); a member's post is held instead, with the
// reason; a list may hold them; and a front MTA's address is not asked.
func TestBlocklistAndSPF(t *testing.T) {
	cfg := spam.Config{Zones: []string{"bl.example"}}
	listedName := spam.QueryName(netip.MustParseAddr("127.0.0.1"), "bl.example")

	r := newRig(t, cfg, false, func(l *store.List) { l.PostPolicy = store.PostOpen })
	r.dns.Set(listedName, dnstest.A("127.0.0.2"))
	code, msg := r.post("eve@spam.example", message("eve@spam.example", "offer", "cheap"))
	if code != 550 || !strings.HasPrefix(msg, "5.7.1 ") || !strings.Contains(msg, "blocklist") {
		t.Errorf("a blocklisted non-member: %d %q, want 550 5.7.1", code, msg)
	}
	if m := r.outcome(); m != nil {
		t.Errorf("a refused post was kept: %+v", m)
	}
	if code, _ := r.post("ann@example.net", message("ann@example.net", "hi", "from a listed network")); code != 250 {
		t.Fatalf("a blocklisted member: %d, want 250", code)
	}
	if m := r.outcome(); m == nil || m.State != store.StateHeld || !strings.Contains(m.Reason, "bl.example (127.0.0.2)") {
		t.Errorf("a blocklisted member's post: %+v, want held with the listing", m)
	}
	// The zone's error code is no listing.
	r.dns.Set(listedName, dnstest.A("127.255.255.254"))
	if code, msg := r.post("bob@elsewhere.example", message("bob@elsewhere.example", "hi", "text")); code != 250 {
		t.Errorf("an error code from the zone: %d %q, want 250", code, msg)
	}
	if m := r.outcome(); m == nil || m.State != store.StateAccepted {
		t.Errorf("a post when the zone answers an error code: %+v, want accepted", m)
	}
	r.dns.Set(listedName)

	// SPF: example.net allows 192.0.2.1 alone.
	code, msg = r.post("eve@example.net", message("eve@example.net", "forged", "text"))
	if code != 550 || !strings.HasPrefix(msg, "5.7.23 ") {
		t.Errorf("SPF fail, non-member: %d %q, want 550 5.7.23", code, msg)
	}
	if code, _ := r.post("ann@example.net", message("ann@example.net", "mine", "text")); code != 250 {
		t.Fatalf("SPF fail, member: %d, want 250", code)
	}
	if m := r.outcome(); m == nil || m.State != store.StateHeld || !strings.Contains(m.Reason, "SPF fail for example.net") {
		t.Errorf("SPF fail, member: %+v, want held with the reason", m)
	}

	holding := newRig(t, cfg, false, func(l *store.List) {
		l.PostPolicy, l.BlocklistAction, l.SPFFailAction = store.PostOpen, store.SpamHold, store.SpamHold
	})
	holding.dns.Set(listedName, dnstest.A("127.0.0.2"))
	if code, _ := holding.post("eve@example.net", message("eve@example.net", "offer", "cheap")); code != 250 {
		t.Fatalf("a list that holds: %d, want 250", code)
	}
	if m := holding.outcome(); m == nil || m.State != store.StateHeld || !strings.Contains(m.Reason, "SPF fail") || !strings.Contains(m.Reason, "blocklisted") {
		t.Errorf("a list that holds: %+v, want held with both findings", m)
	}

	// Behind a front MTA (loopback, smtpin's default) neither is asked.
	front := newRig(t, cfg, true, func(l *store.List) { l.PostPolicy = store.PostOpen })
	front.dns.Set(listedName, dnstest.A("127.0.0.2"))
	if code, msg := front.post("eve@example.net", message("eve@example.net", "relayed", "text")); code != 250 {
		t.Errorf("through the front MTA: %d %q, want 250", code, msg)
	}
	if m := front.outcome(); m == nil || m.State != store.StateAccepted || m.Spam != nil {
		t.Errorf("through the front MTA: %+v, want accepted and unchecked", m)
	}
	if n := front.dns.Queries(listedName); n != 0 {
		t.Errorf("the blocklist was asked %d times about the front MTA", n)
	}
}

// TestSeveralNodes: two nodes on one PostgreSQL database. The list's
// settings, changed through one, are what the other applies at DATA; a
// post one node received with its findings is held by the other's checks
// with them.
func TestSeveralNodes(t *testing.T) {
	url := pgtest.URL(t)
	open := func(node string) *store.Store {
		st, err := store.Open(context.Background(), t.TempDir(), store.Options{DB: url, Node: node})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	cfg := spam.Config{Zones: []string{"bl.example"}}
	a := startRig(t, open("node-a"), cfg, false)
	b := startRig(t, open("node-b"), cfg, false)
	a.makeList(func(l *store.List) { l.PostPolicy, l.BlocklistAction = store.PostOpen, store.SpamHold })
	listed := spam.QueryName(netip.MustParseAddr("127.0.0.1"), "bl.example")
	a.dns.Set(listed, dnstest.A("127.0.0.2"))
	b.dns.Set(listed, dnstest.A("127.0.0.2"))

	if code, msg := b.post("eve@spam.example", message("eve@spam.example", "offer", "cheap")); code != 250 {
		t.Fatalf("through node B, a list that holds: %d %q", code, msg)
	}
	if m := a.outcome(); m == nil || m.State != store.StateHeld || !strings.Contains(m.Reason, "bl.example (127.0.0.2)") {
		t.Errorf("node B's post, checked by node A: %+v, want held with B's findings", m)
	}
	l, err := a.svc.List(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	l.BlocklistAction = store.SpamReject
	if err := a.svc.UpdateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if code, msg := b.post("eve@spam.example", message("eve@spam.example", "offer", "cheap")); code != 550 || !strings.HasPrefix(msg, "5.7.1 ") {
		t.Errorf("through node B after node A set reject: %d %q, want 550 5.7.1", code, msg)
	}
}
