package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"praxis/archive"
	"praxis/listserv"
)

// TestArchiveRemove posts, removes the post with the real binary, and
// checks that the permalink answers 410, search no longer finds it, the
// mbox export lacks it, and a re-import of an export that held it does
// not bring it back.
func TestArchiveRemove(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))
	leak := "From: Bob <bob@example.com>\r\nTo: cop@example.org\r\nSubject: Router login\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nMessage-ID: <leak-1@example.net>\r\n\r\nThe password is hunter2zebra.\r\n"
	f.send("bob@example.com", "cop@example.org", leak)
	f.send("bob@example.com", "cop@example.org", post("Bob <bob@example.com>", "cop@example.org", "Keeper", "This one stays."))

	searchTotal := func(q string) int {
		t.Helper()
		out, errOut, err := praxisRun(f.data, "search", "cop@example.org", q, "--json")
		if err != nil {
			t.Fatalf("search: %v %s", err, errOut)
		}
		var res archive.SearchResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("search: %v: %s", err, out)
		}
		return int(res.Total)
	}
	waitTotal := func(q string, want int) {
		t.Helper()
		for i := 0; searchTotal(q) != want; i++ {
			if i == 200 {
				t.Fatalf("search %q never found %d", q, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitTotal("hunter2zebra", 1)
	waitTotal("s:keeper", 1)

	before := praxis(t, f.data, "export", "mbox", "cop@example.org")
	if !strings.Contains(before, "hunter2zebra") {
		t.Fatalf("the export before removal lacks the post")
	}
	saved := filepath.Join(t.TempDir(), "before.mbox")
	must(t, os.WriteFile(saved, []byte(before), 0o600))

	if out := praxis(t, f.data, "archive", "rm", "cop@example.org", "<leak-1@example.net>", "--reason", "a password"); !strings.Contains(out, "removed <leak-1@example.net>") {
		t.Errorf("archive rm said %q", out)
	}

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + f.http + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/m/leak-1@example.net"); code != http.StatusGone || !strings.Contains(body, "removed") || strings.Contains(body, "hunter2zebra") {
		t.Errorf("permalink after removal: %d\n%s", code, body)
	}
	if code, body := get("/m/leak-1@example.net/raw"); code != http.StatusGone || strings.Contains(body, "hunter2zebra") {
		t.Errorf("raw after removal: %d", code)
	}
	if code, body := get("/api/m/leak-1@example.net"); code != http.StatusGone || strings.Contains(body, "hunter2zebra") {
		t.Errorf("API after removal: %d", code)
	}
	if _, body := get("/l/cop@example.org/atom.xml"); strings.Contains(body, "hunter2zebra") || strings.Contains(body, "Router login") {
		t.Errorf("the feed still shows the post:\n%s", body)
	}
	// serve's index drops it, as every node's does, from the index log.
	waitTotal("hunter2zebra", 0)
	if n := searchTotal("s:keeper"); n != 1 {
		t.Errorf("the post that stays: %d hits", n)
	}
	check := func(when string) {
		t.Helper()
		out := praxis(t, f.data, "export", "mbox", "cop@example.org")
		if strings.Contains(out, "hunter2zebra") || !strings.Contains(out, "This one stays.") {
			t.Errorf("export %s: removed post there, or the other missing:\n%s", when, out)
		}
	}
	check("after removal")

	praxis(t, f.data, "import", "mbox", "cop@example.org", saved)
	check("after a re-import")
	if code, _ := get("/m/leak-1@example.net"); code != http.StatusGone {
		t.Errorf("permalink after a re-import: %d, want 410", code)
	}

	// Every post of one sender, the address in any case.
	if out := praxis(t, f.data, "archive", "purge", "cop@example.org", "--from", "BOB@example.com"); !strings.Contains(out, "removed 1 posts") {
		t.Errorf("archive purge said %q", out)
	}
	if out := praxis(t, f.data, "export", "mbox", "cop@example.org"); strings.Contains(out, "This one stays.") {
		t.Errorf("export after the purge still holds Bob's post")
	}
	waitTotal("s:keeper", 0)
}
