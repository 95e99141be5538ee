package mbox

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader feeds arbitrary bytes to the Reader. It must not panic, and
// for text input the messages must account for every input byte
// (checkAccounting: only separator lines, one empty line before each
// separator, one ">" per unquoted line, and empty lines or a byte order mark
// before the first message may go missing), and writing them out and reading
// them back must give the same messages (checkRoundTrip). For gzip input the
// same holds of the decompressed bytes.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"",
		"\n",
		sepA + "Subject: a\n\nbody\n\n" + sepB + "Subject: b\n\n>From x\n>>From y\n",
		sepA + "Subject: a\n\nbody\n" + sepB + "Subject: b\n",
		"From - \nSubject: a\n\nFrom Russia with love\nYear: 1963\n\nFrom -\nX: y\n",
		"garbage\n\n" + sepA + "\n",
		"\ufeff" + sepA + "Subject: a\r\n\r\nbody\r\n\r\n",
		"From alice at example.org  Mon Jan  2 15:04:05 2006\nSubject: a\n\nbody",
		"From a@b Mon, 2 Jan 2006 15:04:05 +0000\nFrom a@b Mon Jan 2 15:04 2006\nX: y\n",
		"\r\n\n\r",
		">From \n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add(gzipBytes(f, []byte(seeds[2])))
	if files, _ := filepath.Glob(filepath.Join(mimekitPath, "*.mbox.txt")); len(files) > 0 {
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil && len(data) < 16<<10 {
				f.Add(data)
			}
		}
	}

	f.Fuzz(func(t *testing.T, input []byte) {
		text := input
		if bytes.HasPrefix(input, gzipMagic) {
			// The Reader must cope with any damage without panicking;
			// the invariants are checked only when the gzip is sound.
			drain(input)
			zr, err := gzip.NewReader(bytes.NewReader(input))
			if err != nil {
				return
			}
			text, err = io.ReadAll(io.LimitReader(zr, 256<<10))
			if err != nil || bytes.HasPrefix(text, gzipMagic) {
				return
			}
		}
		msgs := readAll(t, bytes.NewReader(text))
		checkAccounting(t, text, msgs)
		checkRoundTrip(t, msgs)
	})
}

// drain reads input to the end or the first error, ignoring both.
func drain(input []byte) {
	r, err := NewReader(bytes.NewReader(input))
	if err != nil {
		return
	}
	for n := 0; n < 1<<16; n++ {
		if _, err := r.Next(); err != nil {
			return
		}
	}
}
