package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praxis/listserv"
	"praxis/listserv/store"
)

// adminFixture is the archive fixture with an owner on cop@ (the
// fixture has its moderator, mod@, and a member, alice@) and an owner of
// another list, carol@ on other@.
func adminFixture(t *testing.T) *archiveFixture {
	t.Helper()
	f := newArchiveFixture(t)
	ctx := context.Background()
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "owner@example.net", Role: listserv.RoleOwner}))
	carol := member(t, f.svc, "other@example.org", "carol@example.net")
	carol.Role = listserv.RoleOwner
	must(t, f.svc.UpdateMember(ctx, carol))
	return f
}

// adminURLs are every admin page of cop@, and the forms they post.
var (
	adminGets = []string{"/l/cop@example.org/admin", "/l/cop@example.org/admin/settings", "/l/cop@example.org/admin/members",
		"/l/cop@example.org/admin/members?q=alice", "/l/cop@example.org/admin/members.csv", "/l/cop@example.org/admin/bans",
		"/l/cop@example.org/admin/log", "/l/cop@example.org/admin/held", "/l/cop@example.org/admin/requests"}
	adminPosts = []struct {
		path string
		form url.Values
	}{
		{"/l/cop@example.org/admin/settings", url.Values{"post": {"moderated"}}},
		{"/l/cop@example.org/admin/members", url.Values{"action": {"add"}, "address": {"zed@example.net"}}},
		{"/l/cop@example.org/admin/members", url.Values{"action": {"moderate"}, "address": {"alice@example.net"}, "moderated": {"true"}}},
		{"/l/cop@example.org/admin/members", url.Values{"action": {"remove"}, "address": {"alice@example.net"}}},
		{"/l/cop@example.org/admin/bans", url.Values{"action": {"add"}, "pattern": {"spam@example.com"}}},
		{"/l/cop@example.org/admin/import", url.Values{}},
		// An invitation is an owner's; the page decides by the action.
		{"/l/cop@example.org/admin/requests", url.Values{"action": {"invite"}, "address": {"zed@example.net"}}},
	}
)

// unchanged fails the test when cop@ changed: its settings, its members,
// its bans, its log.
func unchanged(t *testing.T, f *archiveFixture, who string) {
	t.Helper()
	ctx := context.Background()
	l, ms, err := f.svc.Members(ctx, "cop@example.org")
	must(t, err)
	bans, err := f.svc.Bans(ctx, "cop@example.org")
	must(t, err)
	_, log, err := f.svc.AuditLog(ctx, "cop@example.org", 0, 10)
	must(t, err)
	if l.PostPolicy != listserv.PostMembers || len(ms) != 3 || len(bans) != 0 || len(log) != 0 || member(t, f.svc, "cop@example.org", "alice@example.net").Moderated {
		t.Errorf("%s changed the list: post %s, %d members, %d bans, %d log entries", who, l.PostPolicy, len(ms), len(bans), len(log))
	}
}

// A visitor, a member, and the owner of another list get 404 for every
// admin page and form, as for a page that is not there, and change
// nothing; a moderator is refused the owners' pages and forms (403).
func TestAdminRefusesWhoMayNot(t *testing.T) {
	f := adminFixture(t)
	signedIn := func(addr string) *http.Client {
		c := f.client(t)
		if addr != "" {
			f.signIn(t, c, addr)
		}
		return c
	}
	for _, who := range []string{"", "alice@example.net", "carol@example.net"} {
		c := signedIn(who)
		// A token of their own session, which is valid: the role, not the
		// token, is what refuses them.
		_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/info")
		tok := csrfRe.FindStringSubmatch(body)[1]
		for _, p := range adminGets {
			if status, body, _ := get(t, c, f.ts.URL+p); status != 404 || strings.Contains(body, "alice@example.net") && who != "alice@example.net" {
				t.Errorf("%q: GET %s: %d, want 404", who, p, status)
			}
		}
		for _, p := range adminPosts {
			form := url.Values{"csrf": {tok}}
			for k, v := range p.form {
				form[k] = v
			}
			if status, _, _ := postForm(t, c, f.ts.URL+p.path, form); status != 404 {
				t.Errorf("%q: POST %s %v: %d, want 404", who, p.path, p.form, status)
			}
		}
		unchanged(t, f, who)
	}
	// The same for a list that is not there, to an owner.
	owner := signedIn("owner@example.net")
	if status, _, _ := get(t, owner, f.ts.URL+"/l/nosuch@example.org/admin"); status != 404 {
		t.Errorf("the admin of no list: %d", status)
	}

	mod := signedIn("mod@example.net")
	_, body, _ := get(t, mod, f.ts.URL+"/l/cop@example.org/admin")
	tok := csrfRe.FindStringSubmatch(body)[1]
	for _, p := range []string{"/l/cop@example.org/admin", "/l/cop@example.org/admin/members", "/l/cop@example.org/admin/held", "/l/cop@example.org/admin/requests"} {
		if status, _, _ := get(t, mod, f.ts.URL+p); status != 200 {
			t.Errorf("moderator: GET %s: %d, want 200", p, status)
		}
	}
	for _, p := range []string{"/l/cop@example.org/admin/settings", "/l/cop@example.org/admin/members.csv", "/l/cop@example.org/admin/bans", "/l/cop@example.org/admin/log"} {
		if status, _, _ := get(t, mod, f.ts.URL+p); status != 403 {
			t.Errorf("moderator: GET %s: %d, want 403", p, status)
		}
	}
	for _, p := range adminPosts {
		if p.form.Get("action") == "moderate" {
			continue
		}
		form := url.Values{"csrf": {tok}}
		for k, v := range p.form {
			form[k] = v
		}
		if status, _, _ := postForm(t, mod, f.ts.URL+p.path, form); status != 403 {
			t.Errorf("moderator: POST %s %v: %d, want 403", p.path, p.form, status)
		}
	}
	unchanged(t, f, "the moderator")
	// What is theirs: whether a member's posts are held, and that alone
	// (the role the form also names is not taken).
	status, _, _ := postForm(t, mod, f.ts.URL+"/l/cop@example.org/admin/members", url.Values{"csrf": {tok}, "action": {"moderate"},
		"address": {"alice@example.net"}, "moderated": {"false", "true"}, "role": {"owner"}})
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); status != 303 || !m.Moderated || m.Role != listserv.RoleMember {
		t.Errorf("a moderator moderating alice: %d, moderated %v, role %s", status, m.Moderated, m.Role)
	}
}

// Every admin form refuses a POST without the token of the session's
// CSRF cookie, or with another session's, and changes nothing.
func TestAdminCSRF(t *testing.T) {
	f := adminFixture(t)
	owner := f.client(t)
	f.signIn(t, owner, "owner@example.net")
	other := f.client(t)
	f.signIn(t, other, "mod@example.net")
	_, body, _ := get(t, other, f.ts.URL+"/l/cop@example.org/admin")
	foreign := csrfRe.FindStringSubmatch(body)[1]
	get(t, owner, f.ts.URL+"/l/cop@example.org/admin") // the owner's CSRF cookie
	for _, tok := range []string{"", "forged", foreign} {
		for _, p := range adminPosts {
			form := url.Values{}
			for k, v := range p.form {
				form[k] = v
			}
			if tok != "" {
				form.Set("csrf", tok)
			}
			if status, _, _ := postForm(t, owner, f.ts.URL+p.path, form); status != 403 {
				t.Errorf("POST %s with token %q: %d, want 403", p.path, tok, status)
			}
		}
	}
	unchanged(t, f, "a forged form")
}

// An owner's changes over HTTP: a refused setting changes nothing and
// says why, the same rules as the CLI's; every change is in the log with
// who made it on the web; the export is a members file that imports.
func TestAdminChangesAreLogged(t *testing.T) {
	f := adminFixture(t)
	ctx := context.Background()
	owner := f.client(t)
	f.signIn(t, owner, "owner@example.net")
	_, body, _ := get(t, owner, f.ts.URL+"/l/cop@example.org/admin/settings")
	tok := csrfRe.FindStringSubmatch(body)[1]
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", tok)
		status, body, _ := postForm(t, owner, f.ts.URL+path, form)
		return status, body
	}
	// Refused: as the CLI would (store.List.Validate), and a huge one.
	for _, form := range []url.Values{
		{"post": {"everyone"}},
		{"digest-hour": {"25"}},
		{"max-message-kb": {"lots"}},
		{"description": {strings.Repeat("x", 5000)}},
		{"time-zone": {"Mars/Olympus"}},
	} {
		if status, body := post("/l/cop@example.org/admin/settings", form); status != 400 || !strings.Contains(body, `role="alert"`) {
			t.Errorf("settings %v: %d, want 400 with the reason", form, status)
		}
	}
	unchanged(t, f, "refused settings")
	if status, _ := post("/l/cop@example.org/admin/settings", url.Values{"post": {"moderated"}, "prefix": {"[makers] "}, "emergency": {"false", "true"}}); status != 303 {
		t.Fatalf("saving settings: %d", status)
	}
	l, err := f.svc.List(ctx, "cop@example.org")
	must(t, err)
	if l.PostPolicy != listserv.PostModerated || l.Prefix != "[makers] " || !l.Emergency || l.Name != "Makers" {
		t.Errorf("after saving: %+v", l)
	}
	for _, form := range []url.Values{
		{"action": {"add"}, "address": {"zed@example.net"}, "name": {"Zed"}, "role": {"member"}, "delivery": {"digest"}},
		{"action": {"set"}, "address": {"zed@example.net"}, "role": {"moderator"}, "delivery": {"digest"}, "moderated": {"false"}},
		{"action": {"remove"}, "address": {"alice@example.net"}},
	} {
		if status, body := post("/l/cop@example.org/admin/members", form); status != 303 {
			t.Errorf("members %v: %d\n%s", form, status, body)
		}
	}
	if status, body := post("/l/cop@example.org/admin/members", url.Values{"action": {"add"}, "address": {"not an address"}}); status != 400 || !strings.Contains(body, "not an email address") {
		t.Errorf("adding a bad address: %d", status)
	}
	if status, _ := post("/l/cop@example.org/admin/members", url.Values{"action": {"remove"}, "address": {"carol@example.net"}}); status != 400 {
		t.Errorf("removing another list's member: %d, want 400", status)
	}
	if status, _ := post("/l/cop@example.org/admin/bans", url.Values{"action": {"add"}, "pattern": {"^(unclosed"}}); status != 400 {
		t.Errorf("a ban that is no regexp: %d, want 400", status)
	}
	if status, _ := post("/l/cop@example.org/admin/bans", url.Values{"action": {"add"}, "pattern": {`^.*@spam\.example$`}}); status != 303 {
		t.Errorf("a ban: %d", status)
	}
	if _, m, err := f.svc.Member(ctx, "other@example.org", "carol@example.net"); err != nil || m.Role != listserv.RoleOwner {
		t.Errorf("another list's member was touched: %v", err)
	}

	_, log, err := f.svc.AuditLog(ctx, "cop@example.org", 0, 0)
	must(t, err)
	want := []string{"ban add", "member rm", "member set", "member add", "list set"}
	if len(log) != len(want) {
		t.Fatalf("%d log entries, want %d: %+v", len(log), len(want), log)
	}
	for i, e := range log {
		if e.Action != want[i] || e.Actor != "owner@example.net" || e.Via != store.AuditWeb {
			t.Errorf("entry %d: %+v, want %s by owner@ on the web", i, e, want[i])
		}
	}
	if _, body, _ := get(t, owner, f.ts.URL+"/l/cop@example.org/admin/log"); !strings.Contains(body, `post: &#34;members&#34; → &#34;moderated&#34;`) {
		t.Errorf("the log page does not show the change of policy")
	}

	// The export imports into another list as it was.
	status, csv, h := get(t, owner, f.ts.URL+"/l/cop@example.org/admin/members.csv")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv, "email,name,role,delivery\n") || !strings.Contains(csv, "zed@example.net,Zed,moderator,digest") {
		t.Fatalf("export: %d %q\n%s", status, h.Get("Content-Type"), csv)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	must(t, mw.WriteField("csrf", tok))
	fw, err := mw.CreateFormFile("file", "members.csv")
	must(t, err)
	fw.Write([]byte(csv + "bad line,,,\nyan@example.net,Yan,,weekly\n"))
	must(t, mw.Close())
	resp, err := owner.Post(f.ts.URL+"/l/cop@example.org/admin/import", mw.FormDataContentType(), &buf)
	must(t, err)
	var page strings.Builder
	buf.Reset()
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	page.Write(buf.Bytes())
	if resp.StatusCode != 200 || !strings.Contains(page.String(), "0 added, 3 already members, 2 lines refused") || !strings.Contains(page.String(), "weekly") {
		t.Errorf("import of the export: %d\n%s", resp.StatusCode, page.String())
	}
}

// The held queue's first addresses, which notices already sent link to,
// lead to where it is now, keeping the method and the query.
func TestHeldMoved(t *testing.T) {
	f := adminFixture(t)
	c := f.client(t)
	for from, to := range map[string]string{
		"/l/cop@example.org/held":        "/l/cop@example.org/admin/held",
		"/l/cop@example.org/held?page=2": "/l/cop@example.org/admin/held?page=2",
		"/l/cop@example.org/held/42":     "/l/cop@example.org/admin/held/42",
	} {
		resp, err := c.Get(f.ts.URL + from)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != to {
			t.Errorf("GET %s: %d to %q, want 308 to %s", from, resp.StatusCode, resp.Header.Get("Location"), to)
		}
	}
	resp, err := c.PostForm(f.ts.URL+"/l/cop@example.org/held/42", url.Values{"action": {"approve"}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "/l/cop@example.org/admin/held/42" {
		t.Errorf("POST to the old address: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
