package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/listserv"
	"praxis/listserv/apppass"
	"praxis/listserv/store"
)

// postForm posts v to path with c and returns the status and body.
func postForm(t *testing.T, c *http.Client, u string, v url.Values) (int, string, http.Header) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String(), resp.Header
}

func member(t *testing.T, svc *listserv.Service, list, addr string) *store.Member {
	t.Helper()
	_, m, err := svc.Member(context.Background(), list, addr)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A signed-in member changes their settings, makes and revokes an app
// password, and leaves, from /settings; every form needs its CSRF token.
func TestSettingsPage(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	anon := f.client(t)
	resp, err := anon.Get(f.ts.URL + "/settings")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("signed out: %d to %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
	}

	c := f.client(t)
	f.signIn(t, c, "alice@example.net")
	status, body, _ := get(t, c, f.ts.URL+"/settings")
	if status != 200 || !strings.Contains(body, "Makers") || strings.Contains(body, "Inner circle") {
		t.Fatalf("settings page: %d, want alice's one list:\n%s", status, body)
	}
	tok := csrfRe.FindStringSubmatch(body)[1]
	action := f.ts.URL + "/settings/cop@example.org"

	// Without the token, nothing changes.
	if status, _, _ := postForm(t, c, action, url.Values{"action": {"save"}, "delivery": {"digest"}}); status != http.StatusForbidden {
		t.Errorf("save without CSRF: %d, want 403", status)
	}
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); m.Delivery != store.DeliverEach {
		t.Fatalf("a form without CSRF changed delivery to %s", m.Delivery)
	}

	status, _, h := postForm(t, c, action, url.Values{"csrf": {tok}, "action": {"save"}, "delivery": {"summary"},
		"expertise": {"  lathes,   milling "}, "listing": {"on"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/settings?done=saved") {
		t.Fatalf("save: %d to %q", status, h.Get("Location"))
	}
	m := member(t, f.svc, "cop@example.org", "alice@example.net")
	if m.Delivery != store.DeliverSummary || m.Expertise != "lathes, milling" || !m.Listed || !m.SuggestionsOff {
		t.Errorf("after save: delivery %s, expertise %q, listed %v, suggestions off %v", m.Delivery, m.Expertise, m.Listed, m.SuggestionsOff)
	}
	if status, _, _ := postForm(t, c, action, url.Values{"csrf": {tok}, "action": {"save"}, "delivery": {"weekly"}}); status != http.StatusBadRequest {
		t.Errorf("an unknown delivery: %d, want 400", status)
	}
	// Another's list, or one alice is not on, is not hers to change.
	if status, _, _ := postForm(t, c, f.ts.URL+"/settings/other@example.org", url.Values{"csrf": {tok}, "action": {"leave"}}); status != http.StatusNotFound {
		t.Errorf("leaving a list one is not on: %d, want 404", status)
	}

	status, body, h = postForm(t, c, action, url.Values{"csrf": {tok}, "action": {"app-password"}})
	pw := regexp.MustCompile(`shown this once: <code>([^<]+)</code>`).FindStringSubmatch(body)
	if status != 200 || pw == nil || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("app password: %d, cache %q:\n%s", status, h.Get("Cache-Control"), body)
	}
	hashes, err := f.svc.Store().AppPasswordHashes(ctx, "alice@example.net")
	must(t, err)
	if len(hashes) != 1 || !apppass.Check(pw[1], hashes[0]) {
		t.Fatalf("the shown password is not the stored one (%d hashes)", len(hashes))
	}
	if _, again, _ := get(t, c, f.ts.URL+"/settings"); strings.Contains(again, pw[1]) {
		t.Error("the password is shown a second time")
	}
	status, _, h = postForm(t, c, action, url.Values{"csrf": {tok}, "action": {"revoke"}})
	if status != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=revoked") {
		t.Errorf("revoke: %d to %q", status, h.Get("Location"))
	}
	if hashes, err := f.svc.Store().AppPasswordHashes(ctx, "alice@example.net"); err != nil || len(hashes) != 0 {
		t.Errorf("after revoke: %d hashes (%v)", len(hashes), err)
	}

	status, _, _ = postForm(t, c, action, url.Values{"csrf": {tok}, "action": {"leave"}})
	if status != http.StatusSeeOther {
		t.Errorf("leave: %d", status)
	}
	if _, _, err := f.svc.Member(ctx, "cop@example.org", "alice@example.net"); err == nil {
		t.Error("still a member after leaving")
	}
}

var settingsLinkRe = regexp.MustCompile(`http://archive\.test(/settings/once/\S+)`)

// A `set` command by mail without a DKIM signature is answered with a
// link that signs the member in for that one change: its GET changes
// nothing, its POST changes that setting once, a replay is refused, and
// its token opens no other setting and expires.
func TestSettingsLinkFromMail(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	now := time.Now()
	f.srv.cfg.Now = func() time.Time { return now }
	r, err := f.svc.Inbound().Resolve(ctx, "cop-request@example.org")
	must(t, err)
	must(t, f.svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "alice@example.net"}, []listserv.Route{r},
		[]byte("From: Alice <alice@example.net>\r\nTo: cop-request@example.org\r\nSubject: set delivery digest\r\nMessage-ID: <cmd@example.net>\r\n\r\n")))
	must(t, f.svc.ProcessReceived(ctx))
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); m.Delivery != store.DeliverEach {
		t.Fatalf("an unsigned command changed delivery to %s", m.Delivery)
	}
	reply := string(lastMailTo(t, f.svc.Store(), "alice@example.net"))
	link := settingsLinkRe.FindStringSubmatch(reply)
	if link == nil || !strings.Contains(reply, "this one change") {
		t.Fatalf("no settings link in the reply:\n%s", reply)
	}

	c := f.client(t) // not signed in: the link is enough
	status, body, _ := get(t, c, f.ts.URL+link[1])
	if status != 200 || !strings.Contains(body, `name="delivery"`) || strings.Contains(body, `name="expertise"`) {
		t.Fatalf("link page: %d, want the delivery form alone:\n%s", status, body)
	}
	// The form starts at what the command asked for.
	if !strings.Contains(body, `value="digest" checked`) {
		t.Errorf("the link's page does not start at the digest the command asked for:\n%s", body)
	}
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); m.Delivery != store.DeliverEach {
		t.Fatalf("a GET changed delivery to %s", m.Delivery)
	}
	tok := csrfRe.FindStringSubmatch(body)[1]
	if status, _, _ := postForm(t, c, f.ts.URL+link[1], url.Values{"delivery": {"digest"}}); status != http.StatusForbidden {
		t.Errorf("without CSRF: %d, want 403", status)
	}
	// The form is for delivery: an expertise slipped in is not applied.
	status, _, _ = postForm(t, c, f.ts.URL+link[1], url.Values{"csrf": {tok}, "delivery": {"digest"}, "expertise": {"forged"}})
	m := member(t, f.svc, "cop@example.org", "alice@example.net")
	if status != 200 || m.Delivery != store.DeliverDigest || m.Expertise != "" {
		t.Fatalf("the link's change: %d, delivery %s, expertise %q", status, m.Delivery, m.Expertise)
	}
	// Replayed, by the same browser or another, it does nothing.
	other := f.client(t)
	_, body, _ = get(t, other, f.ts.URL+link[1])
	tok2 := csrfRe.FindStringSubmatch(body)[1]
	if status, _, _ := postForm(t, other, f.ts.URL+link[1], url.Values{"csrf": {tok2}, "delivery": {"nomail"}}); status != http.StatusGone {
		t.Errorf("replay: %d, want 410", status)
	}
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); m.Delivery != store.DeliverDigest {
		t.Errorf("a replay changed delivery to %s", m.Delivery)
	}
	// Altered, the token is refused; after its hour it has expired.
	if status, _, _ := get(t, c, f.ts.URL+strings.Replace(link[1], "once/", "once/A", 1)); status != http.StatusNotFound {
		t.Errorf("an altered link: %d, want 404", status)
	}
	now = now.Add(2 * time.Hour)
	if status, _, _ := get(t, c, f.ts.URL+link[1]); status != http.StatusNotFound {
		t.Errorf("an expired link: %d, want 404", status)
	}
}
