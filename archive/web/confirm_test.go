package web

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestConfirmPage(t *testing.T) {
	svc, srv := setup(t)
	ctx := context.Background()
	l, err := svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Subscriptions().Subscribe(ctx, l, "newbie@example.com", "New"); err != nil {
		t.Fatal(err)
	}
	raw := lastMailTo(t, svc.Store(), "newbie@example.com")
	m := regexp.MustCompile(`/l/cop@example.org/confirm/[0-9a-f]{40}`).Find(raw)
	if m == nil {
		t.Fatalf("no confirmation link in:\n%s", raw)
	}
	link := srv.URL + string(m)

	// A GET (a mail scanner following links) changes nothing.
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Subscribe newbie@example.com") || !strings.Contains(string(body), `method="post"`) {
		t.Fatalf("GET: %d\n%s", resp.StatusCode, body)
	}
	if isMember(svc, "newbie@example.com") {
		t.Fatal("a GET subscribed")
	}
	resp, err = http.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !isMember(svc, "newbie@example.com") {
		t.Fatalf("POST: %d\n%s", resp.StatusCode, body)
	}
	// The link is used up.
	resp, _ = http.Get(link)
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("a used link answers %d", resp.StatusCode)
	}
	// Tokens of one list do not work on another's path.
	resp, _ = http.Get(srv.URL + "/l/other@example.org/confirm/" + strings.Repeat("a", 40))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown token answers %d", resp.StatusCode)
	}
}
