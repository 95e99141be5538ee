package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
	"praxis/listserv/store/storetest"
)

// copyTree copies the regular files under src to dst (a data dir that no
// process has open: the database, the index).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o700)
		case !d.Type().IsRegular():
			return nil // a socket a killed serve left
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o600)
	})
	must(t, err)
}

// blackhole is an SMTP server that takes connections and never answers:
// copies sent there stay in flight, claimed by the node sending them.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// count runs a COUNT query on a store of a data dir (SQLite), or on db.
func countRows(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	must(t, db.QueryRow(q).Scan(&n))
	return n
}

// migrationTables are the tables of an installation that migrate copies,
// read from SQLite's schema.
func migrationTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	// Not the days' packs either (0041): the copy leaves them behind, and
	// PostgreSQL packs its days again as summaries read them.
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
		AND name NOT IN ('schema_migrations', 'archive_days', 'archive_packs') ORDER BY name`)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		must(t, rows.Scan(&name))
		out = append(out, name)
	}
	must(t, rows.Err())
	return out
}

// webPage fetches a page of srv's web as the session's holder, with one
// CSRF cookie, so that the forms' tokens depend only on the database's
// secret.
func webPage(t *testing.T, srv *server, path, session string) string {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+srv.http+path, nil)
	must(t, err)
	req.AddCookie(&http.Cookie{Name: "praxis_session", Value: session})
	req.AddCookie(&http.Cookie{Name: "praxis_csrf", Value: strings.Repeat("c", 40)})
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
	return string(body)
}

// webPages fetches the pages the migrate test compares, as a moderator
// of cop@example.org (webPage).
func webPages(t *testing.T, srv *server, session string) map[string]string {
	t.Helper()
	get := func(path string) string { return webPage(t, srv, path, session) }
	const list = "/l/" + usrpList
	pages := map[string]string{}
	for _, path := range []string{"/", list + "/", list + "/?page=3", list + "/search?q=b210+firmware", list + "/search?q=f:patchvonbraun@gmail.com+d:2021-01-01..2021-06-30",
		"/api/l/" + usrpList + "/threads", "/l/cop@example.org/admin/held"} {
		pages[path] = get(path)
	}
	thread := regexp.MustCompile(`href="(` + regexp.QuoteMeta(list) + `/t/[^"]+)"`).FindStringSubmatch(pages[list+"/"])
	if thread == nil {
		t.Fatalf("no thread link on the list's page:\n%s", pages[list+"/"])
	}
	pages[thread[1]] = get(thread[1])
	msg := regexp.MustCompile(`href="(/m/[^"/]+)"`).FindStringSubmatch(pages[thread[1]])
	if msg == nil {
		t.Fatalf("no message link on the thread's page:\n%s", pages[thread[1]])
	}
	pages[msg[1]] = get(msg[1])
	return pages
}

// TestMigrateUSRP moves a SQLite installation into PostgreSQL with
// `praxis migrate`: the whole usrp archive (3,568 posts, with their
// threads, references, links, IMAP sizes and headers), a second list with
// 200 members, a moderator with an app password and a web session, a
// ban, a DKIM key, a held post, digest bookkeeping, and a fan-out in
// flight: copies claimed by a node killed while its SMTP peer never
// answered, and copies not yet claimed. migrate refuses while that serve
// runs; a migrate killed half-way is run again and completes; every
// table's rows are then the same on both sides, read here apart from the
// copy; a third run finds nothing to do. serve over PostgreSQL (on the
// same data dir, so the node takes back its claims and keeps its index)
// answers the web's pages and a search byte for byte as serve over
// SQLite did, `export mbox` gives the same bytes, and the fan-out that
// was in flight is delivered, once to each member.
func TestMigrateUSRP(t *testing.T) {
	pgtest.Server(t)
	url := pgtest.URL(t)
	ctx := context.Background()
	data := t.TempDir()
	copyTree(t, usrpArchive(t), data)

	const cop, members, digests = "cop@example.org", 200, 20
	praxis(t, data, "list", "create", cop, "--name", "Makers CoP", "--post", "members")
	var csv strings.Builder
	csv.WriteString("email,name,role,delivery\n")
	for i := 0; i < members; i++ {
		delivery := "each"
		if i < digests {
			delivery = "digest"
		}
		fmt.Fprintf(&csv, "m%03d@example.net,Maker %d,member,%s\n", i, i, delivery)
	}
	csvFile := filepath.Join(t.TempDir(), "members.csv")
	must(t, os.WriteFile(csvFile, []byte(csv.String()), 0o600))
	praxis(t, data, "import", "members", cop, csvFile)
	praxis(t, data, "member", "add", cop, "mod@example.net", "--role", "moderator", "--delivery", "nomail")
	praxis(t, data, "member", "app-password", cop, "mod@example.net")
	praxis(t, data, "ban", "add", cop, `^.*@spam\.example$`)
	praxis(t, data, "domain", "dkim-keygen", "example.org")
	const session = "migrate-test-session-0123456789abcdef"
	st, err := openStore(data)
	must(t, err)
	must(t, st.CreateSession(ctx, session, "mod@example.net", time.Now().Add(24*time.Hour)))
	st.Close()

	// A fan-out in flight and a held post, then the node is killed.
	srv := serve(t, data, blackhole(t), "--delivery-concurrency", "4")
	sendSMTP(t, srv.smtp, "m100@example.net", cop, "From: m100@example.net\r\nTo: cop@example.org\r\nSubject: lathe gibs\r\nMessage-ID: <inflight@example.net>\r\n\r\nHow tight should the gib screws be?\r\n")
	sendSMTP(t, srv.smtp, "eve@elsewhere.example", cop, "From: eve@elsewhere.example\r\nTo: cop@example.org\r\nSubject: hello makers\r\nMessage-ID: <held@elsewhere.example>\r\n\r\nMay I join the talk?\r\n")
	st, err = openStore(data)
	must(t, err)
	for i := 0; ; i++ {
		leased := countRows(t, st.DB(), `SELECT COUNT(*) FROM deliveries WHERE state = 'queued' AND lease_node <> ''`)
		held := countRows(t, st.DB(), `SELECT COUNT(*) FROM messages WHERE state = 'held'`)
		if leased > 0 && held == 1 {
			t.Logf("%d copies claimed by the node, 1 post held", leased)
			break
		}
		if i == 600 {
			t.Fatalf("%d copies claimed, %d held after a minute\n%s", leased, held, srv.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	st.Close()
	// The moderator signed in has seen a page: the web's secret, which
	// signs its forms' tokens, is made on first use, and goes with the
	// installation.
	webPage(t, srv, "/", session)
	if _, errOut, err := praxisRun(data, "migrate", "--from", data, "--db", url); err == nil || !strings.Contains(errOut, "is running on "+data) {
		t.Errorf("migrate beside a running serve: %v, %s; want a refusal", err, errOut)
	}
	srv.kill()
	time.Sleep(1100 * time.Millisecond) // a digest holds what arrived before the second it is made in
	praxis(t, data, "digest", "send", "--list", cop, "--force")

	// Another installation's database is refused.
	other := pgtest.URL(t)
	praxis(t, t.TempDir(), "--db", other, "list", "create", "other@example.org", "--name", "Other")
	if _, errOut, err := praxisRun(data, "migrate", "--from", data, "--db", other); err == nil || !strings.Contains(errOut, "copy into an empty database") {
		t.Errorf("migrate into another installation's database: %v, %s; want a refusal", err, errOut)
	}

	// Killed half-way, then run again.
	pg, err := sql.Open("pgx", url)
	must(t, err)
	defer pg.Close()
	cmd := exec.Command(binary, "migrate", "--from", data, "--db", url)
	stderr, err := cmd.StderrPipe()
	must(t, err)
	must(t, cmd.Start())
	lines := bufio.NewScanner(stderr)
	for lines.Scan() && lines.Text() != "praxis: migrate: copying" {
	}
	for i := 0; countRows(t, pg, `SELECT COUNT(*) FROM archive_blobs`) == 0; i++ {
		if i == 3000 {
			t.Fatal("migrate copied no post in a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	go io.Copy(io.Discard, stderr)
	cmd.Wait()
	t.Logf("migrate killed with %d of 3568 posts' bytes copied", countRows(t, pg, `SELECT COUNT(*) FROM archive_blobs`))

	start := time.Now()
	out, errOut, err := praxisRun(data, "migrate", "--from", data, "--db", url)
	if err != nil || !strings.Contains(out, "every table's count and contents match") {
		t.Fatalf("migrate: %v\n%s%s", err, out, errOut)
	}
	t.Logf("migrate after the kill: %s\n%s", time.Since(start).Round(time.Millisecond), out)
	// stderr is no terminal here: plain progress lines, no bar.
	if !strings.Contains(errOut, "praxis: migrate: copying\n") || strings.Contains(errOut, "\r") {
		t.Errorf("progress on a pipe:\n%q", errOut)
	}

	// Every table, read here apart from the copy: the same rows.
	sq, err := openStore(data)
	must(t, err)
	for _, table := range migrationTables(t, sq.DB()) {
		cols := "*"
		if table == "archive_refs" {
			cols = "rowid AS rowid, *" // SQLite's implicit key, a column in PostgreSQL
		}
		a, b := storetest.TableRows(t, sq.DB(), table, cols), storetest.TableRows(t, pg, table, "*")
		if len(a) != len(b) {
			t.Errorf("%s: %d rows in SQLite, %d in PostgreSQL", table, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s differs:\nSQLite     %s\nPostgreSQL %s", table, a[i], b[i])
				break
			}
		}
	}
	sq.Close()
	for q, want := range map[string]int{
		`SELECT COUNT(*) FROM archive`:                                                3568 + 1,
		`SELECT COUNT(*) FROM members`:                                                members + 1,
		`SELECT COUNT(*) FROM messages WHERE state = 'held'`:                          1,
		`SELECT COUNT(*) FROM deliveries WHERE state = 'queued' AND lease_node <> ''`: -1,
		`SELECT COUNT(*) FROM digest_sends`:                                           digests,
		`SELECT COUNT(*) FROM web_sessions`:                                           1,
		`SELECT COUNT(*) FROM app_passwords`:                                          1,
		`SELECT COUNT(*) FROM dkim_keys`:                                              1,
		`SELECT COUNT(*) FROM bans`:                                                   1,
		`SELECT COUNT(*) FROM digest_runs WHERE list_id = (SELECT id FROM lists WHERE address = 'cop@example.org')`: -1,
	} {
		got := countRows(t, pg, q)
		if (want < 0 && got == 0) || (want >= 0 && got != want) {
			t.Errorf("%s: %d in PostgreSQL, want %d (-1: some)", q, got, want)
		}
	}
	// Again: nothing new.
	out = praxis(t, data, "migrate", "--from", data, "--db", url)
	if !strings.Contains(out, "(0 new)") {
		t.Errorf("a third migrate:\n%s", out)
	}

	// The same answers from both engines. serve over SQLite runs on a copy
	// of the data dir, which its delivery and scheduler may change.
	view := t.TempDir()
	copyTree(t, data, view)
	fixed := []string{"--hostname", "lists.example.org", "--base-url", "http://lists.example.org"}
	rec := newRecorder(t)
	overSQLite := serve(t, view, rec.sink.Addr(), fixed...)
	want := webPages(t, overSQLite, session)
	overSQLite.stop(t)
	wantMbox := praxis(t, view, "export", "mbox", usrpList)

	rec = newRecorder(t)
	overPG := serve(t, data, rec.sink.Addr(), append(fixed, "--db", url)...)
	got := webPages(t, overPG, session)
	for path, page := range want {
		if g := got[path]; g != page {
			i := 0
			for i < min(len(g), len(page)) && g[i] == page[i] {
				i++
			}
			from := max(0, i-80)
			t.Errorf("GET %s differs over PostgreSQL at byte %d:\n%q\nover SQLite:\n%q", path, i, g[from:min(len(g), i+80)], page[from:min(len(page), i+80)])
		}
	}
	if !strings.Contains(got["/l/cop@example.org/admin/held"], "hello makers") {
		t.Errorf("the moderator's held page lacks the held post:\n%s", got["/l/cop@example.org/admin/held"])
	}
	if mbox := praxis(t, t.TempDir(), "--db", url, "export", "mbox", usrpList); mbox != wantMbox {
		t.Errorf("export mbox over PostgreSQL: %d bytes, over SQLite %d", len(mbox), len(wantMbox))
	}

	// The fan-out that was in flight is delivered, once to each member.
	waitAllDone(t, pg, 1200)
	time.Sleep(500 * time.Millisecond) // anything more would be a duplicate
	posts, digested := map[string]int{}, map[string]int{}
	for _, c := range rec.snapshot() {
		switch {
		case strings.Contains(string(c.data), "<inflight@example.net>") && strings.Contains(hdr(t, c.data, "Subject"), "lathe gibs") &&
			!strings.Contains(hdr(t, c.data, "Subject"), "Digest"):
			posts[c.to]++
		case strings.Contains(hdr(t, c.data, "Subject"), "Digest"):
			digested[c.to]++
		}
	}
	for i := 0; i < members; i++ {
		addr := fmt.Sprintf("m%03d@example.net", i)
		switch {
		case i < digests && digested[addr] != 1:
			t.Errorf("%s got %d digests, want 1", addr, digested[addr])
		case i >= digests && i != 100 && posts[addr] != 1:
			t.Errorf("%s got the post %d times, want once", addr, posts[addr])
		}
	}
	overPG.stop(t)
}

// TestCopyBar: on a terminal the progress is one line redrawn in place,
// a bar with the table's rows; elsewhere, plain lines: one as each step
// begins, and the rows at most every few seconds.
func TestCopyBar(t *testing.T) {
	steps := []store.CopyProgress{
		{Step: "check", Table: "archive", Total: 3568},
		{Step: "copy", Table: "archive", Total: 3568},
		{Step: "copy", Table: "archive", Done: 500, Total: 3568},
		{Step: "copy", Table: "archive", Done: 1000, Total: 3568},
		{Step: "verify", Table: "archive", Total: 3568},
	}
	var plain strings.Builder
	bar := &copyBar{w: &plain}
	for _, p := range steps {
		bar.update(p)
	}
	want := "praxis: migrate: checking what the database holds already\n" +
		"praxis: migrate: copying\n" +
		"praxis: migrate: copy archive: 500 of 3568 rows\n" +
		"praxis: migrate: comparing both sides\n"
	if plain.String() != want {
		t.Errorf("plain progress:\n%q\nwant\n%q", plain.String(), want)
	}
	var tty strings.Builder
	bar = &copyBar{w: &tty, tty: true}
	for _, p := range steps[:3] {
		bar.update(p)
	}
	bar.clear()
	if got := tty.String(); !strings.Contains(got, "\r\033[Kcopy archive              [####..........................] 500/3568 rows") ||
		!strings.HasSuffix(got, "\r\033[K") || strings.Count(got, "\n") != 2 {
		t.Errorf("progress on a terminal:\n%q", got)
	}
}
