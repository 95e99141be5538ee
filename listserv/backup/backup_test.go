package backup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"praxis/archive/index"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"archive/tar"
	"compress/gzip"

	"praxis/listserv/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// installation makes a SQLite installation with a list, members and a
// secret, and returns its store.
func installation(t *testing.T, members int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := &store.List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: "open", PostPolicy: "open", ArchivePolicy: "public", Prefix: "[cop] "}
	if err := st.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	for i := range members {
		if err := st.AddMember(ctx, &store.Member{ListID: l.ID, Address: fmt.Sprintf("m%d@example.net", i), Role: "member", Delivery: "each"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Secret(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	return st
}

// names lists what dir holds.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := installation(t, 3)
	l, err := st.ListByAddress(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		id := fmt.Sprintf("p%d@example.net", i)
		raw := []byte("Message-ID: <" + id + ">\r\nFrom: a@example.net\r\nSubject: post\r\n\r\nbody\r\n")
		if _, err := st.ArchivePut(ctx, &store.ArchivedPost{ListID: l.ID, MessageID: id, Subject: "post", FromAddr: "a@example.net", Date: time.Now()}, raw); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	file := filepath.Join(out, "b.tar.gz")
	m, err := Create(ctx, st, file, Options{Praxis: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(t, out); len(got) != 1 || got[0] != "b.tar.gz" {
		t.Errorf("beside the backup: %q, want the file alone (no work directory left)", got)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup holds secrets and keys: mode %v (%v), want 0600", fi.Mode(), err)
	}
	if m.Contents["members"] != 3 || m.Contents["lists"] != 1 || m.Schema != store.LatestSchema() {
		t.Errorf("manifest: %+v", m)
	}

	dir := filepath.Join(t.TempDir(), "restored")
	res, err := Restore(ctx, file, dir, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names(t, dir), " "); got != "index praxis.db" {
		t.Errorf("restored dir holds %q, want index and praxis.db", got)
	}
	if fmt.Sprint(res.Contents) != fmt.Sprint(m.Contents) {
		t.Errorf("restored %v, backed up %v", res.Contents, m.Contents)
	}
	// The index is built by the restore, before any serve or search.
	idx, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := idx.Count(); err != nil || n != 2 {
		t.Errorf("the restored index holds %d documents (%v), want the 2 posts", n, err)
	}
	idx.Close()
	back, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	for _, name := range []string{"web"} {
		a, _ := st.Secret(ctx, name)
		b, _ := back.Secret(ctx, name)
		if !bytes.Equal(a, b) {
			t.Errorf("secret %s differs after the restore: tokens made before it would fail", name)
		}
	}
}

// TestSnapshotIsConsistent backs up while members are added one commit
// at a time: the restored roster is the first k of them, none missing in
// between (a file copy could hold a later one without an earlier).
func TestSnapshotIsConsistent(t *testing.T) {
	ctx := context.Background()
	st := installation(t, 0)
	l, err := st.ListByAddress(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}
	var added atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := st.AddMember(ctx, &store.Member{ListID: l.ID, Address: fmt.Sprintf("m%06d@example.net", i), Role: "member", Delivery: "each"}); err != nil {
				t.Error(err)
				return
			}
			added.Add(1)
		}
	}()
	for added.Load() < 50 {
		runtime.Gosched()
	}
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	before := added.Load()
	_, err = Create(ctx, st, file, Options{})
	after := added.Load()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Restore(ctx, file, dir, quiet); err != nil {
		t.Fatal(err)
	}
	back, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	ms, err := back.Members(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(ms))
	if n < before || n > after+1 {
		t.Errorf("restored %d members; %d were added before the backup began, %d when it ended", n, before, after)
	}
	have := map[string]bool{}
	for _, m := range ms {
		have[m.Address] = true
	}
	for i := range n {
		if a := fmt.Sprintf("m%06d@example.net", i); !have[a] {
			t.Errorf("restored %d members but not %s, added before some of them", n, a)
		}
	}
	t.Logf("%d members before the backup, %d restored, %d at its end", before, n, after)
}

// rewrite makes a backup file from a good one: edit changes its manifest,
// extra entries follow the database.
func rewrite(t *testing.T, good string, edit func(*Manifest), extra ...string) []byte {
	t.Helper()
	f, err := os.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := openReader(f)
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "db")
	if err := rd.extract(rd.m.Files[0], db); err != nil {
		t.Fatal(err)
	}
	m := rd.m
	edit(&m)
	paths := map[string]string{}
	for _, f := range m.Files {
		paths[f.Name] = db
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	var inner bytes.Buffer
	if err := writeArchive(&inner, &m, paths); err != nil {
		t.Fatal(err)
	}
	// writeArchive closes its own gzip stream: unwrap it to add entries.
	zr, err := gzip.NewReader(&inner)
	if err != nil {
		t.Fatal(err)
	}
	tarBytes, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 {
		tarBytes = tarBytes[:len(tarBytes)-1024] // the two zero blocks that end it
		tw := tar.NewWriter(zw)
		zw.Write(tarBytes)
		for _, name := range extra {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: 2})
			tw.Write([]byte("hi"))
		}
		tw.Close()
	} else {
		zw.Write(tarBytes)
	}
	zw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// tarOf is a tar archive of the entries given as name, body, name, body….
func tarOf(entries ...string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for i := 0; i < len(entries); i += 2 {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: entries[i], Mode: 0o600, Size: int64(len(entries[i+1]))})
		tw.Write([]byte(entries[i+1]))
	}
	tw.Close()
	return buf.Bytes()
}

// manifestOf is a manifest that names a database of size bytes.
func manifestOf(size int64) string {
	return `{"format":"praxis-backup","version":1,"schema":1,"files":[{"name":"praxis.db","size":` + strconv.FormatInt(size, 10) + `,"sha256":"` + strings.Repeat("ab", 32) + `"}]}`
}

// TestRestoreRefuses gives restore what is not a whole backup of this
// format: each is refused with the kind of error that says so, and the
// target is left as it was (absent, or empty).
func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	good := filepath.Join(t.TempDir(), "good.tar.gz")
	if _, err := Create(ctx, installation(t, 20), good, Options{Praxis: "test"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// A flipped byte the stream cannot ignore: deflate skips the bits
	// that pad a stored block's header to a byte, so a flip there
	// changes nothing a reader could see (a CI run met one), and the
	// restore is right to take it. The first from the middle on that
	// changes what gunzip gives is used.
	unzipped := func(b []byte) ([]byte, error) {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
	plain, err := unzipped(raw)
	if err != nil {
		t.Fatal(err)
	}
	var flipped []byte
	for i := len(raw) / 2; i < len(raw)-8 && flipped == nil; i++ {
		f := bytes.Clone(raw)
		f[i] ^= 0x40
		if out, err := unzipped(f); err != nil || !bytes.Equal(out, plain) {
			flipped = f
		}
	}
	if flipped == nil {
		t.Fatal("no byte of the backup's second half changes what it holds")
	}
	trailer := bytes.Clone(raw)
	trailer[len(trailer)-6] ^= 0x01 // the gzip CRC-32 of the whole stream

	cases := []struct {
		name string
		file []byte
		want error
		says string
	}{
		{"text", []byte("hello, this is no backup\n"), ErrNotBackup, "no gzip file"},
		{"empty", nil, ErrNotBackup, "no gzip file"},
		{"gzip of text", gz([]byte("hello\n")), ErrNotBackup, "no tar archive"},
		{"foreign tar.gz", gz(tarOf("etc/passwd", "root:x:0:0\n")), ErrNotBackup, `"etc/passwd"`},
		{"other manifest", gz(tarOf(ManifestName, `{"format":"something-else","version":1}`)), ErrNotBackup, "something-else"},
		{"flipped byte", flipped, ErrDamaged, ""},
		{"bad gzip CRC", trailer, ErrDamaged, ""},
		{"cut in half", raw[:len(raw)/2], ErrDamaged, ""},
		{"cut before the end", raw[:len(raw)-4], ErrDamaged, ""},
		{"wrong checksum", rewrite(t, good, func(m *Manifest) { m.Files[0].SHA256 = strings.Repeat("0", 64) }), ErrDamaged, "SHA-256"},
		{"shorter", rewrite(t, good, func(m *Manifest) { m.Files[0].Size -= 512 }), ErrDamaged, "SHA-256"},
		{"entry of another size", gz(tarOf(ManifestName, manifestOf(10), store.SQLiteFile, "hello")), ErrDamaged, "5 bytes, and the manifest says 10"},
		{"path in the name", rewrite(t, good, func(m *Manifest) { m.Files[0].Name = "../../praxis.db" }), ErrDamaged, "alone"},
		{"an entry more", rewrite(t, good, func(*Manifest) {}, "../evil"), ErrDamaged, "../evil"},
		{"a database larger than the disk", gz(tarOf(ManifestName, manifestOf(1<<50), store.SQLiteFile, "hello")), nil, "free"},
		{"newer format", rewrite(t, good, func(m *Manifest) { m.Version = FormatVersion + 1 }), ErrNewer, "praxis test or later"},
		{"newer schema", rewrite(t, good, func(m *Manifest) { m.Schema = store.LatestSchema() + 1 }), ErrNewer, "schema"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "b.tar.gz")
			if err := os.WriteFile(file, tc.file, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, exists := range []bool{false, true} {
				dir := filepath.Join(t.TempDir(), "d")
				if exists {
					os.Mkdir(dir, 0o700)
				}
				_, err := Restore(ctx, file, dir, quiet)
				if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.says) {
					t.Errorf("restore: %v, want %v saying %q", err, tc.want, tc.says)
				}
				entries, serr := os.ReadDir(dir)
				switch {
				case !exists && !errors.Is(serr, fs.ErrNotExist):
					t.Errorf("a refused restore left %s (%v), which was not there", dir, serr)
				case exists && (serr != nil || len(entries) > 0):
					t.Errorf("a refused restore left %d entries in the empty %s (%v)", len(entries), dir, serr)
				}
			}
		})
	}
	// The good one still restores (the cases read copies).
	if _, err := Restore(ctx, good, t.TempDir(), quiet); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreNeedsAnEmptyDir(t *testing.T) {
	ctx := context.Background()
	good := filepath.Join(t.TempDir(), "good.tar.gz")
	if _, err := Create(ctx, installation(t, 1), good, Options{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	os.WriteFile(mine, []byte("mine"), 0o600)
	if _, err := Restore(ctx, good, dir, quiet); !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("restore into a dir with a file: %v, want ErrNotEmpty naming the file", err)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "mine" || len(names(t, dir)) != 1 {
		t.Errorf("the refused restore touched the dir: %q %v %q", b, err, names(t, dir))
	}
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	if _, err := Restore(ctx, good, file, quiet); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("restore onto a file: %v", err)
	}
}

// TestKilledRunsLeaveNothingForLong: a work directory whose process is
// gone (its lock closed, as the kernel does at a kill) is removed by the
// next run; one still held is not, and a restore says another is at work.
func TestKilledRunsLeaveNothingForLong(t *testing.T) {
	ctx := context.Background()
	st := installation(t, 1)
	out := t.TempDir()
	file := filepath.Join(out, "b.tar.gz")
	dead, err := newWorkDir(out, "."+filepath.Base(file)+".partial-")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dead.path, "backup-1"), []byte("half a backup"), 0o600)
	live, err := newWorkDir(out, "."+filepath.Base(file)+".partial-")
	if err != nil {
		t.Fatal(err)
	}
	defer live.remove()
	dead.lock.Close()
	if _, err := Create(ctx, st, file, Options{}); err != nil {
		t.Fatal(err)
	}
	got := names(t, out)
	if len(got) != 2 || got[0] != filepath.Base(live.path) || got[1] != "b.tar.gz" {
		t.Errorf("after a backup beside a killed one's and a running one's work: %q, want the running one's and the file", got)
	}

	target := t.TempDir()
	held, err := newWorkDir(target, restorePrefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, file, target, quiet); !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "another praxis restore") {
		t.Errorf("restore beside a running one: %v", err)
	}
	held.lock.Close() // killed
	if _, err := Restore(ctx, file, target, quiet); err != nil {
		t.Errorf("restore after a killed one: %v", err)
	}
}

// TestBackupOutsideTheDataDir: a backup named inside the data dir (its
// database's own name among them) is refused, and the database is left
// as it was.
func TestBackupOutsideTheDataDir(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := store.Open(ctx, data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{filepath.Join(data, store.SQLiteFile), filepath.Join(data, "b.tar.gz"), filepath.Join(data, "index", "b.tar.gz"), filepath.Join(link, "b.tar.gz")} {
		if _, err := Create(ctx, st, file, Options{Source: data}); err == nil || !strings.Contains(err.Error(), "inside the data dir") {
			t.Errorf("backup to %s: %v, want it refused", file, err)
		}
	}
	if _, err := st.Contents(ctx); err != nil {
		t.Errorf("the database after the refusals: %v", err)
	}
	beside := filepath.Join(filepath.Dir(data), filepath.Base(data)+"-backups")
	if err := os.Mkdir(beside, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(ctx, st, filepath.Join(beside, "b.tar.gz"), Options{Source: data}); err != nil {
		t.Errorf("backup beside the data dir, in a directory whose name begins as its: %v", err)
	}
}

// TestManifestTextIsPrinted: what a manifest says is printed, so a
// crafted one loses its control characters.
func TestManifestTextIsPrinted(t *testing.T) {
	good := filepath.Join(t.TempDir(), "good.tar.gz")
	if _, err := Create(context.Background(), installation(t, 1), good, Options{}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	os.WriteFile(file, rewrite(t, good, func(m *Manifest) { m.Praxis, m.Source = "v1\x1b[2J", "/data\r\n\x07" }), 0o600)
	res, err := Restore(context.Background(), file, t.TempDir(), quiet)
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Praxis != "v1[2J" || res.Manifest.Source != "/data" {
		t.Errorf("manifest as read: %q %q", res.Manifest.Praxis, res.Manifest.Source)
	}
}
