package archive

import (
	"slices"
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
	for _, raw := range corporaMessages(t) {
		if len(raw) < 1<<20 {
			raws = append(raws, raw)
		}
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
