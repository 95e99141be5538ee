package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"praxis/listserv"
	"praxis/listserv/store"
	"praxis/templates"
)

func setup(t *testing.T) (*listserv.Service, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tpl := templates.MustParse()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://x", Hostname: "x.example"}, tpl, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "alice@example.net"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{}, depsOf(svc), tpl, log).Handler())
	t.Cleanup(srv.Close)
	return svc, srv
}

func isMember(svc *listserv.Service, addr string) bool {
	_, _, err := svc.Member(context.Background(), "cop@example.org", addr)
	return err == nil
}

func TestOneClickPost(t *testing.T) {
	svc, srv := setup(t)
	u := srv.URL + listserv.UnsubscribePath("cop@example.org", svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	// RFC 8058 §3.2: the body is exactly this form field.
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "no longer receives") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if isMember(svc, "alice@example.net") {
		t.Error("still a member after one-click POST")
	}
	// A second POST is harmless.
	resp, _ = http.Post(u, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("second POST: %d", resp.StatusCode)
	}
}

func TestGetShowsConfirmAndChangesNothing(t *testing.T) {
	svc, srv := setup(t)
	path := listserv.UnsubscribePath("cop@example.org", svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `<form method="post"`) || !strings.Contains(string(body), "One-Click") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Error("security headers missing")
	}
	if !isMember(svc, "alice@example.net") {
		t.Fatal("a GET unsubscribed the member")
	}
	// The page's button posts the same form.
	resp, _ = http.PostForm(srv.URL+path, url.Values{"List-Unsubscribe": {"One-Click"}})
	resp.Body.Close()
	if isMember(svc, "alice@example.net") {
		t.Error("the confirm button did not unsubscribe")
	}
}

func TestForgedTokens(t *testing.T) {
	svc, srv := setup(t)
	good := svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net")
	for _, tok := range []string{"", "garbage", good + "x", strings.Replace(good, ".", ".A", 1), svc.OneClick().UnsubscribeToken("other@example.org", "alice@example.net")} {
		resp, err := http.Post(srv.URL+"/l/cop@example.org/unsubscribe/"+url.PathEscape(tok)+"x", "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Errorf("token %q accepted", tok)
		}
	}
	resp, _ := http.Post(srv.URL+listserv.UnsubscribePath("cop@example.org", good), "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=Yes"))
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("wrong body: %d, want 400", resp.StatusCode)
	}
	if !isMember(svc, "alice@example.net") {
		t.Error("member removed by a bad request")
	}
}

// The page a summary's "Change or stop these summaries" link opens offers
// the ways of receiving the list first, leaving as one of them; choosing
// one changes delivery and keeps the member. The one-click POST of RFC
// 8058 is untouched (TestOneClickPost).
func TestUnsubscribeOffersDeliveryChoices(t *testing.T) {
	svc, srv := setup(t)
	path := listserv.UnsubscribePath("cop@example.org", svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	for _, mode := range []string{"each", "digest", "summary", "nomail"} {
		if !strings.Contains(page, `name="delivery" value="`+mode+`"`) {
			t.Errorf("the page offers no %s", mode)
		}
	}
	if i, j := strings.Index(page, `name="delivery"`), strings.Index(page, "One-Click"); i < 0 || j < i {
		t.Errorf("leaving is not offered after the delivery choices")
	}
	tests := []struct {
		form       url.Values
		wantStatus int
		want       string
	}{
		{url.Values{"delivery": {"summary"}}, 200, store.DeliverSummary},
		{url.Values{"delivery": {"nomail"}}, 200, store.DeliverNomail},
		{url.Values{"delivery": {"hourly"}}, 400, store.DeliverNomail},
		{url.Values{"delivery": {"digest"}}, 200, store.DeliverDigest},
	}
	for _, tt := range tests {
		resp, err := http.PostForm(srv.URL+path, tt.form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		_, m, err := svc.Member(context.Background(), "cop@example.org", "alice@example.net")
		if resp.StatusCode != tt.wantStatus || err != nil || m.Delivery != tt.want {
			t.Errorf("%v: %d, delivery %v (%v); want %d, %s", tt.form, resp.StatusCode, m, err, tt.wantStatus, tt.want)
		}
	}
	// Another's token, or a forged one, changes nothing.
	forged := listserv.UnsubscribePath("cop@example.org", svc.OneClick().UnsubscribeToken("other@example.org", "alice@example.net"))
	resp, _ = http.PostForm(srv.URL+forged, url.Values{"delivery": {"each"}})
	resp.Body.Close()
	if _, m, _ := svc.Member(context.Background(), "cop@example.org", "alice@example.net"); resp.StatusCode != 404 || m.Delivery != store.DeliverDigest {
		t.Errorf("a forged token: %d, delivery %s", resp.StatusCode, m.Delivery)
	}
}
