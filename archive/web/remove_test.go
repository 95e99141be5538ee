package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"praxis/listserv/store"
	"regexp"
	"strings"
	"testing"

	"praxis/listserv"
)

// removeLinkRe finds a post's "Remove from archive" link.
var removeLinkRe = regexp.MustCompile(`<a class="remove" href="([^"]+)">Remove from archive</a>`)

// A moderator removes a post from the web: the link on the post (its
// page and its thread's) leads to a page that shows it and asks for a
// reason, whose form removes it with store.ArchiveRemove, naming the
// moderator in the tombstone and the log; the permalink then answers
// 410, and the removal page says it was done already.
func TestRemoveFromArchive(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	var logged bytes.Buffer
	f.srv.log = slog.New(slog.NewTextHandler(&logged, nil))
	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")

	_, body, _ := get(t, mod, f.ts.URL+"/m/a1@example.net")
	link := removeLinkRe.FindStringSubmatch(body)
	if link == nil || link[1] != "/l/cop@example.org/admin/remove/a1@example.net" {
		t.Fatalf("a moderator's view of a post has no removal link (%v):\n%s", link, body)
	}
	if _, body, _ := get(t, mod, f.ts.URL+"/l/cop@example.org/t/q1@example.net"); len(removeLinkRe.FindAllString(body, -1)) != 2 {
		t.Errorf("the thread's page does not offer the removal of each of its two posts")
	}
	status, body, h := get(t, mod, f.ts.URL+link[1])
	if status != 200 || !strings.Contains(body, "Tighten the gib screws") || !strings.Contains(body, `name="reason"`) || removeLinkRe.MatchString(body) {
		t.Fatalf("the removal page: %d\n%s", status, body)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("the removal page shows a post with its addresses to a moderator; Cache-Control %q, want no-store", h.Get("Cache-Control"))
	}
	tok := csrfRe.FindStringSubmatch(body)[1]
	status, body, _ = postForm(t, mod, f.ts.URL+link[1], url.Values{"csrf": {tok}, "reason": {"  a leaked\n password  "}})
	if status != 200 || !strings.Contains(body, "was removed") {
		t.Fatalf("removing: %d\n%s", status, body)
	}
	gone, err := f.svc.Store().ArchiveRemoved(ctx, "a1@example.net")
	must(t, err)
	if len(gone) != 1 || gone[0].By != "web (mod@example.net)" || gone[0].Reason != "a leaked password" {
		t.Errorf("the tombstone: %+v", gone)
	}
	if !strings.Contains(logged.String(), `msg="post removed from the archive on the web" list=cop@example.org msg_id=a1@example.net by=mod@example.net`) {
		t.Errorf("the removal is not logged with who removed it:\n%s", logged.String())
	}
	if status, _, _ := get(t, f.client(t), f.ts.URL+"/m/a1@example.net"); status != 410 {
		t.Errorf("the removed post's permalink: %d, want 410", status)
	}
	if status, body, _ := get(t, f.client(t), f.ts.URL+"/l/cop@example.org/t/q1@example.net"); status != 200 || strings.Contains(body, "gib screws") || !strings.Contains(body, "calibrate the lathe") {
		t.Errorf("the thread after the removal: %d, want 200 with the question and without the removed reply", status)
	}
	if status, _, _ := get(t, mod, f.ts.URL+link[1]); status != 410 {
		t.Errorf("the removal page of a removed post: %d, want 410", status)
	}
	if status, _, _ := postForm(t, mod, f.ts.URL+link[1], url.Values{"csrf": {tok}}); status != 410 {
		t.Errorf("removing it again: %d, want 410", status)
	}
}

// Only the list's moderators and owners may remove its posts: a
// visitor, a member, a member of another list and another list's
// moderator (on this list, and on theirs with this list's post) get the
// 404 of a page that is not there, with their own valid CSRF token, and
// see no removal link; a moderator's form without the token of their
// session is refused; the post stays through all of it. An owner may
// remove it, and a reason of any length is kept to its bound.
func TestRemoveRefused(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	must(t, f.svc.AddMember(ctx, "other@example.org", &listserv.Member{Address: "om@example.net", Role: listserv.RoleModerator}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "owner@example.net", Role: listserv.RoleOwner}))
	const page = "/l/cop@example.org/admin/remove/a1@example.net"
	stays := func(after string) {
		t.Helper()
		if gone, err := f.svc.Store().ArchiveRemoved(ctx, "a1@example.net"); err != nil || len(gone) != 0 {
			t.Fatalf("after %s: the post was removed (%+v, %v)", after, gone, err)
		}
	}
	// The visitor's own token, from a page of theirs: the refusal must
	// not be the CSRF check's.
	token := func(c *http.Client) string {
		t.Helper()
		for _, p := range []string{"/l/cop@example.org/", "/signin"} {
			_, body, _ := get(t, c, f.ts.URL+p)
			if m := csrfRe.FindStringSubmatch(body); m != nil {
				return m[1]
			}
		}
		t.Fatal("no CSRF token on the list page nor the sign-in page")
		return ""
	}
	clients := []struct {
		who, addr string
		paths     []string
	}{
		{"a visitor", "", []string{page}},
		{"a member", "alice@example.net", []string{page}},
		{"a member of another list", "carol@example.net", []string{page}},
		{"another list's moderator", "om@example.net", []string{page, "/l/other@example.org/admin/remove/a1@example.net",
			"/l/other@example.org/admin/remove/" + url.PathEscape("<a1@example.net>")}},
	}
	for _, tc := range clients {
		c := f.client(t)
		if tc.addr != "" {
			f.signIn(t, c, tc.addr)
		}
		if _, body, _ := get(t, c, f.ts.URL+"/m/a1@example.net"); removeLinkRe.MatchString(body) {
			t.Errorf("%s sees a removal link", tc.who)
		}
		for _, p := range tc.paths {
			if status, body, _ := get(t, c, f.ts.URL+p); status != 404 || strings.Contains(body, "gib screws") {
				t.Errorf("%s: GET %s: %d, want 404", tc.who, p, status)
			}
			if status, _, _ := postForm(t, c, f.ts.URL+p, url.Values{"csrf": {token(c)}, "reason": {"spam"}}); status != 404 {
				t.Errorf("%s: POST %s: %d, want 404", tc.who, p, status)
			}
			stays(tc.who + " at " + p)
		}
	}
	// The other list's moderator cannot remove their list's post from
	// this list either: it is not in this list's archive.
	om := f.client(t)
	f.signIn(t, om, "om@example.net")
	if status, _, _ := get(t, om, f.ts.URL+"/l/cop@example.org/admin/remove/o1@example.net"); status != 404 {
		t.Errorf("another list's moderator, their post on this list's path: %d", status)
	}

	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")
	anonToken := token(f.client(t))
	for name, v := range map[string]url.Values{"no token": {}, "a forged token": {"csrf": {"forged"}}, "a visitor's token": {"csrf": {anonToken}}} {
		if status, _, _ := postForm(t, mod, f.ts.URL+page, v); status != 403 {
			t.Errorf("a moderator's form with %s: %d, want 403", name, status)
		}
		stays("a form with " + name)
	}
	// Another list's post of the same Message-ID would be that list's:
	// this list's moderator has no removal of other@'s post.
	if status, _, _ := get(t, mod, f.ts.URL+"/l/other@example.org/admin/remove/o1@example.net"); status != 404 {
		t.Errorf("a moderator on another list's removal page: %d", status)
	}

	owner := f.client(t)
	f.signIn(t, owner, "owner@example.net")
	status, _, _ := postForm(t, owner, f.ts.URL+page, url.Values{"csrf": {token(owner)}, "reason": {strings.Repeat("é", 100000)}})
	if status != 200 {
		t.Fatalf("the owner's removal: %d", status)
	}
	gone, err := f.svc.Store().ArchiveRemoved(ctx, "a1@example.net")
	must(t, err)
	if len(gone) != 1 || gone[0].By != "web (owner@example.net)" || len([]rune(gone[0].Reason)) != store.MaxRemovalReason {
		t.Errorf("the owner's tombstone: by %q, a reason of %d characters", gone[0].By, len([]rune(gone[0].Reason)))
	}
}
