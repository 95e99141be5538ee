package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"praxis/listserv/store/pgtest"
)

// TestListLog (issue 15 item 1): every change the command line makes to
// a list's settings, roster and bans is in `praxis list log`, newest
// first, with who, when and what; a change refused by the rules (the
// same the web applies) is not made and logs nothing.
func TestListLog(t *testing.T) {
	data := t.TempDir()
	testListLog(t, func(args ...string) (string, string, error) { return praxisRun(data, args...) })
}

// TestListLogPostgres: the same on PostgreSQL (--db).
func TestListLogPostgres(t *testing.T) {
	db, dir := pgtest.URL(t), t.TempDir()
	testListLog(t, func(args ...string) (string, string, error) {
		return praxisIn(dir, []string{"PRAXIS_DB=" + db}, append([]string{"--data", dir}, args...)...)
	})
}

func testListLog(t *testing.T, run func(args ...string) (string, string, error)) {
	praxis := func(t *testing.T, _ string, args ...string) string {
		t.Helper()
		out, errOut, err := run(args...)
		if err != nil {
			t.Fatalf("praxis %s: %v\n%s%s", strings.Join(args, " "), err, out, errOut)
		}
		return out
	}
	praxisRun := func(_ string, args ...string) (string, string, error) { return run(args...) }
	data := ""
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	praxis(t, data, "list", "set", "cop@example.org", "--post", "moderated", "--emergency")
	praxis(t, data, "member", "add", "cop@example.org", "ann@example.net")
	praxis(t, data, "member", "set", "cop@example.org", "ann@example.net", "--role", "moderator")
	praxis(t, data, "ban", "add", "cop@example.org", `^.*@spam\.example$`)
	praxis(t, data, "member", "rm", "cop@example.org", "ann@example.net")
	csv := filepath.Join(t.TempDir(), "m.csv")
	if err := os.WriteFile(csv, []byte("email,name\ncarol@example.net,Carol\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	praxis(t, data, "import", "members", "cop@example.org", csv)
	// Refused: by the list's rules, and by the parsing of a number.
	if _, _, err := praxisRun(data, "list", "set", "cop@example.org", "--post", "everyone"); err == nil {
		t.Error("list set --post everyone was taken")
	}
	if _, errOut, err := praxisRun(data, "list", "set", "cop@example.org", "--max-message-kb", "lots"); err == nil || !strings.Contains(errOut, "max-message-kb") {
		t.Errorf("list set --max-message-kb lots: %v %q", err, errOut)
	}

	var log []struct{ Actor, Via, Action, Target, Detail, At string }
	if err := json.Unmarshal([]byte(praxis(t, data, "list", "log", "cop@example.org", "--json")), &log); err != nil {
		t.Fatal(err)
	}
	want := []struct{ action, target, detail string }{
		{"member add", "carol@example.net", "role member, delivery each"},
		{"member rm", "ann@example.net", "was moderator"},
		{"ban add", `^.*@spam\.example$`, ""},
		{"member set", "ann@example.net", `role: "member" → "moderator"`},
		{"member add", "ann@example.net", "role member, delivery each"},
		{"list set", "", `post: "members" → "moderated"; emergency: "false" → "true"`},
		{"member add", "boss@example.org", "role owner, delivery each"},
		{"list create", "", ""},
	}
	if len(log) != len(want) {
		t.Fatalf("the log has %d entries, want %d: %+v", len(log), len(want), log)
	}
	for i, w := range want {
		e := log[i]
		if e.Action != w.action || e.Target != w.target || e.Detail != w.detail || e.Via != "cli" || !strings.HasPrefix(e.Actor, "command line") || e.At == "" {
			t.Errorf("entry %d = %+v, want %+v by the command line", i, e, w)
		}
	}
	table := praxis(t, data, "list", "log", "cop@example.org", "--limit", "2")
	if lines := strings.Split(strings.TrimSpace(table), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "WHEN") || !strings.Contains(lines[1], "carol@example.net") {
		t.Errorf("list log --limit 2 printed\n%s", table)
	}
	if _, errOut, err := praxisRun(data, "list", "log", "nope@example.org"); err == nil || !strings.Contains(errOut, "nope@example.org") {
		t.Errorf("the log of no list: %v %q", err, errOut)
	}
}
