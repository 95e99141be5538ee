package index

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"praxis/archive/mbox"
)

// corpusPath is relative, like every corpus path of the module: the
// shared corpora sit beside the checkout, wherever it is cloned.
const corpusPath = "../../../shared/corpora/usrp-users-archive/usrp-users-2020-07_2021-12.mbox"

// corpusDocs reads the first n messages of the USRP archive into Docs,
// parsing just enough for the index: subject, from, date and the first
// text part's body. It also returns the raw size of those messages, to
// compare the index's size with.
func corpusDocs(t testing.TB, n int) ([]Doc, int64) {
	f, err := os.Open(corpusPath)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpus %s absent (CI=true makes this a failure)", corpusPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := mbox.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var docs []Doc
	var raw int64
	for len(docs) < n {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raw += int64(len(m.Raw))
		docs = append(docs, parseDoc(len(docs), m.Raw))
	}
	return docs, raw
}

// parseDoc keeps whatever it can read: a malformed header or body leaves
// that field empty rather than dropping the post, as the archive does.
func parseDoc(i int, raw []byte) Doc {
	d := Doc{ID: fmt.Sprintf("usrp\x00%d", i), List: "usrp-users"}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if mr == nil {
		return d
	}
	defer mr.Close()
	h := mr.Header
	d.Subject, _ = h.Subject()
	d.MessageID, _ = h.MessageID()
	d.Date, _ = h.Date()
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		d.From = from[0].String()
		d.FromAddr = from[0].Address
	}
	if err != nil {
		return d
	}
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		switch ph := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := ph.ContentType()
			if d.Body == "" && strings.HasPrefix(ct, "text/plain") {
				b, _ := io.ReadAll(io.LimitReader(p.Body, 1<<20))
				d.Body, d.Quoted = splitQuoted(string(b))
			}
		case *mail.AttachmentHeader:
			if name, err := ph.Filename(); err == nil && name != "" {
				d.Attachments = append(d.Attachments, name)
			}
		}
	}
	return d
}

// splitQuoted separates "> " lines from the post's own text.
func splitQuoted(s string) (own, quoted string) {
	var o, q strings.Builder
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, ">") {
			q.WriteString(line)
		} else {
			o.WriteString(line)
		}
	}
	return o.String(), q.String()
}

// TestCorpus indexes the first 500 posts of a real list in batches of 100
// (the importer's batch size would be 500; five batches exercise segment
// merging too), reports the rate and the index's size against the raw
// mail, and checks that a few real searches find something.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	docs, raw := corpusDocs(t, 500)
	dir := filepath.Join(t.TempDir(), "idx")
	x, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := 0; i < len(docs); i += 100 {
		if err := x.Put(docs[i:min(i+100, len(docs))]...); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	if n, err := x.Count(); err != nil || n != uint64(len(docs)) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(docs))
	}
	for _, q := range []string{"s:uhd", "b200", "d:2020-07"} {
		if res := run(t, x, q, SearchOptions{Highlight: true, Facets: true}); res.Total == 0 {
			t.Errorf("%q found nothing in the corpus", q)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	size, err := dirSize(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("indexed %d msgs in %v: %.0f msgs/s; index %d bytes = %.2fx the %d bytes of mail",
		len(docs), elapsed.Round(time.Millisecond), float64(len(docs))/elapsed.Seconds(),
		size, float64(size)/float64(raw), raw)
}

// BenchmarkPut measures indexing the same 500 corpus posts in one batch.
func BenchmarkPut(b *testing.B) {
	docs, _ := corpusDocs(b, 500)
	for b.Loop() {
		b.StopTimer()
		x, err := Open(b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := x.Put(docs...); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		x.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// dirSize totals the sizes of the files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n += info.Size()
		return nil
	})
	return n, err
}
