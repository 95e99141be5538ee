package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/store"
)

func usrpPath(t *testing.T) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "corpora", "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("no usrp archive at %s (CI=true makes this a failure)", p)
	} else if err != nil {
		t.Fatal(err)
	}
	return p
}

func archiveCount(t *testing.T, data string) (n int, hashes map[string]bool) {
	t.Helper()
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hashes = map[string]bool{}
	ctx := context.Background()
	lists, err := st.Lists(ctx)
	must(t, err)
	for _, l := range lists {
		must(t, st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
			hashes[p.Hash] = true
			n++
			return nil
		}))
	}
	return n, hashes
}

// Import the usrp archive, again (nothing doubles), export it, import the
// export elsewhere: the same messages, byte for byte; and the biggest
// thread comes back whole from `praxis thread`.
func TestImportExportThread(t *testing.T) {
	mboxFile := usrpPath(t)
	data := t.TempDir()
	praxis(t, data, "list", "create", "usrp@lists.example.org", "--name", "USRP users")
	out := praxis(t, data, "import", "mbox", "usrp@lists.example.org", mboxFile)
	if !strings.Contains(out, "3568 messages") {
		t.Fatalf("import said %q", out)
	}
	n1, h1 := archiveCount(t, data)
	praxis(t, data, "import", "mbox", "usrp@lists.example.org", mboxFile)
	if n2, _ := archiveCount(t, data); n2 != n1 || n1 != 3568 {
		t.Fatalf("archive has %d then %d messages, want 3568 both times", n1, n2)
	}

	exported := filepath.Join(t.TempDir(), "export.mbox")
	cmdOut, errOut, err := praxisRun(data, "export", "mbox", "usrp@lists.example.org")
	if err != nil {
		t.Fatalf("export: %v %s", err, errOut)
	}
	must(t, os.WriteFile(exported, []byte(cmdOut), 0o600))
	data2 := t.TempDir()
	praxis(t, data2, "list", "create", "usrp@lists.example.org", "--name", "USRP users")
	praxis(t, data2, "import", "mbox", "usrp@lists.example.org", exported)
	n3, h3 := archiveCount(t, data2)
	if n3 != n1 {
		t.Fatalf("round trip: %d messages, want %d", n3, n1)
	}
	for h := range h1 {
		if !h3[h] {
			t.Fatalf("message %s changed on the round trip", h)
		}
	}

	// The biggest thread, from the store, against `praxis thread --json`.
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	// The thread summaries kept on arrival (out of order, with merges)
	// equal what the posts say.
	var bad int
	probe(t, st, func(scan func(...any) error) error { return scan(&bad) }, `SELECT COUNT(*) FROM (
		SELECT list_id, thread_id, COUNT(*) n, MIN(date) f, MAX(date) l FROM archive GROUP BY list_id, thread_id) x
		FULL JOIN archive_threads t USING (list_id, thread_id)
		WHERE t.posts IS NOT x.n OR t.first_date IS NOT x.f OR t.last_date IS NOT x.l
		   OR t.root_id IS NOT (SELECT id FROM archive b WHERE b.list_id = x.list_id AND b.thread_id = x.thread_id ORDER BY date, id LIMIT 1)`)
	if bad != 0 {
		t.Errorf("%d thread summaries differ from their posts", bad)
	}
	// The biggest thread and its latest post, counted from the posts.
	l, err := st.ListByAddress(context.Background(), "usrp@lists.example.org")
	must(t, err)
	sizes := map[string]int{}
	latest := map[string]*store.ArchivedPost{}
	must(t, st.ArchiveEach(context.Background(), l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		sizes[p.ThreadID]++
		latest[p.ThreadID] = p // ArchiveEach goes in date order
		return nil
	}))
	st.Close()
	var thread, anyID string
	var size int
	for id, n := range sizes {
		if n > size || n == size && id < thread {
			thread, size = id, n
		}
	}
	if thread != "" {
		anyID = latest[thread].MessageID
	}
	js := praxis(t, data, "thread", "usrp@lists.example.org", anyID, "--json")
	var got threadJSON
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatal(err)
	}
	if got.ThreadID != thread || len(got.Messages) != size || size < 20 {
		t.Fatalf("thread of %s: %d messages (id %q), want %d (id %q)", anyID, len(got.Messages), got.ThreadID, size, thread)
	}
	in := map[string]int{}
	for i, m := range got.Messages {
		in[m.MessageID] = i
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT`).MatchString(m.Date) {
			t.Errorf("date %q is not RFC 3339", m.Date)
		}
	}
	// Thread order: a parent in the thread comes before its child, one level up.
	for i, m := range got.Messages {
		if j, ok := in[m.ParentID]; ok && (j >= i || got.Messages[j].Depth != m.Depth-1) {
			t.Errorf("%s at %d (depth %d) but its parent at %d (depth %d)", m.MessageID, i, m.Depth, j, got.Messages[j].Depth)
		}
	}
	t.Logf("biggest thread: %d messages", size)

	// Search from the shell, no serve running: the index is built on the way.
	sj := praxis(t, data, "search", "usrp@lists.example.org", "s:uhd", "--json", "--limit", "5")
	var sr archive.SearchResult
	if err := json.Unmarshal([]byte(sj), &sr); err != nil || sr.Total < 50 || len(sr.Hits) != 5 {
		t.Fatalf("s:uhd: %d found, %d hits (%v)", sr.Total, len(sr.Hits), err)
	}
	if _, errOut, err := praxisRun(data, "search", "usrp@lists.example.org", "*uhd"); err == nil || !strings.Contains(errOut, "wildcard") {
		t.Errorf("a leading wildcard: %v %q", err, errOut)
	}
}

// A post sent by SMTP is archived and searchable within a second, from the
// shell, while serve holds the index.
func TestLivePostSearchable(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))
	sent := time.Now()
	f.send("bob@example.com", "cop@example.org", post("Bob <bob@example.com>", "cop@example.org", "Calibrating the quadrature mixer", "The IQ imbalance went away after the fix."))
	var res archive.SearchResult
	for {
		out, errOut, err := praxisRun(f.data, "search", "cop@example.org", `s:quadrature b:imbalance`, "--json")
		if err != nil {
			t.Fatalf("search: %v %s", err, errOut)
		}
		json.Unmarshal([]byte(out), &res)
		if res.Total == 1 {
			break
		}
		if time.Since(sent) > 10*time.Second {
			t.Fatalf("not searchable after 10 s: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("searchable %s after the 250", time.Since(sent).Round(time.Millisecond))
	h := res.Hits[0]
	if h.List != "cop@example.org" || !strings.Contains(h.Subject, "quadrature") || !strings.Contains(h.Snippet, "<mark>") {
		t.Errorf("hit %+v", h)
	}
	// A re-index while serve holds the index is serve's to do: the post
	// is written again, and found once.
	if out, errOut, err := praxisRun(f.data, "reindex", "cop@example.org"); err != nil || !strings.Contains(out, "serve holds the index") {
		t.Fatalf("reindex: %v %s %s", err, out, errOut)
	}
	// Until serve's index, asked through its socket, has applied it.
	for i := 0; ; i++ {
		pos, err := web.AdminIndexPosition(ctx, f.data)
		must(t, err)
		lag, err := archive.IndexLag(ctx, f.svc.Store(), pos)
		must(t, err)
		if lag.Changes == 0 {
			break
		}
		if i == 200 {
			t.Fatalf("serve's index is %d changes behind", lag.Changes)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out := praxis(t, f.data, "search", "cop@example.org", `s:quadrature`, "--json"); !strings.Contains(out, `"total":1,`) {
		t.Errorf("after the re-index: %s", out)
	}
	// Another list's search never shows it.
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "other@example.org", Name: "Other"}))
	out, errOut, err := praxisRun(f.data, "search", "other@example.org", "quadrature", "--json")
	if err != nil {
		t.Fatalf("search of the other list: %v\n%s", err, errOut)
	}
	if strings.Contains(out, "quadrature") {
		t.Errorf("another list's search found it: %s", out)
	}
}
