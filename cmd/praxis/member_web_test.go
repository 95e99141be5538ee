package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"
	"time"

	"praxis/listserv"
)

// TestSettingsLinkAndHeldNoticesOverSMTP, over real SMTP and HTTP: an
// unsigned `set delivery` is answered with a settings link that makes the
// change once on the web; a non-member's held posts bring the moderator a
// notice that links to the post's page, and the author one notice that
// they wait, however many they send.
func TestSettingsLinkAndHeldNoticesOverSMTP(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "mod@example.org", Role: "moderator", Delivery: "nomail"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "alice@example.net"}))

	// No DKIM here: the command is not carried out, and the answer links
	// to the page.
	f.send("alice@example.net", "cop-request@example.org", post("alice@example.net", "cop-request@example.org", "set delivery digest", ""))
	res := f.mailTo("alice@example.net", "results of your email commands")
	link := regexp.MustCompile(`https?://\S+(/settings/once/\S+)`).FindSubmatch(res.data)
	if link == nil {
		t.Fatalf("no settings link in the results:\n%s", res.data)
	}
	if m := f.member("alice@example.net"); m.Delivery != "each" {
		t.Fatalf("an unsigned command set delivery %s", m.Delivery)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	page := "http://" + f.http + string(link[1])
	use := func() int {
		t.Helper()
		resp, err := c.Get(page)
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
		if tok == nil {
			return resp.StatusCode
		}
		resp, err = c.PostForm(page, url.Values{"csrf": {string(tok[1])}, "delivery": {"digest"}})
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := use(); st != 200 {
		t.Fatalf("using the settings link: %d", st)
	}
	if m := f.member("alice@example.net"); m.Delivery != "digest" {
		t.Errorf("after the settings link: delivery %s, want digest", m.Delivery)
	}
	if st := use(); st != http.StatusGone {
		t.Errorf("the link used again: %d, want 410", st)
	}

	for _, subject := range []string{"first question", "second question"} {
		f.send("eve@example.net", "cop@example.org", post("Eve <eve@example.net>", "cop@example.org", subject, "Hello?"))
		notice := f.mailTo("mod@example.org", "needs approval(?s:.*)"+subject)
		if !regexp.MustCompile(`https?://\S+/l/cop@example\.org/admin/held/\d+`).Match(notice.data) {
			t.Errorf("the moderator's notice has no link to the post:\n%s", notice.data)
		}
	}
	f.mailTo("eve@example.net", "waits for a moderator")
	waits := 0
	for _, c := range f.rec.snapshot() {
		if c.to == "eve@example.net" && bytes.Contains(c.data, []byte("waits for a moderator")) {
			waits++
		}
	}
	if waits != 1 {
		t.Errorf("eve was told %d times that her posts wait, want once", waits)
	}
}
