package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// TestDKIMShow (issue 14 item 9): `domain dkim-show` prints the name and
// value of the key in use, the same record keygen printed, and the new
// one after a rotation; a domain with no key says how to make one.
func TestDKIMShow(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	if _, errOut, err := praxisRun(data, "domain", "dkim-show", "example.org"); err == nil || !strings.Contains(errOut, "no DKIM key") || !strings.Contains(errOut, "dkim-keygen example.org") {
		t.Errorf("dkim-show with no key: %v, %q", err, errOut)
	}
	zone := regexp.MustCompile(`(?m)^\S+\._domainkey\.example\.org\. IN TXT .*$`)
	made := zone.FindString(praxis(t, data, "domain", "dkim-keygen", "example.org"))
	if made == "" {
		t.Fatal("dkim-keygen printed no zone line")
	}
	shown := praxis(t, data, "domain", "dkim-show", "Example.org.")
	if got := zone.FindString(shown); got != made {
		t.Errorf("dkim-show's zone line\n%s\nis not keygen's\n%s", got, made)
	}
	if !strings.Contains(shown, "name:  praxis._domainkey.example.org\n") || !regexp.MustCompile(`(?m)^value: v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{200,}$`).MatchString(shown) {
		t.Errorf("dkim-show printed no name and value:\n%s", shown)
	}
	rotated := zone.FindString(praxis(t, data, "domain", "dkim-keygen", "example.org", "--rotate", "--selector", "second"))
	shown = praxis(t, data, "domain", "dkim-show", "example.org")
	if !strings.Contains(shown, "name:  second._domainkey.example.org") || zone.FindString(shown) != rotated {
		t.Errorf("after --rotate dkim-show printed\n%s\nwant the record of selector second:\n%s", shown, rotated)
	}
}

// asUnprivileged runs praxis with args as a user that file permissions
// apply to: this one, or nobody when the tests run as root (for whom a
// mode 0500 means nothing). dirs are given to nobody first.
func asUnprivileged(t *testing.T, dirs []string, args ...string) (string, error) {
	t.Helper()
	if os.Geteuid() != 0 {
		out, err := exec.Command(binary, args...).CombinedOutput()
		return string(out), err
	}
	runuser, err := exec.LookPath("runuser")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("runuser is not installed (util-linux); the test runs praxis as nobody with it")
		}
		t.Skip("running as root without runuser: permissions cannot be tested")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	for _, d := range dirs {
		must(t, filepath.Walk(d, func(path string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(path, uid, gid)
		}))
	}
	// nobody must reach the binary, in the tests' own directory.
	must(t, os.Chmod(filepath.Dir(binary), 0o755))
	out, err := exec.Command(runuser, append([]string{"-u", "nobody", "--", binary}, args...)...).CombinedOutput()
	return string(out), err
}

// TestErrorsNamePathAndCause (issue 14 item 12): a data dir the user
// cannot write gets an error naming the file and "permission denied",
// not SQLite's "unable to open database file (14)".
func TestErrorsNamePathAndCause(t *testing.T) {
	// Under /tmp, not t.TempDir(), whose parents nobody cannot enter.
	base, err := os.MkdirTemp("", "praxis-perm-")
	must(t, err)
	t.Cleanup(func() { os.Chmod(base, 0o700); os.RemoveAll(base) })
	must(t, os.Chmod(base, 0o755))

	empty := filepath.Join(base, "empty")
	must(t, os.Mkdir(empty, 0o700))
	must(t, os.Chmod(empty, 0o500))
	made := filepath.Join(base, "made")
	praxis(t, made, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	for _, d := range []string{empty, made} {
		t.Cleanup(func() { os.Chmod(d, 0o700) })
	}

	// A new installation in a directory the user may read but not write.
	out, err := asUnprivileged(t, []string{empty}, "--data", empty, "list", "create", "x@example.org", "--name", "X")
	if err == nil || !strings.Contains(out, filepath.Join(empty)) || !strings.Contains(out, store.SQLiteFile) || !strings.Contains(out, "permission denied") || strings.Contains(out, "(14)") {
		t.Errorf("list create in a read-only dir: %v\n%s\nwant the path, %s and permission denied", err, out, store.SQLiteFile)
	}
	// An installation whose directory became read-only: SQLite cannot
	// make its -wal and -shm files.
	must(t, os.Chmod(made, 0o500))
	out, err = asUnprivileged(t, []string{made}, "--data", made, "list", "ls")
	if err == nil || !strings.Contains(out, made) || !strings.Contains(out, "permission denied") || strings.Contains(out, "(14)") {
		t.Errorf("list ls on a read-only data dir: %v\n%s\nwant the path and permission denied", err, out)
	}
}

// praxisIn runs praxis in dir with env added, as a user in some
// directory would, without the --data the other helpers give.
func praxisIn(dir string, env []string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// TestNoDataDirIsNotMade (issue 14 item 11): an admin command run where
// there is no data dir says where it looked and what set that place, and
// makes nothing there; only list create (and serve) make one.
func TestNoDataDirIsNotMade(t *testing.T) {
	dir := t.TempDir()
	elsewhere := filepath.Join(t.TempDir(), "nope")
	for _, tc := range []struct {
		env   []string
		args  []string
		where string
		from  string
	}{
		{nil, []string{"list", "ls"}, filepath.Join(dir, "praxis-data"), "the default"},
		{nil, []string{"--data", elsewhere, "member", "ls", "cop@example.org"}, elsewhere, "--data"},
		{[]string{"PRAXIS_DATA=" + elsewhere}, []string{"held", "ls", "cop@example.org"}, elsewhere, "PRAXIS_DATA"},
		{nil, []string{"search", "cop@example.org", "x", "--data", elsewhere}, elsewhere, "--data"},
		{nil, []string{"status", "--data", elsewhere}, elsewhere, "--data"},
	} {
		_, errOut, err := praxisIn(dir, tc.env, tc.args...)
		if err == nil || !strings.Contains(errOut, "no Praxis data dir at "+tc.where) || !strings.Contains(errOut, tc.from) || !strings.Contains(errOut, "list create") {
			t.Errorf("praxis %s: %v, stderr %q; want it to say it looked at %s, set by %s", strings.Join(tc.args, " "), err, errOut, tc.where, tc.from)
		}
	}
	for _, d := range []string{filepath.Join(dir, "praxis-data"), elsewhere} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s was made (%v)", d, err)
		}
	}
	if _, errOut, err := praxisIn(dir, nil, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org"); err != nil {
		t.Fatalf("list create: %v\n%s", err, errOut)
	}
	if out, errOut, err := praxisIn(dir, nil, "list", "ls"); err != nil || !strings.Contains(out, "cop@example.org") {
		t.Errorf("list ls where list create made the data dir: %v\n%s%s", err, out, errOut)
	}
}

// TestUnknownFlagSaidOnce (issue 14 item 12): a bad flag's error comes
// once, with the command's synopsis, not before and after the usage
// text; --help still prints the flags.
func TestUnknownFlagSaidOnce(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	_, errOut, err := praxisRun(data, "list", "ls", "--bogus")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("an unknown flag: %v, want exit 2", err)
	}
	if n := strings.Count(errOut, "-bogus"); n != 1 || !strings.Contains(errOut, "usage: praxis list ls") {
		t.Errorf("an unknown flag said %d times; stderr:\n%s", n, errOut)
	}
	_, errOut, err = praxisRun(data, "list", "ls", "--help")
	if err != nil || !strings.Contains(errOut, "Usage: praxis list ls") || !strings.Contains(errOut, "-json") {
		t.Errorf("--help: %v\n%s", err, errOut)
	}
}

// TestNoDataDirOnPostgres: with --db the database holds the installation
// and the data dir only this node's index, so the commands of the
// database work with no data dir and make none; those of the index say
// where they looked (search), or leave the index to the nodes (reindex,
// import mbox).
func TestNoDataDirOnPostgres(t *testing.T) {
	db := pgtest.URL(t)
	dir := t.TempDir()
	nodata := filepath.Join(dir, "praxis-data")
	mbox := filepath.Join(dir, "a.mbox")
	must(t, os.WriteFile(mbox, []byte("From alice@example.net Mon Jan  4 10:00:00 2021\nFrom: alice@example.net\nSubject: hello\nMessage-ID: <a@example.net>\nDate: Mon, 4 Jan 2021 10:00:00 +0000\n\nhi\n"), 0o600))
	for _, tc := range []struct {
		args []string
		out  string // in stdout, or in stderr when it fails
		fail bool
	}{
		{[]string{"list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org"}, "created list", false},
		{[]string{"list", "ls"}, "cop@example.org", false},
		{[]string{"import", "mbox", "cop@example.org", mbox}, "1 new", false},
		{[]string{"search", "cop@example.org", "hello"}, "no data dir at " + nodata + ", where this node keeps its index", true},
		{[]string{"reindex"}, "every serve node rebuilds its index", false},
		{[]string{"export", "mbox", "cop@example.org"}, "Subject: hello", false},
	} {
		out, errOut, err := praxisIn(dir, []string{"PRAXIS_DB=" + db}, tc.args...)
		if got := out; (err != nil) != tc.fail || tc.fail && !strings.Contains(errOut, tc.out) || !tc.fail && !strings.Contains(got, tc.out) {
			t.Errorf("praxis %s: %v\n%s%s\nwant %q (failing: %v)", strings.Join(tc.args, " "), err, out, errOut, tc.out, tc.fail)
		}
	}
	if _, err := os.Stat(nodata); !os.IsNotExist(err) {
		t.Errorf("%s was made (%v)", nodata, err)
	}
}

// TestImportRefusesWhatIsNotAnMbox (issue 14 item 10): a text file with
// no "From " line at its start, an executable, an image and an empty file
// are refused with the reason and exit 1, and nothing of a command that
// names one of them goes into the public archive; --force takes them.
func TestImportRefusesWhatIsNotAnMbox(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.mbox")
	must(t, os.WriteFile(good, []byte("\nFrom alice@example.net Mon Jan  4 10:00:00 2021\nFrom: alice@example.net\nSubject: hello\nMessage-ID: <a@example.net>\n\nhi\n"), 0o600))
	readme := filepath.Join(dir, "README.md")
	must(t, os.WriteFile(readme, []byte("# Praxis\n\nMailing lists for communities of practice.\n"), 0o600))
	png := filepath.Join(dir, "logo.png")
	must(t, os.WriteFile(png, append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...), 0o600))
	empty := filepath.Join(dir, "empty.mbox")
	must(t, os.WriteFile(empty, nil, 0o600))
	for _, tc := range []struct{ file, want string }{
		{readme, `does not start with a "From " separator line (its first line: "# Praxis")`},
		{binary, "an executable (ELF)"},
		{png, "image/png"},
		{empty, "empty"},
	} {
		out, errOut, err := praxisRun(data, "import", "mbox", "cop@example.org", good, tc.file)
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(errOut, tc.file+": not an mbox") || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "--force") {
			t.Errorf("import of %s: %v\n%s%s\nwant exit 1 saying %q and --force", tc.file, err, out, errOut, tc.want)
		}
	}
	if got := praxis(t, data, "export", "mbox", "cop@example.org"); got != "" {
		t.Errorf("refused imports left posts in the archive:\n%s", got)
	}
	if out := praxis(t, data, "import", "mbox", "cop@example.org", good, readme, "--force"); !strings.Contains(out, "README.md: 1 messages read") {
		t.Errorf("--force did not import the file:\n%s", out)
	}
}

// logSoFar is what serve has logged so far, read under its writer's lock.
func (s *server) logSoFar() string {
	lw := s.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return s.stderr.String()
}

// threePosts makes a data dir whose list cop@example.org holds three
// imported posts, subjects "SUBJECT 0" to "SUBJECT 2".
func threePosts(t *testing.T, subject string) string {
	t.Helper()
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	var mbox strings.Builder
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&mbox, "From a@example.net Mon Jan  4 10:00:00 2021\nFrom: a@example.net\nSubject: %s %d\nMessage-ID: <p%d@example.net>\n\nbody %d\n\n", subject, i, i, i)
	}
	file := filepath.Join(t.TempDir(), "three.mbox")
	must(t, os.WriteFile(file, []byte(mbox.String()), 0o600))
	praxis(t, data, "import", "mbox", "cop@example.org", file)
	return data
}

// TestReindexInServesLog (issue 14 item 14): `praxis reindex` beside a
// running serve says serve rebuilds the index, and serve's log says when
// the re-index starts and when it is done, with its count of posts.
func TestReindexInServesLog(t *testing.T) {
	data := threePosts(t, "post")
	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	if out := praxis(t, data, "reindex"); !strings.Contains(out, "its log says when it starts and ends") {
		t.Errorf("reindex beside serve printed %q", out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(srv.logSoFar(), "re-index done") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop(t)
	log := srv.stderr.String()
	start, done := strings.Index(log, "re-index started"), strings.Index(log, "re-index done")
	if start < 0 || done < start || !regexp.MustCompile(`re-index done.* posts=3 `).MatchString(log) {
		t.Errorf("serve's log does not tell of the re-index's start and end with its 3 posts:\n%s", log)
	}
	if strings.Count(log, "re-index started") != 1 {
		t.Errorf("the re-index started more than once:\n%s", log)
	}
}

// serveFails runs a serve that must fail at once, and returns its stderr.
func serveFails(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	out, err := cmd.CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("praxis %s: %v (want a failure at once)\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestBusyPortAndBadConfig (issue 14 items 12, 13): a second serve on a
// busy port says which address, that another praxis on this data dir (or
// another program) holds it, and which flag moves it; a config file's
// problems come all at once, a port out of range among them, before
// anything is bound.
func TestBusyPortAndBadConfig(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	rec := newRecorder(t)
	first := serve(t, data, rec.sink.Addr())

	out := serveFails(t, "--data", data, "serve", "--http", first.http, "--smtp", "127.0.0.1:0", "--imap", "127.0.0.1:0")
	for _, want := range []string{"http: " + first.http + " is in use", "another praxis serve, running on this data dir", "--http"} {
		if !strings.Contains(out, want) {
			t.Errorf("a second serve on the same data dir and port lacks %q:\n%s", want, out)
		}
	}
	other := t.TempDir()
	out = serveFails(t, "--data", other, "serve", "--http", "127.0.0.1:0", "--smtp", first.smtp, "--imap", "127.0.0.1:0")
	for _, want := range []string{"smtp: " + first.smtp + " is in use", "another program holds it", "--smtp"} {
		if !strings.Contains(out, want) {
			t.Errorf("a serve on another data dir and a busy port lacks %q:\n%s", want, out)
		}
	}

	conf := filepath.Join(t.TempDir(), "praxis.toml")
	must(t, os.WriteFile(conf, []byte("smpt = \"127.0.0.1:25\"\nsmtp = \"127.0.0.1:99999\"\nhttp = \""+first.http+"\"\nlog-level = \"loud\"\n"), 0o600))
	out = serveFails(t, "--data", other, "--config", conf, "serve")
	for _, want := range []string{"unknown keys: smpt", "smtp: \"127.0.0.1:99999\" has port 99999", "log-level"} {
		if !strings.Contains(out, want) {
			t.Errorf("a bad config file: the error lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "in use") || strings.Contains(out, "listening") {
		t.Errorf("serve tried to bind with a bad config:\n%s", out)
	}
	first.stop(t)
}

// TestReindexOlderMapping: `praxis reindex` of an index an older praxis
// made (another mapping) makes it anew and writes every post, rather than
// calling it corrupt and asking the user to remove it.
func TestReindexOlderMapping(t *testing.T) {
	data := threePosts(t, "mapping post")
	b, err := bleve.Open(filepath.Join(data, "index"))
	must(t, err)
	must(t, b.SetInternal([]byte("praxis.mapping"), []byte("1")))
	must(t, b.Close())
	out, errOut, err := praxisRun(data, "reindex")
	if err != nil || !strings.Contains(out, "indexed ") || !strings.Contains(errOut, "another version of praxis") {
		t.Fatalf("reindex of an older index: %v\n%s\n%s", err, out, errOut)
	}
	if out := praxis(t, data, "search", "cop@example.org", "s:mapping", "--json"); !strings.Contains(out, `"total":3,`) {
		t.Errorf("after the re-index: %s", out)
	}
}
