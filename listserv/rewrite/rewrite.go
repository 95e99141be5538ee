package rewrite

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/mailmsg"
)

// Errors returned by Prepare and Write, to be tested with errors.Is.
var (
	// ErrEmpty: the post has no bytes at all.
	ErrEmpty = errors.New("rewrite: empty message")
	// ErrList: the list's configuration cannot be put into a header.
	ErrList = errors.New("rewrite: invalid list settings")
	// ErrURL: the unsubscribe URL cannot be put into a header.
	ErrURL = errors.New("rewrite: invalid unsubscribe url")
)

// List is what the rewrite needs to know about the list a post goes to.
type List struct {
	Address       string // "cop@example.org"
	Name          string // "Community of Practice": the display name in List-Id
	Prefix        string // subject prefix, e.g. "[cop] "; empty: subjects are left alone
	ArchiveURL    string // List-Archive, e.g. "http://127.0.0.1:8080/l/cop@example.org/"; empty: none
	PermalinkBase string // Archived-At is <PermalinkBase + url.PathEscape(id)>; empty: none
	Footer        string // plain-text footer, lines separated by \n; empty: none
}

// removedFields are dropped from the post before it is relayed.
var removedFields = []string{
	// Moderator approval passwords must never reach the members (Mailman's
	// cleanse handler removes the same ones).
	"Approved", "Approve", "X-Approved", "X-Approve", "Urgent",
	// Read-receipt requests would make every member's client answer the
	// author.
	"Return-Receipt-To", "Disposition-Notification-To", "X-Confirm-Reading-To", "X-Pmrqc",
	// The list's own fields: an upstream list's (or a forger's) must not
	// survive next to ours (RFC 2369, RFC 2919, RFC 8058, RFC 5064).
	"Archived-At", "List-Id", "List-Post", "List-Help", "List-Subscribe",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Archive", "List-Owner",
	"Precedence",
	// They belong to the delivery hop that brought the post in; the next
	// hop writes its own (RFC 5321 §4.4, RFC 9228).
	"Return-Path", "Delivered-To",
	// An mbox artefact, not a MIME field (RFC 4155 §2 leaves it to
	// implementations); it would be wrong once a footer is added, and a
	// reader that trusts it would cut the copy short.
	"Content-Length",
}

// Copy is the part of a post's copy that is the same for every member,
// prepared once by Prepare. It is never modified afterwards, so any number of
// goroutines may call Write at once.
type Copy struct {
	// head is the header up to, and with withURL also including, the
	// opening `List-Unsubscribe: <` of the personal line.
	withURL []byte
	head    []byte
	// afterURL closes the personal line and continues with the rest of the
	// header; mailtoOnly replaces the personal line and continues the same
	// way for a member without a one-click link.
	afterURL   []byte
	mailtoOnly []byte
	// body is the blank line and the body, as segments: big ones are
	// sub-slices of the raw post, which is not copied.
	body [][]byte

	size      int
	subject   string
	placement Placement
}

// Prepare parses raw (a full RFC 5322 message, CRLF or LF line endings) and
// builds the shared part of every member's copy. messageID is the post's
// Message-ID without angle brackets; if raw has no Message-ID field, one is
// added with this value. If messageID is empty, the post's own is used.
//
// raw must not be changed while the Copy is in use: the body is not copied.
//
// The copy's header is the post's header in its original order and bytes,
// without the fields in removedFields, with the Subject rewritten in place
// (see PrefixSubject), followed by, in this order:
//
//	Message-ID               only if the post had none
//	Subject                  only if the post had none and the list has a prefix
//	List-Id                  RFC 2919
//	List-Unsubscribe         RFC 2369 §3.2, personal, written by Write
//	List-Unsubscribe-Post    RFC 8058, with a one-click URL only
//	List-Archive             RFC 2369 §3.6, if ArchiveURL is set
//	List-Post                RFC 2369 §3.4
//	List-Help                RFC 2369 §3.1
//	List-Subscribe           RFC 2369 §3.3
//	Archived-At              RFC 5064, if PermalinkBase is set
//	Precedence: list
//	X-Loop: the list's address
//	MIME-Version, Content-Type, Content-Transfer-Encoding
//	                         only when the body was wrapped for the footer
//
// Prepare fails only for an empty post or settings that would inject header
// lines; any header line that cannot be read ends the header instead, and any
// MIME structure it cannot read safely gets no footer.
func Prepare(raw []byte, l List, messageID string) (*Copy, error) {
	addr, err := parseList(l)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, ErrEmpty
	}
	sp := splitMessage(raw)
	eol := sp.eol
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(sp.header)))
	if err != nil {
		return nil, fmt.Errorf("rewrite: read header: %w", err)
	}

	id := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(messageID), "<"), ">"))
	hadID := h.Has("Message-Id")
	if id == "" && hadID {
		id = strings.TrimSpace(strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"))
		if !mailmsg.Writable(id) {
			id = "" // an unusable Message-ID of the post's own: no permalink
		}
	} else if id != "" && !mailmsg.Writable(id) {
		// A post must go out even with an id we cannot write: no permalink,
		// no added Message-ID, rather than no copy.
		id = ""
	}

	for _, k := range removedFields {
		h.Del(k)
	}

	plan := planBody(&h, sp.body, l.Footer, eol, id+"\x00"+l.Address)

	c := &Copy{placement: plan.placement}
	var hdr bytes.Buffer
	hdr.Grow(len(sp.header) + 1024)

	prefix := sanitize(l.Prefix)
	sawSubject := false
	fields := h.Fields()
	for fields.Next() {
		key := fields.Key()
		if plan.moveContent && isContentField(key) {
			continue // now the first part's header
		}
		if key == "Subject" {
			if sawSubject && strings.TrimSpace(prefix) != "" {
				// RFC 5322 §3.6 allows one Subject; a second one could
				// show without the prefix.
				continue
			}
			if !sawSubject {
				sawSubject = true
				text, value, changed := rewriteSubject(fields.Value(), prefix)
				c.subject = text
				if changed {
					hdr.Write(foldField("Subject", value, eol))
					continue
				}
			}
		}
		field, err := fields.Raw()
		if err != nil {
			continue // cannot happen for fields that were read, not built
		}
		hdr.Write(withEOL(field, eol))
	}

	if !hadID && id != "" {
		hdr.Write(foldField("Message-ID", "<"+id+">", eol))
	}
	if !sawSubject && strings.TrimSpace(prefix) != "" {
		c.subject = PrefixSubject("", prefix)
		hdr.Write(foldField("Subject", encodeText(c.subject), eol))
	}
	hdr.Write(foldField("List-Id", listID(l.Name, addr), eol))

	// The personal line, RFC 2369 §3.2 and RFC 8058 §3.1. It is always
	// folded after the comma so that it needs no measuring per member; the
	// URL itself is never folded (RFC 2369 §2: no blanks inside <>).
	mailto := "<mailto:" + addr.request() + "?subject=unsubscribe>"
	const unsubName = "List-Unsubscribe: "
	c.head = hdr.Bytes()
	c.withURL = append(append([]byte{}, c.head...), unsubName+"<"...)
	c.head = c.withURL[:len(c.head)]

	var rest bytes.Buffer
	if l.ArchiveURL != "" {
		rest.Write(foldField("List-Archive", "<"+l.ArchiveURL+">", eol))
	}
	rest.Write(foldField("List-Post", "<mailto:"+addr.String()+">", eol))
	rest.Write(foldField("List-Help", "<mailto:"+addr.request()+"?subject=help>", eol))
	rest.Write(foldField("List-Subscribe", "<mailto:"+addr.join()+">", eol))
	if l.PermalinkBase != "" && id != "" {
		rest.Write(foldField("Archived-At", "<"+l.PermalinkBase+url.PathEscape(id)+">", eol))
	}
	// Precedence is not standard, but it is what vacation responders look
	// for to stay quiet (RFC 3834 §2 recommends they honour it).
	rest.Write(foldField("Precedence", "list", eol))
	// X-Loop names the list, so a copy that comes back (a member's
	// forward, an auto-responder) is recognised even if its List-Id was
	// stripped on the way; inbound X-Loop fields of other lists stay.
	rest.Write(foldField("X-Loop", addr.String(), eol))
	for _, f := range plan.topFields {
		rest.Write(f)
	}
	rest.WriteString(eol) // the blank line before the body (RFC 5322 §2.1)

	c.afterURL = []byte(">," + eol + " " + mailto + eol +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click" + eol + rest.String())
	c.mailtoOnly = []byte(unsubName + mailto + eol + rest.String())

	c.body = plan.segments
	c.size = len(c.withURL) + len(c.afterURL)
	for _, s := range c.body {
		c.size += len(s)
	}
	return c, nil
}

// Write writes the copy for one member: the shared header with the
// List-Unsubscribe line personal to the member, then the body.
// unsubscribeURL is the member's one-click link; RFC 8058 §3.1 wants it to be
// https. With an empty unsubscribeURL the line carries only the mailto and
// List-Unsubscribe-Post is left out, as RFC 8058 requires a URI to post to.
func (c *Copy) Write(w io.Writer, unsubscribeURL string) error {
	var err error
	if unsubscribeURL == "" {
		if _, err = w.Write(c.head); err == nil {
			_, err = w.Write(c.mailtoOnly)
		}
	} else {
		if !mailmsg.Writable(unsubscribeURL) {
			return fmt.Errorf("%w: %q", ErrURL, unsubscribeURL)
		}
		if _, err = w.Write(c.withURL); err == nil {
			if _, err = io.WriteString(w, unsubscribeURL); err == nil {
				_, err = w.Write(c.afterURL)
			}
		}
	}
	for _, s := range c.body {
		if err != nil {
			break
		}
		_, err = w.Write(s)
	}
	if err != nil {
		return fmt.Errorf("rewrite: write copy: %w", err)
	}
	return nil
}

// Size returns an estimate of a copy's size in bytes, for sizing buffers; it
// counts a typical unsubscribe URL.
func (c *Copy) Size() int {
	return c.size + 128
}

// Subject returns the copy's subject as decoded UTF-8 text, for logs and
// tests; empty if the post has none and the list no prefix.
func (c *Copy) Subject() string {
	return c.subject
}

// Placement says where the footer went, for logs and tests.
func (c *Copy) Placement() Placement {
	return c.placement
}

// listAddr is the list's address split at its last "@".
type listAddr struct{ local, domain string }

func (a listAddr) String() string  { return a.local + "@" + a.domain }
func (a listAddr) request() string { return a.local + "-request@" + a.domain }
func (a listAddr) join() string    { return a.local + "-join@" + a.domain }

func parseList(l List) (listAddr, error) {
	at := strings.LastIndexByte(l.Address, '@')
	if at <= 0 || at == len(l.Address)-1 || !mailmsg.Writable(l.Address) || strings.ContainsAny(l.Address, `",;()[]\`) {
		return listAddr{}, fmt.Errorf("%w: address %q", ErrList, l.Address)
	}
	if l.ArchiveURL != "" && !mailmsg.Writable(l.ArchiveURL) {
		return listAddr{}, fmt.Errorf("%w: archive url %q", ErrList, l.ArchiveURL)
	}
	if l.PermalinkBase != "" && !mailmsg.Writable(l.PermalinkBase) {
		return listAddr{}, fmt.Errorf("%w: permalink base %q", ErrList, l.PermalinkBase)
	}
	return listAddr{local: l.Address[:at], domain: l.Address[at+1:]}, nil
}

// listID formats the List-Id value: the list's name as a phrase, then the
// list-id in angle brackets, RFC 2919 §3: "local@domain" becomes
// "local.domain", lower-cased since list-ids compare case-insensitively
// (RFC 2919 §2).
func listID(name string, a listAddr) string {
	id := "<" + strings.ToLower(a.local+"."+a.domain) + ">"
	name = strings.TrimSpace(sanitize(name))
	if name == "" {
		return id
	}
	return phrase(name) + " " + id
}

// phrase writes a display name as an RFC 5322 §3.2.5 phrase: bare atoms when
// it is made of them, a quoted-string when it has specials, encoded-words
// (RFC 2047 §5(3)) when it is not ASCII or could be mistaken for one.
func phrase(s string) string {
	if !isASCII(s) || strings.Contains(s, "=?") {
		return qEncode(s)
	}
	atoms := true
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) && s[i] != ' ' {
			atoms = false
			break
		}
	}
	if atoms && !strings.Contains(s, "  ") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isAtext: RFC 5322 §3.2.3.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}
