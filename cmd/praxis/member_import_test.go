package main

import (
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
