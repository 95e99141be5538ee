package web

import (
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/listserv"
	"praxis/listserv/store"
	"praxis/templates"
)

// archiveFixture is a server over three lists: cop (public), inner
// (private) and other (public), each with a few posts, indexed.
type archiveFixture struct {
	svc *listserv.Service
	srv *Server
	ts  *httptest.Server
	idx *index.Index
}

func post(id, from, subject, date, body string, extra ...string) []byte {
	h := "From: " + from + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + id + ">\r\nDate: " + date + "\r\n"
	for _, e := range extra {
		h += e + "\r\n"
	}
	return []byte(h + "\r\n" + body)
}

func newArchiveFixture(t *testing.T, opts ...index.Options) *archiveFixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tpl := templates.MustParse()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://archive.test", Hostname: "archive.test"}, tpl, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*listserv.List{
		{Address: "cop@example.org", Name: "Makers", ArchivePolicy: listserv.ArchivePublic, Description: "People who make things."},
		{Address: "inner@example.org", Name: "Inner circle", ArchivePolicy: listserv.ArchivePrivate},
		{Address: "other@example.org", Name: "Other", ArchivePolicy: listserv.ArchivePublic},
	} {
		l.SubscribePolicy, l.PostPolicy = listserv.SubscribeConfirm, listserv.PostMembers
		if err := svc.CreateList(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []struct{ list, addr, role string }{
		{"cop@example.org", "alice@example.net", listserv.RoleMember},
		{"cop@example.org", "mod@example.net", listserv.RoleModerator},
		{"inner@example.org", "bob@example.net", listserv.RoleMember},
		{"other@example.org", "carol@example.net", listserv.RoleMember},
	} {
		if err := svc.AddMember(ctx, m.list, &listserv.Member{Address: m.addr, Role: m.role}); err != nil {
			t.Fatal(err)
		}
	}
	arch := func(list string, raw []byte) {
		l, err := svc.List(ctx, list)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
			t.Fatal(err)
		}
	}
	arch("cop@example.org", post("q1@example.net", "Alice <alice@example.net>", "How to calibrate the lathe?", "Mon, 1 Mar 2021 10:00:00 +0000",
		"My lathe drifts. See https://example.com/lathe-manual.pdf for the model.\n"))
	arch("cop@example.org", post("a1@example.net", "Mod <mod@example.net>", "Re: How to calibrate the lathe?", "Mon, 1 Mar 2021 12:00:00 +0000",
		"Tighten the gib screws first.\n\n> My lathe drifts.\n\n-- \nMod\n", "In-Reply-To: <q1@example.net>", "References: <q1@example.net>"))
	arch("cop@example.org", []byte("From: Mallory <mallory@example.com>\r\nSubject: shiny <b>offer</b>\r\nMessage-ID: <evil/1@example.com>\r\nDate: Tue, 2 Mar 2021 09:00:00 +0000\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n"+
		"<p onclick=\"alert(1)\">Click <a href=\"javascript:alert(2)\">here</a><script>alert(3)</script><img src=\"https://tracker.example/x.gif\"></p>\r\n"+
		"--b\r\nContent-Type: text/html; name=\"page.html\"\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\r\n<script>alert(4)</script>\r\n--b--\r\n"))
	arch("inner@example.org", post("secret1@example.net", "Bob <bob@example.net>", "Secret lathe plans", "Wed, 3 Mar 2021 10:00:00 +0000",
		"The confidential lathe plans are at https://secret.example/plans\n", "MIME-Version: 1.0"))
	arch("other@example.org", post("o1@example.net", "Carol <carol@example.net>", "Other things", "Thu, 4 Mar 2021 10:00:00 +0000", "Nothing about lathes.\n"))

	var o index.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	idx, err := index.Open(filepath.Join(dir, "index"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if _, err := archive.NewIndexer(st, idx, log).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Index: idx}, depsOf(svc), tpl, log)
	t.Cleanup(func() {
		// The libraries' makings end before the store closes.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv.Shutdown(ctx)
	})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &archiveFixture{svc: svc, srv: srv, ts: ts, idx: idx}
}

// client is a browser: it keeps cookies and does not follow redirects,
// so tests see them.
func (f *archiveFixture) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string) (int, string, http.Header) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs c in as addr the way a member does: the form, the mailed
// link (read from the spooled mail), its button.
func (f *archiveFixture) signIn(t *testing.T, c *http.Client, addr string) {
	t.Helper()
	_, body, _ := get(t, c, f.ts.URL+"/signin")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf token on the sign-in form")
	}
	resp, err := c.PostForm(f.ts.URL+"/signin", url.Values{"csrf": {m[1]}, "address": {addr}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	raw := string(lastMailTo(t, f.svc.Store(), addr))
	link := regexp.MustCompile(`http://archive\.test(/signin/\S+)`).FindStringSubmatch(raw)
	if link == nil {
		t.Fatalf("no link in the sign-in mail:\n%s", raw)
	}
	_, body, _ = get(t, c, f.ts.URL+link[1])
	m = csrfRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Sign in as") {
		t.Fatalf("sign-in link page: %s", body)
	}
	resp, err = c.PostForm(f.ts.URL+link[1], url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/l/") {
		t.Fatalf("sign-in: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The link works once. (The form's token is taken again: tokens are
	// bound to the session, which the first use started.)
	_, body, _ = get(t, c, f.ts.URL+link[1])
	m = csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("sign-in link page: %s", body)
	}
	resp, _ = c.PostForm(f.ts.URL+link[1], url.Values{"csrf": {m[1]}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusGone {
		t.Errorf("second use of a sign-in link: %d, want 410", resp.StatusCode)
	}
}

// Every route answers, with what matters on the page.
func TestRoutes(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	thread := url.PathEscape("q1@example.net")
	tests := []struct {
		path   string
		status int
		want   []string
		ctype  string
	}{
		{"/", 200, []string{"Makers", "Other", `href="/l/cop@example.org/"`}, "text/html"},
		{"/l/cop@example.org/", 200, []string{"How to calibrate the lathe?", "<svg", "Busiest threads", "Most helpful", "Mod"}, "text/html"},
		{"/l/cop@example.org/t/" + thread, 200, []string{"Tighten the gib screws", "<details class=\"quote\"", "Signature", "mbox"}, "text/html"},
		{"/l/cop@example.org/t/" + thread + ".mbox", 200, []string{"From alice@example.net", "Message-ID: <a1@example.net>"}, "application/mbox"},
		{"/l/cop@example.org/t/" + thread + ".atom", 200, []string{"<feed", "Tighten the gib screws"}, "application/atom+xml"},
		{"/m/a1@example.net", 200, []string{"Tighten the gib screws", "a1@example.net"}, "text/html"},
		{"/m/a1@example.net/raw", 200, []string{"In-Reply-To: <q1@example.net>"}, "text/plain"},
		{"/m/" + url.PathEscape("evil/1@example.com"), 200, []string{"page.html", "Remote images"}, "text/html"},
		{"/l/cop@example.org/search?q=lathe", 200, []string{"<mark>lathe</mark>", "How to calibrate", "Authors", "2021-03"}, "text/html"},
		{"/l/cop@example.org/search?q=lathe&sort=relevance", 200, []string{"by relevance"}, "text/html"},
		{"/l/cop@example.org/search?q=%2Alathe", 400, []string{"wildcard"}, "text/html"},
		{"/l/cop@example.org/search.atom?q=lathe", 200, []string{"<feed"}, "application/atom+xml"},
		{"/l/cop@example.org/search.mbox?q=gib", 200, []string{"Tighten the gib"}, "application/mbox"},
		{"/l/cop@example.org/atom.xml", 200, []string{"<feed", "How to calibrate"}, "application/atom+xml"},
		{"/l/cop@example.org/export.mbox.gz", 200, nil, "application/gzip"},
		{"/l/cop@example.org/resources", 200, []string{"https://example.com/lathe-manual.pdf", "page.html"}, "text/html"},
		{"/l/cop@example.org/resources?q=manual", 200, []string{"lathe-manual.pdf"}, "text/html"},
		{"/l/cop@example.org/info", 200, []string{`action="/l/cop@example.org/subscribe"`, `name="csrf"`}, "text/html"},
		{"/signin", 200, []string{`action="/signin"`}, "text/html"},
		{"/api/lists", 200, []string{`"address":"cop@example.org"`}, "application/json"},
		{"/api/l/cop@example.org/threads", 200, []string{`"thread_id":"q1@example.net"`}, "application/json"},
		{"/api/l/cop@example.org/t/" + thread, 200, []string{`"message_id":"a1@example.net"`, `"depth":1`}, "application/json"},
		{"/api/m/a1@example.net", 200, []string{"gib screws"}, "application/json"},
		{"/api/l/cop@example.org/search?q=gib", 200, []string{`"total":1`}, "application/json"},
		{"/l/nosuch@example.org/", 404, nil, "text/html"},
		{"/m/nosuch@example.org", 404, nil, "text/html"},
		{"/l/cop@example.org/admin/held", 404, nil, "text/html"},
		{"/l/cop@example.org/admin", 404, nil, "text/html"},
	}
	for _, tt := range tests {
		status, body, h := get(t, c, f.ts.URL+tt.path)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, status, tt.status)
		}
		if !strings.HasPrefix(h.Get("Content-Type"), tt.ctype) {
			t.Errorf("%s: Content-Type %q, want %s", tt.path, h.Get("Content-Type"), tt.ctype)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in the page", tt.path, w)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") ||
			strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
			t.Errorf("%s: security headers %v", tt.path, h)
		}
	}
}

// The whole archive downloads as a gzipped mboxrd holding every post of
// the list and none of another's; a post that came without a Message-ID
// is named by the one the archive gave it.
func TestExportMbox(t *testing.T) {
	f := newArchiveFixture(t)
	l, err := f.svc.List(context.Background(), "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	const madeUp = "praxis.9.0123456789abcdef@mail.example.org"
	if err := f.svc.Archiver().Archive(context.Background(), l, []byte("From: Alice <alice@example.net>\r\nSubject: No id\r\nDate: Fri, 5 Mar 2021 10:00:00 +0000\r\n\r\nsent without one\r\n"), madeUp); err != nil {
		t.Fatal(err)
	}
	resp, err := f.client(t).Get(f.ts.URL + "/l/cop@example.org/export.mbox.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	mbox := string(b)
	for _, want := range []string{"Message-ID: <q1@example.net>", "Message-ID: <a1@example.net>", "Message-ID: <evil/1@example.com>",
		"Message-ID: <" + madeUp + ">\r\nFrom: Alice <alice@example.net>\r\nSubject: No id\r\n"} {
		if !strings.Contains(mbox, want) {
			t.Errorf("the export lacks %s", want)
		}
	}
	if n := strings.Count(mbox, "\nFrom ") + strings.Count(mbox[:min(5, len(mbox))], "From "); n != 4 || strings.Contains(mbox, "secret1") {
		t.Errorf("the export has %d messages (want 4), or another list's", n)
	}
}

// Hostile HTML is shown without script, handlers or remote fetches, and
// an HTML attachment downloads as bytes, never as a page.
func TestHostileMessage(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	_, body, _ := get(t, c, f.ts.URL+"/m/"+url.PathEscape("evil/1@example.com"))
	for _, bad := range []string{"<script", "onclick", "javascript:", "tracker.example", "<b>offer"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	a := regexp.MustCompile(`href="(/m/[^"]+/a/[^"]+)"`).FindStringSubmatch(body)
	if a == nil {
		t.Fatal("no attachment link")
	}
	status, _, h := get(t, c, f.ts.URL+a[1])
	if status != 200 || h.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("attachment: %d %q %q", status, h.Get("Content-Type"), h.Get("Content-Disposition"))
	}
}

// A private list's pages, feeds, mbox, posts, API and search hits are a
// 404 signed out and as a member of another list, and there for its
// members.
func TestPrivateList(t *testing.T) {
	f := newArchiveFixture(t)
	thread := url.PathEscape("secret1@example.net")
	paths := []string{
		"/l/inner@example.org/", "/l/inner@example.org/t/" + thread, "/l/inner@example.org/t/" + thread + ".mbox",
		"/l/inner@example.org/t/" + thread + ".atom", "/m/secret1@example.net", "/m/secret1@example.net/raw",
		"/l/inner@example.org/search?q=lathe", "/l/inner@example.org/search.atom?q=lathe", "/l/inner@example.org/search.mbox?q=lathe",
		"/l/inner@example.org/atom.xml", "/l/inner@example.org/export.mbox.gz", "/l/inner@example.org/resources",
		"/api/l/inner@example.org/threads", "/api/l/inner@example.org/t/" + thread, "/api/m/secret1@example.net",
		"/api/l/inner@example.org/search?q=lathe", "/l/inner@example.org/info",
		"/l/inner@example.org/answers", "/l/inner@example.org/answers.atom", "/api/l/inner@example.org/answers", "/l/inner@example.org/people",
	}
	leaks := func(t *testing.T, c *http.Client) {
		for _, p := range paths {
			status, body, _ := get(t, c, f.ts.URL+p)
			if status != 404 || strings.Contains(body, "confidential") || strings.Contains(body, "Secret lathe") {
				t.Errorf("%s: %d, or the post shows", p, status)
			}
		}
		for _, p := range []string{"/", "/api/lists", "/l/cop@example.org/search?q=lathe", "/l/cop@example.org/search?q=confidential",
			"/api/l/cop@example.org/search?q=confidential", "/l/cop@example.org/resources?q=secret"} {
			// These pages exist: an error page would hide nothing.
			status, body, _ := get(t, c, f.ts.URL+p)
			if status != 200 {
				t.Errorf("%s: %d, want the public page", p, status)
			}
			if strings.Contains(body, "Inner circle") || strings.Contains(body, "Secret lathe") || strings.Contains(body, "secret.example") {
				t.Errorf("%s shows the private list", p)
			}
		}
	}
	t.Run("signed out", func(t *testing.T) { leaks(t, f.client(t)) })
	t.Run("member of another list", func(t *testing.T) {
		c := f.client(t)
		f.signIn(t, c, "carol@example.net")
		if _, body, _ := get(t, c, f.ts.URL+"/"); !strings.Contains(body, "carol@example.net") {
			t.Fatal("not signed in")
		}
		leaks(t, c)
	})
	t.Run("member", func(t *testing.T) {
		c := f.client(t)
		f.signIn(t, c, "bob@example.net")
		for _, p := range paths {
			if status, _, _ := get(t, c, f.ts.URL+p); status != 200 {
				t.Errorf("%s: %d for a member", p, status)
			}
		}
		if _, body, _ := get(t, c, f.ts.URL+"/l/inner@example.org/search?q=lathe"); !strings.Contains(body, "Secret lathe plans") {
			t.Error("a member's search misses the post")
		}
	})
}

// Forms without their CSRF token change nothing; sign-in links are
// signed, expire, and cannot send the browser elsewhere.
func TestCSRFAndSignIn(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	get(t, c, f.ts.URL+"/l/cop@example.org/info") // the CSRF cookie
	for _, p := range []string{"/l/cop@example.org/subscribe", "/l/cop@example.org/leave", "/signin", "/signout"} {
		resp, err := c.PostForm(f.ts.URL+p, url.Values{"address": {"victim@example.com"}, "csrf": {"forged"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without a valid token: %d, want 403", p, resp.StatusCode)
		}
	}
	if n := mailsTo(t, f, "victim@example.com"); n != 0 {
		t.Errorf("%d mails to the victim", n)
	}
	// With the token, a subscription asks the address to confirm.
	_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/info")
	tok := csrfRe.FindStringSubmatch(body)[1]
	resp, _ := c.PostForm(f.ts.URL+"/l/cop@example.org/subscribe", url.Values{"address": {"dave@example.com"}, "csrf": {tok}})
	resp.Body.Close()
	if n := mailsTo(t, f, "dave@example.com"); resp.StatusCode != 200 || n != 1 {
		t.Errorf("subscribe: %d, %d mails", resp.StatusCode, n)
	}
	if _, _, err := f.svc.Member(context.Background(), "cop@example.org", "dave@example.com"); err == nil {
		t.Error("subscribed without confirming")
	}
	// Forged, tampered and expired links.
	ctx := context.Background()
	good, _ := f.srv.signInToken(ctx, "bob@example.net", "inner@example.org", time.Now().Add(time.Minute))
	old, _ := f.srv.signInToken(ctx, "bob@example.net", "inner@example.org", time.Now().Add(-time.Minute))
	enc, sig, _ := strings.Cut(good, ".")
	other := b64.EncodeToString([]byte(strings.Replace(string(mustDecode(t, enc)), "bob@", "eve@", 1))) + "." + sig
	for _, bad := range []string{old, other, good + "x", "nonsense"} {
		if status, _, _ := get(t, c, f.ts.URL+"/signin/"+url.PathEscape(bad)); status != 404 {
			t.Errorf("link %q: %d, want 404", bad, status)
		}
	}
	// A sign-in for a list goes back to that list's page, whatever the
	// request says.
	_, body, _ = get(t, c, f.ts.URL+"/signin/"+url.PathEscape(good))
	tok = csrfRe.FindStringSubmatch(body)[1]
	resp, _ = c.PostForm(f.ts.URL+"/signin/"+url.PathEscape(good)+"?next=https://evil.example/", url.Values{"csrf": {tok}})
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/l/inner@example.org/" {
		t.Errorf("redirect to %q", loc)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
			t.Errorf("session cookie %+v", ck)
		}
	}
}

func mustDecode(t *testing.T, s string) []byte {
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Moderators decide held posts on the web; nobody else sees the queue.
func TestModerationPage(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	must(t, err)
	raw := post("held1@example.com", "Stranger <s@example.com>", "Please let me in", "Fri, 5 Mar 2021 10:00:00 +0000", "Hello makers.\n")
	m := &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "s@example.com",
		Rcpt: l.Address, Raw: raw, MessageID: "held1@example.com", FromAddr: "s@example.com", Subject: "Please let me in"}
	if err := f.svc.Store().Spool(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Store().Transition(ctx, m.ID, store.StateReceived, store.StateHeld, "non-member", "", nil); err != nil {
		t.Fatal(err)
	}
	member := f.client(t)
	f.signIn(t, member, "alice@example.net")
	if status, _, _ := get(t, member, f.ts.URL+"/l/cop@example.org/admin/held"); status != 404 {
		t.Errorf("a member sees the queue: %d", status)
	}
	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")
	status, body, _ := get(t, mod, f.ts.URL+"/l/cop@example.org/admin/held")
	if status != 200 || !strings.Contains(body, "Please let me in") {
		t.Fatalf("moderator's queue: %d %s", status, body)
	}
	id := regexp.MustCompile(`action="/l/cop@example.org/admin/held/(\d+)"`).FindStringSubmatch(body)
	tok := csrfRe.FindStringSubmatch(body)
	if id == nil || tok == nil {
		t.Fatal("no decision form")
	}
	resp, _ := mod.PostForm(f.ts.URL+"/l/cop@example.org/admin/held/"+id[1], url.Values{"csrf": {tok[1]}, "action": {"reject"}, "reason": {"Off topic"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("reject: %d", resp.StatusCode)
	}
	if _, held, err := f.svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 0 {
		t.Errorf("%d posts still held (%v)", len(held), err)
	}
	resp, _ = mod.PostForm(f.ts.URL+"/l/cop@example.org/admin/held/"+id[1], url.Values{"csrf": {tok[1]}, "action": {"approve"}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("deciding twice: %d, want 409", resp.StatusCode)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files")

// fragment cuts the element that starts with open (up to its closing tag
// close, the first after it) out of a page.
func fragment(t *testing.T, page, open, close string) string {
	t.Helper()
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatalf("no %q in the page", open)
	}
	j := strings.Index(page[i:], close)
	if j < 0 {
		t.Fatalf("no %q after %q", close, open)
	}
	return page[i : i+j+len(close)]
}

// The structure of the pages where it matters, as golden HTML: the thread
// tree (nesting, folding, permalinks, attachments) and a search's hits
// (marks, links, facets). Refresh with -update and review the diff.
func TestGoldenFragments(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	tests := []struct{ name, path, open, close string }{
		{"thread-tree", "/l/cop@example.org/t/" + url.PathEscape("q1@example.net"), `<ol class="tree">`, "</ol>"},
		{"hostile-post", "/m/" + url.PathEscape("evil/1@example.com"), `<article class="post"`, "</article>"},
		{"search-hits", "/l/cop@example.org/search?q=lathe", `<div class="cols search">`, "</aside>"},
		{"threads", "/l/cop@example.org/", `<ol class="threads">`, "</ol>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, page, _ := get(t, c, f.ts.URL+tt.path)
			got := fragment(t, page, tt.open, tt.close) + "\n"
			path := filepath.Join("testdata", "golden", tt.name+".html")
			if *update {
				must(t, os.MkdirAll(filepath.Dir(path), 0o755))
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", tt.path, path, got)
			}
		})
	}
}

// A private list deleted and made again, public, under its address does
// not show the old list's posts, which the store keeps; and a rebuilt
// index does not bring them back.
func TestRecreatedListHidesOldPosts(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	if err := f.svc.DeleteList(ctx, "inner@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CreateList(ctx, &listserv.List{Address: "inner@example.org", Name: "Inner, public now", ArchivePolicy: listserv.ArchivePublic}); err != nil {
		t.Fatal(err)
	}
	// What serve's indexer does within a second of the change.
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	for _, p := range []string{"/l/inner@example.org/search?q=lathe", "/api/l/inner@example.org/search?q=lathe",
		"/l/inner@example.org/search.mbox?q=lathe", "/l/inner@example.org/search.atom?q=lathe", "/m/secret1@example.net"} {
		// The new list's searches work (an error page would hide
		// anything); the old post has no page.
		want := 200
		if strings.HasPrefix(p, "/m/") {
			want = 404
		}
		status, body, _ := get(t, c, f.ts.URL+p)
		if status != want {
			t.Errorf("%s: %d, want %d", p, status, want)
		}
		if strings.Contains(body, "Secret lathe") || strings.Contains(body, "confidential") {
			t.Errorf("%s shows the deleted list's post", p)
		}
	}
	if err := f.svc.Store().Reindex(ctx, 0); err != nil {
		t.Fatal(err)
	}
	n, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, body, _ := get(t, c, f.ts.URL+"/l/inner@example.org/search?q=lathe"); strings.Contains(body, "Secret lathe") {
		t.Errorf("after reindexing %d posts, the deleted list's post is back", n)
	}
}

// A long thread is shown in pages of the tree, every post once.
func TestLongThreadPaged(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "other@example.org")
	must(t, err)
	var raws [][]byte
	raws = append(raws, post("long0@example.net", "Carol <carol@example.net>", "A long one", "Mon, 1 Mar 2021 10:00:00 +0000", "Start.\n"))
	for i := 1; i < postsPerPage+20; i++ {
		raws = append(raws, post(fmt.Sprintf("long%d@example.net", i), "Carol <carol@example.net>", "Re: A long one",
			time.Date(2021, 3, 1, 10, i, 0, 0, time.UTC).Format(time.RFC1123Z), fmt.Sprintf("Reply number %d.\n", i),
			"In-Reply-To: <long0@example.net>", "References: <long0@example.net>"))
	}
	if _, _, err := f.svc.Archiver().ArchiveMany(ctx, l, raws); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	path := f.ts.URL + "/l/other@example.org/t/" + url.PathEscape("long0@example.net")
	seen := map[string]int{}
	next := path
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		_, body, _ := get(t, c, next)
		for _, m := range regexp.MustCompile(`Reply number (\d+)\.`).FindAllStringSubmatch(body, -1) {
			seen[m[1]]++
		}
		next = ""
		if m := regexp.MustCompile(`rel="next" href="([^"]+)"`).FindStringSubmatch(body); m != nil {
			next = f.ts.URL + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != postsPerPage+19 {
		t.Errorf("%d replies shown over the pages, want %d", len(seen), postsPerPage+19)
	}
	for n, k := range seen {
		if k != 1 {
			t.Errorf("reply %s shown %d times", n, k)
		}
	}
}

// TestThreadTopicMarks: a thread page marks where a new topic starts
// inside the thread (a new matter under a new subject; someone else's own
// question in a thread long quiet), and nowhere else; the posts keep the
// thread's links.
func TestThreadTopicMarks(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "other@example.org")
	must(t, err)
	reply := func(id, from, subject, date, body, parent string) []byte {
		return post(id, from, subject, date, body, "In-Reply-To: <"+parent+">", "References: <t0@example.net>")
	}
	raws := [][]byte{
		post("t0@example.net", "Carol <carol@example.net>", "B210 overflows", "Mon, 1 Mar 2021 10:00:00 +0000", "I get overflows on my B210 at 20 Msps, any idea?\n"),
		reply("t1@example.net", "Dan <dan@example.net>", "Re: B210 overflows", "Mon, 1 Mar 2021 11:00:00 +0000", "Use a USB 3 port and check the cable.\n", "t0@example.net"),
		reply("t2@example.net", "Carol <carol@example.net>", "Re: [other] B210 overflows", "Mon, 1 Mar 2021 12:00:00 +0000", "Thanks, that did it.\n", "t1@example.net"),
		reply("t3@example.net", "Dan <dan@example.net>", "GPSDO lock time (was: B210 overflows)", "Tue, 2 Mar 2021 09:00:00 +0000", "Does anyone know how long the GPSDO takes to lock?\n", "t2@example.net"),
		reply("t4@example.net", "Erin <erin@example.net>", "Re: GPSDO lock time", "Tue, 2 Mar 2021 10:00:00 +0000", "About five minutes from a cold start.\n", "t3@example.net"),
		reply("t5@example.net", "Fay <fay@example.net>", "Re: GPSDO lock time", "Mon, 7 Jun 2021 09:00:00 +0000", "I get a lock error on my N310 when I start the GPSDO after an update, what should I check?\n", "t4@example.net"),
		// The same trouble on the model the first post names: a "me
		// too", no topic (the first post is read to know its models).
		reply("t6@example.net", "Gil <gil@example.net>", "Re: B210 overflows", "Mon, 1 Mar 2021 13:00:00 +0000", "I have the same problem with my B210, the overflows never stop, what else can I check?\n", "t0@example.net"),
	}
	if _, _, err := f.svc.Archiver().ArchiveMany(ctx, l, raws); err != nil {
		t.Fatal(err)
	}
	_, body, _ := get(t, f.client(t), f.ts.URL+"/l/other@example.org/t/"+url.PathEscape("t0@example.net"))
	items := strings.Split(body, "<li class=")
	marked := map[string]bool{}
	for _, it := range items[1:] {
		m := regexp.MustCompile(`/m/(t\d)@example\.net`).FindStringSubmatch(it)
		if m == nil {
			continue
		}
		marked[m[1]] = strings.Contains(it, "New topic in this thread")
	}
	for _, id := range []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6"} {
		want := id == "t3" || id == "t5"
		if marked[id] != want {
			t.Errorf("post %s marked as a new topic: %v, want %v", id, marked[id], want)
		}
	}
	if n := strings.Count(body, "New topic in this thread"); n != 2 {
		t.Errorf("%d topic marks on the page, want 2", n)
	}
}
