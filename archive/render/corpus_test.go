package render

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"praxis/archive/mbox"
	"praxis/listserv/mailmsg"
)

// The shared corpora sit beside the module; tests that need them skip
// when they are absent.
const corpora = "../../../shared/corpora"

var fixtureDirs = []string{
	"enmime-testdata", "hyperkitty-testdata", "mimekit-testdata",
	"notmuch-corpora", "ruby-mail-fixtures", "spamassassin-tdata",
}

// corpusStats counts what a corpus run saw.
type corpusStats struct {
	mu                                   sync.Mutex
	messages, textParts, htmlParts       int
	remote, attachments, links, enclosed int
	notes                                int
}

// checkMessage runs one message through Render, AttachmentData for each
// attachment and Links, and checks what the page would get.
func checkMessage(t *testing.T, where string, raw []byte, st *corpusStats) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: panic: %v", where, r)
		}
	}()
	m := Render(raw)
	for _, f := range []string{m.Subject, m.From, m.FromAddr, m.To, m.Cc, m.Date} {
		if !utf8.ValidString(f) || strings.ContainsAny(f, "\r\n\x00") {
			t.Errorf("%s: header value %q not clean", where, f)
		}
	}
	var text, htmlParts, remote, enclosed, notes int
	for i, p := range m.Parts {
		if p.Enclosed != nil {
			enclosed++
		}
		if (len(p.Blocks) > 0) == (p.HTML != "") && !(p.HTML == "" && p.RemoteContent) {
			t.Errorf("%s: part %d has %d blocks and %d bytes of HTML", where, i, len(p.Blocks), len(p.HTML))
		}
		if p.HTML != "" || p.RemoteContent {
			htmlParts++
			if p.RemoteContent {
				remote++
			}
			checkSafeHTML(t, where, string(p.HTML))
			continue
		}
		text++
		for _, b := range p.Blocks {
			if b.Kind == Note {
				notes++
			}
			if b.Text == "" || !utf8.ValidString(b.Text) || b.Lines != strings.Count(b.Text, "\n")+1 {
				t.Errorf("%s: bad block %+v", where, b)
			}
			if (b.Kind == Quote) != (b.Depth > 0) {
				t.Errorf("%s: %s block with depth %d", where, b.Kind, b.Depth)
			}
		}
	}
	for _, a := range m.Attachments {
		checkAttachment(t, where, a)
		data, got, err := AttachmentData(raw, a.Index)
		if err != nil {
			t.Errorf("%s: AttachmentData(%d): %v", where, a.Index, err)
			continue
		}
		if got != a || len(data) != a.Size {
			t.Errorf("%s: AttachmentData(%d) = %+v with %d bytes, Render listed %+v", where, a.Index, got, len(data), a)
		}
		if a.SafeType == typeText && !utf8.Valid(data) {
			t.Errorf("%s: attachment %d served as UTF-8 text is not UTF-8", where, a.Index)
		}
	}
	if _, _, err := AttachmentData(raw, len(m.Attachments)+1000); err != ErrNoAttachment {
		t.Errorf("%s: AttachmentData out of range: %v", where, err)
	}
	links := Links(raw)
	for _, l := range links {
		if !mailmsg.IsHTTP(l) {
			t.Errorf("%s: link %q", where, l)
		}
	}
	st.mu.Lock()
	st.messages++
	st.textParts += text
	st.htmlParts += htmlParts
	st.remote += remote
	st.enclosed += enclosed
	st.notes += notes
	st.attachments += len(m.Attachments)
	st.links += len(links)
	st.mu.Unlock()
}

var safeTypes = map[string]bool{
	typeText: true, typeBinary: true,
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
}

func checkAttachment(t *testing.T, where string, a Attachment) {
	t.Helper()
	if a.Index <= 0 || !safeTypes[a.SafeType] {
		t.Errorf("%s: attachment %+v", where, a)
	}
	n := a.Filename
	if n == "" || strings.ContainsAny(n, "/\\\x00\r\n\"<>") || n != strings.TrimSpace(n) ||
		strings.HasPrefix(n, ".") || !utf8.ValidString(n) || utf8.RuneCountInString(n) > maxFilename {
		t.Errorf("%s: attachment filename %q", where, n)
	}
	if strings.ToLower(a.ContentType) != a.ContentType {
		t.Errorf("%s: content type %q not lower case", where, a.ContentType)
	}
}

func (st *corpusStats) log(t *testing.T, name string) {
	t.Logf("%s: %d messages, %d text parts, %d HTML parts (%d with remote content removed), %d parts of attached messages, %d attachments, %d links, %d truncated",
		name, st.messages, st.textParts, st.htmlParts, st.remote, st.enclosed, st.attachments, st.links, st.notes)
}

// TestCorpusFixtures renders every file of the fixture corpora (each one
// as a message; mbox files also message by message).
func TestCorpusFixtures(t *testing.T) {
	if _, err := os.Stat(corpora); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpora not present at %s (CI=true makes this a failure)", corpora)
	} else if err != nil {
		t.Fatalf("corpora at %s: %v", corpora, err)
	}
	t.Parallel()
	st := &corpusStats{}
	for _, dir := range fixtureDirs {
		root := filepath.Join(corpora, dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if name := d.Name(); name == "SOURCE.md" || name == "README" {
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(corpora, path)
			checkMessage(t, rel, raw, st)
			if strings.Contains(d.Name(), ".mbox") {
				forEachMbox(t, path, func(where string, raw []byte) {
					checkMessage(t, rel+where, raw, st)
				})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	st.log(t, "fixtures")
	if st.messages < 700 {
		t.Errorf("only %d fixture messages", st.messages)
	}
}

// TestCorpusUSRP renders every message of the usrp-users archive.
func TestCorpusUSRP(t *testing.T) {
	path := filepath.Join(corpora, "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("usrp archive not present at %s (CI=true makes this a failure)", path)
	} else if err != nil {
		t.Fatalf("usrp archive at %s: %v", path, err)
	}
	t.Parallel()
	st := &corpusStats{}
	type job struct {
		where string
		raw   []byte
	}
	jobs := make(chan job, 64)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				checkMessage(t, j.where, j.raw, st)
			}
		}()
	}
	forEachMbox(t, path, func(where string, raw []byte) {
		jobs <- job{"usrp" + where, raw}
	})
	close(jobs)
	wg.Wait()
	st.log(t, "usrp-users")
	if st.messages != 3568 {
		t.Errorf("%d messages, want 3568", st.messages)
	}
}

func forEachMbox(t *testing.T, path string, fn func(where string, raw []byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := mbox.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		fn(":"+strconv.Itoa(m.Line), m.Raw)
	}
}
