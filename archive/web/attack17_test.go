package web

import (
	"context"
	"strings"
	"testing"

	"praxis/listserv"
)

// TestPeopleNameIsAnAddress: a listed member whose name is their address
// (a From field "ann@example.net" <ann@example.net> gives that name) is
// shown to a visitor without it, as the thread pages show such a name.
func TestPeopleNameIsAnAddress(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	_, m, err := f.svc.Member(ctx, "cop@example.org", "mod@example.net")
	must(t, err)
	m.Name, m.Expertise, m.Listed = "mod@example.net", "lathes, write to mod@example.net", true
	must(t, f.svc.SetMember(ctx, listserv.Actor{Who: "test", Via: "cli"}, m))

	c := f.client(t)
	_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/people")
	main := fragment(t, body, "<main", "</main>")
	if !strings.Contains(main, "lathes") {
		t.Fatalf("the listed member is missing:\n%s", main)
	}
	if strings.Contains(main, "mod@example.net") {
		t.Errorf("the directory shows a member's address (their name) to a visitor:\n%s", main)
	}
	f.signIn(t, c, "alice@example.net")
	if _, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/people"); !strings.Contains(body, "mod@example.net") {
		t.Error("a signed-in member does not see the listed member's address")
	}
}
