package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"praxis/listserv"
)

// tool is the path of a program the tests need; CI installs it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run installs it (%s)", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return path
}

// TestArchiveRemoveNoMessageID: a post that came without a Message-ID is
// exported with the id the archive gave it, so an export put through
// other mail tools (Python's mailbox, formail), which rewrite its line
// ends and header, is imported again as the same post, and after the
// post is removed, not at all.
func TestArchiveRemoveNoMessageID(t *testing.T) {
	python := tool(t, "python3", "python3")
	formail := tool(t, "formail", "procmail")
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))
	// Sent by SMTP, so archived with CRLF line ends, and with a field
	// Python writes back otherwise (no space after the colon).
	f.send("bob@example.com", "cop@example.org", "From: Bob <bob@example.com>\r\nTo: cop@example.org\r\nSubject:VPN\r\nDate: "+
		time.Now().Format(time.RFC1123Z)+"\r\n\r\nFrom home the\r\nvpn secret is swordfish42\r\n")
	count := func(word string) int {
		return strings.Count(praxis(t, f.data, "export", "mbox", "cop@example.org"), word)
	}
	for i := 0; count("swordfish42") == 0; i++ {
		if i == 200 {
			t.Fatal("the post was never archived")
		}
		time.Sleep(50 * time.Millisecond)
	}
	export := praxis(t, f.data, "export", "mbox", "cop@example.org")
	m := regexp.MustCompile(`(?m)^Message-ID: <(praxis\.[^>]+)>\r?$`).FindStringSubmatch(export)
	if m == nil {
		t.Fatalf("the export does not name the post as the archive does:\n%s", export)
	}
	id := m[1]
	dir := t.TempDir()
	files := map[string]string{"export": filepath.Join(dir, "export.mbox")}
	must(t, os.WriteFile(files["export"], []byte(export), 0o600))
	// Python's mailbox reads each message and writes it anew.
	files["python"] = filepath.Join(dir, "python.mbox")
	if out, err := exec.Command(python, "-c", `import mailbox, sys
src, dst = mailbox.mbox(sys.argv[1]), mailbox.mbox(sys.argv[2])
for m in src:
    dst.add(m)
dst.flush()`, files["export"], files["python"]).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	// formail splits the mbox and writes each message again.
	files["formail"] = filepath.Join(dir, "formail.mbox")
	cmd := exec.Command(formail, "-ds")
	cmd.Stdin = strings.NewReader(export)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("formail: %v", err)
	}
	must(t, os.WriteFile(files["formail"], out, 0o600))
	for name, path := range files {
		b, _ := os.ReadFile(path)
		if name != "export" && string(b) == export {
			t.Fatalf("%s left the export as it was: no round trip to test", name)
		}
	}

	imported := func(when, name string, want int) {
		t.Helper()
		if out := praxis(t, f.data, "import", "mbox", "cop@example.org", files[name]); !strings.Contains(out, fmt.Sprintf(" %d new", want)) {
			t.Errorf("%s: the export through %s: %s; want %d new", when, name, out, want)
		}
	}
	// The export as it was is the post it was made of; the others are
	// other bytes under its Message-ID, kept apart as the archive keeps
	// any (ArchivePut), and so removed with it.
	imported("before the removal", "export", 0)
	imported("before the removal", "python", 1)
	imported("before the removal", "formail", 1)
	if n := count("swordfish42"); n != 3 {
		t.Fatalf("before the removal: %d copies in the archive, want 3", n)
	}
	if n := strings.Count(praxis(t, f.data, "export", "mbox", "cop@example.org"), "Message-ID: <"+id+">"); n != 3 {
		t.Fatalf("%d of the 3 copies are named <%s>", n, id)
	}
	if out := praxis(t, f.data, "archive", "rm", "cop@example.org", "<"+id+">", "--reason", "a password"); !strings.Contains(out, "removed <"+id+">") {
		t.Fatalf("archive rm said %q", out)
	}
	for _, name := range []string{"export", "python", "formail"} {
		imported("after the removal", name, 0)
	}
	if n := count("swordfish42"); n != 0 {
		t.Errorf("after the removal and the imports: %d copies in the archive, want 0", n)
	}
}
