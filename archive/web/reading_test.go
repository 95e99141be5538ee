package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praxis/archive"
)

// A long archive reads well: titles without the list's tag, "(no
// subject)" where there is none, who started each thread, a topic
// renamed midway shown on its post, a reply link, an activity chart with
// its axes labelled.
func TestReadingPages(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range [][]byte{
		post("tag1@example.net", "Ann <ann@example.net>", "[Makers] Remote resetting of the mill", "Tue, 2 Mar 2021 10:00:00 +0000", "How do I reset it?\n"),
		post("tag2@example.net", "Bob <bob@example.net>", "Re: [Makers] Configure the spindle speed", "Tue, 2 Mar 2021 11:00:00 +0000",
			"New question, same thread.\n\n\n\n\nAfter four empty lines.\n", "In-Reply-To: <tag1@example.net>"),
		post("empty1@example.net", "Carl <carl@example.net>", "", "Tue, 2 Mar 2021 12:00:00 +0000", "No subject here.\n"),
	} {
		if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)

	_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/")
	for _, want := range []string{
		`>Remote resetting of the mill</a>`, "started by Ann ·", "started by Alice ·",
		// Busiest threads and the list: an empty subject is a link with a text.
		`empty1@example.net">(no subject)</a>`,
		// The chart's axes: months below, posts a week on the left.
		`<text x=`, `>Jan 2021</text>`, `>Mar</text>`, `<text class="y"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the list page lacks %q", want)
		}
	}
	if strings.Contains(body, "[Makers]") {
		t.Error("the list page shows the list's tag in a title")
	}
	if regexp.MustCompile(`<a href="[^"]*"></a>`).MatchString(body) {
		t.Error("the list page has a link without a text")
	}

	_, body, _ = get(t, c, f.ts.URL+"/l/cop@example.org/t/"+url.PathEscape("tag1@example.net"))
	if !strings.Contains(body, "<h1>Remote resetting of the mill</h1>") || !strings.Contains(body, "<title>Remote resetting of the mill · Praxis</title>") {
		t.Error("the thread's title keeps the list's tag")
	}
	if n := strings.Count(body, `class="subject"`); n != 1 || !strings.Contains(body, "Subject: Configure the spindle speed") {
		t.Errorf("the renamed topic is shown %d times, want once on its post", n)
	}
	if !strings.Contains(body, "New question, same thread.\n\nAfter four empty lines.") {
		t.Error("the run of empty lines is not made one")
	}
	if !strings.Contains(body, `href="mailto:cop@example.org?subject=Re%3A%20Configure%20the%20spindle%20speed&amp;In-Reply-To=%3Ctag2%40example.net%3E`) {
		t.Errorf("no reply link to the renamed post")
	}
}

// The archive by month: the year's months, a month's threads in the
// order they were started with the months around it, the index of every
// year; and on a thread, the threads started before and after it.
func TestBrowseByMonth(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range [][]byte{
		post("apr1@example.net", "Ann <ann@example.net>", "April thread", "Fri, 2 Apr 2021 10:00:00 +0000", "April.\n"),
		post("jan1@example.net", "Ann <ann@example.net>", "Next year", "Mon, 3 Jan 2022 10:00:00 +0000", "January.\n"),
	} {
		if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t)
	_, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/")
	if !strings.Contains(body, `href="/l/cop@example.org/2022/">By month</a>`) {
		t.Error("the list page does not link to the archive by month")
	}
	status, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/2021/")
	for _, want := range []string{"<h1>2021</h1>", `href="/l/cop@example.org/2021/03/">March</a> <small>2 threads</small>`,
		`href="/l/cop@example.org/2021/04/">April</a> <small>1 thread</small>`, `href="/l/cop@example.org/2022/">2022</a>`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("the year's page (%d) lacks %q", status, want)
		}
	}
	status, body, _ = get(t, c, f.ts.URL+"/l/cop@example.org/2021/03/")
	lathe, shiny := strings.Index(body, "How to calibrate the lathe?"), strings.Index(body, "shiny")
	if status != 200 || lathe < 0 || shiny < lathe || strings.Contains(body, "April thread") {
		t.Errorf("March 2021 (%d): its threads in the order started, and none of April's", status)
	}
	if !strings.Contains(body, `rel="next" href="/l/cop@example.org/2021/04/"`) || strings.Contains(body, `rel="prev"`) {
		t.Error("March 2021 does not lead on to April alone")
	}
	for _, p := range []string{"/l/cop@example.org/2021/13/", "/l/cop@example.org/21/03/", "/l/cop@example.org/abcd/", "/l/inner@example.org/2021/03/"} {
		if status, _, _ := get(t, c, f.ts.URL+p); status != 404 {
			t.Errorf("%s: %d, want 404", p, status)
		}
	}
	_, body, _ = get(t, c, f.ts.URL+"/l/cop@example.org/t/"+url.PathEscape("evil/1@example.com"))
	if !strings.Contains(body, "Previous thread: How to calibrate the lathe?") || !strings.Contains(body, "Next thread: April thread") {
		t.Error("a thread does not link to the threads started before and after it")
	}
}

// Resources: a link shared in several posts is one entry with its posts
// counted; one author's signature link is not a resource.
func TestResourcesOnce(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for i, from := range []string{"Ann <ann@example.net>", "Bob <bob@example.net>", "Ann <ann@example.net>", "Ann <ann@example.net>"} {
		body := "See https://example.com/lathe-manual.pdf again.\n\nAnn\nhttps://ann.example/shop\n"
		if i == 1 {
			body = "Also https://example.com/lathe-manual.pdf.\n"
		}
		raw := post(fmt.Sprintf("res%d@example.net", i), from, "Manual", fmt.Sprintf("Wed, %d Mar 2021 10:00:00 +0000", 10+i), body)
		if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, body, _ := get(t, f.client(t), f.ts.URL+"/l/cop@example.org/resources")
	if n := strings.Count(body, `>https://example.com/lathe-manual.pdf</a>`); n != 1 || !strings.Contains(body, "shared in 5 posts, latest by Ann") {
		t.Errorf("the manual is listed %d times, or without its 5 posts counted", n)
	}
	if strings.Contains(body, "ann.example/shop") {
		t.Error("a signature's link is listed")
	}
}

// The resources page lists what members shared, not what a program
// printed in a pasted log, a signature's contact line or an employer's
// disclaimer (archive.Links, the summaries' reading too).
func TestResourcesLeaveOutWhatNobodyShared(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	body := "The install stops here:\n\nGet:1 http://archive.ubuntu.example/ubuntu focal InRelease [265 kB]\nE: Unable to locate package uhd-host\n\n" +
		"I followed https://files.example.com/manual/page_install.html\n\n--\nCarla\nWeb: https://carla.example/lab\n\n" +
		"DISCLAIMER: This e-mail is confidential. See https://corp.example/legal/privacy for our policy.\n"
	raw := post("log@example.net", "Carla <carla@example.net>", "apt fails", "Wed, 10 Mar 2021 10:00:00 +0000", body)
	if err := f.svc.Archiver().Archive(ctx, l, raw, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, page, _ := get(t, f.client(t), f.ts.URL+"/l/cop@example.org/resources")
	if !strings.Contains(page, "https://files.example.com/manual/page_install.html") {
		t.Error("the manual the post shared is not listed")
	}
	for _, u := range []string{"archive.ubuntu.example", "carla.example/lab", "corp.example/legal"} {
		if strings.Contains(page, u) {
			t.Errorf("%s is listed: nobody shared it", u)
		}
	}
}
