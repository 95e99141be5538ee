package render

import (
	"errors"
	"html/template"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"praxis/listserv/mailmsg"
)

// maxText bounds the text shown of one post (the archive's index reads
// the same amount); the rest is replaced by a Note block.
const maxText = 256 << 10

// ErrNoAttachment is returned by AttachmentData for a part number that is
// not one of the message's attachments.
var ErrNoAttachment = errors.New("render: no such attachment")

// Header holds a message's header fields as a page shows them: RFC 2047
// encoded words decoded, raw 8-bit text read as UTF-8 or Windows-1252,
// white space collapsed. Fields that are missing are "".
type Header struct {
	Subject string
	// From is the sender's display name, or the address when there is
	// none; FromAddr the address, in lower case. When the field cannot be
	// parsed, From is its text and FromAddr the first thing in it that
	// looks like an address.
	From, FromAddr string
	// To and Cc list "Name <address>" entries separated by ", ", or the
	// field's text when it cannot be parsed.
	To, Cc string
	// Date is the Date field as written.
	Date string
}

// Message is a post ready for a page.
type Message struct {
	Header
	// Parts is the readable body, in order: text/plain preferred over
	// its HTML alternative, HTML-only mail sanitised, every inline text
	// part of a multipart/mixed, and the text of attached messages.
	Parts []Part
	// Attachments lists the parts offered for download, in order.
	Attachments []Attachment
}

// Part is one readable part of a post. Exactly one of Blocks and HTML is
// set, except that an HTML part whose only content was remote images has
// neither, and RemoteContent set.
type Part struct {
	// Blocks is a text/plain part split into blocks.
	Blocks []Block
	// HTML is a text/html part that has no text/plain alternative,
	// sanitised: it can neither run script nor fetch anything.
	HTML template.HTML
	// RemoteContent tells that the HTML referred to remote images or
	// style sheets, which were removed; the page can say so.
	RemoteContent bool
	// Enclosed is, for a part of an attached message (message/rfc822),
	// that message's header, so the page can introduce it; nil for the
	// post's own parts.
	Enclosed *Header

	links []string // HTML parts: the links of the author's own text
}

// Render reads a stored message for a page. It never fails: a message
// that cannot be parsed is shown as well as it can be.
func Render(raw []byte) *Message {
	w := newWalker(raw, true, 0)
	return w.m
}

// AttachmentData returns the decoded content of the attachment whose
// Index is i, and its entry. Text attachments come as UTF-8, ready to be
// served as their SafeType says. It returns ErrNoAttachment when the
// message has no attachment i.
func AttachmentData(raw []byte, i int) ([]byte, Attachment, error) {
	if i <= 0 {
		return nil, Attachment{}, ErrNoAttachment
	}
	w := newWalker(raw, false, i)
	if !w.found {
		return nil, Attachment{}, ErrNoAttachment
	}
	return w.data, w.att, nil
}

// Links returns the http(s) URLs in the message's own text — not in
// quotes, signatures or list footers — in order and each once, trimmed of
// the punctuation around them, as a rendered message shows them. (The
// resources page and the summaries read archive.Links, which also leaves
// out signatures' and pasted logs' links.)
func Links(raw []byte) []string {
	return Render(raw).links()
}

// headerOf reads the fields a page shows from a message header, the way
// every reader of Praxis reads them (mailmsg).
func headerOf(mh message.Header) Header {
	h := mh.Header
	out := Header{Subject: mailmsg.Subject(h), Date: mailmsg.Text(h.Get("Date"))}
	out.FromAddr, out.From = mailmsg.RealAuthor(h)
	out.FromAddr = strings.ToLower(out.FromAddr)
	if out.From == "" {
		out.From = out.FromAddr
	}
	if out.From == "" {
		out.From = mailmsg.Text(h.Get("From"))
	}
	out.To = addressText(h, "To")
	out.Cc = addressText(h, "Cc")
	return out
}

// addressText formats an address field as "Name <address>, …", or gives
// its text when it cannot be parsed.
func addressText(h textproto.Header, key string) string {
	as, ok := mailmsg.Addresses(h, key)
	if !ok || len(as) == 0 {
		return mailmsg.Text(h.Get(key))
	}
	parts := make([]string, 0, len(as))
	for _, a := range as {
		name := mailmsg.Text(a.Name)
		switch {
		case name == "":
			parts = append(parts, a.Address)
		case a.Address == "":
			parts = append(parts, name)
		default:
			parts = append(parts, name+" <"+a.Address+">")
		}
	}
	return strings.Join(parts, ", ")
}
