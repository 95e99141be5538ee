package digest

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message"
)

// TestDigestTOCDecodesEveryCharset: a subject in an encoded word of a
// charset the standard library does not know (windows-1252 here) is
// decoded in a digest's table of contents, as the relay and the archive
// decode it. It stayed "=?windows-1252?q?caf=E9_notes?=" before the digest
// read headers through mailmsg.
func TestDigestTOCDecodesEveryCharset(t *testing.T) {
	post := []byte("From: =?iso-8859-2?q?Pawe=B3?= <pawel@example.net>\n" +
		"Subject: =?windows-1252?q?caf=E9_notes?=\n" +
		"Message-ID: <w1@example.net>\n\nbody\n")
	for _, tt := range []struct {
		name string
		make func([][]byte, DigestOptions) ([]byte, error)
	}{{"rfc1153", DigestRFC1153}, {"mime", DigestMIME}} {
		raw, err := tt.make([][]byte{post}, testDigestOptions)
		if err != nil {
			t.Fatal(err)
		}
		ent, err := message.Read(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var text string
		if mr := ent.MultipartReader(); mr != nil {
			p, err := mr.NextPart() // the table of contents comes first
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(p.Body)
			text = string(b)
		} else {
			b, _ := io.ReadAll(ent.Body)
			text = string(b)
		}
		if want := "1. café notes (Paweł)"; !strings.Contains(text, want) {
			t.Errorf("%s: table of contents lacks %q:\n%s", tt.name, want, text)
		}
	}
}
