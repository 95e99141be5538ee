package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"praxis/archive/web/browsertest"
	"praxis/listserv"
	"praxis/listserv/store"
)

// An owner, in a real browser, goes through each admin page: opens them
// from the list's Admin tab, changes settings, adds a member, changes
// their role and removes another, exports the roster and imports a
// file, bans an address, invites someone, approves a held post and reads
// it all in the log. Every page is checked for script errors and remote
// fetches, and fits a phone.
func TestBrowserAdminJourney(t *testing.T) {
	f := adminFixture(t)
	ctx := context.Background()
	b := newBrowser(t)
	origin := f.ts.URL
	shots := browsertest.ScreenshotDir(t)
	heldPost(t, f, "Let me in")
	browserSignIn(t, f, b, "owner@example.net")

	b.Open(origin + "/l/cop@example.org/")
	b.Follow("opening the admin pages", chromedp.Click(chromedp.CSS(`nav.tabs a[href="/l/cop@example.org/admin"]`)))
	if h := b.text("h1"); !strings.Contains(h, "administration") {
		t.Fatalf("the Admin tab led to %q (%s)", h, b.Location())
	}
	check := func(where string) {
		t.Helper()
		b.Check(where, origin)
		b.Phone()
		b.noSideScroll(where + " at 360 px")
		b.Desktop()
	}
	check("admin")

	// Settings: a policy, a switch, the prefix.
	b.Follow("opening the settings", chromedp.Click(chromedp.CSS(`nav.admin a[href$="/admin/settings"]`)))
	b.Do("choosing moderated", chromedp.SetValue(chromedp.CSS(`select[name="post"]`), "moderated"))
	b.Do("turning the emergency on", chromedp.Click(chromedp.CSS(`input[type="checkbox"][name="emergency"]`)))
	b.Do("clearing the prefix", chromedp.Clear(chromedp.CSS(`input[name="prefix"]`)))
	b.Do("typing the prefix", chromedp.SendKeys(chromedp.CSS(`input[name="prefix"]`), "[makers]"))
	b.Follow("saving", chromedp.Click(chromedp.CSS(`form.admin-settings button[type="submit"]`)))
	if st := b.text(`p[role="status"]`); !strings.Contains(st, "saved") {
		t.Errorf("after saving the settings the page says %q", st)
	}
	l, err := f.svc.List(ctx, "cop@example.org")
	must(t, err)
	if l.PostPolicy != listserv.PostModerated || !l.Emergency || l.Prefix != "[makers]" {
		t.Errorf("after saving: post %s, emergency %v, prefix %q", l.PostPolicy, l.Emergency, l.Prefix)
	}
	// A refused value says why and keeps what was typed.
	b.Do("typing a bad hour", chromedp.SetValue(chromedp.CSS(`input[name="digest-hour"]`), "30"))
	if st := b.Follow("saving a bad hour", chromedp.Click(chromedp.CSS(`form.admin-settings button[type="submit"]`))); st != 400 {
		t.Errorf("a digest hour of 30: status %d", st)
	}
	if msg := b.text(`p[role="alert"]`); !strings.Contains(msg, "digest-hour") {
		t.Errorf("the refusal says %q", msg)
	}
	if v := browsertest.Eval[string](b.Browser, `document.querySelector('input[name="digest-hour"]').value`); v != "30" {
		t.Errorf("the refused form shows the hour as %q, want what was typed", v)
	}
	b.Take() // the console's note of the 400
	b.Screenshot(shots, "admin-settings")
	check("admin settings")

	// Members: add, change a role, remove.
	b.Follow("opening the members", chromedp.Click(chromedp.CSS(`nav.admin a[href$="/admin/members"]`)))
	b.Do("typing the address", chromedp.SendKeys(chromedp.CSS(`#add-address`), "zed@example.net"))
	b.Do("typing the name", chromedp.SendKeys(chromedp.CSS(`#add-name`), "Zed"))
	b.Follow("adding", chromedp.Click(chromedp.CSS(`form.add-member button[value="add"]`)))
	zed := member(t, f.svc, "cop@example.org", "zed@example.net")
	if zed.Name != "Zed" || zed.Role != listserv.RoleMember {
		t.Errorf("added: %+v", zed)
	}
	row := fmt.Sprintf("#member-%d", zed.ID)
	b.Do("choosing moderator", chromedp.SetValue(chromedp.CSS(row+` select[name="role"]`), "moderator"))
	b.Follow("saving the role", chromedp.Click(chromedp.CSS(row+` button[value="set"]`)))
	if m := member(t, f.svc, "cop@example.org", "zed@example.net"); m.Role != listserv.RoleModerator {
		t.Errorf("zed's role after the change: %s", m.Role)
	}
	alice := member(t, f.svc, "cop@example.org", "alice@example.net")
	b.Follow("removing alice", chromedp.Click(chromedp.CSS(fmt.Sprintf("#member-%d button[value=\"remove\"]", alice.ID))))
	if _, _, err := f.svc.Member(ctx, "cop@example.org", "alice@example.net"); err == nil {
		t.Error("alice is still a member")
	}
	b.Do("searching", chromedp.SendKeys(chromedp.CSS(`#member-q`), "zed"))
	b.Follow("finding", chromedp.Click(chromedp.CSS(`form.find-members button`)))
	if rows := browsertest.Eval[int](b.Browser, `document.querySelectorAll("table.members tbody tr").length`); rows != 1 {
		t.Errorf("the search for zed shows %d rows", rows)
	}
	if q := browsertest.Eval[string](b.Browser, `document.querySelector("header input[name=q]").value`); q != "" {
		t.Errorf("the archive's search box shows the members' search %q", q)
	}
	b.Screenshot(shots, "admin-members")
	check("admin members")

	// The export, as the page's link fetches it with the owner's cookie.
	csv := download(t, b, `a[href$="members.csv"]`)
	if !strings.HasPrefix(csv, "email,name,role,delivery\n") || !strings.Contains(csv, "zed@example.net,Zed,moderator,each") || strings.Contains(csv, "alice@") {
		t.Errorf("the export:\n%s", csv)
	}
	// The import of a file: a good line, one already there, a bad one.
	file := filepath.Join(t.TempDir(), "members.csv")
	must(t, os.WriteFile(file, []byte("email,name\nyan@example.net,Yan\nzed@example.net,Zed\nnot an address\n"), 0o600))
	b.Do("choosing the file", chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{file}))
	b.Follow("importing", chromedp.Click(chromedp.CSS(`form.import-members button[type="submit"]`)))
	if st := b.text(`section.import p[role="status"]`); !strings.Contains(st, "1 added, 1 already members, 1 line refused") {
		t.Errorf("the import's report: %q", st)
	}
	member(t, f.svc, "cop@example.org", "yan@example.net")
	check("admin import")

	// Bans.
	b.Follow("opening the bans", chromedp.Click(chromedp.CSS(`nav.admin a[href$="/admin/bans"]`)))
	b.Do("typing a pattern", chromedp.SendKeys(chromedp.CSS(`#ban-pattern`), `^.*@spam\.example$`))
	b.Follow("banning", chromedp.Click(chromedp.CSS(`form.add-ban button`)))
	if bans, err := f.svc.Bans(ctx, "cop@example.org"); err != nil || len(bans) != 1 || bans[0] != `^.*@spam\.example$` {
		t.Errorf("bans: %q %v", bans, err)
	}
	if got := b.text("ul.bans code"); got != `^.*@spam\.example$` {
		t.Errorf("the page lists the ban as %q", got)
	}
	check("admin bans")

	// Requests: an invitation.
	b.Follow("opening the requests", chromedp.Click(chromedp.CSS(`nav.admin a[href$="/admin/requests"]`)))
	b.Do("typing the address", chromedp.SendKeys(chromedp.CSS(`#invite-address`), "ivy@example.net"))
	b.Follow("inviting", chromedp.Click(chromedp.CSS(`form.invite button`)))
	if got := b.text("ul.requests"); !strings.Contains(got, "ivy@example.net") || !strings.Contains(got, "invited") {
		t.Errorf("the invitation is not listed: %q", got)
	}
	if mail := string(lastMailTo(t, f.svc.Store(), "ivy@example.net")); !strings.Contains(mail, "Invitation to join") {
		t.Errorf("no invitation mailed:\n%.300s", mail)
	}
	check("admin requests")

	// The held post.
	b.Follow("opening the held posts", chromedp.Click(chromedp.CSS(`nav.admin a[href$="/admin/held"]`)))
	b.Follow("approving", chromedp.Click(chromedp.CSS(`form.decide button[value="approve"]`)))
	if u := b.Location(); !strings.HasPrefix(u, origin+"/l/cop@example.org/admin/held") {
		t.Errorf("after approving the browser is at %s", u)
	}
	if _, held, err := f.svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 0 {
		t.Errorf("%d posts still held (%v)", len(held), err)
	}

	// The log has it all, newest first, by the owner on the web.
	b.Open(origin + "/l/cop@example.org/admin/log")
	actions := browsertest.Eval[[]string](b.Browser, `[...document.querySelectorAll("table.audit tbody tr td:nth-child(4)")].map(td => td.textContent)`)
	want := []string{"member invite", "ban add", "member add", "member rm", "member set", "member add", "list set"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("the log shows %q, want %q", actions, want)
	}
	if who := b.text("table.audit tbody td:nth-child(2)"); who != "owner@example.net" {
		t.Errorf("the log names %q", who)
	}
	b.Screenshot(shots, "admin-log")
	check("admin log")
}

// download fetches what the link sel points at with the browser's
// cookies, as the browser would save it: the pages' policy forbids the
// page's own scripts to fetch (connect-src 'none'), so Go asks.
func download(t *testing.T, b browser, sel string) string {
	t.Helper()
	href := browsertest.Eval[string](b.Browser, fmt.Sprintf(`document.querySelector(%q).href`, sel))
	cookies, err := chromedp.Call(b.Ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{href}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, href, nil)
	must(t, err)
	for _, c := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("%s: %d, %q", href, resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	return string(body)
}

// heldPost has a non-member post to cop@, held for a moderator.
func heldPost(t *testing.T, f *archiveFixture, subject string) {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.Inbound().Resolve(ctx, "cop@example.org")
	must(t, err)
	must(t, f.svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "s@example.com"}, []listserv.Route{r},
		[]byte("From: Stranger <s@example.com>\r\nTo: cop@example.org\r\nSubject: "+subject+"\r\nMessage-ID: <held-"+strings.ReplaceAll(subject, " ", "-")+"@example.com>\r\n\r\nHello.\r\n")))
	must(t, f.svc.ProcessReceived(ctx))
	if _, held, err := f.svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) == 0 {
		t.Fatalf("the post was not held (%v)", err)
	}
}

// In a real browser: a moderator opening an owner's page is refused, a
// member and a visitor see a 404 for every admin page, and a form whose
// token was tampered with changes nothing.
func TestBrowserAdminRefusals(t *testing.T) {
	f := adminFixture(t)
	origin := f.ts.URL

	visitor := newBrowser(t)
	for _, p := range adminGets {
		if st := visitor.Open(origin + p); st != 404 {
			t.Errorf("a visitor: %s answered %d", p, st)
		}
	}
	visitor.Open(origin + "/l/cop@example.org/")
	if visitor.visible(`nav.tabs a[href$="/admin"]`) {
		t.Error("a visitor is shown the Admin tab")
	}

	mem := newBrowser(t)
	browserSignIn(t, f, mem, "alice@example.net")
	for _, p := range adminGets {
		if st := mem.Open(origin + p); st != 404 {
			t.Errorf("a member: %s answered %d", p, st)
		}
	}
	mem.Open(origin + "/l/cop@example.org/")
	if mem.visible(`nav.tabs a[href$="/admin"]`) {
		t.Error("a member is shown the Admin tab")
	}

	mod := newBrowser(t)
	browserSignIn(t, f, mod, "mod@example.net")
	if st := mod.Open(origin + "/l/cop@example.org/admin/settings"); st != 403 || !strings.Contains(mod.text("main"), "owners") {
		t.Errorf("a moderator on the settings: %d %q", st, mod.text("main"))
	}
	mod.Take() // the console's note of the 403
	mod.Open(origin + "/l/cop@example.org/admin/members")
	if mod.visible(`select[name="role"]`) || mod.visible(`form.add-member`) || mod.visible(`a[href$="members.csv"]`) {
		t.Error("a moderator is offered the owners' roster forms")
	}
	// What is theirs: a member's moderation.
	alice := member(t, f.svc, "cop@example.org", "alice@example.net")
	row := fmt.Sprintf("#member-%d", alice.ID)
	mod.Do("ticking moderated", chromedp.Click(chromedp.CSS(row+` input[type="checkbox"][name="moderated"]`)))
	mod.Follow("saving", chromedp.Click(chromedp.CSS(row+` button[value="moderate"]`)))
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); !m.Moderated {
		t.Error("the moderator's change was not made")
	}
	mod.Check("moderator's members page", origin)

	// An owner's form with a token that is not the session's.
	owner := newBrowser(t)
	browserSignIn(t, f, owner, "owner@example.net")
	owner.Open(origin + "/l/cop@example.org/admin/bans")
	owner.Do("forging the token", chromedp.SetAttributeValue(chromedp.CSS(`form.add-ban input[name="csrf"]`), "value", "forged"))
	owner.Do("typing a pattern", chromedp.SendKeys(chromedp.CSS(`#ban-pattern`), "eve@example.com"))
	if st := owner.Follow("banning", chromedp.Click(chromedp.CSS(`form.add-ban button`))); st != 403 {
		t.Errorf("a forged token: status %d, want 403", st)
	}
	if bans, err := f.svc.Bans(context.Background(), "cop@example.org"); err != nil || len(bans) != 0 {
		t.Errorf("a forged form banned %q (%v)", bans, err)
	}
	_, log, err := f.svc.AuditLog(context.Background(), "cop@example.org", 0, 0)
	must(t, err)
	if len(log) != 1 || log[0].Actor != "mod@example.net" || log[0].Action != "member set" || log[0].Via != store.AuditWeb {
		t.Errorf("the log: %+v", log)
	}
}
