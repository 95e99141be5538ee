package web

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"praxis/archive"
	"praxis/listserv"
)

// TestThreadAnsweredBefore: a question's page shows the list's earlier
// answered threads that asked the same ("Answered before"), found when
// first shown for an archive imported without them and kept; never a
// private list's thread on a public list's page; nothing on a page whose
// first post has no earlier question like it.
func TestThreadAnsweredBefore(t *testing.T) {
	f := newArchiveFixture(t)
	ctx := context.Background()
	arch := func(list string, raw []byte) {
		l, err := f.svc.List(ctx, list)
		must(t, err)
		must(t, f.svc.Archiver().Archive(ctx, l, raw, ""))
	}
	// The private list answered the same question, better worded.
	arch("inner@example.org", post("s1@example.net", "Bob <bob@example.net>", "How to calibrate the lathe when it drifts?", "Thu, 4 Mar 2021 10:00:00 +0000",
		"My lathe drifts after an hour of work. How do I calibrate the lathe so the carriage stops drifting?\n"))
	arch("inner@example.org", post("s2@example.net", "Dave <dave@example.net>", "Re: How to calibrate the lathe when it drifts?", "Thu, 4 Mar 2021 11:00:00 +0000",
		"Tighten the gib screws and calibrate the lathe cold.\n", "In-Reply-To: <s1@example.net>", "References: <s1@example.net>"))
	arch("cop@example.org", post("q9@example.net", "Carol <carol@example.net>", "Lathe drifts: how to calibrate the lathe?", "Mon, 5 Apr 2021 10:00:00 +0000",
		"My lathe drifts again after calibration. How do I calibrate the lathe so it stops drifting? Which screws?\n"))
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	c := f.client(t)
	page := f.ts.URL + "/l/cop@example.org/t/" + url.PathEscape("q9@example.net")
	for range 2 { // found, then kept
		_, body, _ := get(t, c, page)
		if !strings.Contains(body, "Answered before") || !strings.Contains(body, "/l/cop@example.org/t/q1@example.net") {
			t.Fatalf("the question's page lacks its answered thread:\n%s", fragment(t, body, "<main", "</main>"))
		}
		if strings.Contains(body, "s1@example.net") || strings.Contains(body, "inner@example.org") {
			t.Error("a public page shows the private list's thread")
		}
	}
	// The JSON API says the same.
	_, body, _ := get(t, c, f.ts.URL+"/api/l/cop@example.org/t/"+url.PathEscape("q9@example.net"))
	if !strings.Contains(body, `"answered_before":[{"thread_id":"q1@example.net"`) || strings.Contains(body, "s1@example.net") {
		t.Errorf("the thread's JSON: %s", body)
	}
	kept, err := f.svc.Store().Related(ctx, mustList(t, f, "cop@example.org").ID, []string{"q9@example.net"})
	must(t, err)
	if len(kept["q9@example.net"]) != 1 {
		t.Errorf("kept: %+v", kept)
	}
	// The first question has nothing before it.
	if _, body, _ := get(t, c, f.ts.URL+"/l/cop@example.org/t/"+url.PathEscape("q1@example.net")); strings.Contains(body, "Answered before") {
		t.Error("the first question's page shows related threads")
	}
	// A member of the private list sees its own answered thread there,
	// not the public one's.
	f.signIn(t, c, "bob@example.net")
	arch("inner@example.org", post("s9@example.net", "Bob <bob@example.net>", "Lathe drifts: how to calibrate the lathe?", "Mon, 5 Apr 2021 10:00:00 +0000",
		"My lathe drifts again after calibration. How do I calibrate the lathe so it stops drifting? Which screws?\n"))
	if _, err := archive.NewIndexer(f.svc.Store(), f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	_, body, _ = get(t, c, f.ts.URL+"/l/inner@example.org/t/"+url.PathEscape("s9@example.net"))
	if !strings.Contains(body, "/l/inner@example.org/t/s1@example.net") || strings.Contains(body, "/l/cop@example.org/t/") {
		t.Errorf("the private question's page:\n%s", fragment(t, body, "<main", "</main>"))
	}
}

func mustList(t *testing.T, f *archiveFixture, addr string) *listserv.List {
	t.Helper()
	l, err := f.svc.List(context.Background(), addr)
	must(t, err)
	return l
}
