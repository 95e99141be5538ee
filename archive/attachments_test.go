package archive

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"praxis/listserv/mailmsg"
)

// TestAttachmentNamesOnePart: a one-part message's attachment is named
// from its header alone, as the reader names it; every message of the
// tricky corpora and of the usrp-users archive gets the same names
// either way (where the reader could read its header strictly).
func TestAttachmentNamesOnePart(t *testing.T) {
	names := func(raw string) []string {
		return attachmentNames(mail.Header{Header: message.Header{Header: mailmsg.HeaderOf([]byte(raw))}}, []byte(raw))
	}
	for _, tt := range []struct {
		name, raw string
		want      []string
	}{
		{"plain text", "Content-Type: text/plain\r\n\r\nhello\r\n", nil},
		{"no type", "Subject: x\r\n\r\nhello\r\n", nil},
		{"a pdf alone", "Content-Type: application/pdf; name=\"spec.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n", []string{"spec.pdf"}},
		{"text as an attachment", "Content-Type: text/plain\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\nlines\r\n", []string{"log.txt"}},
		{"inline with a name", "Content-Type: image/png\r\nContent-Disposition: inline; filename=\"a.png\"\r\n\r\nxx\r\n", nil},
	} {
		if got := names(tt.raw); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}

	var raws [][]byte
	root := filepath.Join("..", "..", "shared", "corpora")
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".eml") || strings.HasSuffix(path, ".msg")) {
			if b, err := os.ReadFile(path); err == nil && len(b) < 1<<20 {
				raws = append(raws, b)
			}
		}
		return nil
	})
	if mb, err := os.ReadFile(filepath.Join(root, "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")); err == nil {
		for _, m := range bytes.Split(mb, []byte("\nFrom "))[1:] {
			if _, rest, ok := bytes.Cut(m, []byte("\n")); ok {
				raws = append(raws, rest)
			}
		}
	}
	if len(raws) < 1000 {
		t.Skipf("only %d messages in ../shared/corpora", len(raws))
	}
	compared := 0
	for _, raw := range raws {
		if _, strict := mailmsg.ReadHeader(raw); !strict {
			continue // the reader reads no header it cannot parse strictly
		}
		compared++
		got := attachmentNames(mail.Header{Header: message.Header{Header: mailmsg.HeaderOf(raw)}}, raw)
		if want := readerNames(raw); !slices.Equal(got, want) {
			t.Errorf("names %q, the reader's %q, of:\n%.400s", got, want, raw)
		}
	}
	t.Logf("%d messages compared", compared)
}
