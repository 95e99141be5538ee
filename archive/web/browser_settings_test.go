package web

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praxis/archive/web/browsertest"
	"praxis/listserv"
	"praxis/listserv/apppass"
	"praxis/listserv/store"
)

// browserSignIn signs the browser in as addr as a member does: the form,
// the mailed link (read from the spooled mail), its button.
func browserSignIn(t *testing.T, f *archiveFixture, b browser, addr string) {
	t.Helper()
	b.Open(f.ts.URL + "/signin")
	b.Do("typing the address", chromedp.SendKeys(chromedp.CSS(`input[name="address"]`), addr))
	b.Follow("asking for a link", chromedp.Click(chromedp.CSS(`main button[type="submit"]`)))
	link := regexp.MustCompile(`http://archive\.test(/signin/\S+)`).FindStringSubmatch(string(lastMailTo(t, f.svc.Store(), addr)))
	if link == nil {
		t.Fatal("no sign-in link mailed")
	}
	b.Open(f.ts.URL + link[1])
	if st := b.Follow("signing in", chromedp.Click(chromedp.CSS(`main button[type="submit"]`))); st != 200 {
		t.Fatalf("signing in: status %d", st)
	}
}

// A member, in a real browser, signs in, opens their settings from the
// header, changes delivery, makes an app password and revokes it, and
// leaves.
func TestBrowserSettings(t *testing.T) {
	f := newArchiveFixture(t)
	b := newBrowser(t)
	origin := f.ts.URL
	ctx := context.Background()
	shots := browsertest.ScreenshotDir(t)
	browserSignIn(t, f, b, "alice@example.net")

	b.Follow("opening the settings", chromedp.Click(chromedp.CSS(`header a[href="/settings"]`)))
	if u := b.Location(); u != origin+"/settings" {
		t.Fatalf("the settings link led to %s", u)
	}
	if h := b.text("h1"); h != "Your settings" {
		t.Errorf("settings h1 = %q", h)
	}
	b.Screenshot(shots, "settings")
	b.Phone()
	b.noSideScroll("settings at 360 px")
	b.Desktop()
	b.Check("settings", origin)

	b.Do("choosing the digest", chromedp.Click(chromedp.CSS(`input[name="delivery"][value="digest"]`)))
	b.Do("typing expertise", chromedp.SendKeys(chromedp.CSS(`input[name="expertise"]`), "lathes"))
	b.Follow("saving", chromedp.Click(chromedp.CSS(`form input[value="save"] ~ p button[type="submit"]`)))
	if st := b.text(`p[role="status"]`); !strings.Contains(st, "saved") {
		t.Errorf("after saving, the status says %q", st)
	}
	m := member(t, f.svc, "cop@example.org", "alice@example.net")
	if m.Delivery != store.DeliverDigest || m.Expertise != "lathes" {
		t.Errorf("after saving: delivery %s, expertise %q", m.Delivery, m.Expertise)
	}
	if checked := browsertest.Eval[string](b.Browser, `document.querySelector('input[name="delivery"]:checked').value`); checked != "digest" {
		t.Errorf("the page shows delivery %q after saving", checked)
	}

	b.Follow("making an app password", chromedp.Click(chromedp.CSS(`button[value="app-password"]`)))
	pw := b.text(".password code")
	hashes, err := f.svc.Store().AppPasswordHashes(ctx, "alice@example.net")
	must(t, err)
	if pw == "" || len(hashes) != 1 || !apppass.Check(pw, hashes[0]) {
		t.Fatalf("the password shown (%q) is not the one stored (%d hashes)", pw, len(hashes))
	}
	b.Follow("revoking", chromedp.Click(chromedp.CSS(`button[value="revoke"]`)))
	if hashes, _ := f.svc.Store().AppPasswordHashes(ctx, "alice@example.net"); len(hashes) != 0 {
		t.Errorf("%d app passwords after revoking", len(hashes))
	}
	if strings.Contains(b.text("main"), pw) {
		t.Error("the password is shown again")
	}

	b.Follow("leaving", chromedp.Click(chromedp.CSS(`button[value="leave"]`)))
	if _, _, err := f.svc.Member(ctx, "cop@example.org", "alice@example.net"); err == nil {
		t.Error("still a member after leaving")
	}
	if st := b.text(`p[role="status"]`); !strings.Contains(st, "left") {
		t.Errorf("after leaving, the status says %q", st)
	}
}

// The page a summary's "Change or stop these summaries" link opens, in a
// real browser: the delivery choices come first, choosing one keeps the
// member, and the Unsubscribe button leaves in one step.
func TestBrowserStopSummaries(t *testing.T) {
	f := newArchiveFixture(t)
	b := newBrowser(t)
	origin := f.ts.URL
	ctx := context.Background()
	path := listserv.UnsubscribePath("cop@example.org", f.svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	if st := b.Open(origin + path); st != 200 {
		t.Fatalf("the link's page: %d", st)
	}
	labels := browsertest.Eval[[]string](b.Browser, `[...document.querySelectorAll("main button")].map(b => b.textContent.trim())`)
	want := []string{"Every post, as it arrives", "A daily digest of the posts", "The weekly learning summary", "No mail for now (stay a member)", "Unsubscribe"}
	if strings.Join(labels, "|") != strings.Join(want, "|") {
		t.Errorf("buttons %q, want %q", labels, want)
	}
	b.Screenshot(browsertest.ScreenshotDir(t), "stop-summaries")
	b.Check("stop these summaries", origin)

	b.Follow("choosing the summary", chromedp.Click(chromedp.CSS(`button[value="summary"]`)))
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); m.Delivery != store.DeliverSummary {
		t.Errorf("after choosing the summary: %s", m.Delivery)
	}
	if st := b.text(`p[role="status"]`); !strings.Contains(st, "weekly learning summary") {
		t.Errorf("the page says %q", st)
	}
	b.Follow("choosing no mail", chromedp.Click(chromedp.CSS(`button[value="nomail"]`)))
	if m := member(t, f.svc, "cop@example.org", "alice@example.net"); m.Delivery != store.DeliverNomail {
		t.Errorf("after choosing no mail: %s", m.Delivery)
	}
	b.Follow("unsubscribing", chromedp.Click(chromedp.CSS(`input[value="One-Click"] ~ button`)))
	if _, _, err := f.svc.Member(ctx, "cop@example.org", "alice@example.net"); err == nil {
		t.Error("still a member after Unsubscribe")
	}
	if st := b.text(`p[role="status"]`); !strings.Contains(st, "no longer receives") {
		t.Errorf("after unsubscribing the page says %q", st)
	}
}
