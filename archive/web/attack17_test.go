package web

import (
	"context"
	"net/http"
	"net/url"
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

// TestAnswersHostileParams: the library's page and JSON answer bad
// parameters (a negative or huge page, a year that is no number, NUL
// bytes, invalid UTF-8, a query of thousands of words or brackets, HTML)
// with a page or a 400 that says why, never a failure or markup echoed.
func TestAnswersHostileParams(t *testing.T) {
	f := newArchiveFixture(t)
	c := f.client(t)
	for _, path := range []string{"/l/cop@example.org/answers", "/api/l/cop@example.org/answers"} {
		for _, qs := range []string{
			"page=-1", "page=99999999999999999999", "page=9223372036854775807", "year=abc", "year=-5", "sort=%00",
			"q=%00", "q=%FF%FE", "q=" + url.QueryEscape(strings.Repeat("a ", 5000)), "q=" + url.QueryEscape(strings.Repeat("a* ", 300)),
			"q=" + url.QueryEscape(strings.Repeat("(", 2000)), "q=" + url.QueryEscape("/.*.*.*.*.*x/"), "q=" + url.QueryEscape("d:1900..3000"),
			"term=%00", "term=%FF", "term=%25", "q=f:*", "q=" + url.QueryEscape("<script>alert(1)</script>"),
			"term=" + url.QueryEscape("<script>alert(1)</script>"),
		} {
			status, body, _ := get(t, c, f.ts.URL+path+"?"+qs)
			if status != http.StatusOK && status != http.StatusBadRequest || strings.Contains(body, "<script>alert") {
				t.Errorf("%s?%.60s: %d %.300s", path, qs, status, body)
			}
		}
	}
}
