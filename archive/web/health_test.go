package web

import (
	"strings"
	"testing"
)

// TestHealthPage: the review is the owners' and moderators' page: they
// see the month's figures, the charts and the table; a member, another
// list's member and a visitor get a 404, as for the other admin pages.
func TestHealthPage(t *testing.T) {
	f := newArchiveFixture(t)
	page := f.ts.URL + "/l/cop@example.org/health"
	for _, who := range []string{"", "alice@example.net", "carol@example.net"} {
		c := f.client(t)
		if who != "" {
			f.signIn(t, c, who)
		}
		if status, body, _ := get(t, c, page); status != 404 || strings.Contains(body, "How Makers is doing") {
			t.Errorf("%q: %d", who, status)
		}
	}
	mod := f.client(t)
	f.signIn(t, mod, "mod@example.net")
	status, body, hdr := get(t, mod, page)
	if status != 200 || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("the moderator: %d, Cache-Control %q", status, hdr.Get("Cache-Control"))
	}
	main := fragment(t, body, "<main", "</main>")
	for _, want := range []string{"How Makers is doing", "March 2021", "Questions answered", "<svg", "Newcomers who came back", "<table class=\"health\">"} {
		if !strings.Contains(main, want) {
			t.Errorf("the review lacks %q:\n%s", want, main)
		}
	}
	// The fixture's question was answered (by Mod, two hours later).
	if !strings.Contains(main, "100% (1 of 1)") || !strings.Contains(main, "2.0 h") {
		t.Errorf("the review's March figures:\n%s", main)
	}
}
