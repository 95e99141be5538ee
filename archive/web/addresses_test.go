package web

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"praxis/archive"
	"praxis/listserv/store"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// anyAddress is what a harvester takes for an address; the archive's own
// Message-IDs look like one too and are told apart by the caller.
var anyAddress = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+`)

// The pages, feeds and API answers of a public list that hold authors,
// by path.
func addressPaths(thread string) []string {
	t := url.PathEscape(thread)
	return []string{
		"/l/cop@example.org/", "/l/cop@example.org/t/" + t, "/m/" + url.PathEscape("munged@example.net"),
		"/l/cop@example.org/search?q=lathe", "/l/cop@example.org/search?q=gib", "/l/cop@example.org/resources",
		"/l/cop@example.org/atom.xml", "/l/cop@example.org/t/" + t + ".atom", "/l/cop@example.org/search.atom?q=lathe",
		"/api/l/cop@example.org/t/" + t, "/api/m/" + url.PathEscape("munged@example.net"),
		"/api/l/cop@example.org/search?q=lathe&facets=1", "/api/l/cop@example.org/threads",
	}
}

// authorAddresses are the people's addresses in the fixture's cop posts.
var authorAddresses = []string{"alice@example.net", "mod@example.net", "mallory@example.com", "dave@example.org", "ann@example.org"}

// Signed out, no page, feed or API answer of a public list holds an
// address (a DMARC-munged author is shown by the name the list kept);
// signed in as a member, the addresses are there.
func TestAddressesHidden(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	raw := post("munged@example.net", `"Dave Example via Makers" <cop@example.org>`, "Re: How to calibrate the lathe?", "Mon, 1 Mar 2021 13:00:00 +0000",
		"On Mon, 1 Mar 2021, Alice <alice@example.net> wrote:\n> My lathe drifts.\n\nAsk ann@example.org about the gib.\n-- \nDave <dave@example.org>\n",
		`Reply-To: Dave Example <dave@example.org>`, "In-Reply-To: <q1@example.net>", "References: <q1@example.net>")
	if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
		t.Fatal(err)
	}
	// A client that names its user by the address: the munged name is
	// the address and " via Makers".
	raw = post("munged2@example.net", `"ann@example.org via Makers" <cop@example.org>`, "Re: How to calibrate the lathe?", "Mon, 1 Mar 2021 14:00:00 +0000",
		"The gib again.\n", "In-Reply-To: <q1@example.net>", "References: <q1@example.net>")
	if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	anon := f.client(t)
	for _, p := range addressPaths("q1@example.net") {
		status, body, _ := get(t, anon, f.ts.URL+p)
		if status != 200 {
			t.Errorf("%s: %d", p, status)
			continue
		}
		for _, a := range anyAddress.FindAllString(body, -1) {
			if slices.Contains(authorAddresses, strings.ToLower(a)) {
				t.Errorf("signed out, %s shows %s", p, a)
			}
		}
		if strings.Contains(body, "via Makers") {
			t.Errorf("signed out, %s shows the munged name", p)
		}
	}
	_, body, _ := get(t, anon, f.ts.URL+"/l/cop@example.org/search?q=gib")
	if !strings.Contains(body, "Dave Example") || !strings.Contains(body, "ann@…") {
		t.Errorf("signed out, search shows no author by name or no hidden address:\n%s", body)
	}

	member := f.client(t)
	f.signIn(t, member, "alice@example.net")
	_, body, _ = get(t, member, f.ts.URL+"/m/"+url.PathEscape("munged@example.net"))
	for _, want := range []string{"dave@example.org", "ann@example.org", "alice@example.net"} {
		if !strings.Contains(body, want) {
			t.Errorf("signed in as a member, the post does not show %s", want)
		}
	}
	_, body, _ = get(t, member, f.ts.URL+"/l/cop@example.org/search?q=gib")
	if !strings.Contains(body, "dave@example.org") {
		t.Errorf("signed in as a member, the search's authors do not show dave@example.org")
	}
	if strings.Contains(body, "via Makers") {
		t.Errorf("signed in as a member, the search shows the munged name")
	}
}

// The raw posts, attachments and mbox downloads keep the original
// bytes, as the about page says; once the owner keeps them for members
// (--raw-access members), visitors not signed in get a 403 and no links
// to them (an attachment is named, not linked), and members signed in
// still download them.
func TestRawAccessMembers(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	raws := []string{"/m/a1@example.net/raw", "/l/cop@example.org/t/q1@example.net.mbox",
		"/l/cop@example.org/search.mbox?q=lathe", "/l/cop@example.org/export.mbox.gz", f.attachmentURL(t)}
	anon := f.client(t)
	for _, p := range raws {
		if status, _, _ := get(t, anon, f.ts.URL+p); status != 200 {
			t.Errorf("by default, %s: %d, want 200", p, status)
		}
	}
	if _, body, _ := get(t, anon, f.ts.URL+"/l/cop@example.org/info"); !strings.Contains(body, "keep their original bytes, addresses included") {
		t.Errorf("the about page does not say raw posts keep their addresses")
	}

	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	l.RawAccess = store.RawMembers
	if err := f.svc.UpdateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	for _, p := range raws {
		if status, _, _ := get(t, anon, f.ts.URL+p); status != 403 {
			t.Errorf("members only, signed out, %s: %d, want 403", p, status)
		}
	}
	for _, p := range []string{"/l/cop@example.org/", "/l/cop@example.org/t/q1@example.net", "/m/a1@example.net", "/l/cop@example.org/search?q=lathe",
		"/m/" + url.PathEscape("evil/1@example.com")} {
		if _, body, _ := get(t, anon, f.ts.URL+p); strings.Contains(body, "/raw\"") || strings.Contains(body, "mbox") || attachmentLinkRe.MatchString(body) {
			t.Errorf("members only, signed out, %s links to a download", p)
		}
	}
	if _, body, _ := get(t, anon, f.ts.URL+"/m/"+url.PathEscape("evil/1@example.com")); !strings.Contains(body, "page.html") {
		t.Errorf("members only, signed out, the post does not name its attachment")
	}
	if _, body, _ := get(t, anon, f.ts.URL+"/l/cop@example.org/info"); !strings.Contains(body, "for members signed in only") {
		t.Errorf("the about page does not say raw posts are for members")
	}
	member := f.client(t)
	f.signIn(t, member, "alice@example.net")
	for _, p := range raws {
		if status, _, _ := get(t, member, f.ts.URL+p); status != 200 {
			t.Errorf("members only, a member signed in, %s: %d, want 200", p, status)
		}
	}
}

// attachmentLinkRe finds a link to an attachment's download.
var attachmentLinkRe = regexp.MustCompile(`href="/m/[^"]+/a/`)
