package web

import (
	"context"
	"strings"
	"testing"

	"praxis/listserv"
)

// TestPeopleDirectory: who knows what lists the members who opted in,
// with their declared expertise and the questions they answered (the
// answers library), finds who can help with a word, lists nobody who did
// not opt in, and shows addresses to signed-in members only.
func TestPeopleDirectory(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	f.addPosts(t, "cop@example.org", latheConfirmed())
	set := func(addr, name, expertise string, listed bool) {
		t.Helper()
		_, m, err := f.svc.Member(ctx, "cop@example.org", addr)
		must(t, err)
		m.Name, m.Expertise, m.Listed = name, expertise, listed
		must(t, f.svc.SetMember(ctx, listserv.Actor{Who: "test", Via: "cli"}, m))
	}
	set("mod@example.net", "Mod", "lathes, milling machines", true)
	set("alice@example.net", "Alice", "welding", false)

	c := f.client(t)
	page := f.ts.URL + "/l/cop@example.org/people"
	_, body, _ := get(t, c, page)
	main := fragment(t, body, "<main", "</main>")
	if !strings.Contains(main, "Mod") || !strings.Contains(main, "milling machines") || !strings.Contains(main, "Answered 1 question") ||
		!strings.Contains(main, "How to calibrate the lathe?") {
		t.Fatalf("the directory lacks Mod's entry:\n%s", main)
	}
	if strings.Contains(main, "Alice") || strings.Contains(main, "welding") {
		t.Error("the directory lists a member who did not opt in")
	}
	if strings.Contains(body, "mod@example.net") || strings.Contains(body, "alice@example.net") {
		t.Error("the directory shows an address to a visitor")
	}
	for q, want := range map[string]bool{"lathe": true, "milling": true, "welding": false, "gearbox": false} {
		_, body, _ := get(t, c, page+"?q="+q)
		if got := strings.Contains(fragment(t, body, "<main", "</main>"), "<h2>Mod"); got != want {
			t.Errorf("who can help with %q: Mod %v, want %v", q, got, want)
		}
	}
	f.signIn(t, c, "alice@example.net")
	if _, body, _ := get(t, c, page); !strings.Contains(body, "mod@example.net") {
		t.Error("a signed-in member does not see the listed member's address")
	}
}
