package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praxis/listserv"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/templates"
)

// webNode is one node's web server on the database the nodes share.
type webNode struct {
	svc *listserv.Service
	ts  *httptest.Server
}

// twoWebNodes starts two web servers, each over a store of its own on
// one PostgreSQL database, as two serve nodes behind a balancer (a
// trusted proxy on loopback, so a test can be any client); the limits
// are counted in the store, as serve does on PostgreSQL. A public list
// cop@ (alice a member) and a private one inner@ (alice too).
func twoWebNodes(t *testing.T) (a, b *webNode) {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	tpl := templates.MustParse()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var nodes [2]*webNode
	for i := range nodes {
		st, err := store.Open(ctx, "", store.Options{DB: dbURL})
		must(t, err)
		t.Cleanup(func() { st.Close() })
		svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://archive.test", Hostname: "archive.test"}, tpl, log)
		must(t, err)
		if i == 0 {
			for _, l := range []*listserv.List{
				{Address: "cop@example.org", Name: "Makers", ArchivePolicy: listserv.ArchivePublic},
				{Address: "inner@example.org", Name: "Inner", ArchivePolicy: listserv.ArchivePrivate},
			} {
				l.SubscribePolicy, l.PostPolicy = listserv.SubscribeConfirm, listserv.PostMembers
				must(t, svc.CreateList(ctx, l))
				must(t, svc.AddMember(ctx, l.Address, &listserv.Member{Address: "alice@example.net"}))
			}
		}
		srv := New(Config{SharedLimits: st, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, depsOf(svc), tpl, log)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		nodes[i] = &webNode{svc: svc, ts: ts}
	}
	return nodes[0], nodes[1]
}

// clientAt is a browser at ip behind the balancer. Its cookies go to both
// nodes: a jar keeps them by host, not port.
func clientAt(t *testing.T, ip string) *http.Client {
	c := (&archiveFixture{}).client(t)
	c.Transport = forwarded{ip: ip, rt: http.DefaultTransport}
	return c
}

// formOn gets the page from one node and posts its form to the other:
// the CSRF token one node made is checked by the other.
func formOn(t *testing.T, c *http.Client, page, post *webNode, pagePath, postPath string, v url.Values) int {
	t.Helper()
	_, body, _ := get(t, c, page.ts.URL+pagePath)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on %s:\n%s", pagePath, body)
	}
	v.Set("csrf", m[1])
	resp, err := c.PostForm(post.ts.URL+postPath, v)
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// TestFormLimitsSharedByNodes: one client's form posts, spread over two
// nodes, use up one quota (20 in ten minutes), not one per node; its
// sign-in requests for an address too (2 a day). Another client is not
// affected.
func TestFormLimitsSharedByNodes(t *testing.T) {
	a, b := twoWebNodes(t)
	nodes := []*webNode{a, b}
	noisy := clientAt(t, "198.51.100.1")
	refused := 0
	for i := range 25 {
		status := formOn(t, noisy, nodes[i%2], nodes[(i+1)%2], "/l/cop@example.org/info", "/l/cop@example.org/leave",
			url.Values{"address": {"nobody" + string(rune('a'+i)) + "@example.com"}})
		switch status {
		case http.StatusTooManyRequests:
			refused++
		case http.StatusOK:
		default:
			t.Fatalf("post %d: %d", i, status)
		}
	}
	if refused != 5 {
		t.Errorf("%d of 25 posts over two nodes refused, want 5: the quota is one across the nodes", refused)
	}
	other := clientAt(t, "198.51.100.2")
	for i := range 3 {
		status := formOn(t, other, nodes[i%2], nodes[i%2], "/signin", "/signin", url.Values{"address": {"alice@example.net"}})
		want := http.StatusOK
		if i == perRequesterPerAddress {
			want = http.StatusTooManyRequests
		}
		if status != want {
			t.Errorf("sign-in request %d for one address, on node %d: %d, want %d", i, i%2, status, want)
		}
	}
}

// TestTokensWorkOnEveryNode: a sign-in link mailed by one node signs in
// on the other, and its session is good on both; the link then works on
// neither again. A subscription asked on one node is confirmed on the
// other, and a one-click unsubscription link made by one works on the
// other.
func TestTokensWorkOnEveryNode(t *testing.T) {
	a, b := twoWebNodes(t)
	ctx := context.Background()
	c := clientAt(t, "198.51.100.7")
	if status := formOn(t, c, a, a, "/signin", "/signin", url.Values{"address": {"alice@example.net"}}); status != http.StatusOK {
		t.Fatalf("sign-in request on a: %d", status)
	}
	raw := string(lastMailTo(t, a.svc.Store(), "alice@example.net"))
	link := regexp.MustCompile(`http://archive\.test(/signin/\S+)`).FindStringSubmatch(raw)
	if link == nil {
		t.Fatalf("no link in the sign-in mail:\n%s", raw)
	}
	if status := formOn(t, c, b, b, link[1], link[1], url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("a's sign-in link used on b: %d, want 303", status)
	}
	for _, n := range []*webNode{a, b} {
		if status, body, _ := get(t, c, n.ts.URL+"/l/inner@example.org/"); status != http.StatusOK || !strings.Contains(body, "Inner") {
			t.Errorf("the private list through %s with the session b made: %d", n.ts.URL, status)
		}
	}
	if status := formOn(t, c, a, a, link[1], link[1], url.Values{}); status != http.StatusGone {
		t.Errorf("the used link again, on a: %d, want 410", status)
	}

	l, err := a.svc.List(ctx, "cop@example.org")
	must(t, err)
	_, err = a.svc.Subscriptions().Subscribe(ctx, l, "newbie@example.com", "New")
	must(t, err)
	confirm := regexp.MustCompile(`/l/cop@example.org/confirm/[0-9a-f]{40}`).Find(lastMailTo(t, a.svc.Store(), "newbie@example.com"))
	if confirm == nil {
		t.Fatal("no confirmation link")
	}
	resp, err := http.Post(b.ts.URL+string(confirm), "application/x-www-form-urlencoded", nil)
	must(t, err)
	resp.Body.Close()
	if _, _, err := b.svc.Member(ctx, "cop@example.org", "newbie@example.com"); resp.StatusCode != http.StatusOK || err != nil {
		t.Errorf("a's confirmation link posted to b: %d, member: %v", resp.StatusCode, err)
	}

	path := listserv.UnsubscribePath("cop@example.org", a.svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	resp, err = http.Post(b.ts.URL+path, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	must(t, err)
	resp.Body.Close()
	if _, _, err := a.svc.Member(ctx, "cop@example.org", "alice@example.net"); resp.StatusCode != http.StatusOK || err == nil {
		t.Errorf("a's one-click link posted to b: %d, still a member: %v", resp.StatusCode, err == nil)
	}
}

// The settings page and a settings link work on every node: a session
// made on a changes settings on b, and a link the robot of a made is used
// on b once, and refused on a after that.
func TestSettingsOnEveryNode(t *testing.T) {
	a, b := twoWebNodes(t)
	ctx := context.Background()
	c := clientAt(t, "198.51.100.8")
	formOn(t, c, a, a, "/signin", "/signin", url.Values{"address": {"alice@example.net"}})
	link := regexp.MustCompile(`http://archive\.test(/signin/\S+)`).FindStringSubmatch(string(lastMailTo(t, a.svc.Store(), "alice@example.net")))
	if link == nil {
		t.Fatal("no sign-in link")
	}
	if status := formOn(t, c, a, a, link[1], link[1], url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("signing in on a: %d", status)
	}
	if status := formOn(t, c, a, b, "/settings", "/settings/inner@example.org", url.Values{"action": {"save"}, "delivery": {"nomail"}}); status != http.StatusSeeOther {
		t.Errorf("a settings form of a posted to b: %d, want 303", status)
	}
	if _, m, err := a.svc.Member(ctx, "inner@example.org", "alice@example.net"); err != nil || m.Delivery != store.DeliverNomail {
		t.Errorf("after saving on b: %+v %v", m, err)
	}

	r, err := a.svc.Inbound().Resolve(ctx, "cop-request@example.org")
	must(t, err)
	must(t, a.svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "alice@example.net"}, []listserv.Route{r},
		[]byte("From: alice@example.net\r\nTo: cop-request@example.org\r\nSubject: set listing on\r\nMessage-ID: <n1@example.net>\r\n\r\n")))
	must(t, a.svc.ProcessReceived(ctx))
	once := settingsLinkRe.FindStringSubmatch(string(lastMailTo(t, a.svc.Store(), "alice@example.net")))
	if once == nil {
		t.Fatal("no settings link in the answer")
	}
	other := clientAt(t, "198.51.100.9")
	if status := formOn(t, other, b, b, once[1], once[1], url.Values{"listing": {"on"}}); status != http.StatusOK {
		t.Fatalf("a's settings link used on b: %d", status)
	}
	if _, m, err := b.svc.Member(ctx, "cop@example.org", "alice@example.net"); err != nil || !m.Listed {
		t.Errorf("after the link: %+v %v", m, err)
	}
	if status := formOn(t, other, a, a, once[1], once[1], url.Values{}); status != http.StatusGone {
		t.Errorf("the used link again, on a: %d, want 410", status)
	}
	if _, m, _ := a.svc.Member(ctx, "cop@example.org", "alice@example.net"); !m.Listed {
		t.Error("the refused replay turned listing off")
	}
}
