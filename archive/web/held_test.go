package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praxis/listserv"
	"praxis/listserv/spam"
	"praxis/listserv/store"
)

// A held post's notice links to its page, where a moderator reads the
// post, rendered as the archive renders posts (no script, no remote
// image), and decides; the decision is logged with who made it, as one
// by reply is.
func TestHeldPostFromNotice(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	var logged bytes.Buffer
	f.srv.log = slog.New(slog.NewTextHandler(&logged, nil))
	r, err := f.svc.Inbound().Resolve(ctx, "cop@example.org")
	must(t, err)
	must(t, f.svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "s@example.com"}, []listserv.Route{r},
		[]byte("From: Stranger <s@example.com>\r\nTo: cop@example.org\r\nSubject: Let me in\r\nMessage-ID: <h1@example.com>\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>makers</b><script>alert(1)</script><img src=\"https://tracker.example/x.gif\"></p>\r\n")))
	must(t, f.svc.ProcessReceived(ctx))
	notice := string(lastMailTo(t, f.svc.Store(), "mod@example.net"))
	link := regexp.MustCompile(`http://archive\.test(/l/cop@example\.org/admin/held/(\d+))`).FindStringSubmatch(notice)
	if link == nil {
		t.Fatalf("no link to the held post in the notice:\n%s", notice)
	}

	anon := f.client(t)
	if status, body, _ := get(t, anon, f.ts.URL+link[1]); status != 404 || strings.Contains(body, "makers") {
		t.Errorf("signed out, the held post's page: %d", status)
	}
	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")
	status, body, _ := get(t, mod, f.ts.URL+link[1])
	if status != 200 || !strings.Contains(body, "<b>makers</b>") || !strings.Contains(body, "Let me in") {
		t.Fatalf("the held post's page: %d\n%s", status, body)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "tracker.example") {
		t.Errorf("the held post is not rendered safely:\n%s", body)
	}
	if n := strings.Count(body, `class="post held"`); n != 1 {
		t.Errorf("%d posts on one post's page", n)
	}
	tok := csrfRe.FindStringSubmatch(body)[1]
	status, _, _ = postForm(t, mod, f.ts.URL+"/l/cop@example.org/admin/held/"+link[2], url.Values{"csrf": {tok}, "action": {"approve"}})
	if status != 303 {
		t.Fatalf("approve: %d", status)
	}
	if !regexp.MustCompile(`msg="held post decided on the web" list=cop@example.org spool_id=` + link[2] + ` decision=approve by=mod@example.net`).Match(logged.Bytes()) {
		t.Errorf("the approval is not logged with who approved:\n%s", logged.String())
	}
	if _, held, err := f.svc.Moderation().Held(ctx, "cop@example.org"); err != nil || len(held) != 0 {
		t.Errorf("%d posts still held (%v)", len(held), err)
	}
	// Decided, its page says so.
	if status, _, _ := get(t, mod, f.ts.URL+link[1]); status != 404 {
		t.Errorf("a decided post's page: %d, want 404", status)
	}
	// The author, a non-member, was told once that the post waited.
	if n, err := f.svc.Store().CountMessages(ctx, store.KindNotice, "s@example.com"); err != nil || n != 1 {
		t.Errorf("the author was told %d times (%v), want 1", n, err)
	}
}

// screenAll answers every post with its findings: the spam checks, as
// serve's --spamd would have found the GTUBE.
type screenAll struct{ found *store.Spam }

func (s screenAll) Check(context.Context, spam.Input) *store.Spam { return s.found }

// A post held as spam shows the content filter's score on the held page.
func TestHeldSpamScore(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	f.svc.Screen(screenAll{&store.Spam{Filter: "spamd", Scored: true, Score: 1003.5, Required: 5, Over: true, Rules: []string{"GTUBE"}}})
	r, err := f.svc.Inbound().Resolve(ctx, "cop@example.org")
	must(t, err)
	must(t, f.svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "s@example.com"}, []listserv.Route{r},
		[]byte("From: s@example.com\r\nTo: cop@example.org\r\nSubject: Offer\r\nMessage-ID: <spam1@example.com>\r\n\r\nbuy\r\n")))
	must(t, f.svc.ProcessReceived(ctx))
	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")
	status, body, _ := get(t, mod, f.ts.URL+"/l/cop@example.org/admin/held")
	if status != 200 || !strings.Contains(body, "Spam score: <strong>1003.5</strong> (spamd, whose own threshold is 5.0)") || !strings.Contains(body, "spam: spamd scored 1003.5") {
		t.Errorf("the held page: %d\n%s", status, body)
	}
}
