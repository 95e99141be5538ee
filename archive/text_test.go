package archive

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"praxis/archive/mbox"
)

// TestSplitQuotedReadsLinesAsAScanner: splitQuoted parts every post of
// the usrp archive, every message of the other corpora and texts made
// for the edges (no newline at the end, CR before LF, lone CRs, a
// signature line, quote marks only) exactly as the line scanner it
// replaced did.
func TestSplitQuotedReadsLinesAsAScanner(t *testing.T) {
	texts := []string{
		"", "\n", "\n\n", "a", "a\n", "a\r\n", "a\r\r\n", "a\rb\n", "> q\nown\n>> qq\n> \n>\n",
		"own\n-- \nsig\n", "own\n--\nnot a sig\n", "-- ", "x\r\n-- \r\ny", ">no space\n > not a quote\n",
		strings.Repeat("long line ", 30000) + "\nend",
	}
	root := filepath.Join("..", "..", "shared", "corpora")
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Logf("no corpora at %s: made texts only", root)
	} else {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !strings.HasSuffix(path, ".mbox") {
				texts = append(texts, string(raw))
				return nil
			}
			r, err := mbox.NewReader(bytes.NewReader(raw))
			if err != nil {
				return err
			}
			for {
				m, err := r.Next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				texts = append(texts, string(m.Raw))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(texts) < 4000 {
			t.Fatalf("%d texts from the corpora, want the usrp archive's and the rest", len(texts))
		}
	}
	for i, text := range texts {
		b := []byte(text)
		if len(b) > maxText {
			b = b[:maxText]
		}
		wantOwn, wantQuoted := scannedQuoted(b)
		own, quoted := splitQuoted(b)
		if own != wantOwn || quoted != wantQuoted {
			t.Fatalf("text %d (%.80q): own %.80q quoted %.80q, want %.80q and %.80q", i, text, own, quoted, wantOwn, wantQuoted)
		}
	}
}

// scannedQuoted is how textOf read the lines before splitQuoted: a
// bufio.Scanner's lines.
func scannedQuoted(text []byte) (own, quoted string) {
	var o, q strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "-- " {
			break
		}
		if strings.HasPrefix(line, ">") {
			q.WriteString(strings.TrimLeft(line, "> ") + "\n")
		} else {
			o.WriteString(line + "\n")
		}
	}
	return o.String(), q.String()
}
