package mbox

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/textproto"
)

// The shared test corpora sit beside the module; tests that need them skip
// when they are absent.
const (
	usrpPath    = "../../../shared/corpora/usrp-users-archive/usrp-users-2020-07_2021-12.mbox"
	usrpCount   = 3568 // SOURCE.md: grep -c '^From ' and Python's mailbox agree
	mimekitPath = "../../../shared/corpora/mimekit-testdata/mbox"
)

func openCorpus(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpus %s not present (CI=true makes this a failure)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestUSRPArchive reads the usrp-users archive, an mboxrd file made from a
// public-inbox mirror, checks every message and its header, exports it with
// the Writer, and reads the export back in step with the original. The
// file was written the way the Writer writes (mboxrd, asctime in UTC), so
// the export must equal it byte for byte.
func TestUSRPArchive(t *testing.T) {
	f := openCorpus(t, usrpPath)
	dir := t.TempDir()
	exportPath := filepath.Join(dir, "export.mbox")
	gzPath := filepath.Join(dir, "usrp.mbox.gz")

	// Pass 1: read, check headers, export, and gzip the original.
	start := time.Now()
	out, err := os.Create(exportPath)
	if err != nil {
		t.Fatal(err)
	}
	w := NewWriter(out)
	r, err := NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var n, malformed, badHeader int
	var quotedLines int
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", n, err)
		}
		n++
		if m.Malformed != "" {
			malformed++
			t.Errorf("message at line %d: %s", m.Line, m.Malformed)
		}
		if m.From == "" || m.Date.IsZero() {
			t.Errorf("message at line %d: no envelope (%q, %v)", m.Line, m.From, m.Date)
		}
		if _, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(m.Raw))); err != nil {
			badHeader++
			t.Errorf("message at line %d: header: %v", m.Line, err)
		}
		quotedLines += countQuotable(m.Raw)
		if err := w.Write(m.From, m.Date, m.Raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	readTime := time.Since(start)
	if n != usrpCount {
		t.Fatalf("read %d messages, want %d", n, usrpCount)
	}
	t.Logf("read and exported %d messages in %v (%d malformed, %d headers go-message could not read, %d lines needed mboxrd quoting)",
		n, readTime, malformed, badHeader, quotedLines)

	if a, b := fileHash(t, usrpPath), fileHash(t, exportPath); a != b {
		t.Errorf("export differs from the original (sha256 %x vs %x)", b, a)
	}
	gzipFile(t, usrpPath, gzPath)

	// Pass 2: the export and the gzipped original read like the original.
	start = time.Now()
	got := compareStreams(t, openCorpus(t, usrpPath), openCorpus(t, exportPath))
	t.Logf("round trip: %d messages identical in %v", got, time.Since(start))
	start = time.Now()
	got = compareStreams(t, openCorpus(t, usrpPath), openCorpus(t, gzPath))
	t.Logf("gzip: %d messages identical in %v", got, time.Since(start))
}

// TestMimeKitMboxes reads MimeKit's mbox test files: undated Netscape
// separators, separators without empty lines, Gmail Takeout separators, a
// byte order mark, and unquoted "From " body lines.
func TestMimeKitMboxes(t *testing.T) {
	tests := []struct {
		file string
		want int
		// bodyLine, if set, must appear in some message: a line that a
		// looser rule would take for a separator.
		bodyLine string
	}{
		{"simple.mbox.txt", 3, ""},
		{"issue1189.mbox.txt", 4, ""},
		{"content-length.mbox.txt", 29, ""},
		// MimeKit's own test expects 4 here: it splits at "From Russia
		// with love". The file holds two messages that quote the film.
		{"unmunged.mbox.txt", 2, "\nFrom Russia with love\nYear: 1963\n"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := io.ReadAll(openCorpus(t, filepath.Join(mimekitPath, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			msgs := readAll(t, bytes.NewReader(data))
			if len(msgs) != tt.want {
				t.Fatalf("read %d messages, want %d", len(msgs), tt.want)
			}
			found := tt.bodyLine == ""
			for _, m := range msgs {
				if _, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(m.Raw))); err != nil {
					t.Errorf("message at line %d: header: %v", m.Line, err)
				}
				found = found || bytes.Contains(m.Raw, []byte(tt.bodyLine))
			}
			if !found {
				t.Errorf("no message contains %q", tt.bodyLine)
			}
			checkAccounting(t, data, msgs)
			checkRoundTrip(t, msgs)
			checkMessagesEqual(t, msgs, readAll(t, bytes.NewReader(gzipBytes(t, data))))
			t.Logf("%d messages, round trip and gzip identical", len(msgs))
		})
	}
}

// compareStreams reads a and b in step and fails on the first message that
// differs in Raw, From or Date. It holds one message of each at a time.
func compareStreams(t *testing.T, a, b io.Reader) int {
	t.Helper()
	ra, err := NewReader(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := NewReader(b)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; ; n++ {
		ma, errA := ra.Next()
		mb, errB := rb.Next()
		if errA == io.EOF && errB == io.EOF {
			return n
		}
		if errA != nil || errB != nil {
			t.Fatalf("message %d: errors %v and %v", n, errA, errB)
		}
		if !bytes.Equal(ma.Raw, mb.Raw) || ma.From != mb.From || !ma.Date.Equal(mb.Date) {
			t.Fatalf("message %d (line %d) differs: %q %v vs %q %v", n, ma.Line, ma.From, ma.Date, mb.From, mb.Date)
		}
	}
}

func checkMessagesEqual(t *testing.T, a, b []*Message) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d messages vs %d", len(a), len(b))
	}
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) || a[i].From != b[i].From || !a[i].Date.Equal(b[i].Date) ||
			a[i].Offset != b[i].Offset || a[i].Line != b[i].Line || a[i].Malformed != b[i].Malformed {
			t.Fatalf("message %d differs", i)
		}
	}
}

// countQuotable counts lines the Writer must quote.
func countQuotable(raw []byte) int {
	n := 0
	for _, ln := range strings.SplitAfter(string(raw), "\n") {
		if needsQuote([]byte(ln)) {
			n++
		}
	}
	return n
}

func fileHash(t *testing.T, path string) [sha256.Size]byte {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, openCorpus(t, path)); err != nil {
		t.Fatal(err)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

func gzipFile(t *testing.T, src, dst string) {
	t.Helper()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	// Fastest level: the test is about reading gzip, not about its ratio.
	zw, err := gzip.NewWriterLevel(out, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(zw, openCorpus(t, src)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkReader reads the usrp-users archive from memory, so the figure
// is the parser's own speed.
func BenchmarkReader(b *testing.B) {
	data, err := io.ReadAll(openCorpus(b, usrpPath))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != usrpCount {
			b.Fatalf("read %d messages, want %d", n, usrpCount)
		}
	}
}

// BenchmarkReaderGzip is the same archive gzipped: what an import of a
// .mbox.gz costs, decompression included.
func BenchmarkReaderGzip(b *testing.B) {
	data, err := io.ReadAll(openCorpus(b, usrpPath))
	if err != nil {
		b.Fatal(err)
	}
	z := gzipBytes(b, data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(z))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkWriter writes the archive's messages, read once beforehand.
func BenchmarkWriter(b *testing.B) {
	data, err := io.ReadAll(openCorpus(b, usrpPath))
	if err != nil {
		b.Fatal(err)
	}
	msgs := readAll(b, bytes.NewReader(data))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w := NewWriter(io.Discard)
		for _, m := range msgs {
			if err := w.Write(m.From, m.Date, m.Raw); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
