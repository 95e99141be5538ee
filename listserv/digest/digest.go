package digest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"

	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
)

// DigestOptions describe a digest issue and its list.
type DigestOptions struct {
	List List
	// Volume and Issue number the digest (Mailman counts issues within a
	// volume; the scheduler keeps the counters).
	Volume, Issue int
	// From defaults to the list's -request address, where replies about
	// the digest itself belong; the digest goes To the list, and
	// Reply-To the list, so a reply reaches the members (Mailman's
	// choice).
	From string
	// ListID is the List-Id value (RFC 2919); Headers are more fields to
	// write as given (List-Post, List-Help, List-Subscribe,
	// List-Unsubscribe, List-Archive…), in order.
	ListID  string
	Headers [][2]string
	// BaseURL, when set, links each post's attachments to its archive
	// page in the plain-text digest.
	BaseURL string
	// Footer, when set, ends the digest (a text part in the MIME digest).
	Footer string
	// Date and MessageID (without angle brackets) default to now and an
	// id made from the digest's content; tests fix them.
	Date      time.Time
	MessageID string
}

// Subject is the digest's subject: "USRP-users Digest, Vol 1, Issue 5".
func (o DigestOptions) Subject() string {
	return fmt.Sprintf("%s Digest, Vol %d, Issue %d", o.List.Name, o.Volume, o.Issue)
}

func (o DigestOptions) from() string {
	if o.From != "" {
		return o.From
	}
	local, domain, _ := strings.Cut(o.List.Address, "@")
	return FormatAddress(o.List.Name, local+"-request@"+domain)
}

// mimeKeep are the fields an enclosed post keeps in a MIME digest, in
// this order: Mailman 3's mime_digest_keep_headers (less its own
// "Message" counter). The rest (Received, DKIM-Signature, the old list's
// fields) would only confuse a reader's client.
var mimeKeep = []string{"Date", "From", "To", "Cc", "Subject", "Message-ID", "Keywords", "In-Reply-To", "References",
	"Content-Type", "MIME-Version", "Content-Transfer-Encoding", "Precedence", "Reply-To", "List-Post"}

// plainKeep are the fields an enclosed post keeps in an RFC 1153 digest,
// in the order RFC 1153 (page 2) requires.
var plainKeep = []string{"Date", "From", "To", "Cc", "Subject", "Message-ID", "Keywords"}

// digestPost is one post of a digest.
type digestPost struct {
	raw     []byte
	header  []field // every field, in order, raw
	body    []byte
	subject string // decoded
	from    string // the author's name, else address
	id      string
}

// field is a header field as written: its name and its whole raw text,
// continuation lines included.
type field struct {
	name string
	raw  []byte
}

func readDigestPost(raw []byte) digestPost {
	p := digestPost{raw: raw}
	raw = crlf(raw)
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	head, body := raw, []byte(nil)
	if i >= 0 {
		head, body = raw[:i+2], raw[i+4:]
	}
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		head, body = nil, raw[2:]
	}
	p.body = body
	for _, line := range bytes.SplitAfter(head, []byte("\r\n")) {
		if len(line) == 0 {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && len(p.header) > 0 {
			f := &p.header[len(p.header)-1]
			f.raw = append(f.raw, line...)
			continue
		}
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue // not a field (an mbox "From " line): dropped
		}
		p.header = append(p.header, field{name: strings.TrimSpace(string(name)), raw: append([]byte(nil), line...)})
	}
	// The subject and author are read as the relay and the archive read
	// them, so the table of contents names a post as they do.
	h := mailmsg.HeaderOf(p.raw)
	p.subject = mailmsg.Subject(h)
	if p.subject == "" {
		p.subject = "(no subject)"
	}
	addr, name := mailmsg.Author(h)
	p.from = name
	if p.from == "" {
		p.from = addr
	}
	p.id = strings.Trim(strings.TrimSpace(unfold(p.get("Message-ID"))), "<>")
	return p
}

// get returns a field's value (first occurrence), unfolded but raw.
func (p digestPost) get(name string) string {
	for _, f := range p.header {
		if strings.EqualFold(f.name, name) {
			_, v, _ := bytes.Cut(f.raw, []byte(":"))
			return strings.TrimSpace(string(v))
		}
	}
	return ""
}

func unfold(s string) string {
	return strings.NewReplacer("\r\n", "", "\n", "").Replace(s)
}

// kept returns the fields named in keep, in keep's order, raw.
func (p digestPost) kept(keep []string) []byte {
	var b bytes.Buffer
	for _, k := range keep {
		for _, f := range p.header {
			if strings.EqualFold(f.name, k) {
				b.Write(f.raw)
			}
		}
	}
	return b.Bytes()
}

// crlf makes every line end CRLF (the archive keeps what arrived; an
// imported mbox has bare LFs).
func crlf(b []byte) []byte {
	if !bytes.Contains(b, []byte("\n")) {
		return b
	}
	var out bytes.Buffer
	out.Grow(len(b) + len(b)/40)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out.Write(b)
			break
		}
		line := b[:i]
		line = bytes.TrimSuffix(line, []byte("\r"))
		out.Write(line)
		out.WriteString("\r\n")
		b = b[i+1:]
	}
	return out.Bytes()
}

// toc writes the table of contents: "Today's Topics:" and each post
// numbered with its subject and author, wrapped as Mailman does.
func toc(posts []digestPost, prefix string) string {
	var b strings.Builder
	b.WriteString("Today's Topics:\n\n")
	for i, p := range posts {
		subj := p.subject
		if prefix != "" {
			// The list's own prefix says nothing here.
			subj = strings.TrimSpace(strings.Replace(subj, strings.TrimSpace(prefix), "", 1))
			subj = strings.Join(strings.Fields(subj), " ")
		}
		// Filled to 65 columns, continuation lines under the subject.
		for j, l := range strings.Split(wrapAt(subj+" ("+p.from+")", 60), "\n") {
			if j == 0 {
				fmt.Fprintf(&b, "  %2d. %s\n", i+1, l)
			} else {
				b.WriteString("      " + l + "\n")
			}
		}
	}
	return b.String()
}

// wrapAt fills text to n columns (a word longer than n stands alone).
func wrapAt(text string, n int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line+" "+w) > n:
			lines = append(lines, line)
			line = w
		default:
			line += " " + w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// masthead is the digest's opening: where to post and how to manage the
// subscription.
func masthead(o DigestOptions) (string, error) {
	local, domain, _ := strings.Cut(o.List.Address, "@")
	var b bytes.Buffer
	err := textTemplates.ExecuteTemplate(&b, "masthead.txt", map[string]any{
		"Name": o.List.Name, "Address": o.List.Address,
		"Request": local + "-request@" + domain, "Owner": local + "-owner@" + domain,
		"Archive": strings.TrimRight(o.BaseURL, "/"),
	})
	if err != nil {
		return "", fmt.Errorf("digest: masthead: %w", err)
	}
	return strings.TrimSpace(b.String()) + "\n", nil
}

// digestHeader is the digest message's own header fields, in order.
func digestHeader(o DigestOptions, contentID string) [][2]string {
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	id := o.MessageID
	if id == "" {
		_, domain, _ := strings.Cut(o.List.Address, "@")
		id = fmt.Sprintf("digest.%d.%d.%s@%s", o.Volume, o.Issue, contentID, domain)
	}
	fs := [][2]string{
		{"From", o.from()},
		{"To", o.List.Address},
		{"Reply-To", o.List.Address},
		{"Subject", mime.QEncoding.Encode("utf-8", o.Subject())},
		{"Date", date.UTC().Format(time.RFC1123Z)},
		{"Message-ID", "<" + strings.Trim(id, "<>") + ">"},
	}
	if o.ListID != "" {
		fs = append(fs, [2]string{"List-Id", o.ListID})
	}
	fs = append(fs, o.Headers...)
	// Precedence: list (RFC 2076) unless the caller set it; each field once.
	for _, f := range [][2]string{{"Precedence", "list"}, {"MIME-Version", "1.0"}} {
		given := false
		for _, h := range o.Headers {
			given = given || strings.EqualFold(h[0], f[0])
		}
		if !given {
			fs = append(fs, f)
		}
	}
	return fs
}

// newHeader makes a header that writes the fields in the order given.
func newHeader(fs [][2]string) message.Header {
	// go-message's Header.Add puts a field first: add them last to first.
	var h message.Header
	for i := len(fs) - 1; i >= 0; i-- {
		h.Add(fs[i][0], fs[i][1])
	}
	return h
}

// contentID names a digest by what it holds, for stable ids and boundaries.
func contentID(raws [][]byte, o DigestOptions) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %d %d\n", o.List.Address, o.Volume, o.Issue)
	for _, r := range raws {
		s := sha256.Sum256(r)
		h.Write(s[:])
	}
	return fmt.Sprintf("%x", h.Sum(nil)[:8])
}

// DigestMIME writes a MIME digest of posts (their stored bytes, oldest
// first), as Mailman does: a multipart/mixed of a text/plain part with the
// masthead and the table of contents, a multipart/digest holding each post
// as message/rfc822 (RFC 2046 §5.1.5) with only the fields in mimeKeep and
// its body byte for byte, and the footer when given.
//
// Written with go-message rather than jordan-wright/email: an enclosed
// message must travel unencoded, as 7bit, 8bit or binary (RFC 2046
// §5.2.1), and jordan-wright/email base64-encodes every attachment.
func DigestMIME(raws [][]byte, o DigestOptions) ([]byte, error) {
	if len(raws) == 0 {
		return nil, errors.New("digest: no posts")
	}
	posts := make([]digestPost, len(raws))
	for i, r := range raws {
		posts[i] = readDigestPost(r)
	}
	cid := contentID(raws, o)
	head, err := masthead(o)
	if err != nil {
		return nil, err
	}
	h := newHeader(append(digestHeader(o, cid),
		[2]string{"Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": "=_praxis_mixed_" + cid})}))
	var out bytes.Buffer
	w, err := message.CreateWriter(&out, h)
	if err != nil {
		return nil, fmt.Errorf("digest: mime: %w", err)
	}
	text := head + "\n" + toc(posts, o.List.Prefix)
	if err := textPart(w, text, fmt.Sprintf("Today's Topics (%d messages)", len(posts))); err != nil {
		return nil, err
	}
	dh := newHeader([][2]string{{"Content-Type", mime.FormatMediaType("multipart/digest", map[string]string{"boundary": "=_praxis_digest_" + cid})}})
	dw, err := w.CreatePart(dh)
	if err != nil {
		return nil, fmt.Errorf("digest: mime: %w", err)
	}
	for _, p := range posts {
		inner := append(p.kept(mimeKeep), "\r\n"...)
		inner = append(inner, p.body...)
		ph := newHeader([][2]string{{"Content-Type", "message/rfc822"}, {"Content-Transfer-Encoding", transferEncoding(inner)}})
		pw, err := dw.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("digest: mime: %w", err)
		}
		if _, err := pw.Write(inner); err != nil {
			return nil, fmt.Errorf("digest: mime: %w", err)
		}
		if err := pw.Close(); err != nil {
			return nil, fmt.Errorf("digest: mime: %w", err)
		}
	}
	if err := dw.Close(); err != nil {
		return nil, fmt.Errorf("digest: mime: %w", err)
	}
	if o.Footer != "" {
		if err := textPart(w, o.Footer, "Digest Footer"); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("digest: mime: %w", err)
	}
	return out.Bytes(), nil
}

// textPart adds a text/plain part in UTF-8.
func textPart(w *message.Writer, text, description string) error {
	body := []byte(strings.ReplaceAll(text, "\n", "\r\n"))
	h := newHeader([][2]string{
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", textEncoding(body)},
		{"Content-Description", mime.QEncoding.Encode("utf-8", description)},
	})
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("digest: mime: %w", err)
	}
	if _, err := pw.Write(body); err != nil {
		return fmt.Errorf("digest: mime: %w", err)
	}
	return pw.Close()
}

// transferEncoding is the encoding an enclosed message is declared with:
// 7bit when it is, 8bit when it has 8-bit bytes in lines SMTP carries,
// binary otherwise (RFC 2046 §5.2.1 allows no other).
func transferEncoding(b []byte) string {
	enc := "7bit"
	for _, line := range bytes.Split(b, []byte("\r\n")) {
		if len(line) > 998 || bytes.IndexByte(line, 0) >= 0 || bytes.IndexByte(line, '\r') >= 0 {
			return "binary"
		}
		for _, c := range line {
			if c >= 0x80 {
				enc = "8bit"
				break
			}
		}
	}
	return enc
}

// textEncoding is the encoding of a text part Praxis writes: 7bit or 8bit
// while lines are short, quoted-printable when one is too long.
func textEncoding(b []byte) string {
	enc := transferEncoding(b)
	if enc == "binary" {
		return "quoted-printable"
	}
	return enc
}

// Separators of RFC 1153: 70 hyphens end the preamble, 30 hyphens end
// each message.
var (
	sep70 = strings.Repeat("-", 70)
	sep30 = strings.Repeat("-", 30)
)

// DigestRFC1153 writes the plain-text digest of RFC 1153: a text/plain
// message whose body is the preamble (the digest's name, date, volume and
// issue; the masthead; "Today's Topics:"), a line of 70 hyphens and a blank
// line, then each post — its Date, From, To, Cc, Subject, Message-ID and
// Keywords fields in that order, a blank line, its text, a blank line, a
// line of 30 hyphens and a blank line — and the trailer: "End of" the
// digest's name and a line of asterisks as long. A line of exactly 30
// hyphens inside a post is escaped with a leading space, as RFC 1153
// permits, so that undigestifiers split where they should.
func DigestRFC1153(raws [][]byte, o DigestOptions) ([]byte, error) {
	if len(raws) == 0 {
		return nil, errors.New("digest: no posts")
	}
	posts := make([]digestPost, len(raws))
	for i, r := range raws {
		posts[i] = readDigestPost(r)
	}
	head, err := masthead(o)
	if err != nil {
		return nil, err
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	var b strings.Builder
	// The identification line of RFC 1153's example preamble.
	left := o.List.Name + " Digest"
	mid := date.UTC().Format("Mon, 2 Jan 2006")
	right := fmt.Sprintf("Volume %d : Issue %d", o.Volume, o.Issue)
	gap := max(2, (70-len(left)-len(mid)-len(right))/2)
	fmt.Fprintf(&b, "%s%s%s%s%s\n\n", left, strings.Repeat(" ", gap), mid, strings.Repeat(" ", gap), right)
	b.WriteString(head)
	b.WriteString("\n")
	b.WriteString(toc(posts, o.List.Prefix))
	b.WriteString("\n" + sep70 + "\n\n")
	for _, p := range posts {
		for _, k := range plainKeep {
			for _, f := range p.header {
				if strings.EqualFold(f.name, k) {
					_, v, _ := bytes.Cut(f.raw, []byte(":"))
					val := strings.Join(strings.Fields(unfold(string(v))), " ")
					if k != "Message-ID" {
						val = mailmsg.Text(val)
					}
					b.WriteString(k + ": " + val + "\n")
				}
			}
		}
		b.WriteString("\n")
		b.WriteString(plainBody(p, o))
		b.WriteString("\n\n" + sep30 + "\n\n")
	}
	if o.Footer != "" {
		// RFC 1153 has no place for a footer: like Mailman, it becomes a
		// last "message" of its own.
		b.WriteString("Subject: Digest Footer\n\n")
		b.WriteString(strings.Trim(o.Footer, "\n"))
		b.WriteString("\n\n" + sep30 + "\n\n")
	}
	end := "End of " + o.Subject()
	b.WriteString(end + "\n" + strings.Repeat("*", utf8.RuneCountInString(end)) + "\n")

	body := []byte(strings.ReplaceAll(b.String(), "\n", "\r\n"))
	cid := contentID(raws, o)
	h := newHeader(append(digestHeader(o, cid),
		[2]string{"Content-Type", "text/plain; charset=utf-8"},
		[2]string{"Content-Transfer-Encoding", textEncoding(body)}))
	var out bytes.Buffer
	w, err := message.CreateWriter(&out, h)
	if err != nil {
		return nil, fmt.Errorf("digest: rfc1153: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		return nil, fmt.Errorf("digest: rfc1153: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("digest: rfc1153: %w", err)
	}
	return out.Bytes(), nil
}

// plainBody is a post's text in a plain digest: its text parts decoded,
// each other part named (with the post's archive page, where the file
// can be had), leading and trailing blank lines removed, lines of 30
// hyphens escaped.
func plainBody(p digestPost, o DigestOptions) string {
	c := learn.ReadContent(p.raw)
	var parts []string
	for _, t := range c.Texts {
		parts = append(parts, strings.Trim(learn.NormalizeSpace(t), "\n"))
	}
	for _, n := range c.Notes {
		note := "[Attachment: "
		if n.Name != "" {
			note += n.Name + ", "
		}
		note += n.Type
		if o.BaseURL != "" && p.id != "" {
			note += ", " + strings.TrimRight(o.BaseURL, "/") + "/m/" + url.PathEscape(p.id)
		}
		parts = append(parts, note+"]")
	}
	text := strings.Join(parts, "\n\n")
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), " \t")
		if l == sep30 {
			l = " " + l[1:]
		}
		lines = append(lines, l)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}
