package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/archive/mbox"
	"praxis/listserv"
	"praxis/listserv/digest/schedule"
	"praxis/listserv/store"
)

// recentMbox writes n posts in threads of four, dated over the last two
// weeks, so that the current digest and summary periods hold some.
func recentMbox(t *testing.T, n int) string {
	t.Helper()
	var buf bytes.Buffer
	w := mbox.NewWriter(&buf)
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		date := now.Add(-time.Duration(n-i) * 14 * 24 * time.Hour / time.Duration(n+1))
		refs := ""
		if i%4 != 0 {
			refs = fmt.Sprintf("In-Reply-To: <p%d@example.net>\r\nReferences: <p%d@example.net>\r\n", i-i%4, i-i%4)
		}
		subject := fmt.Sprintf("How do I tune the lathe, part %d?", i/4)
		if i%4 != 0 {
			subject = "Re: " + subject
		}
		raw := fmt.Sprintf("From: Maker %d <maker%d@example.net>\r\nSubject: %s\r\nMessage-ID: <p%d@example.net>\r\n%sDate: %s\r\n\r\nPost %d. Does the gib screw matter? See https://example.com/tip%d for more.\r\n",
			i%7, i%7, subject, i, refs, date.Format(time.RFC1123Z), i, i)
		if err := w.Write(fmt.Sprintf("maker%d@example.net", i%7), date, []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	path := filepath.Join(t.TempDir(), "recent.mbox")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Killed in the middle of sending the learning summaries, then run again:
// every reader gets exactly one summary and every digest reader exactly
// one digest, counted at the SMTP sink.
func TestDigestRunExactlyOnce(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers")
	praxis(t, data, "import", "mbox", "cop@example.org", recentMbox(t, 120))

	const summaries, digests = 600, 40
	ctx := context.Background()
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	l, err := st.ListByAddress(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	var ms []*store.Member
	for i := 0; i < summaries+digests; i++ {
		m := &store.Member{ListID: l.ID, Address: fmt.Sprintf("reader%04d@example.com", i), Role: listserv.RoleMember, Delivery: listserv.DeliverSummary}
		if i >= summaries {
			m.Delivery = listserv.DeliverDigest
		}
		ms = append(ms, m)
	}
	if err := st.AddMembers(ctx, ms); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// A digest holds what arrived before the second it is made in.
	time.Sleep(1100 * time.Millisecond)
	// The first run, killed once some summaries are queued.
	cmd := exec.Command(binary, "--data", data, "digest", "send", "--force")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killedAt := -1
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if n := countSends(t, data); n >= 50 {
			cmd.Process.Kill()
			killedAt = n
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Wait()
	t.Logf("first run killed with %d of %d readers queued (%s)", killedAt, summaries+digests, strings.TrimSpace(out.String()))
	if killedAt < 0 {
		t.Fatalf("the run queued nothing in a minute: %s", out.String())
	}
	// The second run finishes the first and repeats nobody.
	second := praxis(t, data, "digest", "send", "--force")
	t.Logf("second run: %s", strings.TrimSpace(second))

	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	copies := rec.waitFor(t, "a summary or digest per reader", func(cs []delivered) bool { return len(cs) >= summaries+digests })
	time.Sleep(500 * time.Millisecond) // anything more would be a duplicate
	copies = rec.snapshot()
	srv.stop(t)
	got := map[string]int{}
	for _, c := range copies {
		subject := hdr(t, c.data, "Subject")
		switch {
		case strings.HasPrefix(c.to, "reader") && strings.Contains(subject, "Digest, Vol"):
			got[c.to+" digest"]++
			if !strings.Contains(string(c.data), "List-Unsubscribe-Post: List-Unsubscribe=One-Click") ||
				!strings.Contains(string(c.data), "/l/cop@example.org/unsubscribe/") {
				t.Errorf("digest to %s without its one-click link", c.to)
			}
		case strings.HasPrefix(c.to, "reader"):
			got[c.to+" summary"]++
			if hdr(t, c.data, "Auto-Submitted") != "auto-generated" {
				t.Errorf("summary to %s: Auto-Submitted %q", c.to, hdr(t, c.data, "Auto-Submitted"))
			}
		}
	}
	for i := 0; i < summaries+digests; i++ {
		key := fmt.Sprintf("reader%04d@example.com summary", i)
		if i >= summaries {
			key = fmt.Sprintf("reader%04d@example.com digest", i)
		}
		if got[key] != 1 {
			t.Errorf("%s: %d copies, want exactly 1", key, got[key])
		}
	}
	if len(got) != summaries+digests {
		t.Errorf("%d kinds of mail to readers, want %d", len(got), summaries+digests)
	}
	// Nothing is due any more: a third run sends nothing.
	if third := praxis(t, data, "digest", "send"); !strings.Contains(third, "nothing due") {
		t.Errorf("third run: %s", third)
	}
}

// countSends counts the digest and summary copies recorded as sent. A
// store that cannot be read fails the test: read as 0, it would pass the
// checks that nothing was sent twice.
func countSends(t *testing.T, data string) int {
	t.Helper()
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.CountDigestSends(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// `digest preview` renders a past week of an imported archive, in each
// format, without sending anything.
func TestDigestPreview(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers")
	praxis(t, data, "import", "mbox", "cop@example.org", recentMbox(t, 40))
	end := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	text := praxis(t, data, "digest", "preview", "cop@example.org", "--end", end)
	if !strings.Contains(text, "IN NUMBERS") || !strings.Contains(text, "https://example.com/tip") {
		t.Errorf("text summary:\n%s", text)
	}
	html := praxis(t, data, "digest", "preview", "cop@example.org", "--end", end, "--format", "html")
	if !strings.Contains(html, "<table") || strings.Contains(html, "<script") {
		t.Errorf("html summary:\n%.500s", html)
	}
	eml := praxis(t, data, "digest", "preview", "cop@example.org", "--end", end, "--format", "eml")
	if !strings.Contains(eml, "multipart/alternative") || !strings.Contains(eml, "List-Unsubscribe: <http") {
		t.Errorf("eml summary:\n%.800s", eml)
	}
	rfc1153 := praxis(t, data, "digest", "preview", "cop@example.org", "--kind", "digest", "--period", "week", "--end", end)
	if !strings.Contains(rfc1153, "Today's Topics:") || !strings.Contains(rfc1153, "Digest, Vol 1, Issue 1") {
		t.Errorf("RFC 1153 digest:\n%.800s", rfc1153)
	}
	mime := praxis(t, data, "digest", "preview", "cop@example.org", "--kind", "digest", "--period", "week", "--end", end, "--format", "eml")
	if !strings.Contains(mime, "multipart/digest") {
		t.Errorf("MIME digest:\n%.800s", mime)
	}
	if _, errOut, err := praxisRun(data, "digest", "preview", "cop@example.org", "--kind", "digest", "--format", "html"); err == nil || !strings.Contains(errOut, "no HTML") {
		t.Errorf("digest as html: %v %s", err, errOut)
	}
	if n := countSends(t, data); n != 0 {
		t.Errorf("preview queued %d mails", n)
	}
}

// On schedule, with the clock moved on a day: the digest reader gets one
// digest of the posts, the summary reader one learning summary, the member
// who reads each post neither; asking again sends nothing more.
func TestDigestOnSchedule(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	// Start at ten past eleven at night: the scheduler first looks just
	// after the next midnight but one, and the list's first digest must
	// still hold the posts of the first evening.
	n := f.clock.now().UTC()
	evening := time.Date(n.Year(), n.Month(), n.Day(), 23, 10, 0, 0, time.UTC)
	if evening.Before(n) {
		evening = evening.AddDate(0, 0, 1)
	}
	f.clock.advance(evening.Sub(n))
	tomorrow := f.clock.now().UTC().AddDate(0, 0, 1)
	l := &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] ", TimeZone: "UTC", DigestHour: 0, SummaryWeekday: int(tomorrow.Weekday())}
	if err := f.svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*listserv.Member{
		{Address: "bob@example.com"},
		{Address: "dora@example.com", Delivery: listserv.DeliverDigest},
		{Address: "sam@example.com", Delivery: listserv.DeliverSummary, Expertise: "lathe"},
	} {
		if err := f.svc.AddMember(ctx, l.Address, m); err != nil {
			t.Fatal(err)
		}
	}
	f.send("bob@example.com", l.Address, post("Bob <bob@example.com>", l.Address, "How do I square the lathe bed?", "Does anyone know how to square the bed? It drifts."))
	f.send("bob@example.com", l.Address, post("Bob <bob@example.com>", l.Address, "Chuck key lost", "Where can I buy a chuck key? See https://example.com/chucks"))
	f.mailTo("bob@example.com", "Chuck key lost")
	f.eventually("both posts archived", func() bool {
		n, _ := f.svc.Store().ArchivePostCount(ctx, l.ID)
		return n == 2
	})
	if reports, err := f.svc.Digests().RunDigests(ctx, f.clock.now(), false, ""); err != nil || len(sentOnly(reports)) != 0 {
		t.Fatalf("before the hour: %v %v", reports, err)
	}
	f.clock.advance(25 * time.Hour)
	reports, err := f.svc.Digests().RunDigests(ctx, f.clock.now(), false, "")
	if err != nil || len(sentOnly(reports)) != 2 {
		t.Fatalf("at the hour: %+v %v", reports, err)
	}
	digest := f.mailTo("dora@example.com", "Digest, Vol 1, Issue 1")
	for _, want := range []string{"How do I square the lathe bed?", "Chuck key lost", "multipart/digest", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"} {
		if !strings.Contains(string(digest.data), want) {
			t.Errorf("the digest lacks %q", want)
		}
	}
	summary := f.mailTo("sam@example.com", "What the community learned")
	for _, want := range []string{"How do I square the lathe bed?", "https://example.com/chucks", "multipart/alternative"} {
		if !strings.Contains(string(summary.data), want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if reports, err := f.svc.Digests().RunDigests(ctx, f.clock.now(), false, ""); err != nil || len(sentOnly(reports)) != 0 {
		t.Errorf("asked again: %+v %v", reports, err)
	}
	// A post that arrives late (held, or a slow clock), dated before the
	// digest just sent, goes into the next one.
	late := fmt.Sprintf("From: Bob <bob@example.com>\r\nTo: %s\r\nSubject: Late tailstock note\r\nMessage-ID: <late@example.net>\r\nDate: %s\r\n\r\nMeant for yesterday.\r\n",
		l.Address, f.clock.now().Add(-3*time.Hour).Format(time.RFC1123Z))
	f.send("bob@example.com", l.Address, late)
	f.mailTo("bob@example.com", "Late tailstock note")
	f.clock.advance(24 * time.Hour)
	if _, err := f.svc.Digests().RunDigests(ctx, f.clock.now(), false, ""); err != nil {
		t.Fatal(err)
	}
	if second := f.mailTo("dora@example.com", "Digest, Vol 1, Issue 2"); !strings.Contains(string(second.data), "Late tailstock note") {
		t.Error("the late post is not in the next digest")
	}
	time.Sleep(300 * time.Millisecond)
	for _, c := range f.rec.snapshot() {
		s := string(c.data)
		if c.to == "bob@example.com" && (strings.Contains(s, "Digest, Vol") || strings.Contains(s, "What the community learned")) {
			t.Errorf("bob, who reads each post, got a digest or summary")
		}
		if (c.to == "dora@example.com" || c.to == "sam@example.com") && strings.Contains(hdr(t, c.data, "Subject"), "[cop] Chuck key lost") {
			t.Errorf("%s got a post although they read digests", c.to)
		}
	}
}

// sentOnly is the reports of runs that sent something.
func sentOnly(reports []schedule.DigestReport) []schedule.DigestReport {
	var out []schedule.DigestReport
	for _, r := range reports {
		if r.Skipped == "" {
			out = append(out, r)
		}
	}
	return out
}

// TestDigestSendSaysWhy (issue 14 item 14): `digest send --force` says
// for each list and kind what it sent, or why it sent nothing: an empty
// period, no member who takes it.
func TestDigestSendSaysWhy(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	praxis(t, data, "list", "create", "quiet@example.org", "--name", "Quiet", "--owner", "boss@example.org")
	praxis(t, data, "member", "add", "cop@example.org", "dora@example.com", "--delivery", "digest")
	praxis(t, data, "member", "add", "cop@example.org", "sam@example.com", "--delivery", "summary")
	out := praxis(t, data, "digest", "send", "--force")
	for _, want := range []string{
		"cop@example.org digest (", "cop@example.org summary (",
		"quiet@example.org digest: not sent: no member takes it", "quiet@example.org summary: not sent: no member takes it",
		"nothing due",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("digest send --force on empty lists lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "not sent: no posts in the period"); n != 2 {
		t.Errorf("%d of cop@'s two kinds said the period had no posts:\n%s", n, out)
	}
	mbox := filepath.Join(t.TempDir(), "one.mbox")
	must(t, os.WriteFile(mbox, []byte("From bob@example.com Mon Jan  4 10:00:00 2021\nFrom: bob@example.com\nSubject: lathe\nMessage-ID: <lathe@example.com>\nDate: "+time.Now().UTC().Format(time.RFC1123Z)+"\n\nsquare the bed\n"), 0o600))
	praxis(t, data, "import", "mbox", "cop@example.org", mbox)
	time.Sleep(1100 * time.Millisecond) // a digest holds what arrived before its second
	out = praxis(t, data, "digest", "send", "--force", "--list", "cop@example.org")
	if !regexp.MustCompile(`cop@example.org digest vol 1 issue 1 \(.*\): queued for 1 members`).MatchString(out) || strings.Contains(out, "nothing due") || strings.Contains(out, "quiet@") {
		t.Errorf("digest send --force with a post:\n%s", out)
	}
}
