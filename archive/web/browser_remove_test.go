package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praxis/archive/web/browsertest"
)

// A moderator, in a real browser, removes a post: the "Remove from
// archive" link on the post in its thread, the page that shows it and
// asks for a reason, the button; the post is gone from the thread and
// its permalink says it was removed. A member signed in sees no such
// link.
func TestBrowserRemoveFromArchive(t *testing.T) {
	f := newArchiveFixture(t)
	origin := f.ts.URL
	ctx := context.Background()

	member := newBrowser(t)
	browserSignIn(t, f, member, "alice@example.net")
	member.Open(origin + "/l/cop@example.org/t/q1@example.net")
	if n := browsertest.Eval[int](member.Browser, `document.querySelectorAll("a.remove").length`); n != 0 {
		t.Errorf("a member sees %d removal links", n)
	}

	b := newBrowser(t)
	browserSignIn(t, f, b, "mod@example.net")
	b.Open(origin + "/l/cop@example.org/t/q1@example.net")
	if n := browsertest.Eval[int](b.Browser, `document.querySelectorAll("a.remove").length`); n != 2 {
		t.Fatalf("the moderator sees %d removal links on a thread of two posts", n)
	}
	if st := b.Follow("opening the removal", chromedp.Click(chromedp.CSS(`#m-`+itoa64(postID(t, f, "a1@example.net"))+` a.remove`))); st != 200 {
		t.Fatalf("the removal page: %d", st)
	}
	if h := b.text("h1"); h != "Remove from the archive" {
		t.Errorf("the removal page's h1 = %q", h)
	}
	if !strings.Contains(b.text("main"), "Tighten the gib screws") {
		t.Error("the removal page does not show the post")
	}
	b.Screenshot(browsertest.ScreenshotDir(t), "remove")
	b.Phone()
	b.noSideScroll("the removal page at 360 px")
	b.Desktop()
	b.Check("the removal page", origin)
	b.Do("typing a reason", chromedp.SendKeys(chromedp.CSS(`textarea[name="reason"]`), "posted a password"))
	if st := b.Follow("removing", chromedp.Click(chromedp.CSS(`form.remove button[type="submit"]`))); st != 200 {
		t.Fatalf("removing: %d", st)
	}
	if st := b.text(`p[role="status"]`); !strings.Contains(st, "was removed") {
		t.Errorf("after removing, the page says %q", st)
	}
	gone, err := f.svc.Store().ArchiveRemoved(ctx, "a1@example.net")
	must(t, err)
	if len(gone) != 1 || gone[0].By != "web (mod@example.net)" || gone[0].Reason != "posted a password" {
		t.Errorf("the tombstone: %+v", gone)
	}
	if st := b.Follow("opening its permalink", chromedp.Click(chromedp.CSS(`p[role="status"] a`))); st != 410 {
		t.Errorf("the removed post's permalink: %d, want 410", st)
	}
	b.Take() // the browser logs the 410 as an error, rightly
	b.Open(origin + "/l/cop@example.org/t/q1@example.net")
	if main := b.text("main"); strings.Contains(main, "gib screws") || !strings.Contains(main, "My lathe drifts") {
		t.Errorf("the thread after the removal, want the question without the removed reply:\n%s", main)
	}
	b.Check("after the removal", origin)
}

// postID is the archive id of a post of the fixture's cop list.
func postID(t *testing.T, f *archiveFixture, messageID string) int64 {
	t.Helper()
	ps, err := f.svc.Store().ArchiveFind(context.Background(), messageID)
	must(t, err)
	if len(ps) != 1 {
		t.Fatalf("%d posts of <%s>", len(ps), messageID)
	}
	return ps[0].ID
}
