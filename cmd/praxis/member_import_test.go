package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `praxis import members` adds every good line, keeps going past bad ones
// (each named by its line), leaves existing members alone and says so.
func TestImportMembers(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers")
	praxis(t, data, "member", "add", "cop@example.org", "bob@example.com")
	csvFile := filepath.Join(t.TempDir(), "members.csv")
	must(t, os.WriteFile(csvFile, []byte(strings.Join([]string{
		"email,name,role,delivery",
		"alice@example.net,Alice Smith,owner,each",
		"# a comment",
		"carol@example.org, \"Carol, the Maker\",,digest",
		"bob@example.com,Bob,,",
		"not an address,X,,",
		"dave@example.com,Dave,member,weekly",
		"erin@example.com",
	}, "\n")), 0o600))
	out, errOut, err := praxisRun(data, "import", "members", "cop@example.org", csvFile)
	if err == nil {
		t.Error("bad lines, but the command succeeded")
	}
	if !strings.Contains(out, "3 members added") || !strings.Contains(out, "1 already members") || !strings.Contains(out, "2 lines refused") {
		t.Errorf("output %q", out)
	}
	for _, want := range []string{"line 6", "line 7", "weekly"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("errors do not mention %q:\n%s", want, errOut)
		}
	}
	ls := praxis(t, data, "member", "ls", "cop@example.org", "--json")
	for _, want := range []string{`"alice@example.net"`, `"owner"`, `"Carol, the Maker"`, `"digest"`, `"erin@example.com"`} {
		if !strings.Contains(ls, want) {
			t.Errorf("members lack %s:\n%s", want, ls)
		}
	}
	if strings.Contains(ls, "dave@example.com") {
		t.Error("a line with a bad delivery was imported")
	}
}

// TestImportMembersStopsOnTheWrongFile (issue 14 item 10): a file whose
// lines are mostly not members (here an mbox) stops at the 20th bad line
// and adds nobody, not even its few lines that look like addresses.
func TestImportMembersStopsOnTheWrongFile(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "Makers", "--owner", "boss@example.org")
	var lines []string
	lines = append(lines, "zed@example.com")
	for i := 0; i < 30; i++ {
		lines = append(lines, fmt.Sprintf("From sender%d@example.net Mon Jan  4 10:00:00 2021", i), "Subject: not a member", "", "body text")
	}
	file := filepath.Join(t.TempDir(), "archive.mbox")
	must(t, os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600))
	out, errOut, err := praxisRun(data, "import", "members", "cop@example.org", file)
	if err == nil || !strings.Contains(errOut, "20 bad lines") || !strings.Contains(errOut, "nothing was imported") {
		t.Errorf("an mbox as members: %v\n%s%s", err, out, errOut)
	}
	if n := strings.Count(errOut, "line "); n > 21 {
		t.Errorf("%d lines of errors, want it to stop at 20:\n%s", n, errOut)
	}
	if ls := praxis(t, data, "member", "ls", "cop@example.org"); strings.Contains(ls, "zed@example.com") {
		t.Errorf("a good line of the wrong file was added:\n%s", ls)
	}
}
